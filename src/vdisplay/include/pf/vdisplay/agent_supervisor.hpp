// Keeps one pf-vdisplay running for the host.
//
// Thread "pf-agent-sup" (owned, std::jthread): spawns the agent, pings it
// every `ping_interval`, and waits on the agent's pidfd, so a dead agent is
// noticed at once (a hung one at the next ping). It then logs a named error
// ("display agent (pid N) killed by signal 9 (SIGKILL)"), and respawns with
// backoff (100 ms doubling to 5 s; reset after 30 s of good health).
// It also delivers the agent's events (app exits, pads' rumble) to
// on_app_exited and on_pad_rumble.
// It may block on: poll() of the pidfd, the agent's channel and its own
// eventfd, and on calls to the agent (bounded by their timeouts).
// call() is safe from any thread; calls are serialised.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "pf/core/thread_annotations.hpp"
#include "pf/core/unique.hpp"
#include "pf/vdisplay/agent_connection.hpp"

namespace pf::vdisplay {

struct SupervisorOptions {
  AgentSpawnOptions spawn;
  Nanos ping_interval = std::chrono::seconds(3);
  Nanos call_timeout = std::chrono::seconds(2);
  /// Called on the supervisor thread after every successful start, with the
  /// start count (1 = first start); no lock of the supervisor is held, so it
  /// may call(). A restart means every display of the old agent is gone.
  std::function<void(std::uint64_t starts)> on_started;
  /// Called on the supervisor thread for each app the agent reports ended;
  /// no lock of the supervisor is held.
  std::function<void(const agentlink::AppExited&)> on_app_exited;
  std::function<void(const agentlink::PadRumble&)> on_pad_rumble;
};

class AgentSupervisor {
 public:
  /// Starts the supervisor thread; the first agent is spawned on it.
  explicit AgentSupervisor(SupervisorOptions options);
  ~AgentSupervisor();
  AgentSupervisor(const AgentSupervisor&) = delete;
  AgentSupervisor& operator=(const AgentSupervisor&) = delete;

  /// A call to the current agent; Errc::closed when none is running now.
  [[nodiscard]] Result<agentlink::Reply> call(const agentlink::Message& request,
                                              std::span<const int> fds = {}) PF_EXCLUDES(mutex_);

  /// The running agent's pid, or -1.
  [[nodiscard]] pid_t agent_pid() const noexcept { return pid_.load(std::memory_order_acquire); }
  /// How many agents have been started (1 after the first start).
  [[nodiscard]] std::uint64_t starts() const noexcept { return starts_.load(std::memory_order_acquire); }
  /// Waits until an agent is running, up to `timeout`.
  [[nodiscard]] bool wait_running(Nanos timeout) const;

 private:
  void run(const std::stop_token& stop);
  void start_agent() PF_EXCLUDES(mutex_);
  void drop_agent(const std::string& why) PF_EXCLUDES(mutex_);
  void deliver_events() PF_EXCLUDES(mutex_);
  void kick() const noexcept;

  SupervisorOptions options_;
  UniqueFd kick_fd_;  // eventfd: wakes the thread's poll() on stop or queued events
  Mutex mutex_;
  std::unique_ptr<AgentConnection> agent_ PF_GUARDED_BY(mutex_);
  std::atomic<pid_t> pid_{-1};
  std::atomic<std::uint64_t> starts_{0};
  std::jthread thread_;  // last
};

}  // namespace pf::vdisplay
