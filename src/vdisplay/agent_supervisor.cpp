#include "pf/vdisplay/agent_supervisor.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include "pf/core/log.hpp"

namespace pf::vdisplay {
namespace {

const log::Logger kLog{"vdisplay"};

constexpr Nanos kFirstBackoff = std::chrono::milliseconds(100);
constexpr Nanos kMaxBackoff = std::chrono::seconds(5);
constexpr Nanos kHealthyAfter = std::chrono::seconds(30);

int to_poll_ms(Nanos n) {
  return static_cast<int>(std::clamp<std::int64_t>(
      std::chrono::ceil<std::chrono::milliseconds>(n).count(), 0, 60'000));
}

}  // namespace

AgentSupervisor::AgentSupervisor(SupervisorOptions options)
    : options_(std::move(options)), kick_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

AgentSupervisor::~AgentSupervisor() {
  thread_.request_stop();
  kick();
  thread_.join();
  MutexLock lock(mutex_);
  agent_.reset();  // closes the channel: the agent removes its displays and exits
}

Result<agentlink::Reply> AgentSupervisor::call(const agentlink::Message& request,
                                               std::span<const int> fds) {
  MutexLock lock(mutex_);
  if (!agent_) {
    return fail(Errc::closed, "the display agent is not running (restarting)");
  }
  auto reply = agent_->call(request, fds, options_.call_timeout);
  if (agent_->has_queued_events()) {
    kick();  // events read while waiting for the reply: the thread delivers them
  }
  return reply;
}

void AgentSupervisor::kick() const noexcept {
  const std::uint64_t one = 1;
  static_cast<void>(::write(kick_fd_.get(), &one, sizeof(one)));
}

void AgentSupervisor::deliver_events() {
  std::vector<agentlink::AgentEvent> events;
  {
    MutexLock lock(mutex_);
    if (agent_) {
      events = agent_->take_events();
    }
  }
  for (const auto& e : events) {
    if (const auto* exit = std::get_if<agentlink::AppExited>(&e); exit != nullptr && options_.on_app_exited) {
      options_.on_app_exited(*exit);
    } else if (const auto* rumble = std::get_if<agentlink::PadRumble>(&e); rumble != nullptr && options_.on_pad_rumble) {
      options_.on_pad_rumble(*rumble);
    }
  }
}

bool AgentSupervisor::wait_running(Nanos timeout) const {
  const TimePoint deadline = steady_clock().now() + timeout;
  while (agent_pid() <= 0) {
    if (steady_clock().now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void AgentSupervisor::start_agent() {
  auto conn = AgentConnection::spawn(options_.spawn);
  if (!conn) {
    kLog.error("cannot start the display agent: {}", conn.error().message);
    return;
  }
  const pid_t pid = (*conn)->pid();
  {
    MutexLock lock(mutex_);
    agent_ = std::move(*conn);
  }
  pid_.store(pid, std::memory_order_release);
  const auto n = starts_.fetch_add(1, std::memory_order_acq_rel) + 1;
  kLog.info("display agent running: {} (pid {}{})", options_.spawn.binary.filename().string(), pid,
            n > 1 ? fmt::format(", restart {}", n - 1) : std::string());
  if (options_.on_started) {
    options_.on_started(n);
  }
}

void AgentSupervisor::drop_agent(const std::string& why) {
  std::unique_ptr<AgentConnection> gone;
  {
    MutexLock lock(mutex_);
    gone = std::move(agent_);
  }
  pid_.store(-1, std::memory_order_release);
  if (gone) {
    const std::string how = gone->reap();
    kLog.error("display agent (pid {}) {}; restarting it", gone->pid(), how.empty() ? why : how);
  }
  // `gone` is destroyed here, outside the lock: closes, kills if needed, reaps.
}

void AgentSupervisor::run(const std::stop_token& stop) {
  pthread_setname_np(pthread_self(), "pf-agent-sup");
  Nanos backoff = kFirstBackoff;
  while (!stop.stop_requested()) {
    start_agent();
    const TimePoint started = steady_clock().now();
    int pidfd = -1;
    int channel = -1;  // valid while agent_ lives; only this thread replaces it
    {
      MutexLock lock(mutex_);
      pidfd = agent_ ? agent_->pidfd() : -1;
      channel = agent_ ? agent_->channel_fd() : -1;
    }
    TimePoint next_ping = steady_clock().now() + options_.ping_interval;
    while (pidfd >= 0 && !stop.stop_requested()) {
      pollfd fds[3] = {{pidfd, POLLIN, 0}, {kick_fd_.get(), POLLIN, 0}, {channel, POLLIN, 0}};
      const int rc = ::poll(fds, 3, to_poll_ms(next_ping - steady_clock().now()));
      if (stop.stop_requested()) {
        return;
      }
      if (rc > 0 && (fds[0].revents & POLLIN) != 0) {
        deliver_events();  // what the agent said before it died still counts
        drop_agent("exited");
        break;
      }
      if (rc > 0 && (fds[1].revents & POLLIN) != 0) {
        std::uint64_t count = 0;
        static_cast<void>(::read(kick_fd_.get(), &count, sizeof(count)));
      }
      if (rc > 0) {
        deliver_events();
      }
      // Pings keep their rhythm however busy the channel is: the agent's
      // watchdog counts only what the host sends.
      if (steady_clock().now() >= next_ping) {
        next_ping = steady_clock().now() + options_.ping_interval;
        if (auto pong = call(agentlink::Ping{}); !pong) {
          drop_agent(fmt::format("stopped answering ({})", pong.error().message));
          break;
        }
      }
    }
    if (stop.stop_requested()) {
      return;
    }
    backoff = steady_clock().now() - started > kHealthyAfter ? kFirstBackoff : backoff;
    pollfd wait{kick_fd_.get(), POLLIN, 0};
    ::poll(&wait, 1, to_poll_ms(backoff));
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

}  // namespace pf::vdisplay
