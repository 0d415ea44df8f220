#include "pf/session/video_pipeline.hpp"

#include <pthread.h>

#include <algorithm>

#include <fmt/format.h>

#include "pf/core/log.hpp"
#include "pf/framering/endpoints.hpp"
#include "pf/transport/pacer.hpp"
#include "thread_name.hpp"

namespace pf::session {
namespace {

const log::Logger kLog{"video"};
constexpr std::size_t kMaxPendingInvalidations = 32;

Nanos frame_interval(const vdisplay::Mode& mode) {
  const std::uint32_t mhz = std::max<std::uint32_t>(mode.refresh_mhz, 1000);
  return Nanos(std::int64_t{1'000'000'000'000} / mhz);
}

convert::PixelLayout layout_of(framering::PixelFormat f) {
  return f == framering::PixelFormat::bgrx8 ? convert::PixelLayout::bgrx8 : convert::PixelLayout::bgra8;
}

}  // namespace

struct VideoPipeline::Parcel {
  std::vector<std::uint8_t> bytes;
  std::vector<std::size_t> sizes;
  std::vector<Bytes> datagrams;
  std::uint64_t capture_ns = 0;
  TimePoint handed{};
  std::uint64_t bitrate_bps = 0;
  Nanos interval{};
};

VideoPipeline::VideoPipeline(VideoParams params) : p_(std::move(params)) {
  for (int i = 0; i < 3; ++i) {
    parcels_.push_back(std::make_unique<Parcel>());
  }
}

Result<std::unique_ptr<VideoPipeline>> VideoPipeline::open(VideoParams params) {
  if (!params.framer) {
    return fail(Errc::invalid_argument, "video pipeline: no framer");
  }
  std::unique_ptr<VideoPipeline> v(new VideoPipeline(std::move(params)));
  if (auto opened = v->open_encoder(v->p_.mode); !opened) {
    return tl::unexpected(opened.error());
  }
  v->fec_pct_.store(v->p_.framer->fec_pct(), std::memory_order_relaxed);
  return v;
}

VideoPipeline::~VideoPipeline() {
  video_.request_stop();
  sender_.request_stop();
  handoff_cv_.notify_all();
  if (video_.joinable()) {
    video_.join();
  }
  if (sender_.joinable()) {
    sender_.join();
  }
}

Status VideoPipeline::open_encoder(const vdisplay::Mode& mode) {
  encode::EncoderConfig config = p_.encoder;
  config.width = mode.width;
  config.height = mode.height;
  config.fps = std::max<std::uint32_t>(1, (mode.refresh_mhz + 500) / 1000);
  auto opened = encode::open_encoder(config, p_.backend);
  if (!opened) {
    return tl::unexpected(opened.error());
  }
  if (!opened->fallback_reason.empty()) {
    kLog.info("session {}: {}; encoding with {}", p_.session_id, opened->fallback_reason,
              opened->encoder->caps().name);
  }
  auto yuv = convert::YuvFrame::allocate(config.input, mode.width, mode.height);
  if (!yuv) {
    return tl::unexpected(yuv.error());
  }
  encoder_ = std::move(opened->encoder);
  encoder_name_ = encoder_->caps().name;
  yuv_.emplace(std::move(*yuv));
  out_.emplace(3, mode.width * 4, mode.height);
  p_.encoder.bitrate_kbps = config.bitrate_kbps;
  p_.mode = mode;
  return {};
}

std::string VideoPipeline::encoder_name() const { return encoder_name_; }

void VideoPipeline::start(const net::Address& client) {
  {
    const MutexLock lock(handoff_mutex_);
    client_ = client;
  }
  sender_ = std::jthread([this](std::stop_token stop) { run_sender(stop); });
  video_ = std::jthread([this](std::stop_token stop) { run_video(stop); });
}

void VideoPipeline::request_keyframe() {
  const MutexLock lock(requests_mutex_);
  requests_.keyframe = true;
}

void VideoPipeline::invalidate(std::uint32_t first, std::uint32_t last) {
  const MutexLock lock(requests_mutex_);
  if (requests_.invalidations.size() >= kMaxPendingInvalidations) {
    requests_.keyframe = true;  // a flood of reports: one IDR covers them all
    return;
  }
  requests_.invalidations.emplace_back(first, last);
}

void VideoPipeline::set_bitrate(std::uint32_t kbps) {
  const MutexLock lock(requests_mutex_);
  requests_.bitrate_kbps = kbps;
}

void VideoPipeline::change_mode(const vdisplay::Mode& mode) {
  const MutexLock lock(requests_mutex_);
  requests_.mode = mode;
}

void VideoPipeline::on_loss_report(std::uint32_t loss_ppm) {
  const MutexLock lock(requests_mutex_);
  requests_.loss_ppm = loss_ppm;
  requests_.loss_reported = true;
}

Status VideoPipeline::reopen_for_mode(const vdisplay::Mode& mode) {
  auto ring = p_.displays->change_mode(p_.lease, mode);
  if (!ring) {
    return tl::unexpected(ring.error());
  }
  if (auto opened = open_encoder(mode); !opened) {
    return opened;
  }
  p_.ring = std::move(*ring);
  return {};
}

Status VideoPipeline::apply_requests(bool& force_idr) {
  Requests r;
  {
    const MutexLock lock(requests_mutex_);
    r = std::move(requests_);
    requests_ = {};
    requests_.invalidations.reserve(kMaxPendingInvalidations);
  }
  if (r.loss_reported) {
    p_.framer->on_loss_report(r.loss_ppm);
  }
  if (r.mode && !(*r.mode == p_.mode)) {
    const vdisplay::Mode old = p_.mode;
    if (auto changed = reopen_for_mode(*r.mode); !changed) {
      kLog.warn("session {}: mode change to {} failed: {}", p_.session_id, vdisplay::to_string(*r.mode),
                changed.error().message);
      p_.post(control::Reconfigured{0, {old.width, old.height, old.refresh_mhz}});
    } else {
      p_.post(control::Reconfigured{1, {r.mode->width, r.mode->height, r.mode->refresh_mhz}});
      force_idr = true;
      return {};  // the new ring's frames come next; the current one is the old size
    }
  }
  if (r.bitrate_kbps != 0) {
    if (auto done = encoder_->reconfigure({.bitrate_kbps = r.bitrate_kbps}); done) {
      p_.encoder.bitrate_kbps = r.bitrate_kbps;
      p_.post(control::BitrateChanged{r.bitrate_kbps});
    } else {
      kLog.warn("session {}: bitrate change failed: {}", p_.session_id, done.error().message);
    }
  }
  if (r.keyframe) {
    force_idr = true;
    p_.stats->update([](StageCounters& c) { ++c.keyframe_requests; });
  }
  for (const auto& [first, last] : r.invalidations) {
    if (force_idr) {
      break;
    }
    if (recoveries_.covers(first, last)) {
      p_.stats->update([](StageCounters& c) { ++c.stale_invalidations; });
      continue;
    }
    if (encoder_->invalidate(first, last)) {
      recovers_from_ = recovery_pending_ ? std::min(recovers_from_, first) : first;
      recovery_pending_ = true;
      p_.stats->update([](StageCounters& c) { ++c.invalidations; });
    } else {
      force_idr = true;
      p_.stats->update([](StageCounters& c) { ++c.idr_fallbacks; });
    }
  }
  return {};
}

void VideoPipeline::run_video(const std::stop_token& stop) {
  name_thread(p_.session_id, "video");
  std::uint64_t epoch = p_.displays->ring_epoch();
  auto ring = p_.ring;
  std::optional<framering::Consumer> consumer;
  consumer.emplace(ring->ring, ring->wake.get());
  log::RateLimitedLog stalls(kLog, log::Level::warn, std::chrono::seconds(10), "frame ring stalls");
  while (!stop.stop_requested()) {
    if (p_.ring != ring || p_.displays->ring_epoch() != epoch) {
      epoch = p_.displays->ring_epoch();
      auto current = p_.displays->ring(p_.lease);
      if (!current) {
        p_.on_fatal("the session's display is gone");
        return;
      }
      ring = p_.ring = std::move(current);
      consumer.emplace(ring->ring, ring->wake.get());
    }
    if (ring->ring.width() != p_.mode.width || ring->ring.height() != p_.mode.height) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the ring for the new mode is coming
      continue;
    }
    (void)consumer->wait(std::chrono::milliseconds(100));
    framering::ConsumedFrame frame;
    const auto outcome = consumer->try_consume(out_->next_for_write(), out_->pitch_bytes(), frame);
    if (outcome == framering::ConsumeOutcome::no_new_frame) {
      continue;
    }
    if (outcome != framering::ConsumeOutcome::consumed) {
      p_.stats->update([](StageCounters& c) { ++c.capture_stalls; });
      stalls(steady_clock().now(), "session {}: frame ring: {}", p_.session_id, framering::to_string(outcome));
      if (outcome == framering::ConsumeOutcome::stale_generation) {
        epoch = ~epoch;  // refetch the ring
      }
      continue;
    }
    const TimePoint consumed = steady_clock().now();
    if (auto done = encode_and_hand_over(stop, frame.capture_ns, frame.frame_id, consumed); !done) {
      p_.on_fatal(done.error().message);
      return;
    }
  }
}

Status VideoPipeline::encode_and_hand_over(const std::stop_token& stop, std::uint64_t capture_ns,
                                           std::uint64_t source_frame_id, TimePoint consumed) {
  const auto capture = TimePoint(Nanos(static_cast<std::int64_t>(capture_ns)));
  if (capture_ns != 0 && capture <= consumed) {
    p_.stats->add(Stage::capture_wait, consumed - capture);
  }
  const framering::RingMemory& ring = p_.ring->ring;
  const Bytes pixels = out_->last_written();
  const convert::SourceImage source{pixels.data(), out_->pitch_bytes(), p_.mode.width, p_.mode.height,
                                    layout_of(ring.format())};
  if (auto converted = convert::convert(source, yuv_->view(), p_.encoder.color); !converted) {
    return converted;
  }
  const TimePoint converted_at = steady_clock().now();
  p_.stats->add(Stage::convert, converted_at - consumed);

  bool force_idr = false;
  if (auto applied = apply_requests(force_idr); !applied) {
    return applied;
  }
  if (!(yuv_->view().width == p_.mode.width && yuv_->view().height == p_.mode.height) ||
      source.width != p_.mode.width) {
    return {};  // the mode changed under this frame: skip it, the next one is the new size
  }
  const TimePoint encode_start = steady_clock().now();
  auto au = encoder_->submit(yuv_->view(), frame_index_,
                             force_idr ? encode::SubmitFlags::force_idr : encode::SubmitFlags::none);
  if (!au) {
    return tl::unexpected(au.error());
  }
  const TimePoint encoded_at = steady_clock().now();
  p_.stats->add(Stage::encode, encoded_at - encode_start);

  EncodedVideoFrame out{.access_unit = au->data,
                        .frame_index = frame_index_,
                        .capture_ns = capture_ns,
                        .source_frame_id = source_frame_id,
                        .keyframe = au->keyframe,
                        .recovers_from = std::nullopt};
  if (au->keyframe) {
    recovery_pending_ = false;
    recoveries_.keyframe_sent(frame_index_);
  } else if (recovery_pending_) {
    out.recovers_from = recovers_from_;
    recovery_pending_ = false;
    recoveries_.recovery_sent(recovers_from_, frame_index_);
  }
  auto datagrams = p_.framer->frame(out);
  if (!datagrams) {
    return tl::unexpected(datagrams.error());
  }
  fec_pct_.store(p_.framer->fec_pct(), std::memory_order_relaxed);
  const TimePoint packetized = steady_clock().now();
  p_.stats->add(Stage::packetize, packetized - encoded_at);
  p_.stats->update([&](StageCounters& c) {
    ++c.frames;
    c.keyframes += au->keyframe ? 1U : 0U;
  });
  ++frame_index_;

  // Hand over: wait (at most until the sender takes its previous frame) for
  // a free parcel. The one chosen is neither ready nor being sent, so it is
  // filled outside the lock.
  int free = 0;
  {
    MutexLock lock(handoff_mutex_);
    handoff_cv_.wait(handoff_mutex_, stop, [this]() PF_NO_THREAD_SAFETY_ANALYSIS { return ready_ == -1; });
    if (stop.stop_requested()) {
      return {};
    }
    while (free == sending_) {
      ++free;
    }
  }
  Parcel& parcel = *parcels_[static_cast<std::size_t>(free)];
  std::size_t total = 0;
  for (const Bytes& d : *datagrams) {
    total += d.size();
  }
  parcel.bytes.resize(total);
  parcel.sizes.clear();
  std::size_t at = 0;
  for (const Bytes& d : *datagrams) {
    std::copy(d.begin(), d.end(), parcel.bytes.begin() + static_cast<std::ptrdiff_t>(at));
    parcel.sizes.push_back(d.size());
    at += d.size();
  }
  parcel.capture_ns = capture_ns;
  parcel.handed = packetized;
  parcel.bitrate_bps = std::uint64_t{p_.encoder.bitrate_kbps} * 1000;
  parcel.interval = frame_interval(p_.mode);
  {
    MutexLock lock(handoff_mutex_);
    ready_ = free;
  }
  handoff_cv_.notify_all();
  return {};
}

void VideoPipeline::run_sender(const std::stop_token& stop) {
  name_thread(p_.session_id, "send");
  net::UdpSender sender(p_.use_gso);
  transport::Pacer pacer;
  Parcel* current = nullptr;
  std::size_t sent = 0;
  std::size_t released = 0;
  TimePoint next = TimePoint::max();
  net::Address to;
  std::uint64_t dropped_before = 0;

  const auto send_until = [&](std::size_t upto) {
    if (upto > sent) {
      (void)sender.send(*p_.socket, std::span<const Bytes>(current->datagrams).subspan(sent, upto - sent), to);
      sent = upto;
    }
  };
  const auto finish = [&] {
    const TimePoint done = steady_clock().now();
    p_.stats->add(Stage::send, done - current->handed);
    const auto capture = TimePoint(Nanos(static_cast<std::int64_t>(current->capture_ns)));
    if (current->capture_ns != 0 && capture <= done) {
      p_.stats->add(Stage::host, done - capture);
    }
    const std::uint64_t dropped = sender.counters().dropped;
    const std::size_t count = current->datagrams.size();
    const std::size_t bytes = current->bytes.size();
    p_.stats->update([&](StageCounters& c) {
      c.datagrams += count;
      c.bytes += bytes;
      c.send_dropped += dropped - dropped_before;
    });
    dropped_before = dropped;
    current = nullptr;
    const MutexLock lock(handoff_mutex_);
    sending_ = -1;
  };

  while (!stop.stop_requested()) {
    bool take = false;
    {
      MutexLock lock(handoff_mutex_);
      handoff_cv_.wait_until(handoff_mutex_, stop, next,
                             [this]() PF_NO_THREAD_SAFETY_ANALYSIS { return ready_ != -1; });
      take = ready_ != -1;
    }
    if (stop.stop_requested()) {
      return;
    }
    if (take) {
      if (current != nullptr) {
        send_until(current->datagrams.size());  // a newer frame is ready: no more pacing for this one
        p_.stats->update([](StageCounters& c) { ++c.flushed_early; });
        finish();
      }
      {
        MutexLock lock(handoff_mutex_);
        sending_ = ready_;
        ready_ = -1;
        current = parcels_[static_cast<std::size_t>(sending_)].get();
        to = client_;
      }
      handoff_cv_.notify_all();
      current->datagrams.clear();
      std::size_t at = 0;
      for (const std::size_t size : current->sizes) {
        current->datagrams.emplace_back(current->bytes.data() + at, size);
        at += size;
      }
      sent = released = 0;
      pacer.start_frame(steady_clock().now(), current->datagrams.size(), current->bytes.size(),
                        current->bitrate_bps, current->interval);
    }
    if (current == nullptr) {
      next = TimePoint::max();
      continue;
    }
    const auto release = pacer.poll(steady_clock().now());
    released += release.packets;
    send_until(std::min(released, current->datagrams.size()));
    if (sent == current->datagrams.size()) {
      finish();
      next = TimePoint::max();
    } else {
      next = release.next;
    }
  }
}

}  // namespace pf::session
