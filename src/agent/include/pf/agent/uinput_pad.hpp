// Gamepads as uinput devices: each pad a client connects becomes an
// Xbox 360-style evdev device on the host, which games and SDL see as a
// real controller. Owned by the agent's control loop, one set per display
// (its session's pads); used only there.
//
// The kernel side is behind PadDevice so the translation and bookkeeping are
// tested without /dev/uinput (absent in containers); the real device is
// open_uinput_pad(). Rumble: the pad offers FF_RUMBLE; a game's effect
// uploads and erases are answered at once from the agent's loop (a device
// with EV_FF that leaves one unanswered stalls the game's ioctl until the
// kernel's timeout), and playing or stopping an effect becomes a PadRumble
// for the session's client.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pf/agent/source.hpp"
#include "pf/core/result.hpp"
#include "pf/input/events.hpp"

namespace pf::agent {

/// One evdev event as uinput takes it.
struct EvdevEvent {
  std::uint16_t type = 0;
  std::uint16_t code = 0;
  std::int32_t value = 0;
  friend bool operator==(const EvdevEvent&, const EvdevEvent&) = default;
};

/// What an Xbox 360 pad reports: its buttons and its axes with their ranges.
struct PadAxis {
  std::uint16_t code = 0;
  std::int32_t min = 0;
  std::int32_t max = 0;
};
[[nodiscard]] std::span<const std::uint16_t> pad_buttons() noexcept;
[[nodiscard]] std::span<const PadAxis> pad_axes() noexcept;

/// One pad event as the evdev events that report it, SYN_REPORT last;
/// values are clamped to the axis's range. Empty for a button or axis an
/// Xbox 360 pad does not have, and for every other kind.
[[nodiscard]] std::vector<EvdevEvent> to_evdev(const input::Event& e);

/// What a pad's motors should do now: magnitudes 0–65535 (strong = the
/// low-frequency motor), for `duration_ms` (0 with both magnitudes 0: stop).
struct PadRumble {
  std::uint32_t pad = 0;
  std::uint16_t strong = 0;
  std::uint16_t weak = 0;
  std::uint32_t duration_ms = 0;
  friend bool operator==(const PadRumble&, const PadRumble&) = default;
};

/// One pad's force-feedback effects as a game uploads, plays and erases
/// them (sans-I/O: the device feeds it what the kernel says).
class ForceFeedback {
 public:
  static constexpr std::int16_t kMaxEffects = 16;
  /// A rumble effect stored under `id`; false for an id out of range.
  bool upload(std::int16_t id, std::uint16_t strong, std::uint16_t weak, std::uint32_t length_ms);
  void erase(std::int16_t id);
  /// EV_FF `id` with `value` plays (> 0) or stops (0) an effect: the motors
  /// then, or nullopt for an effect that is not there.
  [[nodiscard]] std::optional<PadRumble> play(std::uint32_t pad, std::int16_t id, std::int32_t value) const;

 private:
  struct Effect {
    bool present = false;
    std::uint16_t strong = 0;
    std::uint16_t weak = 0;
    std::uint32_t length_ms = 0;
  };
  std::array<Effect, kMaxEffects> effects_{};
};

/// The kernel side of one virtual pad; destroying it unplugs the pad.
class PadDevice {
 public:
  virtual ~PadDevice() = default;
  [[nodiscard]] virtual Status write(std::span<const EvdevEvent> events) = 0;
  /// The descriptor that turns readable when the kernel has force-feedback
  /// requests for this pad; -1 when it never does.
  [[nodiscard]] virtual int feedback_fd() const { return -1; }
  /// Answers what the kernel has (never blocks); appends rumble changes.
  [[nodiscard]] virtual Status service(std::vector<PadRumble>& /*out*/) { return ok(); }
};
using PadFactory = std::function<Result<std::unique_ptr<PadDevice>>(std::uint32_t index)>;

/// A pad on /dev/uinput (or `node`), named "punktfunk pad <index + 1>".
[[nodiscard]] Result<std::unique_ptr<PadDevice>> open_uinput_pad(std::uint32_t index,
                                                                 const std::filesystem::path& node = "/dev/uinput");

/// A session's pads: pad_arrival connects or removes one, a button or axis
/// of a pad not yet connected connects it first. When pads cannot be made
/// (no /dev/uinput), that is said once and the events count as unsupported.
class Gamepads {
 public:
  explicit Gamepads(PadFactory factory) : factory_(std::move(factory)) {}
  /// Takes the pad kinds of `events` (others are not looked at).
  [[nodiscard]] InputInjector::Outcome inject(std::span<const input::Event> events);
  [[nodiscard]] std::size_t connected() const noexcept { return pads_.size(); }
  /// The pads' feedback descriptors, to poll.
  void feedback_fds(std::vector<int>& out) const;
  /// Services every pad (never blocks): the rumble changes games asked for.
  [[nodiscard]] std::vector<PadRumble> service();

 private:
  PadDevice* pad(std::uint32_t index);

  PadFactory factory_;
  std::map<std::uint32_t, std::unique_ptr<PadDevice>> pads_;
  bool unavailable_said_ = false;
};

[[nodiscard]] constexpr bool is_pad_event(input::EventKind kind) noexcept {
  return kind == input::EventKind::pad_arrival || kind == input::EventKind::pad_button ||
         kind == input::EventKind::pad_axis;
}

}  // namespace pf::agent
