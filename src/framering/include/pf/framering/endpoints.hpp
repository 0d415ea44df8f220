// The two ends of a ring: the producer (pf-vdisplay) publishes frames into
// slots, the consumer (the host) takes the newest one out.
//
// Producer (never blocks): round-robin over the slots with a 0 ms
// try-acquire; busy → next slot (counted); all busy → drop the frame
// (counted). Publish = copy, release, seq++, release-store the token,
// signal the eventfd (only a wake-up: the token is the truth).
//
// Consumer: acquire-load the token, reject other generations, acquire the
// slot with a short timeout (default 8 ms), check the slot still holds the
// token's frame, copy it out into host-owned memory, release at once.
//
// Threads: a Publisher is used by one producer thread, a Consumer by one
// consumer thread. Both only borrow the RingMemory, which must outlive them.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "pf/core/clock.hpp"
#include "pf/core/span_io.hpp"
#include "pf/core/unique.hpp"
#include "pf/framering/ring.hpp"
#include "pf/framering/slot_lock.hpp"

namespace pf::framering {

/// A frame as a source produced it; the pixels are only borrowed.
struct FrameView {
  const std::uint8_t* pixels = nullptr;
  std::uint32_t pitch_bytes = 0;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  PixelFormat format = PixelFormat::unset;
  std::uint64_t frame_id = 0;
  std::uint64_t capture_ns = 0;
  std::uint64_t checksum = 0;  ///< frame_checksum() of the pixels, or 0
};

enum class PublishOutcome : std::uint8_t {
  unset = 0,
  published,
  dropped_all_busy,   ///< every slot was held by the consumer
  dropped_mismatch,   ///< the frame's geometry or format is not the ring's
  dropped_error,      ///< a slot lock is unusable
  dropped_fill_failed,  ///< an in-place writer could not fill the slot
};

/// Fills a held slot's pixels in place (e.g. an X server writing through
/// MIT-SHM into the ring's memfd); false when it could not.
struct SlotFill {
  bool (*fill)(void* context, std::uint32_t slot, std::uint8_t* pixels, std::uint32_t pitch_bytes) = nullptr;
  void* context = nullptr;
};
[[nodiscard]] std::string_view to_string(PublishOutcome outcome) noexcept;

class Publisher {
 public:
  /// Borrows `ring`; `wake` is the ring's eventfd (borrowed, may be -1).
  Publisher(const RingMemory& ring, int wake_fd) noexcept;

  /// Never blocks. `now_ns` is CLOCK_MONOTONIC, written as the heartbeat.
  PublishOutcome publish(const FrameView& frame, std::uint64_t now_ns) noexcept;
  /// The same protocol, but the slot is filled in place by `fill` while it
  /// is held (`frame.pixels` is not read). Blocks only as long as `fill`.
  PublishOutcome publish_in_place(const FrameView& frame, SlotFill fill, std::uint64_t now_ns) noexcept;

  /// Marks the ring as attached (DriverStatus::opened) for the host to see.
  void report_opened() noexcept;

 private:
  PublishOutcome publish_with(const FrameView& frame, SlotFill fill, std::uint64_t now_ns) noexcept;

  const RingMemory* ring_;
  int wake_fd_;
  std::uint32_t next_slot_ = 0;
  std::uint32_t seq_ = 0;
};

/// Host-owned copy of the last consumed frame(s): `count` buffers used
/// round-robin, so the buffer the encoder reads (pipeline depth ≤ count-1)
/// is never the one being written.
class OutRing {
 public:
  OutRing(std::size_t count, std::uint32_t pitch_bytes, std::uint32_t height);
  [[nodiscard]] MutableBytes next_for_write() noexcept;
  [[nodiscard]] Bytes last_written() const noexcept;
  [[nodiscard]] std::uint32_t pitch_bytes() const noexcept { return pitch_bytes_; }

 private:
  std::vector<std::vector<std::uint8_t>> buffers_;
  std::uint32_t pitch_bytes_;
  std::size_t last_ = 0;
  std::size_t written_ = 0;
};

struct ConsumedFrame {
  std::uint32_t seq = 0;
  std::uint8_t slot = 0;
  LockOutcome lock = LockOutcome::unset;  ///< acquired or abandoned
  std::uint64_t frame_id = 0;
  std::uint64_t capture_ns = 0;
  std::uint64_t checksum = 0;
};

enum class ConsumeOutcome : std::uint8_t {
  unset = 0,
  consumed,          ///< a fresh frame was copied out
  no_new_frame,      ///< the token has not moved (or no frame yet)
  stale_generation,  ///< the token belongs to another ring generation
  busy,              ///< the slot stayed held past the timeout
  slot_overwritten,  ///< the slot no longer holds the token's frame (lapped, or its writer died)
  error,             ///< a lock is unusable or the token names no slot
};
[[nodiscard]] std::string_view to_string(ConsumeOutcome outcome) noexcept;

enum class WaitOutcome : std::uint8_t { unset = 0, woken, timed_out, error };

struct ConsumerCounters {
  std::uint64_t consumed = 0;
  std::uint64_t stale_generation = 0;
  std::uint64_t busy = 0;
  std::uint64_t overwritten = 0;
  std::uint64_t abandoned = 0;  ///< slots whose previous owner had died (taken over)
};

class Consumer {
 public:
  static constexpr Nanos kDefaultLockTimeout = std::chrono::milliseconds(8);

  Consumer(const RingMemory& ring, int wake_fd) noexcept : ring_(&ring), wake_fd_(wake_fd) {}

  /// Waits for the producer's wake-up (or the timeout). A wake-up is only a
  /// hint: call try_consume() either way.
  [[nodiscard]] WaitOutcome wait(Nanos timeout) noexcept;

  /// Copies the newest unseen frame into `dst` (rows of `dst_pitch` bytes).
  [[nodiscard]] ConsumeOutcome try_consume(MutableBytes dst, std::uint32_t dst_pitch,
                                           ConsumedFrame& out,
                                           Nanos lock_timeout = kDefaultLockTimeout) noexcept;

  [[nodiscard]] const ConsumerCounters& counters() const noexcept { return counters_; }

 private:
  const RingMemory* ring_;
  int wake_fd_;
  std::uint32_t last_seq_ = 0;
  ConsumerCounters counters_;
};

}  // namespace pf::framering
