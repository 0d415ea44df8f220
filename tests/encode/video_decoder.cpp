#include "encode/video_decoder.hpp"

#include <cmath>
#include <cstring>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
}
#include <libyuv/convert_argb.h>

namespace pf::encode::test {

struct VideoDecoder::State {
  AVCodecContext* ctx = nullptr;
  AVPacket* packet = nullptr;
  AVFrame* frame = nullptr;
  ~State() {
    av_frame_free(&frame);
    av_packet_free(&packet);
    avcodec_free_context(&ctx);
  }
};

VideoDecoder::VideoDecoder(Codec which) : s_(std::make_unique<State>()) {
  const AVCodec* codec = avcodec_find_decoder(which == Codec::hevc ? AV_CODEC_ID_HEVC : AV_CODEC_ID_H264);
  s_->ctx = avcodec_alloc_context3(codec);
  s_->ctx->thread_count = 1;  // a picture out for every access unit in
  s_->ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
  avcodec_open2(s_->ctx, codec, nullptr);
  s_->packet = av_packet_alloc();
  s_->frame = av_frame_alloc();
}

VideoDecoder::~VideoDecoder() = default;

std::optional<DecodedFrame> VideoDecoder::decode(Bytes au) {
  s_->packet->data = const_cast<std::uint8_t*>(au.data());
  s_->packet->size = static_cast<int>(au.size());
  if (avcodec_send_packet(s_->ctx, s_->packet) < 0) {
    ++errors_;
    return std::nullopt;
  }
  if (avcodec_receive_frame(s_->ctx, s_->frame) < 0) {
    return std::nullopt;
  }
  if ((s_->frame->decode_error_flags != 0) || (s_->frame->flags & AV_FRAME_FLAG_CORRUPT) != 0) {
    ++errors_;
  }
  const auto w = static_cast<std::uint32_t>(s_->frame->width);
  const auto h = static_cast<std::uint32_t>(s_->frame->height);
  DecodedFrame out;
  out.width = w;
  out.height = h;
  if (s_->frame->format == AV_PIX_FMT_YUV420P10LE) {
    out.bit_depth = 10;
    out.y10.resize(std::size_t{w} * h);
    for (std::uint32_t row = 0; row < h; ++row) {
      std::memcpy(out.y10.data() + std::size_t{row} * w,
                  s_->frame->data[0] + std::size_t{row} * static_cast<std::size_t>(s_->frame->linesize[0]), w * 2);
    }
    av_frame_unref(s_->frame);
    return out;
  }
  out.y.resize(std::size_t{w} * h);
  out.bgra.resize(std::size_t{w} * h * 4);
  for (std::uint32_t row = 0; row < h; ++row) {
    std::memcpy(out.y.data() + std::size_t{row} * w, s_->frame->data[0] + std::size_t{row} * static_cast<std::size_t>(s_->frame->linesize[0]), w);
  }
  libyuv::H420ToARGB(s_->frame->data[0], s_->frame->linesize[0], s_->frame->data[1], s_->frame->linesize[1],
                     s_->frame->data[2], s_->frame->linesize[2], out.bgra.data(), static_cast<int>(w * 4),
                     static_cast<int>(w), static_cast<int>(h));
  av_frame_unref(s_->frame);
  return out;
}

namespace {

template <typename T>
double psnr_of(const std::vector<T>& a, const std::vector<T>& b, double peak) {
  double se = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    se += d * d;
  }
  const double mse = se / static_cast<double>(std::max<std::size_t>(1, a.size()));
  return mse == 0 ? 99.0 : 10.0 * std::log10(peak * peak / mse);
}

}  // namespace

double psnr(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) { return psnr_of(a, b, 255.0); }
double psnr10(const std::vector<std::uint16_t>& a, const std::vector<std::uint16_t>& b) {
  return psnr_of(a, b, 1023.0);
}

}  // namespace pf::encode::test
