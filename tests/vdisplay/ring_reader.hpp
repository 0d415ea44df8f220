// Reading a display's frame ring the way a session will, for the display
// service tests.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "pf/vdisplay/display_service.hpp"

namespace pf::vdisplay::fixture {

/// A supervisor that starts the freshly built pf-vdisplay.
[[nodiscard]] SupervisorOptions agent_options();

struct FirstFrame {
  Nanos latency{};
  bool all_black = true;
  std::array<std::uint8_t, 3> centre_bgr{};
};

/// Waits for the first whole frame of `ring`; checks its checksum when the
/// source computed one.
[[nodiscard]] std::optional<FirstFrame> first_frame(const std::shared_ptr<HostRing>& ring,
                                                    Nanos timeout = std::chrono::seconds(5));

/// Consumes until a frame's centre pixel is (b, g, r); false at the timeout.
[[nodiscard]] bool frame_shows(const std::shared_ptr<HostRing>& ring, std::uint8_t b, std::uint8_t g,
                               std::uint8_t r, Nanos timeout);

}  // namespace pf::vdisplay::fixture
