// The synthetic display source: an animated, desktop-like test pattern at
// any size, whose pixels carry a machine-readable stamp (frame id and
// capture time). Tests and benchmarks read the stamp back to prove which
// frame arrived and how old it is.
//
// Stamp: two rows of 64 square cells in the top-left corner, one bit per
// cell (white = 1, black = 0), most significant bit first: row 0 is the
// frame id, row 1 the capture time (CLOCK_MONOTONIC ns). The cell size is
// width/64 clamped to 1..16 px, so it survives scaling and lossy encoding
// at cell sizes of 4 px and more.
#pragma once

#include <cstdint>
#include <optional>

namespace pf::synth {

struct Stamp {
  std::uint64_t frame_id = 0;
  std::uint64_t capture_ns = 0;
  friend bool operator==(const Stamp&, const Stamp&) = default;
};

/// Draws frame `stamp.frame_id` of the animation into a BGRA buffer.
void render_bgra(std::uint8_t* pixels, std::uint32_t pitch_bytes, std::uint32_t width,
                 std::uint32_t height, const Stamp& stamp) noexcept;

/// Redraws only the stamp (for a source that learns its capture time once
/// the picture is drawn); nothing when the frame is too small to carry one.
void stamp_bgra(std::uint8_t* pixels, std::uint32_t pitch_bytes, std::uint32_t width, std::uint32_t height,
                const Stamp& stamp) noexcept;

/// Reads the stamp back; nullopt if the frame is too small to carry one.
[[nodiscard]] std::optional<Stamp> read_stamp_bgra(const std::uint8_t* pixels,
                                                   std::uint32_t pitch_bytes, std::uint32_t width,
                                                   std::uint32_t height) noexcept;

/// One pixel of what render_bgra() draws (0xAARRGGBB), computed alone:
/// clients check a decoded frame against the pattern at a few points.
[[nodiscard]] std::uint32_t pixel_bgra(std::uint32_t x, std::uint32_t y, std::uint32_t width,
                                       std::uint32_t height, const Stamp& stamp) noexcept;

/// Reads the stamp from a decoded frame's luma plane (limited or full range).
[[nodiscard]] std::optional<Stamp> read_stamp_luma(const std::uint8_t* luma, std::uint32_t stride,
                                                   std::uint32_t width, std::uint32_t height) noexcept;

}  // namespace pf::synth
