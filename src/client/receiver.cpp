#include "receiver.hpp"

#include <poll.h>
#include <pthread.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "audio_receiver.hpp"
#include "window.hpp"
#include "pf/client/png.hpp"
#include "pf/net/tcp.hpp"
#include "pf/synth/synthetic.hpp"
#include "pf/transport/packet.hpp"
#include "pf/transport/video_payload.hpp"

namespace pf::client {
namespace {

constexpr Nanos kKeyframeEscalation = std::chrono::milliseconds(200);
constexpr std::size_t kMaxSamples = 1 << 20;

double ms(Nanos d) { return std::chrono::duration<double, std::milli>(d).count(); }
TimePoint at_ns(std::uint64_t ns) { return TimePoint(Nanos(static_cast<std::int64_t>(ns))); }

// a ≤ b in frame-index order (mod 2^32).
bool not_after(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(b - a) >= 0; }

double luma_of(std::uint32_t bgra) {
  const double r = (bgra >> 16) & 0xFF, g = (bgra >> 8) & 0xFF, b = bgra & 0xFF;
  return 16 + (0.2126 * r + 0.7152 * g + 0.0722 * b) * 219.0 / 255.0;
}

void push_sample(std::vector<double>& v, double x) {
  if (v.size() < kMaxSamples) {
    v.push_back(x);
  }
}

}  // namespace

double quantile(std::vector<double>& values, double q) {
  if (values.empty()) {
    return 0;
  }
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  const std::size_t i = std::min(values.size() - 1, std::max<std::size_t>(rank, 1) - 1);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(i), values.end());
  return values[i];
}

Receiver::Receiver(const ClientOptions& options, control::DisplaySource source, transport::Reassembler reassembler,
                   Decoder decoder, const net::UdpSocket& socket)
    : options_(options),
      source_(source),
      socket_(socket),
      reassembler_(std::move(reassembler)),
      decoder_(std::move(decoder)),
      drop_rng_(options.drop_seed) {
  if (!options.record.empty()) {
    record_.open(options.record, std::ios::binary | std::ios::trunc);
  }
  if (!options.latency_csv.empty()) {
    latency_csv_.open(options.latency_csv, std::ios::trunc);
    latency_csv_ << "frame_index,capture_to_received_ms,capture_to_decoded_ms\n";
  }
}

Receiver::~Receiver() { stop(); }

void Receiver::stop() {
  thread_.request_stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Receiver::start() {
  {
    const MutexLock lock(mutex_);
    started_ = window_start_ = steady_clock().now();
  }
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void Receiver::run(const std::stop_token& stop) {
  pthread_setname_np(pthread_self(), "pf-cli-recv");
  net::UdpReceiver receiver(32, transport::kMaxDatagramBytes);
  std::uniform_real_distribution<double> coin(0.0, 100.0);
  while (!stop.stop_requested()) {
    const TimePoint deadline = reassembler_->next_deadline();
    Nanos wait = std::chrono::milliseconds(50);
    if (deadline != TimePoint::max()) {
      wait = std::clamp<Nanos>(deadline - steady_clock().now(), Nanos(0), wait);
    }
    (void)net::wait_fd(socket_.fd(), POLLIN, wait);
    for (;;) {
      auto count = receiver.receive(socket_);
      if (!count || *count == 0) {
        break;
      }
      const TimePoint now = steady_clock().now();
      for (std::size_t i = 0; i < *count; ++i) {
        const Bytes d = receiver.datagram(i);
        if (options_.drop_pct > 0 && coin(drop_rng_) < options_.drop_pct) {
          const MutexLock lock(mutex_);
          ++counts_.datagrams_dropped_by_knob;
          continue;
        }
        {
          const MutexLock lock(mutex_);
          ++counts_.datagrams;
          counts_.bytes += d.size();
          window_bytes_ += d.size();
        }
        if (audio_ != nullptr && d.size() > 2 && d[2] == static_cast<std::uint8_t>(transport::Stream::audio)) {
          audio_->receive(d, now);
          continue;
        }
        reassembler_->receive(d, now, *this);
      }
    }
    reassembler_->poll(steady_clock().now(), *this);
    const auto& c = reassembler_->counters();
    const MutexLock lock(mutex_);
    accepted_datagrams_ = c.opened + c.surplus + c.late + c.duplicate;
    highest_sequence_ = c.highest_sequence;
    counts_.frames_recovered = c.frames_recovered;
    if (frozen_ && steady_clock().now() - last_keyframe_request_ > kKeyframeEscalation &&
        steady_clock().now() - frozen_since_ > kKeyframeEscalation) {
      requests_.keyframe = true;  // invalidation has not brought the picture back: ask for an IDR
      last_keyframe_request_ = steady_clock().now();
    }
  }
}

void Receiver::on_lost(std::uint32_t first_index, std::uint32_t count) {
  const MutexLock lock(mutex_);
  counts_.frames_lost += count;
  if (!frozen_) {
    frozen_ = true;
    frozen_from_ = first_index;
    frozen_since_ = steady_clock().now();
  } else if (not_after(first_index, frozen_from_)) {
    frozen_from_ = first_index;
  }
  if (requests_.invalidations.size() < 64) {
    requests_.invalidations.emplace_back(first_index, first_index + count - 1);
  } else {
    requests_.keyframe = true;
  }
}

void Receiver::on_frame(const transport::ReceivedFrame& frame) {
  const auto payload = transport::read_video_payload(frame.data);
  const bool keyframe = (frame.flags & transport::kFlagKeyframe) != 0;
  const bool recovery = (frame.flags & transport::kFlagRecoveryPoint) != 0;
  {
    const MutexLock lock(mutex_);
    ++counts_.frames_received;
    ++window_frames_;
    counts_.keyframes += keyframe ? 1U : 0U;
    counts_.recovery_points += recovery ? 1U : 0U;
    if (keyframe_request_mark_) {
      if (keyframe) {
        counts_.frames_after_keyframe_request =
            static_cast<std::uint32_t>(counts_.frames_received - 1 - *keyframe_request_mark_);
        keyframe_request_mark_.reset();
      }
    }
    if (!payload) {
      ++counts_.frames_corrupt;
      return;
    }
    if (frozen_) {
      if (keyframe || (recovery && not_after(payload->info.recovers_from, frozen_from_))) {
        frozen_ = false;
      } else {
        ++counts_.frames_skipped;
        return;
      }
    }
  }
  if (record_.is_open()) {
    record_.write(reinterpret_cast<const char*>(payload->access_unit.data()),
                  static_cast<std::streamsize>(payload->access_unit.size()));
  }
  const TimePoint decode_start = steady_clock().now();
  auto picture = decoder_.decode(payload->access_unit);
  const TimePoint decoded = steady_clock().now();
  if (picture_window_ != nullptr && picture && picture->width != 0 && picture->bit_depth == 8) {
    picture_window_->put(*picture);  // a copy, outside the lock the control thread reads the counts under
  }
  const MutexLock lock(mutex_);
  if (!picture) {
    ++counts_.frames_corrupt;
    frozen_ = true;  // the decoder's state is suspect until the next keyframe
    frozen_from_ = frame.frame_index;
    frozen_since_ = decoded;
    requests_.keyframe = true;
    return;
  }
  if (picture->width == 0) {
    return;
  }
  if (picture->bit_depth != 8) {  // the native stream is 8-bit 4:2:0; nothing negotiates more yet
    ++counts_.frames_corrupt;
    return;
  }
  ++counts_.frames_decoded;
  first_decoded_.store(true);
  if (last_decoded_ != TimePoint{}) {
    counts_.max_freeze_ms = std::max(counts_.max_freeze_ms, ms(decoded - last_decoded_));
  }
  last_decoded_ = decoded;
  if (last_decoded_index_) {
    counts_.max_freeze_frames = std::max(counts_.max_freeze_frames, frame.frame_index - *last_decoded_index_ - 1);
  }
  last_decoded_index_ = frame.frame_index;
  counts_.last_width = picture->width;
  counts_.last_height = picture->height;
  const TimePoint capture = at_ns(frame.capture_ns) - Nanos(offset_ns_.load(std::memory_order_relaxed));
  push_sample(e2e_ms_, ms(decoded - capture));
  push_sample(received_ms_, ms(frame.completed - capture));
  if (latency_csv_.is_open()) {
    latency_csv_ << frame.frame_index << ',' << ms(frame.completed - capture) << ',' << ms(decoded - capture) << '\n';
  }
  push_sample(reassemble_ms_, ms(frame.completed - frame.first_packet));
  push_sample(decode_ms_, ms(decoded - decode_start));
  window_e2e_.push_back(ms(decoded - capture));
  if (source_ == control::DisplaySource::synthetic) {
    verify(*picture, payload->info.source_frame_id, frame.capture_ns);
  }
  if (!options_.save_frame.empty()) {
    const auto copy = [](std::vector<std::uint8_t>& dst, const std::uint8_t* src, std::uint32_t stride,
                         std::uint32_t w, std::uint32_t h) {
      dst.resize(std::size_t{w} * h);
      for (std::uint32_t y = 0; y < h; ++y) {
        std::memcpy(&dst[std::size_t{y} * w], src + std::size_t{y} * stride, w);
      }
    };
    last_w_ = picture->width;
    last_h_ = picture->height;
    copy(last_luma_, picture->luma, picture->luma_stride, last_w_, last_h_);
    copy(last_cb_, picture->cb, picture->chroma_stride, (last_w_ + 1) / 2, (last_h_ + 1) / 2);
    copy(last_cr_, picture->cr, picture->chroma_stride, (last_w_ + 1) / 2, (last_h_ + 1) / 2);
  }
}

void Receiver::verify(const Picture& p, std::uint64_t source_frame_id, std::uint64_t capture_ns) {
  const auto stamp = synth::read_stamp_luma(p.luma, p.luma_stride, p.width, p.height);
  if (!stamp || stamp->frame_id != source_frame_id || stamp->capture_ns != capture_ns) {
    ++counts_.frames_corrupt;
    return;
  }
  // 16 × 9 points below the stamp rows, each compared with the pattern.
  double error = 0;
  int points = 0;
  for (std::uint32_t gy = 1; gy <= 9; ++gy) {
    for (std::uint32_t gx = 1; gx <= 16; ++gx) {
      const std::uint32_t x = p.width * gx / 17;
      const std::uint32_t y = std::max<std::uint32_t>(p.height * gy / 10, 40);
      if (y >= p.height) {
        continue;
      }
      const double expected = luma_of(synth::pixel_bgra(x, y, p.width, p.height, *stamp));
      error += std::abs(expected - p.luma[std::size_t{y} * p.luma_stride + x]);
      ++points;
    }
  }
  // Edges of moving windows soften under compression; a wrong picture
  // (stale reference, broken slice) is off by far more at many points.
  if (points == 0 || error / points > 12.0) {
    ++counts_.frames_corrupt;
    return;
  }
  ++counts_.frames_verified;
}

Status Receiver::save_last_picture(const std::filesystem::path& file) {
  const MutexLock lock(mutex_);
  if (last_w_ == 0) {
    return fail(Errc::not_found, "no picture was decoded");
  }
  Picture p;
  p.width = last_w_;
  p.height = last_h_;
  p.luma = last_luma_.data();
  p.luma_stride = last_w_;
  p.cb = last_cb_.data();
  p.cr = last_cr_.data();
  p.chroma_stride = (last_w_ + 1) / 2;
  return write_png(file, p.width, p.height, to_rgb(p));
}

Requests Receiver::take_requests() {
  const MutexLock lock(mutex_);
  Requests out = std::move(requests_);
  requests_ = {};
  return out;
}

void Receiver::note_keyframe_request() {
  const MutexLock lock(mutex_);
  keyframe_request_mark_ = counts_.frames_received;
}

control::LossReport Receiver::loss_report() {
  const MutexLock lock(mutex_);
  control::LossReport r;
  const std::uint64_t expected = highest_sequence_ - loss_mark_sequence_;
  const std::uint64_t got = accepted_datagrams_ - loss_mark_received_;
  if (expected > 0 && got <= expected && loss_mark_sequence_ != 0) {
    r.loss_ppm = static_cast<std::uint32_t>((expected - got) * 1'000'000 / expected);
  }
  window_loss_pct_ = r.loss_ppm / 1e4;
  r.frames_lost = static_cast<std::uint32_t>(counts_.frames_lost - loss_mark_lost_);
  r.frames_recovered = static_cast<std::uint32_t>(counts_.frames_recovered - loss_mark_recovered_);
  if (highest_sequence_ != 0) {
    loss_mark_sequence_ = highest_sequence_;
    loss_mark_received_ = accepted_datagrams_;
  }
  loss_mark_lost_ = counts_.frames_lost;
  loss_mark_recovered_ = counts_.frames_recovered;
  return r;
}

void Receiver::report(ClientReport& r, bool final) {
  const MutexLock lock(mutex_);
  const auto keep = r;  // control-thread fields
  r = counts_;
  r.session_id = keep.session_id;
  r.host_fingerprint = keep.host_fingerprint;
  r.mode = keep.mode;
  r.source = keep.source;
  r.invalidations = keep.invalidations;
  r.keyframe_requests = keep.keyframe_requests;
  r.clock_offset_ms = keep.clock_offset_ms;
  r.clock_rtt_ms = keep.clock_rtt_ms;
  r.first_frame_ms = keep.first_frame_ms;
  r.host = keep.host;
  r.host_p50_ms = keep.host_p50_ms;
  r.host_p99_ms = keep.host_p99_ms;
  r.mode_changes = keep.mode_changes;
  r.bitrate_changes = keep.bitrate_changes;
  r.access_notices = keep.access_notices;
  r.rumbles = keep.rumbles;
  r.input_events_sent = keep.input_events_sent;
  r.host_goodbye = keep.host_goodbye;
  const TimePoint now = steady_clock().now();
  r.seconds = ms(now - started_) / 1000.0;
  const double window_s = std::max(ms(now - window_start_) / 1000.0, 1e-3);
  r.fps = static_cast<double>(window_frames_) / window_s;
  r.kbps = static_cast<double>(window_bytes_) * 8 / 1000 / window_s;
  r.loss_pct = window_loss_pct_;
  r.e2e_p50_ms = quantile(window_e2e_, 0.5);
  window_frames_ = window_bytes_ = 0;
  window_e2e_.clear();
  window_start_ = now;
  if (final) {
    r.e2e_p50_ms = quantile(e2e_ms_, 0.5);
    r.e2e_p99_ms = quantile(e2e_ms_, 0.99);
    r.received_p50_ms = quantile(received_ms_, 0.5);
    r.received_p99_ms = quantile(received_ms_, 0.99);
    r.reassemble_p50_ms = quantile(reassemble_ms_, 0.5);
    r.reassemble_p99_ms = quantile(reassemble_ms_, 0.99);
    r.decode_p50_ms = quantile(decode_ms_, 0.5);
    r.decode_p99_ms = quantile(decode_ms_, 0.99);
  }
}

}  // namespace pf::client
