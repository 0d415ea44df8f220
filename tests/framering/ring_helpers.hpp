// Shared helpers for frame ring tests: rendering stamped synthetic frames.
#pragma once

#include <ctime>
#include <vector>

#include "pf/framering/endpoints.hpp"
#include "pf/synth/synthetic.hpp"

namespace pf::framering::test {

inline std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

/// A BGRA source frame owned by the test, rendered with a stamp and checksummed.
struct SourceFrame {
  SourceFrame(std::uint32_t w, std::uint32_t h) : width(w), height(h), pixels(std::size_t{w} * 4 * h) {}

  FrameView render(std::uint64_t frame_id) {
    const synth::Stamp stamp{frame_id, monotonic_ns()};
    synth::render_bgra(pixels.data(), width * 4, width, height, stamp);
    return FrameView{pixels.data(), width * 4, width, height, PixelFormat::bgra8, frame_id,
                     stamp.capture_ns, frame_checksum(pixels.data(), width * 4, width * 4, height)};
  }

  std::uint32_t width;
  std::uint32_t height;
  std::vector<std::uint8_t> pixels;
};

}  // namespace pf::framering::test
