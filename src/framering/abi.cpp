#include "pf/framering/abi.hpp"

namespace pf::framering {
namespace {

constexpr std::uint64_t round_up(std::uint64_t v, std::uint64_t to) { return (v + to - 1) / to * to; }

}  // namespace

std::uint32_t bytes_per_pixel(PixelFormat format) noexcept {
  switch (format) {
    case PixelFormat::bgra8:
    case PixelFormat::bgrx8: return 4;
    case PixelFormat::unset: break;
  }
  return 0;
}

Layout compute_layout(std::uint32_t width, std::uint32_t height, PixelFormat format,
                      std::uint32_t ring_length) noexcept {
  const std::uint32_t bpp = bytes_per_pixel(format);
  if (bpp == 0 || width == 0 || height == 0 || width > kMaxDimension || height > kMaxDimension ||
      ring_length == 0 || ring_length > kMaxRingLength) {
    return {};
  }
  Layout l;
  l.pitch_bytes = static_cast<std::uint32_t>(round_up(std::uint64_t{width} * bpp, kCacheLine));
  l.pixels_offset = round_up(kSlotTableOffset + std::uint64_t{ring_length} * sizeof(SlotHeader), kPageBytes);
  l.slot_stride_bytes = round_up(std::uint64_t{l.pitch_bytes} * height, kPageBytes);
  l.total_bytes = l.pixels_offset + l.slot_stride_bytes * ring_length;
  return l;
}

std::string_view to_string(AttachVerdict verdict) noexcept {
  switch (verdict) {
    case AttachVerdict::ok: return "ok";
    case AttachVerdict::bad_magic: return "bad magic (not a frame ring, or not fully created)";
    case AttachVerdict::version_below_minimum: return "ring version below this binary's minimum";
    case AttachVerdict::requires_newer: return "ring requires a newer binary";
    case AttachVerdict::stale_generation: return "stale generation";
    case AttachVerdict::wrong_display: return "ring belongs to another display";
    case AttachVerdict::bad_layout: return "inconsistent ring layout";
  }
  return "unknown";
}

AttachVerdict check_attach(const RingHeader& h, const AttachExpectation& expected) noexcept {
  if (h.magic != kMagic) {
    return AttachVerdict::bad_magic;
  }
  if (h.version < kMinVersion) {
    return AttachVerdict::version_below_minimum;
  }
  if (h.min_version > kVersion) {
    return AttachVerdict::requires_newer;
  }
  if (h.display_id != expected.display_id) {
    return AttachVerdict::wrong_display;
  }
  if (h.generation == 0 || h.generation > kGenerationMask || h.generation != expected.generation) {
    return AttachVerdict::stale_generation;
  }
  const Layout l = compute_layout(h.width, h.height, static_cast<PixelFormat>(h.pixel_format),
                                  h.ring_length);
  if (l.total_bytes == 0 || h.header_bytes != sizeof(RingHeader) ||
      h.slot_header_bytes != sizeof(SlotHeader) || h.pitch_bytes != l.pitch_bytes ||
      h.pixels_offset != l.pixels_offset || h.slot_stride_bytes != l.slot_stride_bytes ||
      l.total_bytes > expected.mapping_bytes) {
    return AttachVerdict::bad_layout;
  }
  return AttachVerdict::ok;
}

}  // namespace pf::framering
