#include "pf/framering/endpoints.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>

namespace pf::framering {
namespace {

template <typename T>
std::atomic_ref<T> shared(T& word) noexcept {
  return std::atomic_ref<T>(word);
}

void copy_rows(std::uint8_t* dst, std::uint32_t dst_pitch, const std::uint8_t* src,
               std::uint32_t src_pitch, std::uint32_t row_bytes, std::uint32_t height) noexcept {
  if (dst_pitch == src_pitch && row_bytes == src_pitch) {
    std::memcpy(dst, src, std::size_t{src_pitch} * height);
    return;
  }
  for (std::uint32_t y = 0; y < height; ++y) {
    std::memcpy(dst + std::size_t{dst_pitch} * y, src + std::size_t{src_pitch} * y, row_bytes);
  }
}

}  // namespace

std::string_view to_string(PublishOutcome outcome) noexcept {
  switch (outcome) {
    case PublishOutcome::unset: return "unset";
    case PublishOutcome::published: return "published";
    case PublishOutcome::dropped_all_busy: return "dropped (all slots busy)";
    case PublishOutcome::dropped_mismatch: return "dropped (frame does not match the ring)";
    case PublishOutcome::dropped_error: return "dropped (slot lock unusable)";
    case PublishOutcome::dropped_fill_failed: return "dropped (the slot could not be filled)";
  }
  return "unknown";
}

std::string_view to_string(ConsumeOutcome outcome) noexcept {
  switch (outcome) {
    case ConsumeOutcome::unset: return "unset";
    case ConsumeOutcome::consumed: return "consumed";
    case ConsumeOutcome::no_new_frame: return "no new frame";
    case ConsumeOutcome::stale_generation: return "stale generation";
    case ConsumeOutcome::busy: return "busy";
    case ConsumeOutcome::slot_overwritten: return "slot overwritten";
    case ConsumeOutcome::error: return "error";
  }
  return "unknown";
}

Publisher::Publisher(const RingMemory& ring, int wake_fd) noexcept
    : ring_(&ring), wake_fd_(wake_fd) {}

void Publisher::report_opened() noexcept {
  RingHeader& h = ring_->header();
  shared(h.driver_detail).store(0, std::memory_order_relaxed);
  shared(h.driver_status).store(static_cast<std::uint32_t>(DriverStatus::opened),
                                std::memory_order_release);
}

PublishOutcome Publisher::publish(const FrameView& frame, std::uint64_t now_ns) noexcept {
  const std::uint32_t row_bytes = frame.width * bytes_per_pixel(frame.format);
  if (frame.pixels == nullptr || frame.pitch_bytes < row_bytes) {
    RingHeader& h = ring_->header();
    shared(h.offered).fetch_add(1, std::memory_order_relaxed);
    shared(h.dropped).fetch_add(1, std::memory_order_relaxed);
    return PublishOutcome::dropped_mismatch;
  }
  const auto copy = [](void* context, std::uint32_t, std::uint8_t* dst, std::uint32_t dst_pitch) {
    const auto& f = *static_cast<const FrameView*>(context);
    copy_rows(dst, dst_pitch, f.pixels, f.pitch_bytes, f.width * bytes_per_pixel(f.format), f.height);
    return true;
  };
  return publish_with(frame, SlotFill{copy, const_cast<FrameView*>(&frame)}, now_ns);
}

PublishOutcome Publisher::publish_in_place(const FrameView& frame, SlotFill fill, std::uint64_t now_ns) noexcept {
  return publish_with(frame, fill, now_ns);
}

PublishOutcome Publisher::publish_with(const FrameView& frame, SlotFill fill, std::uint64_t now_ns) noexcept {
  RingHeader& h = ring_->header();
  shared(h.offered).fetch_add(1, std::memory_order_relaxed);
  shared(h.heartbeat_ns).store(now_ns, std::memory_order_relaxed);
  const std::uint32_t row_bytes = frame.width * bytes_per_pixel(frame.format);
  if (frame.width != ring_->width() || frame.height != ring_->height() ||
      frame.format != ring_->format() || row_bytes == 0 || fill.fill == nullptr) {
    shared(h.dropped).fetch_add(1, std::memory_order_relaxed);
    return PublishOutcome::dropped_mismatch;
  }
  const std::uint32_t n = ring_->ring_length();
  for (std::uint32_t k = 0; k < n; ++k) {
    const std::uint32_t slot = (next_slot_ + k) % n;
    SlotHeader& sh = ring_->slot(slot);
    std::uint32_t seq = 0;
    {
      const SlotGuard guard = SlotGuard::acquire(sh.mutex_storage, Nanos::zero());
      switch (guard.outcome()) {
        case LockOutcome::busy:
          shared(h.busy_skipped).fetch_add(1, std::memory_order_relaxed);
          continue;
        case LockOutcome::error:
        case LockOutcome::unset:
          shared(h.dropped).fetch_add(1, std::memory_order_relaxed);
          return PublishOutcome::dropped_error;
        case LockOutcome::acquired:
        case LockOutcome::abandoned:  // a consumer died holding it: ours now
          break;
      }
      sh.seq = 0;  // "being written" until the copy is complete
      if (!fill.fill(fill.context, slot, ring_->pixels(slot), ring_->pitch_bytes())) {
        shared(h.dropped).fetch_add(1, std::memory_order_relaxed);
        return PublishOutcome::dropped_fill_failed;  // seq stays 0: the slot holds no frame
      }
      sh.frame_id = frame.frame_id;
      sh.capture_ns = frame.capture_ns;
      sh.checksum = frame.checksum;
      seq = ++seq_ == 0 ? ++seq_ : seq_;  // 0 is never a frame's seq
      sh.seq = seq;
    }  // released before the token says the frame exists
    shared(h.latest).store(FrameToken{ring_->generation(), seq, static_cast<std::uint8_t>(slot)}.pack(),
                           std::memory_order_release);
    shared(h.published).fetch_add(1, std::memory_order_relaxed);
    next_slot_ = (slot + 1) % n;
    if (wake_fd_ >= 0) {
      const std::uint64_t one = 1;
      static_cast<void>(::write(wake_fd_, &one, sizeof(one)));  // EAGAIN: already signalled
    }
    return PublishOutcome::published;
  }
  shared(h.dropped).fetch_add(1, std::memory_order_relaxed);
  return PublishOutcome::dropped_all_busy;
}

OutRing::OutRing(std::size_t count, std::uint32_t pitch_bytes, std::uint32_t height)
    : buffers_(count, std::vector<std::uint8_t>(std::size_t{pitch_bytes} * height)),
      pitch_bytes_(pitch_bytes) {}

MutableBytes OutRing::next_for_write() noexcept {
  const std::size_t i = written_ == 0 ? 0 : (last_ + 1) % buffers_.size();
  last_ = i;
  ++written_;
  return buffers_[i];
}

Bytes OutRing::last_written() const noexcept {
  return written_ == 0 ? Bytes{} : Bytes(buffers_[last_]);
}

WaitOutcome Consumer::wait(Nanos timeout) noexcept {
  pollfd p{wake_fd_, POLLIN, 0};
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
  const int rc = ::poll(&p, 1, static_cast<int>(std::clamp<std::int64_t>(ms, 0, 60'000)));
  if (rc < 0) {
    return errno == EINTR ? WaitOutcome::timed_out : WaitOutcome::error;
  }
  if (rc == 0) {
    return WaitOutcome::timed_out;
  }
  std::uint64_t count = 0;
  static_cast<void>(::read(wake_fd_, &count, sizeof(count)));  // reset; the token is the truth
  return WaitOutcome::woken;
}

ConsumeOutcome Consumer::try_consume(MutableBytes dst, std::uint32_t dst_pitch, ConsumedFrame& out,
                                     Nanos lock_timeout) noexcept {
  RingHeader& h = ring_->header();
  const std::uint64_t raw = shared(h.latest).load(std::memory_order_acquire);
  if (raw == 0) {
    return ConsumeOutcome::no_new_frame;
  }
  const FrameToken token = FrameToken::unpack(raw);
  if (token.generation != ring_->generation()) {
    ++counters_.stale_generation;
    return ConsumeOutcome::stale_generation;
  }
  if (token.seq == last_seq_) {
    return ConsumeOutcome::no_new_frame;
  }
  const std::uint32_t row_bytes = ring_->width() * bytes_per_pixel(ring_->format());
  if (token.slot >= ring_->ring_length() || dst_pitch < row_bytes ||
      dst.size() < std::size_t{dst_pitch} * ring_->height()) {
    return ConsumeOutcome::error;
  }
  SlotHeader& sh = ring_->slot(token.slot);
  const SlotGuard guard = SlotGuard::acquire(sh.mutex_storage, lock_timeout);
  switch (guard.outcome()) {
    case LockOutcome::busy:
      ++counters_.busy;
      return ConsumeOutcome::busy;
    case LockOutcome::error:
    case LockOutcome::unset:
      return ConsumeOutcome::error;
    case LockOutcome::abandoned:  // the producer died holding it: ours now, contents checked below
      ++counters_.abandoned;
      break;
    case LockOutcome::acquired:
      break;
  }
  if (sh.seq != token.seq) {
    last_seq_ = token.seq;  // never retry this token; a newer one follows if the producer lives
    ++counters_.overwritten;
    return ConsumeOutcome::slot_overwritten;
  }
  copy_rows(dst.data(), dst_pitch, ring_->pixels(token.slot), ring_->pitch_bytes(), row_bytes,
            ring_->height());
  out = ConsumedFrame{token.seq, token.slot, guard.outcome(), sh.frame_id, sh.capture_ns, sh.checksum};
  last_seq_ = token.seq;
  ++counters_.consumed;
  return ConsumeOutcome::consumed;
}

}  // namespace pf::framering
