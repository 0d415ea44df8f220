// A Wayland client of the wlr-screencopy protocol (version 3, shm buffers):
// frames of a compositor's first output, copied into memory of ours.
//
// Non-blocking and double-buffered: one copy_with_damage is always in
// flight into the buffer that was not handed out last, and the compositor
// answers it only when something changed. poll() returns the newest
// completed frame; it stays valid until the next poll() or restart().
// Used by one thread at a time (the display's producer thread).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "pf/agent/source.hpp"
#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"

namespace pf::agent {

class Screencopy {
 public:
  /// Connects to the compositor's socket and binds wl_shm, its first
  /// wl_output and the screencopy manager; asks for the first frame.
  [[nodiscard]] static Result<std::unique_ptr<Screencopy>> connect(const std::filesystem::path& socket);
  ~Screencopy();
  Screencopy(const Screencopy&) = delete;
  Screencopy& operator=(const Screencopy&) = delete;

  /// The newest frame (changed = false when it is the one returned last).
  /// Errc::unavailable-like errors only when the connection is gone or no
  /// frame has ever arrived.
  [[nodiscard]] Result<SourceFrame> poll();
  /// Drops the frame in flight and asks for a new one (after a mode change).
  [[nodiscard]] Status restart();
  /// Blocks until a frame of exactly width × height has arrived.
  [[nodiscard]] Status wait_for_size(std::uint32_t width, std::uint32_t height, Nanos timeout);

  struct State;

 private:
  explicit Screencopy(std::unique_ptr<State> state) noexcept;
  std::unique_ptr<State> s_;
};

}  // namespace pf::agent
