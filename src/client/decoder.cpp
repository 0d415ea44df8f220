#include "pf/client/decoder.hpp"

#include <algorithm>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
}

namespace pf::client {

struct Decoder::State {
  AVCodecContext* ctx = nullptr;
  AVPacket* packet = nullptr;
  AVFrame* frame = nullptr;
  ~State() {
    av_frame_free(&frame);
    av_packet_free(&packet);
    avcodec_free_context(&ctx);
  }
};

Decoder::Decoder(std::unique_ptr<State> state) : s_(std::move(state)) {}
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;
Decoder::~Decoder() = default;

Result<Decoder> Decoder::open(VideoCodec codec) {
  const AVCodec* c = avcodec_find_decoder(codec == VideoCodec::hevc ? AV_CODEC_ID_HEVC : AV_CODEC_ID_H264);
  if (c == nullptr) {
    return fail(Errc::unsupported, "libavcodec has no {} decoder", codec == VideoCodec::hevc ? "HEVC" : "H.264");
  }
  auto s = std::make_unique<State>();
  s->ctx = avcodec_alloc_context3(c);
  s->packet = av_packet_alloc();
  s->frame = av_frame_alloc();
  if (s->ctx == nullptr || s->packet == nullptr || s->frame == nullptr) {
    return fail(Errc::io, "libavcodec: out of memory");
  }
  s->ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
  s->ctx->thread_count = 1;  // frame threads add a frame of delay each
  if (avcodec_open2(s->ctx, c, nullptr) < 0) {
    return fail(Errc::unsupported, "libavcodec: cannot open the decoder");
  }
  return Decoder(std::move(s));
}

Result<Picture> Decoder::decode(Bytes access_unit) {
  s_->packet->data = const_cast<std::uint8_t*>(access_unit.data());
  s_->packet->size = static_cast<int>(access_unit.size());
  const int sent = avcodec_send_packet(s_->ctx, s_->packet);
  if (sent < 0 && sent != AVERROR(EAGAIN)) {
    return fail(Errc::malformed, "the decoder refused an access unit ({})", sent);
  }
  const int got = avcodec_receive_frame(s_->ctx, s_->frame);
  if (got == AVERROR(EAGAIN)) {
    return Picture{};
  }
  if (got < 0) {
    return fail(Errc::malformed, "the decoder failed ({})", got);
  }
  if ((s_->frame->decode_error_flags != 0) || (s_->frame->flags & AV_FRAME_FLAG_CORRUPT) != 0) {
    return fail(Errc::malformed, "the decoder concealed errors in a picture");
  }
  const auto format = static_cast<AVPixelFormat>(s_->frame->format);
  if (format != AV_PIX_FMT_YUV420P && format != AV_PIX_FMT_YUVJ420P && format != AV_PIX_FMT_YUV420P10LE) {
    return fail(Errc::unsupported, "the stream decodes to a pixel format other than 4:2:0 ({})", s_->frame->format);
  }
  Picture p;
  p.bit_depth = format == AV_PIX_FMT_YUV420P10LE ? 10 : 8;
  p.width = static_cast<std::uint32_t>(s_->frame->width);
  p.height = static_cast<std::uint32_t>(s_->frame->height);
  p.luma = s_->frame->data[0];
  p.luma_stride = static_cast<std::uint32_t>(s_->frame->linesize[0]);
  p.cb = s_->frame->data[1];
  p.cr = s_->frame->data[2];
  p.chroma_stride = static_cast<std::uint32_t>(s_->frame->linesize[1]);
  return p;
}

std::vector<std::uint8_t> to_rgb(const Picture& p) {
  std::vector<std::uint8_t> rgb(std::size_t{p.width} * p.height * 3);
  for (std::uint32_t y = 0; y < p.height; ++y) {
    for (std::uint32_t x = 0; x < p.width; ++x) {
      const double Y = (p.luma[std::size_t{y} * p.luma_stride + x] - 16) * (255.0 / 219.0);
      const double U = (p.cb[std::size_t{y / 2} * p.chroma_stride + x / 2] - 128) * (255.0 / 224.0);
      const double V = (p.cr[std::size_t{y / 2} * p.chroma_stride + x / 2] - 128) * (255.0 / 224.0);
      const double r = Y + 1.5748 * V;
      const double g = Y - 0.1873 * U - 0.4681 * V;
      const double b = Y + 1.8556 * U;
      std::uint8_t* out = &rgb[(std::size_t{y} * p.width + x) * 3];
      out[0] = static_cast<std::uint8_t>(std::clamp(r + 0.5, 0.0, 255.0));
      out[1] = static_cast<std::uint8_t>(std::clamp(g + 0.5, 0.0, 255.0));
      out[2] = static_cast<std::uint8_t>(std::clamp(b + 0.5, 0.0, 255.0));
    }
  }
  return rgb;
}

}  // namespace pf::client
