// The host's virtual displays: the DisplayManager's decisions carried out
// against the supervised pf-vdisplay, and each display's frame ring.
//
// For every display the service creates the ring (sealed memfd + eventfd,
// a fresh generation each time) and delivers it to the agent; a session
// reads frames from ring(lease). A mode change, or an agent restart,
// replaces the ring: the session must fetch ring(lease) again when its
// consumer stops seeing fresh frames (ring_epoch() tells it something was
// replaced).
//
// Apps: launch_app() starts an apps.json entry in a leased display; its end
// is reported once to the AppExitHandler (on the agent supervisor's thread,
// no lock held), whether it exited, its display went away, or the agent
// died with it (the service then ends the rest of the app's process group).
//
// Threads: open/close/change_mode/ring/launch_app may be called from any
// thread (one mutex). The thread "pf-displays" (owned) removes lingering displays when
// their time is up; it blocks only on its condition variable. After an agent
// restart the supervisor thread re-adds the active displays.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <memory>
#include <optional>
#include <thread>

#include "pf/core/event_sink.hpp"
#include "pf/core/thread_annotations.hpp"
#include "pf/core/unique.hpp"
#include "pf/framering/ring.hpp"
#include "pf/input/events.hpp"
#include "pf/vdisplay/agent_supervisor.hpp"
#include "pf/vdisplay/apps.hpp"
#include "pf/vdisplay/manager.hpp"

namespace pf::vdisplay {

/// One delivered ring, shared with the sessions reading it.
struct HostRing {
  framering::RingMemory ring;
  UniqueFd wake;
};

struct OpenedDisplay {
  Lease lease;
  Mode mode;
  AcquireKind kind = AcquireKind::unset;
  std::shared_ptr<HostRing> ring;
};

struct LaunchedApp {
  std::uint32_t token = 0;  ///< 0: nothing was started ("desktop")
  pid_t pid = 0;
};

struct AppExit {
  Lease lease;
  std::string app_id;
  std::uint32_t token = 0;
  pid_t pid = 0;
  std::string how;  ///< "exited with status 0", "killed by signal 15 (SIGTERM)", ...
  agentlink::AppEnd end = agentlink::AppEnd::unset;
};
using AppExitHandler = std::function<void(const AppExit&)>;

/// A game set the motors of one of a session's pads (magnitudes 0–65535;
/// all 0: stop). Called on the agent supervisor's thread under the
/// service's lock: it must not block or call back into the service.
using PadFeedback = std::function<void(const agentlink::PadRumble&)>;

class DisplayService {
 public:
  DisplayService(SupervisorOptions agent, DisplaySettings settings, GpuChoice gpu,
                 AppExitHandler on_app_exit = {});
  ~DisplayService();
  DisplayService(const DisplayService&) = delete;
  DisplayService& operator=(const DisplayService&) = delete;

  [[nodiscard]] Result<OpenedDisplay> open(std::string_view client, const Mode& mode) PF_EXCLUDES(mutex_);
  void close(const Lease& lease, ReleaseReason reason) PF_EXCLUDES(mutex_);
  [[nodiscard]] Result<std::shared_ptr<HostRing>> change_mode(const Lease& lease, const Mode& mode)
      PF_EXCLUDES(mutex_);
  /// Starts `app` in the leased display ("desktop" starts nothing).
  [[nodiscard]] Result<LaunchedApp> launch_app(const Lease& lease, const AppEntry& app) PF_EXCLUDES(mutex_);
  /// NAME=VALUE entries every app launched into the leased display gets
  /// from now on (the session's sound sink); an app entry's own variable of
  /// the same name wins. Forgotten when the lease ends.
  void set_app_environment(const Lease& lease, std::vector<std::string> environment) PF_EXCLUDES(mutex_);
  /// Puts a session's input into its display. unsupported: the display's
  /// backend takes no input (all events counted there).
  struct Injected {
    std::uint32_t injected = 0;
    std::uint32_t unsupported = 0;
  };
  [[nodiscard]] Result<Injected> inject_input(const Lease& lease, std::vector<input::Event> events)
      PF_EXCLUDES(mutex_);
  /// Where the rumble of the leased display's pads goes, until the lease
  /// is closed (after close() returns it is never called again).
  void set_pad_feedback(const Lease& lease, PadFeedback feedback) PF_EXCLUDES(mutex_);
  /// The current ring of a leased display, or nullptr when the lease is stale.
  [[nodiscard]] std::shared_ptr<HostRing> ring(const Lease& lease) PF_EXCLUDES(mutex_);
  /// Bumps whenever any ring was replaced (recreate, mode change, agent restart).
  [[nodiscard]] std::uint64_t ring_epoch() const noexcept { return ring_epoch_.load(std::memory_order_acquire); }

  [[nodiscard]] std::vector<SlotView> snapshot() const PF_EXCLUDES(mutex_);
  [[nodiscard]] DisplaySettings settings() const PF_EXCLUDES(mutex_);
  /// New settings for displays created from now on (a shorter keep-alive
  /// also applies to displays already lingering at their next deadline).
  void update_settings(DisplaySettings settings, GpuChoice gpu) PF_EXCLUDES(mutex_);
  /// Removes every lingering and pinned display now; returns how many.
  [[nodiscard]] Result<std::size_t> release_kept(std::optional<std::string_view> client = std::nullopt)
      PF_EXCLUDES(mutex_);
  /// display.added / display.removed / display.mode_changed / display.lingering /
  /// display.pinned, emitted under the service's lock (the sink must not block).
  void set_event_sink(EventSink sink) PF_EXCLUDES(mutex_);
  [[nodiscard]] const AgentSupervisor& agent() const noexcept { return *agent_; }
  [[nodiscard]] bool wait_agent_running(Nanos timeout) const { return agent_->wait_running(timeout); }

 private:
  Status apply(const std::vector<Action>& actions) PF_REQUIRES(mutex_);
  Status deliver_ring(DisplayId display, const Mode& mode) PF_REQUIRES(mutex_);
  void reschedule() PF_REQUIRES(mutex_);
  void emit(std::string type, DisplayId display, std::string extra = {}) PF_REQUIRES(mutex_);
  void on_agent_started(std::uint64_t starts) PF_EXCLUDES(mutex_);
  void on_app_exited(const agentlink::AppExited& event) PF_EXCLUDES(mutex_);
  void on_pad_rumble(const agentlink::PadRumble& event) PF_EXCLUDES(mutex_);
  [[nodiscard]] bool lease_active(const Lease& lease) const PF_REQUIRES(mutex_);
  struct RunningApp {
    Lease lease;
    std::string app_id;
    pid_t pid = 0;
  };
  void run_expiry(const std::stop_token& stop);

  mutable Mutex mutex_;
  DisplayManager manager_ PF_GUARDED_BY(mutex_);
  std::map<DisplayId, std::shared_ptr<HostRing>> rings_ PF_GUARDED_BY(mutex_);
  std::uint32_t next_generation_ PF_GUARDED_BY(mutex_) = 1;
  bool schedule_changed_ PF_GUARDED_BY(mutex_) = false;  // a linger deadline may have moved
  std::map<std::uint32_t, RunningApp> apps_ PF_GUARDED_BY(mutex_);  // by token
  std::uint32_t next_app_token_ PF_GUARDED_BY(mutex_) = 1;
  std::map<DisplayId, std::pair<Lease, std::vector<std::string>>> app_environment_ PF_GUARDED_BY(mutex_);
  std::map<DisplayId, std::pair<Lease, PadFeedback>> pad_feedback_ PF_GUARDED_BY(mutex_);
  EventSink events_ PF_GUARDED_BY(mutex_);
  const AppExitHandler on_app_exit_;
  std::atomic<std::uint64_t> ring_epoch_{0};
  std::condition_variable_any expiry_changed_;
  std::unique_ptr<AgentSupervisor> agent_;  // after the state its callback uses
  std::jthread expiry_;                     // last
};

}  // namespace pf::vdisplay
