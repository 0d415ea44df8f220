// The display manager's policy: which display a client gets, and when a
// display goes away. Sans-I/O: every call takes the time and returns the
// agent actions to perform, in order; it owns no thread, socket or clock.
// One owner serialises calls.
//
// Slots are keyed by client identity + mode. States:
//   active{refs}     sessions are using it; another session of the same
//                    client and mode joins it, it is never preempted
//   lingering{until} its last session left; it stays until `until`
//   pinned           its last session left and keep-alive is "forever"
// A reconnect to a lingering or pinned display ALWAYS removes it and adds a
// fresh one; there is deliberately no setting to reuse it (a reused display
// whose output had died showed black). The render GPU is sent before every
// add. Leases carry the display's generation: releasing a lease of a
// display that was since removed and recreated is a no-op.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"
#include "pf/vdisplay/policy.hpp"

namespace pf::vdisplay {

struct Mode {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t refresh_mhz = 0;
  friend bool operator==(const Mode&, const Mode&) = default;
};
[[nodiscard]] std::string to_string(const Mode& mode);  // "1920x1080@59.940"

using DisplayId = std::uint32_t;

struct Lease {
  DisplayId display = 0;
  std::uint64_t generation = 0;
  friend bool operator==(const Lease&, const Lease&) = default;
};

enum class ActionKind : std::uint8_t { unset = 0, set_render_gpu, add_display, remove_display, update_mode };

struct Action {
  ActionKind kind = ActionKind::unset;
  DisplayId display = 0;
  Mode mode{};
  std::uint32_t gpu_index = 0;  ///< for set_render_gpu
  Backend backend = Backend::unset;  ///< for add_display
  friend bool operator==(const Action&, const Action&) = default;
};

enum class DisplayState : std::uint8_t { unset = 0, active, lingering, pinned };
enum class ReleaseReason : std::uint8_t {
  unset = 0,
  disconnected,  ///< the session ended without saying goodbye: keep-alive applies
  quit,          ///< the user quit deliberately: the display goes now
};
enum class AcquireKind : std::uint8_t {
  unset = 0,
  created,            ///< a fresh display
  preempted,          ///< a lingering/pinned display was removed and a fresh one added
  joined,             ///< an active display of the same client and mode
  joined_other_mode,  ///< mode conflict "join": the client's active display at its own mode
  stolen,             ///< mode conflict "steal": the client's active display changed mode
};

struct Acquired {
  Lease lease;
  Mode mode;  ///< the mode the session gets (differs from the request only for joined_other_mode)
  AcquireKind kind = AcquireKind::unset;
  std::vector<Action> actions;
};

struct SlotView {
  std::string client;
  DisplayId display = 0;
  Mode mode;
  DisplayState state = DisplayState::unset;
  std::uint32_t refs = 0;
  std::uint64_t generation = 0;
  std::optional<TimePoint> linger_until;
};

class DisplayManager {
 public:
  DisplayManager(DisplaySettings settings, GpuChoice gpu) : settings_(std::move(settings)), gpu_(std::move(gpu)) {}

  void set_settings(DisplaySettings settings) { settings_ = std::move(settings); }
  void set_gpu(GpuChoice gpu) { gpu_ = std::move(gpu); }

  /// A display for `client` at `mode`. Errors: invalid mode, mode conflict
  /// "reject", or every display of the budget active/pinned.
  [[nodiscard]] Result<Acquired> acquire(std::string_view client, const Mode& mode, TimePoint now);
  /// Ends a session's use; a stale lease is a no-op (no actions).
  [[nodiscard]] std::vector<Action> release(const Lease& lease, ReleaseReason reason, TimePoint now);
  /// Removes lingering displays whose time is up.
  [[nodiscard]] std::vector<Action> expire(TimePoint now);
  /// Removes every lingering and pinned display now (the operator's
  /// "release"), or only `client`'s when given (a client that quit after
  /// its session had ended); active displays stay.
  [[nodiscard]] std::vector<Action> release_kept(std::optional<std::string_view> client = std::nullopt);
  [[nodiscard]] const DisplaySettings& settings() const noexcept { return settings_; }
  /// In-place mode change of a leased display (every viewer follows).
  [[nodiscard]] Result<std::vector<Action>> change_mode(const Lease& lease, const Mode& mode);
  /// After the agent restarted: active displays are added again (same ids
  /// and leases); lingering/pinned ones died with the agent and are dropped.
  [[nodiscard]] std::vector<Action> recreate_all();

  [[nodiscard]] std::vector<SlotView> snapshot() const;
  /// When expire() next has work (sans-I/O "call me then").
  [[nodiscard]] std::optional<TimePoint> next_deadline() const;

 private:
  struct Slot {
    std::string client;
    DisplayId display = 0;
    Mode mode;
    Backend backend = Backend::unset;
    DisplayState state = DisplayState::unset;
    std::uint32_t refs = 0;
    std::uint64_t generation = 0;
    TimePoint linger_until{};
  };

  Result<Acquired> create(std::string_view client, const Mode& mode, AcquireKind kind,
                          std::vector<Action> actions);
  Slot* find_leased(const Lease& lease);

  DisplaySettings settings_;
  GpuChoice gpu_;
  std::vector<Slot> slots_;
  DisplayId next_display_ = 1;
  std::uint64_t next_generation_ = 1;
};

}  // namespace pf::vdisplay
