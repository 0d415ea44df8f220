// Where a virtual display's pixels come from. A source belongs to one
// display and is used only by that display's producer thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pf/core/process.hpp"
#include "pf/core/result.hpp"
#include "pf/input/events.hpp"

namespace pf::agent {

/// Puts a session's input into its display. Owned by the agent's control
/// loop; used only there.
class InputInjector {
 public:
  virtual ~InputInjector() = default;
  struct Outcome {
    std::uint32_t injected = 0;
    std::uint32_t unsupported = 0;  ///< kinds this display cannot take (skipped)
  };
  [[nodiscard]] virtual Result<Outcome> inject(std::span<const input::Event> events) = 0;
};

struct Mode {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t refresh_mhz = 0;
};

/// The frame a capture produced; valid until the next capture or set_mode.
struct SourceFrame {
  const std::uint8_t* pixels = nullptr;  ///< BGRA (alpha undefined)
  std::uint32_t pitch_bytes = 0;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  bool changed = false;  ///< false: identical to the previous capture (not re-copied)
  std::uint64_t checksum = 0;  ///< framering::frame_checksum, or 0 when not computed
  /// When the picture was complete (CLOCK_MONOTONIC ns), for a source that
  /// draws it and knows; 0: the time capture() was called with.
  std::uint64_t capture_ns = 0;
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  /// Produces the current frame.
  [[nodiscard]] virtual Result<SourceFrame> capture(std::uint64_t frame_id, std::uint64_t now_ns) = 0;
  /// Changes the size (the refresh rate is the display's pacing, not the source's).
  [[nodiscard]] virtual Status set_mode(const Mode& mode) = 0;
  /// What an application launched into this display needs ("DISPLAY=:5").
  [[nodiscard]] virtual std::vector<std::string> app_environment() const = 0;
  /// The X display number of X-based sources (":0" is a valid one).
  [[nodiscard]] virtual std::optional<std::uint32_t> x_display() const { return std::nullopt; }
  /// A new input path into this display (its own connection to the display
  /// server); unsupported for sources that take no input.
  [[nodiscard]] virtual Result<std::unique_ptr<InputInjector>> open_input() const {
    return fail(Errc::unsupported, "this display takes no input");
  }
  /// Who apps in this display run as; nullopt = as the agent.
  [[nodiscard]] virtual std::optional<Credentials> app_user() const { return std::nullopt; }

  // Capture straight into ring memory, for sources whose display server can
  // write into a memfd of ours (MIT-SHM). The producer thread offers each
  // new ring with use_ring(); when that returns true it asks changed() each
  // tick and capture_into() a held slot, instead of capture() + a copy.

  /// Adopts a duplicate of the ring memfd (`bytes` long) as the capture
  /// target; false when this source or this ring's layout cannot.
  [[nodiscard]] virtual bool use_ring(int /*memfd*/, std::size_t /*bytes*/, std::uint32_t /*pitch_bytes*/) {
    return false;
  }
  /// Whether the screen changed since the last capture (never blocks).
  [[nodiscard]] virtual bool changed() { return true; }
  /// Writes the whole screen at `offset` of the adopted ring memfd.
  [[nodiscard]] virtual Status capture_into(std::size_t /*offset*/) {
    return fail(Errc::unsupported, "this source cannot capture into ring memory");
  }
};

/// The animated test pattern with a stamp (frame id, capture time) and a checksum.
[[nodiscard]] std::unique_ptr<FrameSource> make_synthetic_source(const Mode& mode);

/// An Xvfb server of its own at exactly the mode's size, captured over
/// MIT-SHM (a memfd shared with the server) with damage tracking. Only
/// holders of its cookie may connect: a fresh MIT-MAGIC-COOKIE-1 in a 0600
/// file in `runtime_dir`, which app_environment() names as XAUTHORITY.
/// `xvfb` is the server binary (normally /usr/bin/Xvfb).
[[nodiscard]] Result<std::unique_ptr<FrameSource>> make_xvfb_source(
    const Mode& mode, const std::string& xvfb, const std::filesystem::path& runtime_dir);

struct WlrootsOptions {
  std::string sway = "/usr/bin/sway";
  /// Who sway runs as when the agent is root (sway refuses root).
  std::string display_user = "punktfunk-display";
  std::filesystem::path runtime_dir;  ///< where the compositor's own 0700 directory is made
};

/// A headless sway of its own with one output at exactly the mode
/// (`output … mode --custom`), captured with wlr-screencopy; a resize is
/// a mode change in place. Apps run as the display user.
[[nodiscard]] Result<std::unique_ptr<FrameSource>> make_wlroots_source(const Mode& mode,
                                                                       const WlrootsOptions& options);

}  // namespace pf::agent
