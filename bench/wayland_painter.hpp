// A Wayland client for the capture benchmark: one fullscreen xdg-shell
// window that it fills with a solid colour on demand, the way any
// application's frame reaches the compositor (attach, damage, commit).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace pf::bench {

class WaylandPainter {
 public:
  /// Connects to the compositor socket (an absolute WAYLAND_DISPLAY) and
  /// waits until the window is fullscreen; nullptr with `error` set otherwise.
  static std::unique_ptr<WaylandPainter> connect(const std::string& socket, std::string& error);
  ~WaylandPainter();
  WaylandPainter(const WaylandPainter&) = delete;
  WaylandPainter& operator=(const WaylandPainter&) = delete;

  /// Fills the window with 0x00RRGGBB and commits; returns once sent.
  bool fill(std::uint32_t xrgb);

  struct State;

 private:
  explicit WaylandPainter(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace pf::bench
