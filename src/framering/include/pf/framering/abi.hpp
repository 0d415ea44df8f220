// The frame ring ABI: the memory layout shared by pf-vdisplay (producer) and
// punktfunk-host (consumer). Both processes compile this one header.
//
// A ring is one sealed memfd, created by the host:
//
//   offset 0                 RingHeader (256 B: four 64-byte lines)
//   offset 256               SlotHeader[ring_length] (128 B each: lock + frame record)
//   offset pixels_offset     ring_length pixel slots, slot_stride_bytes apart (page aligned)
//
// Rules (they are the contract, not suggestions):
//  * Every type here is fixed-width and trivially copyable; every size and
//    offset is pinned by a static_assert. Shared words that change after
//    creation are accessed only through std::atomic_ref.
//  * The creator writes every field, then stores `magic` last with release.
//    A reader acquire-loads `magic` first and trusts nothing before it matches.
//  * `latest` is a FrameToken: generation << 40 | seq << 8 | slot. The
//    producer stores it with release after releasing the slot; the consumer
//    loads it with acquire and rejects tokens of any generation but its own.
//  * generation is 24 bits and never 0 (0 means "no frame yet").
//  * A version bump that moves or changes a field raises kMinVersion too;
//    fields are only ever appended into reserved space.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace pf::framering {

inline constexpr std::uint32_t kMagic = 0x52464650;  // "PFFR" in memory order
inline constexpr std::uint32_t kVersion = 1;
inline constexpr std::uint32_t kMinVersion = 1;
inline constexpr std::uint32_t kDefaultRingLength = 6;
inline constexpr std::uint32_t kMaxRingLength = 16;
inline constexpr std::size_t kCacheLine = 64;  // fixed; never hardware_destructive_interference_size
inline constexpr std::size_t kPageBytes = 4096;
inline constexpr std::uint32_t kGenerationMask = 0xFFFFFF;
inline constexpr std::uint32_t kMaxDimension = 16384;

enum class PixelFormat : std::uint32_t {
  unset = 0,
  bgra8 = 1,  ///< 8-bit B,G,R,A in memory order (SDR)
  bgrx8 = 2,  ///< as bgra8, alpha undefined
};
[[nodiscard]] std::uint32_t bytes_per_pixel(PixelFormat format) noexcept;  // 0 for unset/unknown

/// Written by the producer to say how attaching went.
enum class DriverStatus : std::uint32_t {
  none = 0,
  opened = 1,       ///< attached; detail = frames offered since attach (saturating)
  bind_failed = 2,  ///< the ring names another display; detail = the display id it claims
  bad_layout = 3,   ///< the header failed check_attach; detail = the AttachVerdict
};

struct RingHeader {
  // Line 0: identity, written once by the creator; magic last.
  std::uint32_t magic;
  std::uint32_t version;
  std::uint32_t min_version;
  std::uint32_t header_bytes;       ///< sizeof(RingHeader)
  std::uint32_t generation;         ///< 24-bit, never 0
  std::uint32_t ring_length;        ///< number of slots
  std::uint32_t width;
  std::uint32_t height;
  std::uint32_t pixel_format;       ///< PixelFormat
  std::uint32_t pitch_bytes;        ///< bytes per row in a slot
  std::uint32_t display_id;         ///< the display this ring belongs to
  std::uint32_t slot_header_bytes;  ///< sizeof(SlotHeader)
  std::uint64_t pixels_offset;      ///< from the start of the mapping to slot 0's pixels
  std::uint64_t slot_stride_bytes;  ///< distance between slots' pixels (page multiple)
  // Line 1: the publish token (producer writes, consumer reads).
  alignas(kCacheLine) std::uint64_t latest;
  std::uint8_t reserved1[56];
  // Line 2: producer status.
  alignas(kCacheLine) std::uint32_t driver_status;  ///< DriverStatus
  std::uint32_t driver_detail;
  std::uint8_t reserved2[56];
  // Line 3: producer telemetry, monotonic counters.
  alignas(kCacheLine) std::uint64_t offered;       ///< frames handed to publish()
  std::uint64_t published;                         ///< frames that reached a slot
  std::uint64_t busy_skipped;                      ///< slots skipped because the consumer held them
  std::uint64_t dropped;                           ///< frames dropped (all slots busy, or mismatch)
  std::uint64_t heartbeat_ns;                      ///< producer's CLOCK_MONOTONIC at its last pass
  std::uint8_t reserved3[24];
};

/// Per slot: the robust process-shared mutex, then the record of the frame
/// the slot holds. The record is written only while holding the lock.
struct SlotHeader {
  alignas(kCacheLine) std::uint8_t mutex_storage[64];  ///< a pthread_mutex_t (robust, pshared)
  std::uint64_t seq;         ///< seq of the frame in this slot; 0 while being written
  std::uint64_t frame_id;    ///< source's frame counter
  std::uint64_t capture_ns;  ///< CLOCK_MONOTONIC when the source produced the frame
  std::uint64_t checksum;    ///< frame_checksum() of the pixels, 0 if not computed
  std::uint8_t reserved[32];
};

static_assert(std::is_trivially_copyable_v<RingHeader> && std::is_standard_layout_v<RingHeader>);
static_assert(std::is_trivially_copyable_v<SlotHeader> && std::is_standard_layout_v<SlotHeader>);
static_assert(sizeof(RingHeader) == 256 && alignof(RingHeader) == kCacheLine);
static_assert(offsetof(RingHeader, magic) == 0);
static_assert(offsetof(RingHeader, version) == 4);
static_assert(offsetof(RingHeader, min_version) == 8);
static_assert(offsetof(RingHeader, header_bytes) == 12);
static_assert(offsetof(RingHeader, generation) == 16);
static_assert(offsetof(RingHeader, ring_length) == 20);
static_assert(offsetof(RingHeader, width) == 24);
static_assert(offsetof(RingHeader, height) == 28);
static_assert(offsetof(RingHeader, pixel_format) == 32);
static_assert(offsetof(RingHeader, pitch_bytes) == 36);
static_assert(offsetof(RingHeader, display_id) == 40);
static_assert(offsetof(RingHeader, slot_header_bytes) == 44);
static_assert(offsetof(RingHeader, pixels_offset) == 48);
static_assert(offsetof(RingHeader, slot_stride_bytes) == 56);
static_assert(offsetof(RingHeader, latest) == 64);
static_assert(offsetof(RingHeader, driver_status) == 128);
static_assert(offsetof(RingHeader, driver_detail) == 132);
static_assert(offsetof(RingHeader, offered) == 192);
static_assert(offsetof(RingHeader, published) == 200);
static_assert(offsetof(RingHeader, busy_skipped) == 208);
static_assert(offsetof(RingHeader, dropped) == 216);
static_assert(offsetof(RingHeader, heartbeat_ns) == 224);
static_assert(sizeof(SlotHeader) == 128 && alignof(SlotHeader) == kCacheLine);
static_assert(offsetof(SlotHeader, seq) == 64);
static_assert(offsetof(SlotHeader, frame_id) == 72);
static_assert(offsetof(SlotHeader, capture_ns) == 80);
static_assert(offsetof(SlotHeader, checksum) == 88);
static_assert(std::atomic_ref<std::uint64_t>::required_alignment <= alignof(std::uint64_t));
static_assert(std::atomic_ref<std::uint32_t>::required_alignment <= alignof(std::uint32_t));
static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "shared atomics must be address-free");

inline constexpr std::size_t kSlotTableOffset = sizeof(RingHeader);

/// latest = generation << 40 | seq << 8 | slot. 0 means "no frame".
struct FrameToken {
  std::uint32_t generation = 0;  ///< 24 bits
  std::uint32_t seq = 0;
  std::uint8_t slot = 0;

  [[nodiscard]] constexpr std::uint64_t pack() const noexcept {
    return (static_cast<std::uint64_t>(generation & kGenerationMask) << 40) |
           (static_cast<std::uint64_t>(seq) << 8) | slot;
  }
  [[nodiscard]] static constexpr FrameToken unpack(std::uint64_t v) noexcept {
    return FrameToken{static_cast<std::uint32_t>(v >> 40) & kGenerationMask,
                      static_cast<std::uint32_t>(v >> 8), static_cast<std::uint8_t>(v & 0xFF)};
  }
  friend constexpr bool operator==(const FrameToken&, const FrameToken&) = default;
};

/// Sizes of a ring with this geometry; all zero if it is not representable.
struct Layout {
  std::uint32_t pitch_bytes = 0;
  std::uint64_t pixels_offset = 0;
  std::uint64_t slot_stride_bytes = 0;
  std::uint64_t total_bytes = 0;
};
[[nodiscard]] Layout compute_layout(std::uint32_t width, std::uint32_t height, PixelFormat format,
                                    std::uint32_t ring_length) noexcept;

/// Why a ring may not be attached to. Each value names one failure.
enum class AttachVerdict : std::uint32_t {
  ok = 0,
  bad_magic = 1,             ///< not a ring, or not finished being created
  version_below_minimum = 2, ///< the ring is older than this binary supports
  requires_newer = 3,        ///< the ring needs a newer binary than this one
  stale_generation = 4,      ///< not the generation the attacher was told about
  wrong_display = 5,         ///< the ring belongs to another display
  bad_layout = 6,            ///< sizes/offsets inconsistent or beyond the mapping
};
[[nodiscard]] std::string_view to_string(AttachVerdict verdict) noexcept;

struct AttachExpectation {
  std::uint32_t display_id = 0;
  std::uint32_t generation = 0;
  std::uint64_t mapping_bytes = 0;  ///< size of the mapping the header lives in
};

/// Pure check of a header snapshot (copied after an acquire-load of magic).
[[nodiscard]] AttachVerdict check_attach(const RingHeader& header,
                                         const AttachExpectation& expected) noexcept;

}  // namespace pf::framering
