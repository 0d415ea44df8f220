#include "pf/vdisplay/display_service.hpp"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <functional>

#include "pf/core/log.hpp"
#include "pf/core/process.hpp"

namespace pf::vdisplay {
namespace {

const log::Logger kLog{"vdisplay"};

Status expect_ok(const Result<agentlink::Reply>& r, std::string_view what) {
  if (!r) {
    return fail(r.error().code, "{}: {}", what, r.error().message);
  }
  if (r->status != agentlink::ReplyStatus::ok) {
    return fail(Errc::io, "{}: the display agent answered '{}'", what, agentlink::to_string(r->status));
  }
  return ok();
}

agentlink::DisplayBackend wire_backend(Backend b) {
  switch (b) {
    case Backend::xvfb: return agentlink::DisplayBackend::xvfb;
    case Backend::wlroots: return agentlink::DisplayBackend::wlroots;
    case Backend::synthetic:
    case Backend::unset: break;
  }
  return agentlink::DisplayBackend::synthetic;
}

}  // namespace

DisplayService::DisplayService(SupervisorOptions agent, DisplaySettings settings, GpuChoice gpu,
                               AppExitHandler on_app_exit)
    : manager_(std::move(settings), gpu), on_app_exit_(std::move(on_app_exit)) {
  kLog.info("render GPU: {} ({})", gpu.name, gpu.reason);
  agent.on_started = [this](std::uint64_t starts) { on_agent_started(starts); };
  agent.on_app_exited = [this](const agentlink::AppExited& e) { on_app_exited(e); };
  agent.on_pad_rumble = [this](const agentlink::PadRumble& r) { on_pad_rumble(r); };
  agent_ = std::make_unique<AgentSupervisor>(std::move(agent));
  expiry_ = std::jthread([this](const std::stop_token& stop) { run_expiry(stop); });
}

DisplayService::~DisplayService() {
  expiry_.request_stop();
  expiry_changed_.notify_all();
  expiry_.join();
  agent_.reset();  // the agent removes every display when its channel closes
}

Result<OpenedDisplay> DisplayService::open(std::string_view client, const Mode& mode) {
  MutexLock lock(mutex_);
  auto acquired = manager_.acquire(client, mode, steady_clock().now());
  if (!acquired) {
    return tl::unexpected(acquired.error());
  }
  if (auto st = apply(acquired->actions); !st) {
    // Undo the decision so the manager never believes in a display that is not there.
    static_cast<void>(apply(manager_.release(acquired->lease, ReleaseReason::quit, steady_clock().now())));
    return tl::unexpected(st.error());
  }
  reschedule();
  const auto it = rings_.find(acquired->lease.display);
  return OpenedDisplay{acquired->lease, acquired->mode, acquired->kind,
                       it == rings_.end() ? nullptr : it->second};
}

void DisplayService::close(const Lease& lease, ReleaseReason reason) {
  MutexLock lock(mutex_);
  const TimePoint now = steady_clock().now();
  if (const auto extra = app_environment_.find(lease.display);
      extra != app_environment_.end() && extra->second.first == lease) {
    app_environment_.erase(extra);  // the session's sink goes with it
  }
  if (const auto feedback = pad_feedback_.find(lease.display);
      feedback != pad_feedback_.end() && feedback->second.first == lease) {
    pad_feedback_.erase(feedback);  // never called again once close() returns
  }
  if (auto st = apply(manager_.release(lease, reason, now)); !st) {
    kLog.warn("releasing display {}: {}", lease.display, st.error().message);
  }
  for (const SlotView& v : manager_.snapshot()) {
    if (v.display == lease.display && v.refs == 0 && v.state == DisplayState::lingering && v.linger_until) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*v.linger_until - now).count();
      emit("display.lingering", v.display, fmt::format(",\"expires_in_ms\":{}", std::max<std::int64_t>(ms, 0)));
    } else if (v.display == lease.display && v.state == DisplayState::pinned) {
      emit("display.pinned", v.display);
    }
  }
  reschedule();  // a new linger deadline
}

DisplaySettings DisplayService::settings() const {
  const MutexLock lock(mutex_);
  return manager_.settings();
}

void DisplayService::update_settings(DisplaySettings settings, GpuChoice gpu) {
  MutexLock lock(mutex_);
  manager_.set_settings(std::move(settings));
  manager_.set_gpu(std::move(gpu));
  reschedule();
}

Result<std::size_t> DisplayService::release_kept(std::optional<std::string_view> client) {
  MutexLock lock(mutex_);
  const auto actions = manager_.release_kept(client);
  if (auto st = apply(actions); !st) {
    return tl::unexpected(st.error());
  }
  reschedule();
  return actions.size();
}

void DisplayService::set_event_sink(EventSink sink) {
  const MutexLock lock(mutex_);
  events_ = std::move(sink);
}

void DisplayService::emit(std::string type, DisplayId display, std::string extra) {
  if (events_) {
    events_(std::move(type), fmt::format("{{\"display\":{}{}}}", display, extra));
  }
}

void DisplayService::reschedule() {
  schedule_changed_ = true;
  expiry_changed_.notify_all();
}

Result<std::shared_ptr<HostRing>> DisplayService::change_mode(const Lease& lease, const Mode& mode) {
  MutexLock lock(mutex_);
  auto actions = manager_.change_mode(lease, mode);
  if (!actions) {
    return tl::unexpected(actions.error());
  }
  if (auto st = apply(*actions); !st) {
    return tl::unexpected(st.error());
  }
  return rings_[lease.display];
}

bool DisplayService::lease_active(const Lease& lease) const {
  const auto slots = manager_.snapshot();
  return std::any_of(slots.begin(), slots.end(), [&lease](const SlotView& s) {
    return s.display == lease.display && s.generation == lease.generation && s.state == DisplayState::active;
  });
}

std::shared_ptr<HostRing> DisplayService::ring(const Lease& lease) {
  MutexLock lock(mutex_);
  if (!lease_active(lease)) {
    return nullptr;
  }
  const auto it = rings_.find(lease.display);
  return it == rings_.end() ? nullptr : it->second;
}

Result<LaunchedApp> DisplayService::launch_app(const Lease& lease, const AppEntry& app) {
  if (app.command.empty()) {
    return LaunchedApp{};  // "desktop": the display as it is
  }
  const char* path = std::getenv("PATH");
  auto argv = resolve_command(app.command, path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  if (!argv) {
    return fail(argv.error().code, "app '{}': {}", app.id, argv.error().message);
  }
  agentlink::LaunchApp request{lease.display, 0, std::move(*argv), app.working_dir, {}};
  for (const auto& [name, value] : app.env) {
    request.environment.push_back(name + "=" + value);
  }
  MutexLock lock(mutex_);
  if (!lease_active(lease)) {
    return fail(Errc::not_found, "display {} is no longer leased to this session", lease.display);
  }
  if (const auto extra = app_environment_.find(lease.display);
      extra != app_environment_.end() && extra->second.first == lease) {
    for (const auto& entry : extra->second.second) {
      const auto name = entry.substr(0, entry.find('='));
      if (!app.env.contains(name)) {
        request.environment.push_back(entry);
      }
    }
  }
  request.app_token = next_app_token_++;
  const auto r = agent_->call(request);
  if (auto st = expect_ok(r, fmt::format("launching app '{}'", app.id)); !st) {
    return tl::unexpected(st.error());
  }
  const auto pid = static_cast<pid_t>(r->a);
  apps_.emplace(request.app_token, RunningApp{lease, app.id, pid});
  kLog.info("app '{}' started on display {} (pid {})", app.id, lease.display, pid);
  return LaunchedApp{request.app_token, pid};
}

void DisplayService::set_app_environment(const Lease& lease, std::vector<std::string> environment) {
  const MutexLock lock(mutex_);
  if (lease_active(lease)) {
    app_environment_[lease.display] = {lease, std::move(environment)};
  }
}

Result<DisplayService::Injected> DisplayService::inject_input(const Lease& lease, std::vector<input::Event> events) {
  const auto count = static_cast<std::uint32_t>(events.size());
  agentlink::InjectInput request{lease.display, std::move(events)};
  MutexLock lock(mutex_);
  if (!lease_active(lease)) {
    return fail(Errc::not_found, "display {} is no longer leased to this session", lease.display);
  }
  const auto r = agent_->call(request);
  if (r && r->status == agentlink::ReplyStatus::unsupported) {
    return Injected{0, count};
  }
  if (auto st = expect_ok(r, "injecting input"); !st) {
    return tl::unexpected(st.error());
  }
  return Injected{r->a, r->b};
}

void DisplayService::set_pad_feedback(const Lease& lease, PadFeedback feedback) {
  MutexLock lock(mutex_);
  if (lease_active(lease)) {
    pad_feedback_[lease.display] = {lease, std::move(feedback)};
  }
}

void DisplayService::on_pad_rumble(const agentlink::PadRumble& event) {
  MutexLock lock(mutex_);
  const auto it = pad_feedback_.find(event.display_id);
  if (it != pad_feedback_.end() && lease_active(it->second.first)) {
    it->second.second(event);
  }
}

void DisplayService::on_app_exited(const agentlink::AppExited& event) {
  std::optional<AppExit> exit;
  {
    MutexLock lock(mutex_);
    const auto it = apps_.find(event.app_token);
    if (it == apps_.end()) {
      return;  // not ours (a launch whose reply never arrived)
    }
    exit = AppExit{it->second.lease, it->second.app_id, event.app_token, it->second.pid,
                   describe_wait_status(static_cast<int>(event.wait_status)), event.how};
    apps_.erase(it);
  }
  kLog.info("app '{}' on display {} {}{}", exit->app_id, exit->lease.display, exit->how,
            exit->end == agentlink::AppEnd::display_removed ? " (its display was removed)" : "");
  if (on_app_exit_) {
    on_app_exit_(*exit);
  }
}

std::vector<SlotView> DisplayService::snapshot() const {
  MutexLock lock(mutex_);
  return manager_.snapshot();
}

Status DisplayService::deliver_ring(DisplayId display, const Mode& mode) {
  const std::uint32_t generation = next_generation_;
  next_generation_ = next_generation_ >= framering::kGenerationMask ? 1 : next_generation_ + 1;
  auto ring = framering::RingMemory::create({display, generation, mode.width, mode.height});
  if (!ring) {
    return tl::unexpected(ring.error());
  }
  auto wake = framering::make_wake_fd();
  if (!wake) {
    return tl::unexpected(wake.error());
  }
  auto host_ring = std::make_shared<HostRing>(HostRing{std::move(*ring), std::move(*wake)});
  const std::array<int, 2> fds = {host_ring->ring.fd(), host_ring->wake.get()};
  if (auto st = expect_ok(agent_->call(agentlink::SetFrameChannel{display, generation,
                                                                  host_ring->ring.ring_length()},
                                       fds),
                          "delivering a frame ring");
      !st) {
    return st;
  }
  rings_[display] = std::move(host_ring);
  ring_epoch_.fetch_add(1, std::memory_order_acq_rel);
  return ok();
}

Status DisplayService::apply(const std::vector<Action>& actions) {
  for (const Action& a : actions) {
    switch (a.kind) {
      case ActionKind::set_render_gpu:
        if (auto st = expect_ok(agent_->call(agentlink::SetRenderGpu{a.gpu_index}), "pinning the render GPU");
            !st) {
          return st;
        }
        break;
      case ActionKind::add_display: {
        const auto r = agent_->call(agentlink::AddDisplay{
            0, a.mode.width, a.mode.height, a.mode.refresh_mhz, a.display, 0, 0, 0,
            wire_backend(a.backend)});
        if (auto st = expect_ok(r, "adding a display"); !st) {
          return st;
        }
        if (r->a != a.display) {
          static_cast<void>(agent_->call(agentlink::RemoveDisplay{r->a}));
          return fail(Errc::io, "the display agent gave id {} instead of {}", r->a, a.display);
        }
        if (auto st = deliver_ring(a.display, a.mode); !st) {
          return st;
        }
        kLog.info("display {} added at {}", a.display, to_string(a.mode));
        emit("display.added", a.display,
             fmt::format(",\"mode\":\"{}\",\"backend\":\"{}\"", to_string(a.mode), to_string(a.backend)));
        break;
      }
      case ActionKind::remove_display: {
        rings_.erase(a.display);
        const auto r = agent_->call(agentlink::RemoveDisplay{a.display});
        if (r && r->status != agentlink::ReplyStatus::ok && r->status != agentlink::ReplyStatus::no_such_display) {
          return expect_ok(r, "removing a display");
        }
        kLog.info("display {} removed", a.display);
        emit("display.removed", a.display);
        break;
      }
      case ActionKind::update_mode:
        if (auto st = expect_ok(agent_->call(agentlink::UpdateMode{a.display, a.mode.width, a.mode.height,
                                                                   a.mode.refresh_mhz}),
                                "changing a display's mode");
            !st) {
          return st;
        }
        if (auto st = deliver_ring(a.display, a.mode); !st) {
          return st;
        }
        emit("display.mode_changed", a.display, fmt::format(",\"mode\":\"{}\"", to_string(a.mode)));
        break;
      case ActionKind::unset:
        break;
    }
  }
  return ok();
}

void DisplayService::on_agent_started(std::uint64_t starts) {
  if (starts <= 1) {
    return;
  }
  std::map<std::uint32_t, RunningApp> lost;
  {
    MutexLock lock(mutex_);
    lost = std::exchange(apps_, {});  // they died with the agent
  }
  for (auto& [token, app] : lost) {
    // The leader died with the agent (PR_SET_PDEATHSIG); what it started may
    // not have. The group id cannot be reused while any member lives.
    ::kill(-app.pid, SIGKILL);
    kLog.warn("app '{}' on display {} ended with the display agent", app.app_id, app.lease.display);
    if (on_app_exit_) {
      on_app_exit_(AppExit{app.lease, app.app_id, token, app.pid, "ended with the display agent",
                           agentlink::AppEnd::agent_lost});
    }
  }
  MutexLock lock(mutex_);
  rings_.clear();  // they belonged to the dead agent's displays
  const auto actions = manager_.recreate_all();
  if (auto st = apply(actions); !st) {
    kLog.error("recreating displays after the agent restarted: {}", st.error().message);
    return;
  }
  kLog.info("recreated {} active display(s) after the agent restarted",
            std::count_if(actions.begin(), actions.end(),
                          [](const Action& a) { return a.kind == ActionKind::add_display; }));
}

void DisplayService::run_expiry(const std::stop_token& stop) {
  pthread_setname_np(pthread_self(), "pf-displays");
  MutexLock lock(mutex_);
  while (!stop.stop_requested()) {
    const auto deadline = manager_.next_deadline();
    // Woken by a deadline, a changed schedule, or stop. The predicate reads
    // a guarded member while the wait holds the lock again.
    const auto changed = [this]() PF_NO_THREAD_SAFETY_ANALYSIS { return schedule_changed_; };
    if (deadline) {
      expiry_changed_.wait_until(mutex_, stop, *deadline, changed);
    } else {
      expiry_changed_.wait(mutex_, stop, changed);
    }
    schedule_changed_ = false;
    if (stop.stop_requested()) {
      break;
    }
    if (auto st = apply(manager_.expire(steady_clock().now())); !st) {
      kLog.warn("removing an expired display: {}", st.error().message);
    }
  }
}

}  // namespace pf::vdisplay
