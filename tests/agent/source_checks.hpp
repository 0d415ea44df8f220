// Checks on what a FrameSource captured, shared by the real-backend tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include "pf/agent/source.hpp"

namespace pf::agent::checks {

/// Captures until the centre pixel is (b, g, r), up to `tries` × 10 ms.
inline std::optional<SourceFrame> wait_for_color(FrameSource& source, std::uint8_t b, std::uint8_t g,
                                                 std::uint8_t r, int tries = 500) {
  for (int i = 0; i < tries; ++i) {
    auto f = source.capture(static_cast<std::uint64_t>(i), 0);
    EXPECT_TRUE(f) << f.error().message;
    if (!f) {
      return std::nullopt;
    }
    const std::uint8_t* px = f->pixels + std::size_t{f->pitch_bytes} * (f->height / 2) + (f->width / 2) * 4;
    if (px[0] == b && px[1] == g && px[2] == r) {
      return *f;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

/// Whether every sampled pixel of the frame is (b, g, r).
inline bool uniform(const SourceFrame& f, std::uint8_t b, std::uint8_t g, std::uint8_t r) {
  for (std::uint32_t y = 0; y < f.height; y += 7) {
    for (std::uint32_t x = 0; x < f.width; x += 5) {
      const std::uint8_t* px = f.pixels + std::size_t{f.pitch_bytes} * y + std::size_t{x} * 4;
      if (px[0] != b || px[1] != g || px[2] != r) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace pf::agent::checks
