// Receiver side of the data plane: sealed datagrams in, whole frames or
// "lost" reports out, in frame order. Sans-I/O: the caller passes the time.
//
// Each datagram is parsed (bounds-checked), then authenticated and checked
// against replay, and only then allowed to touch reassembly state, so forged
// packets can neither evict frames nor allocate memory. Shards may arrive
// in any order and more than once. A block is complete once any k of its
// shards are in; missing data is rebuilt by FEC.
//
// Frames are delivered in increasing index order, each exactly once, and a
// frame that cannot be completed is reported lost, never delivered partial:
//  * when a later frame completes, every earlier frame still open is lost
//    (the sender sends frames in order, so their shards are not coming);
//  * when a frame has been open for loss_window (poll);
//  * when the limits on frames or bytes in flight force the oldest out.
// Packets of a frame already delivered or reported are dropped as late.
//
// Memory is bounded: at most max_frames_in_flight frames of at most
// max_frame_bytes each, frame buffers (reused across frames) within
// max_bytes_in_flight, and FEC scratch within max_gf16_block_shards shards.
// A packet older than every open frame never evicts one. Not thread-safe:
// one per receiving thread, and a FrameSink must not call back into it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/crypto/aead.hpp"
#include "pf/fec/coder.hpp"
#include "pf/transport/packet.hpp"

namespace pf::transport {

struct ReceiverConfig {
  Stream stream = Stream::video;
  /// The sender's first frame index (from the session set-up): frames from
  /// here on that never arrive are reported lost too.
  std::uint32_t first_frame_index = 0;
  std::size_t max_frames_in_flight = 16;
  std::size_t max_frame_bytes = std::size_t{16} << 20;
  /// Frame buffers, open or kept for reuse; at least 4 × max_frame_bytes + 4
  /// shards (a frame's data and its parity room).
  std::size_t max_bytes_in_flight = std::size_t{96} << 20;
  /// A GF(2^16) block's bit_ceil(parity) + data at most: bounds the decoder's
  /// scratch (this many shards) and its work per block.
  std::size_t max_gf16_block_shards = 8192;
  Nanos loss_window = std::chrono::milliseconds(100);
};

struct ReceivedFrame {
  std::uint32_t frame_index = 0;
  std::uint64_t capture_ns = 0;  ///< the sender's capture time
  std::uint8_t flags = 0;
  Bytes data;                    ///< valid only during on_frame
  std::uint32_t recovered_shards = 0;  ///< data shards FEC rebuilt
  TimePoint first_packet{};
  TimePoint completed{};
};

class FrameSink {
 public:
  virtual void on_frame(const ReceivedFrame& frame) = 0;
  /// Frames first_index .. first_index + count − 1 (mod 2^32) will never be
  /// delivered: invalidate references or ask for a keyframe.
  virtual void on_lost(std::uint32_t first_index, std::uint32_t count) = 0;

 protected:
  ~FrameSink() = default;
};

struct ReceiverCounters {
  std::uint64_t datagrams = 0;
  std::uint64_t malformed = 0;     ///< header refused, or payload length wrong
  std::uint64_t auth_failed = 0;
  std::uint64_t replayed = 0;
  std::uint64_t too_old = 0;
  std::uint64_t wrong_stream = 0;
  std::uint64_t inconsistent = 0;  ///< authentic, but contradicts earlier packets of its frame
  std::uint64_t duplicate = 0;
  std::uint64_t late = 0;          ///< for a frame already reported lost
  std::uint64_t surplus = 0;       ///< parity (or data) for a block or frame already whole
  std::uint64_t oversize = 0;      ///< frame above max_frame_bytes
  std::uint64_t evicted = 0;       ///< frames forced out by the in-flight limits
  std::uint64_t frames_delivered = 0;
  std::uint64_t frames_recovered = 0;  ///< delivered thanks to FEC
  std::uint64_t frames_lost = 0;
  std::uint64_t shards_recovered = 0;
  std::uint64_t opened = 0;            ///< datagrams that authenticated
  std::uint64_t highest_sequence = 0;  ///< of those; with the counts above, the loss before repair
};

class Reassembler {
 public:
  [[nodiscard]] static Result<Reassembler> create(const ReceiverConfig& config, crypto::Opener opener);

  Reassembler(Reassembler&&) noexcept;
  Reassembler& operator=(Reassembler&&) noexcept;
  ~Reassembler();

  /// One datagram as it came off the socket.
  void receive(Bytes datagram, TimePoint now, FrameSink& sink);
  /// Reports frames open longer than loss_window as lost.
  void poll(TimePoint now, FrameSink& sink);
  /// When poll() next has work; TimePoint::max() when no frame is open.
  [[nodiscard]] TimePoint next_deadline() const noexcept;

  [[nodiscard]] const ReceiverCounters& counters() const noexcept;
  [[nodiscard]] std::size_t frames_in_flight() const noexcept;
  /// Bytes held by frame buffers, open or kept for reuse.
  [[nodiscard]] std::size_t buffer_bytes() const noexcept;

 private:
  struct State;
  explicit Reassembler(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace pf::transport
