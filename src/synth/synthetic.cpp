#include "pf/synth/synthetic.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace pf::synth {
namespace {

constexpr std::uint32_t kBits = 64;

std::uint32_t cell_size(std::uint32_t width) noexcept { return std::clamp(width / kBits, 1U, 16U); }

std::uint32_t* row_ptr(std::uint8_t* pixels, std::uint32_t pitch, std::uint32_t y) noexcept {
  return reinterpret_cast<std::uint32_t*>(pixels + std::size_t{pitch} * y);
}

void fill_rect(std::uint8_t* pixels, std::uint32_t pitch, std::uint32_t width, std::uint32_t height,
               std::uint32_t x0, std::uint32_t y0, std::uint32_t w, std::uint32_t h,
               std::uint32_t bgra) noexcept {
  const std::uint32_t x1 = std::min(width, x0 + w);
  const std::uint32_t y1 = std::min(height, y0 + h);
  for (std::uint32_t y = y0; y < y1; ++y) {
    std::fill(row_ptr(pixels, pitch, y) + x0, row_ptr(pixels, pitch, y) + std::max(x0, x1), bgra);
  }
}

std::uint32_t bgra(std::uint32_t r, std::uint32_t g, std::uint32_t b) noexcept {
  return 0xFF000000U | (r & 0xFF) << 16 | (g & 0xFF) << 8 | (b & 0xFF);
}

struct Rect {
  std::uint32_t x0, y0, w, h, colour;
  [[nodiscard]] bool contains(std::uint32_t x, std::uint32_t y, std::uint32_t width, std::uint32_t height) const noexcept {
    return x >= x0 && y >= y0 && x < std::min(width, x0 + w) && y < std::min(height, y0 + h);
  }
};

std::uint32_t background(std::uint32_t y, std::uint32_t height, std::uint32_t t) noexcept {
  const std::uint32_t v = (y * 160 / std::max(height, 1U) + t / 4) & 0xFF;
  return bgra(20 + v / 4, 40 + v / 3, 90 + v / 2);
}

// The three "windows" and the taskbar, back to front.
std::array<Rect, 4> windows(std::uint32_t width, std::uint32_t height, std::uint32_t t) noexcept {
  const std::uint32_t ww = std::max(width / 4, 1U);
  const std::uint32_t wh = std::max(height / 4, 1U);
  return {{{(t * 3) % std::max(width, 1U), height / 5, ww, wh, bgra(230, 230, 230)},
           {(t * 7 + width / 2) % std::max(width, 1U), height / 2, ww, wh, bgra(200, 60, 60)},
           {width / 3, (t * 2) % std::max(height, 1U), ww / 2, wh / 2, bgra(60, 180, 80)},
           {0, height - std::max(height / 20, 1U), width, height / 20, bgra(30, 30, 30)}}};
}

// The stamp's 2 × 64 cells, each judged at its centre by is_one(x, y);
// nullopt if the frame is too small to carry them.
template <typename IsOne>
std::optional<Stamp> read_cells(std::uint32_t width, std::uint32_t height, IsOne is_one) noexcept {
  const std::uint32_t cell = cell_size(width);
  if (width < cell * kBits || height < cell * 2) {
    return std::nullopt;
  }
  std::uint64_t words[2] = {0, 0};
  for (std::uint32_t r = 0; r < 2; ++r) {
    for (std::uint32_t bit = 0; bit < kBits; ++bit) {
      words[r] = (words[r] << 1) | (is_one(bit * cell + cell / 2, r * cell + cell / 2) ? 1U : 0U);
    }
  }
  return Stamp{words[0], words[1]};
}

}  // namespace

std::uint32_t pixel_bgra(std::uint32_t x, std::uint32_t y, std::uint32_t width, std::uint32_t height,
                         const Stamp& stamp) noexcept {
  const auto t = static_cast<std::uint32_t>(stamp.frame_id);
  const std::uint32_t cell = cell_size(width);
  if (width >= cell * kBits && height >= cell * 2 && y < cell * 2 && x < cell * kBits) {
    const std::uint64_t word = y < cell ? stamp.frame_id : stamp.capture_ns;
    const bool one = ((word >> (kBits - 1 - x / cell)) & 1U) != 0;
    return one ? bgra(255, 255, 255) : bgra(0, 0, 0);
  }
  std::uint32_t out = background(y, height, t);
  for (const Rect& r : windows(width, height, t)) {
    if (r.contains(x, y, width, height)) {
      out = r.colour;
    }
  }
  return out;
}

std::optional<Stamp> read_stamp_luma(const std::uint8_t* luma, std::uint32_t stride, std::uint32_t width,
                                     std::uint32_t height) noexcept {
  return read_cells(width, height, [&](std::uint32_t x, std::uint32_t y) {
    return luma[std::size_t{stride} * y + x] >= 126;  // limited range: black 16, white 235
  });
}

void render_bgra(std::uint8_t* pixels, std::uint32_t pitch_bytes, std::uint32_t width,
                 std::uint32_t height, const Stamp& stamp) noexcept {
  const auto t = static_cast<std::uint32_t>(stamp.frame_id);
  // Desktop: a vertical gradient that drifts slowly.
  for (std::uint32_t y = 0; y < height; ++y) {
    std::fill_n(row_ptr(pixels, pitch_bytes, y), width, background(y, height, t));
  }
  // Three "windows" that move at different speeds, and a taskbar.
  for (const Rect& r : windows(width, height, t)) {
    fill_rect(pixels, pitch_bytes, width, height, r.x0, r.y0, r.w, r.h, r.colour);
  }
  stamp_bgra(pixels, pitch_bytes, width, height, stamp);
}

void stamp_bgra(std::uint8_t* pixels, std::uint32_t pitch_bytes, std::uint32_t width, std::uint32_t height,
                const Stamp& stamp) noexcept {
  const std::uint32_t cell = cell_size(width);
  if (width < cell * kBits || height < cell * 2) {
    return;
  }
  const std::uint64_t words[2] = {stamp.frame_id, stamp.capture_ns};
  for (std::uint32_t r = 0; r < 2; ++r) {
    for (std::uint32_t bit = 0; bit < kBits; ++bit) {
      const bool one = ((words[r] >> (kBits - 1 - bit)) & 1U) != 0;
      fill_rect(pixels, pitch_bytes, width, height, bit * cell, r * cell, cell, cell,
                one ? bgra(255, 255, 255) : bgra(0, 0, 0));
    }
  }
}

std::optional<Stamp> read_stamp_bgra(const std::uint8_t* pixels, std::uint32_t pitch_bytes,
                                     std::uint32_t width, std::uint32_t height) noexcept {
  return read_cells(width, height, [&](std::uint32_t x, std::uint32_t y) {
    const std::uint8_t* p = pixels + std::size_t{pitch_bytes} * y + std::size_t{x} * 4;
    return (p[0] + 2U * p[1] + p[2]) / 4 >= 128;  // luma of B, G, R
  });
}

}  // namespace pf::synth
