// Ring memory: the sealed memfd holding one ring, mapped into this process.
//
// The host creates it (create), which writes the whole header and stores
// magic last; the agent adopts the descriptor it received (attach), which
// verifies the seals and check_attach() before touching anything else.
// The memfd is sealed against shrinking and growing, so neither process can
// make the other's mapping fault.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/core/unique.hpp"
#include "pf/framering/abi.hpp"

namespace pf::framering {

struct RingSpec {
  std::uint32_t display_id = 0;
  std::uint32_t generation = 0;  ///< 1..2^24-1
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  PixelFormat format = PixelFormat::bgra8;
  std::uint32_t ring_length = kDefaultRingLength;
};

/// A shared mapping, unmapped on destruction.
class Mapping {
 public:
  Mapping() = default;
  Mapping(void* address, std::size_t bytes) noexcept : address_(address), bytes_(bytes) {}
  Mapping(Mapping&& o) noexcept;
  Mapping& operator=(Mapping&& o) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping();
  [[nodiscard]] std::uint8_t* data() const noexcept { return static_cast<std::uint8_t*>(address_); }
  [[nodiscard]] std::size_t size() const noexcept { return bytes_; }

 private:
  void* address_ = nullptr;
  std::size_t bytes_ = 0;
};

class RingMemory {
 public:
  /// Creates, sizes, seals and initialises a ring (magic written last).
  [[nodiscard]] static Result<RingMemory> create(const RingSpec& spec);
  /// Maps a received ring descriptor and validates it. On failure the
  /// descriptor is closed here (the caller gave it away).
  [[nodiscard]] static Result<RingMemory> attach(UniqueFd memfd, const AttachExpectation& expected);

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  [[nodiscard]] RingHeader& header() const noexcept {
    return *reinterpret_cast<RingHeader*>(map_.data());
  }
  [[nodiscard]] SlotHeader& slot(std::uint32_t i) const noexcept {
    return reinterpret_cast<SlotHeader*>(map_.data() + kSlotTableOffset)[i];
  }
  [[nodiscard]] std::uint8_t* pixels(std::uint32_t i) const noexcept { return map_.data() + pixels_offset(i); }
  /// Where slot i's pixels start in the memfd (for writers that map it themselves).
  [[nodiscard]] std::size_t pixels_offset(std::uint32_t i) const noexcept {
    return header().pixels_offset + std::size_t{header().slot_stride_bytes} * i;
  }
  [[nodiscard]] std::uint32_t generation() const noexcept { return generation_; }
  [[nodiscard]] std::uint32_t ring_length() const noexcept { return header().ring_length; }
  [[nodiscard]] std::uint32_t width() const noexcept { return header().width; }
  [[nodiscard]] std::uint32_t height() const noexcept { return header().height; }
  [[nodiscard]] std::uint32_t pitch_bytes() const noexcept { return header().pitch_bytes; }
  [[nodiscard]] PixelFormat format() const noexcept {
    return static_cast<PixelFormat>(header().pixel_format);
  }
  [[nodiscard]] std::size_t mapped_bytes() const noexcept { return map_.size(); }

 private:
  RingMemory(UniqueFd fd, Mapping map, std::uint32_t generation) noexcept
      : fd_(std::move(fd)), map_(std::move(map)), generation_(generation) {}
  UniqueFd fd_;
  Mapping map_;
  std::uint32_t generation_ = 0;
};

/// A non-blocking, close-on-exec eventfd: the wake-up signal of a ring.
[[nodiscard]] Result<UniqueFd> make_wake_fd();

/// 64-bit checksum of the visible bytes of a frame (row padding excluded),
/// for torn-frame detection. Fast, not cryptographic.
[[nodiscard]] std::uint64_t frame_checksum(const std::uint8_t* pixels, std::uint32_t pitch_bytes,
                                           std::uint32_t row_bytes, std::uint32_t height) noexcept;

}  // namespace pf::framering
