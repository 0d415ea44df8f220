#include "pf/agent/agent.hpp"

#include <poll.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <array>
#include <iterator>
#include <thread>
#include <variant>

#include "pf/core/log.hpp"
#include "pf/framering/ring.hpp"

namespace pf::agent {
namespace {

using agentlink::Reply;
using agentlink::ReplyStatus;

const log::Logger kLog{"agent"};

Reply reply_to(const agentlink::Message& request, ReplyStatus status, std::uint32_t detail = 0) {
  return Reply{agentlink::type_of(request), status, detail, 0, 0, 0, 0};
}

bool valid_mode(std::uint32_t w, std::uint32_t h) {
  return framering::compute_layout(w, h, framering::PixelFormat::bgra8, 1).total_bytes != 0;
}

}  // namespace

Reply Agent::handle(const agentlink::Message& request, std::vector<UniqueFd>& fds) {
  using namespace agentlink;
  struct Visitor {
    Agent& self;
    std::vector<UniqueFd>& fds;
    const agentlink::Message& request;

    Reply operator()(const Hello& m) const {
      if (m.protocol_version < kMinProtocolVersion || m.min_version > kProtocolVersion) {
        return reply_to(request, ReplyStatus::unsupported, kProtocolVersion);
      }
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(self.options_.watchdog);
      return Reply{MessageType::hello, ReplyStatus::ok, 0, kProtocolVersion, kMinProtocolVersion,
                   static_cast<std::uint32_t>(ms.count()), static_cast<std::uint32_t>(::getpid())};
    }
    Reply operator()(const AddDisplay& m) const {
      if (!valid_mode(m.width, m.height)) {
        return reply_to(request, ReplyStatus::bad_request);
      }
      if (self.displays_.size() >= self.options_.max_displays) {
        return reply_to(request, ReplyStatus::limit_reached, self.options_.max_displays);
      }
      std::uint32_t id = m.preferred_id;
      if (id == 0 || self.displays_.contains(id)) {
        while (self.displays_.contains(self.next_display_id_) || self.next_display_id_ == 0) {
          ++self.next_display_id_;
        }
        id = self.next_display_id_++;
      }
      const Mode mode{m.width, m.height, m.refresh_mhz};
      std::unique_ptr<FrameSource> source;
      switch (m.backend) {
        case DisplayBackend::xvfb: {
          auto xvfb = make_xvfb_source(mode, self.options_.xvfb, self.options_.runtime_dir);
          if (!xvfb) {
            kLog.error("display {}: {}", id, xvfb.error().message);
            return reply_to(request, ReplyStatus::internal);
          }
          source = std::move(*xvfb);
          break;
        }
        case DisplayBackend::wlroots: {
          auto wl = make_wlroots_source(
              mode, WlrootsOptions{self.options_.sway, self.options_.display_user, self.options_.runtime_dir});
          if (!wl) {
            kLog.error("display {}: {}", id, wl.error().message);
            return reply_to(request, ReplyStatus::internal);
          }
          source = std::move(*wl);
          break;
        }
        case DisplayBackend::synthetic:
        case DisplayBackend::unset:
          source = make_synthetic_source(mode);
          break;
        default:
          return reply_to(request, ReplyStatus::unsupported, static_cast<std::uint32_t>(m.backend));
      }
      auto display = std::make_unique<VirtualDisplay>(id, mode, std::move(source));
      Reply r = reply_to(request, ReplyStatus::ok);
      r.a = id;
      if (const auto x = display->x_display()) {
        r.b = *x;
        r.c = 1;
      }
      self.displays_.emplace(id, std::move(display));
      kLog.info("added display {} ({}x{} @ {:.3f} Hz) for session {:#x}", id, m.width, m.height,
                m.refresh_mhz / 1000.0, m.session_id);
      return r;
    }
    Reply operator()(const RemoveDisplay& m) const {
      if (!self.displays_.contains(m.display_id)) {
        return reply_to(request, ReplyStatus::no_such_display);
      }
      self.remove_displays(m.display_id);
      kLog.info("removed display {}", m.display_id);
      return reply_to(request, ReplyStatus::ok);
    }
    Reply operator()(const SetRenderGpu&) const {
      return reply_to(request, ReplyStatus::ok);  // the synthetic source renders on the CPU
    }
    Reply operator()(const Ping&) const { return reply_to(request, ReplyStatus::ok); }
    Reply operator()(const ClearAll&) const {
      self.remove_displays(std::nullopt);
      return reply_to(request, ReplyStatus::ok);
    }
    Reply operator()(const SetFrameChannel& m) const {
      const auto it = self.displays_.find(m.display_id);
      if (it == self.displays_.end()) {
        return reply_to(request, ReplyStatus::no_such_display);
      }
      if (fds.size() != 2) {
        return reply_to(request, ReplyStatus::bad_request);
      }
      auto ring = framering::RingMemory::attach(std::move(fds[0]), {m.display_id, m.generation, 0});
      if (!ring) {
        kLog.warn("display {}: refused frame channel: {}", m.display_id, ring.error().message);
        return reply_to(request, ReplyStatus::attach_failed);
      }
      it->second->set_channel(std::move(*ring), std::move(fds[1]));
      return reply_to(request, ReplyStatus::ok);
    }
    Reply operator()(const UpdateMode& m) const {
      const auto it = self.displays_.find(m.display_id);
      if (it == self.displays_.end()) {
        return reply_to(request, ReplyStatus::no_such_display);
      }
      if (!valid_mode(m.width, m.height)) {
        return reply_to(request, ReplyStatus::bad_request);
      }
      if (auto st = it->second->set_mode(Mode{m.width, m.height, m.refresh_mhz}); !st) {
        kLog.error("display {}: mode change failed: {}", m.display_id, st.error().message);
        return reply_to(request, ReplyStatus::internal);
      }
      Reply r = reply_to(request, ReplyStatus::ok);
      if (const auto x = it->second->x_display()) {
        r.b = *x;
        r.c = 1;
      }
      return r;
    }
    Reply operator()(const LaunchApp& m) const { return self.launch(m); }
    Reply operator()(const InjectInput& m) const { return self.inject(m); }
    Reply operator()(const AppExited&) const { return reply_to(request, ReplyStatus::bad_request); }
    Reply operator()(const agentlink::PadRumble&) const { return reply_to(request, ReplyStatus::bad_request); }
    Reply operator()(const Reply&) const { return reply_to(request, ReplyStatus::bad_request); }
  };
  Reply r = std::visit(Visitor{*this, fds, request}, request);
  fds.clear();  // whatever was not adopted is closed now
  return r;
}

Reply Agent::launch(const agentlink::LaunchApp& m) {
  const auto it = displays_.find(m.display_id);
  if (it == displays_.end()) {
    return Reply{agentlink::MessageType::launch_app, ReplyStatus::no_such_display, 0, 0, 0, 0, 0};
  }
  // The agent's environment, then the display's, then the app's own.
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    env.emplace_back(*e);
  }
  const auto set = [&env](const std::string& kv) {
    const std::string key = kv.substr(0, kv.find('=') + 1);
    std::erase_if(env, [&key](const std::string& e) { return e.rfind(key, 0) == 0; });
    env.push_back(kv);
  };
  const auto user = it->second->app_user();
  if (user) {
    set("HOME=" + user->home.string());
    set("USER=" + user->name);
    set("LOGNAME=" + user->name);
  }
  for (const auto& kv : it->second->app_environment()) {
    set(kv);
  }
  for (const auto& kv : m.environment) {
    if (kv.find('=') != std::string::npos) {
      set(kv);
    }
  }
  auto child = ChildProcess::spawn(SpawnSpec{.argv = m.argv,
                                             .environment = std::move(env),
                                             .output = "/dev/null",
                                             .working_dir = m.working_dir,
                                             .group = ProcessGroup::own,
                                             .run_as = user});
  if (!child) {
    kLog.warn("display {}: cannot launch {}: {}", m.display_id, m.argv[0], child.error().message);
    return Reply{agentlink::MessageType::launch_app, ReplyStatus::internal,
                 static_cast<std::uint32_t>(child.error().code), 0, 0, 0, 0};
  }
  const auto pid = static_cast<std::uint32_t>(child->pid());
  kLog.info("display {}: launched {} (pid {})", m.display_id, m.argv[0], pid);
  apps_.push_back(RunningApp{m.display_id, m.app_token, std::move(*child)});
  return Reply{agentlink::MessageType::launch_app, ReplyStatus::ok, 0, pid, 0, 0, 0};
}

Reply Agent::inject(const agentlink::InjectInput& m) {
  const auto reply = [](ReplyStatus status, InputInjector::Outcome out = {}) {
    return Reply{agentlink::MessageType::inject_input, status, 0, out.injected, out.unsupported, 0, 0};
  };
  const auto it = displays_.find(m.display_id);
  if (it == displays_.end()) {
    injectors_.erase(m.display_id);
    pads_.erase(m.display_id);
    return reply(ReplyStatus::no_such_display);
  }
  // Pads belong to the session whatever kind its display is; the rest goes
  // to the display server.
  std::vector<input::Event> rest;
  rest.reserve(m.events.size());
  std::copy_if(m.events.begin(), m.events.end(), std::back_inserter(rest),
               [](const input::Event& e) { return !is_pad_event(e.kind); });
  InputInjector::Outcome out;
  if (rest.size() < m.events.size()) {
    out = pads_.try_emplace(m.display_id, options_.pad_factory).first->second.inject(m.events);
  }
  if (rest.empty()) {
    return reply(ReplyStatus::ok, out);
  }
  const auto unsupported = [&](std::uint32_t n) {
    out.unsupported += n;
    return reply(ReplyStatus::ok, out);
  };
  auto& injector = injectors_[m.display_id];
  const auto server = it->second->x_display();
  if (!injector.path || injector.x_display != server) {
    auto opened = it->second->open_input();
    if (!opened) {
      if (opened.error().code != Errc::unsupported) {
        kLog.warn("display {}: {}", m.display_id, opened.error().message);
        return reply(ReplyStatus::internal);
      }
      return unsupported(static_cast<std::uint32_t>(rest.size()));
    }
    injector = {server, std::move(*opened)};
  }
  auto done = injector.path->inject(rest);
  if (!done) {
    kLog.warn("display {}: {}", m.display_id, done.error().message);
    injector.path.reset();  // reconnect next time
    return reply(ReplyStatus::internal);
  }
  out.injected += done->injected;
  return unsupported(done->unsupported);
}

void Agent::send_app_exit(const RunningApp& app, int wait_status, agentlink::AppEnd how) {
  std::array<std::uint8_t, agentlink::kMaxDatagramBytes> out{};
  const agentlink::AppExited event{app.display_id, app.token, static_cast<std::uint32_t>(app.process.pid()),
                                   static_cast<std::uint32_t>(wait_status), how};
  auto bytes = agentlink::encode(event, 0, out);
  if (!bytes || !channel_.send(*bytes)) {
    kLog.warn("could not report the exit of app pid {}", app.process.pid());
  }
}

void Agent::report_rumble() {
  std::array<std::uint8_t, agentlink::kMaxDatagramBytes> out{};
  for (auto& [display, pads] : pads_) {
    for (const auto& r : pads.service()) {
      auto bytes = agentlink::encode(agentlink::PadRumble{display, r.pad, r.strong, r.weak, r.duration_ms}, 0, out);
      if (!bytes || !channel_.send(*bytes)) {
        kLog.warn("could not pass on pad {}'s rumble", r.pad + 1);
      }
    }
  }
}

std::size_t Agent::report_app_exits() {
  std::size_t n = 0;
  for (auto& app : apps_) {
    if (app.reported) {
      continue;
    }
    if (const auto status = app.process.try_reap()) {
      // What it started keeps running (launchers fork and exit); its group
      // ends with the display.
      kLog.info("display {}: app pid {} {}", app.display_id, app.process.pid(), describe_wait_status(*status));
      send_app_exit(app, *status, agentlink::AppEnd::exited);
      app.reported = true;
      ++n;
    }
  }
  return n;
}

void Agent::remove_displays(std::optional<std::uint32_t> display_id) {
  constexpr Nanos kAppGrace = std::chrono::milliseconds(500);
  const auto ours = [&display_id](const RunningApp& app) { return !display_id || app.display_id == *display_id; };
  for (auto& app : apps_) {
    if (ours(app)) {
      app.process.signal(SIGTERM);  // the whole group
    }
  }
  // One grace period for all of them, then SIGKILL to every group.
  const TimePoint deadline = steady_clock().now() + kAppGrace;
  for (auto it = apps_.begin(); it != apps_.end();) {
    if (!ours(*it)) {
      ++it;
      continue;
    }
    while (it->reported && ::kill(-it->process.pid(), 0) == 0 && steady_clock().now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the leader is gone; its group is not ours to wait on
    }
    const int status = it->process.stop(std::max(Nanos::zero(), deadline - steady_clock().now()));
    if (!it->reported) {
      send_app_exit(*it, status, agentlink::AppEnd::display_removed);
    }
    it = apps_.erase(it);
  }
  if (display_id) {
    injectors_.erase(*display_id);  // before its server goes
    pads_.erase(*display_id);        // its session's pads are unplugged with it
    displays_.erase(*display_id);
  } else {
    injectors_.clear();
    pads_.clear();
    displays_.clear();
  }
}

void Agent::reap_on_watchdog(TimePoint now) {
  if (!displays_.empty() && now - last_message_ > options_.watchdog) {
    kLog.warn("host silent for more than {} ms: removing {} display(s)",
              std::chrono::duration_cast<std::chrono::milliseconds>(options_.watchdog).count(),
              displays_.size());
    remove_displays(std::nullopt);
  }
}

int Agent::run() {
  last_message_ = steady_clock().now();
  std::array<std::uint8_t, agentlink::kMaxDatagramBytes> out{};
  log::RateLimitedLog bad_request(kLog, log::Level::warn, std::chrono::seconds(5), "bad control message");
  const Nanos slice = std::min<Nanos>(options_.watchdog / 4, std::chrono::milliseconds(250));
  std::vector<pollfd> watch;
  std::vector<int> pad_fds;
  for (;;) {
    // The channel, every app's pidfd (an exit is reported at once) and
    // every pad's feedback descriptor (a game's rumble upload is answered at once).
    watch.assign(1, pollfd{channel_.fd(), POLLIN, 0});
    for (const auto& app : apps_) {
      if (!app.reported) {  // a reaped leader's pidfd stays readable
        watch.push_back(pollfd{app.process.pidfd(), POLLIN, 0});
      }
    }
    pad_fds.clear();
    for (const auto& [display, pads] : pads_) {
      pads.feedback_fds(pad_fds);
    }
    for (const int fd : pad_fds) {
      watch.push_back(pollfd{fd, POLLIN, 0});
    }
    const auto slice_ms = std::chrono::ceil<std::chrono::milliseconds>(slice).count();
    if (::poll(watch.data(), watch.size(), static_cast<int>(slice_ms)) > 0 && watch.size() > 1) {
      report_app_exits();
      if (!pad_fds.empty()) {
        report_rumble();
      }
    }
    auto received = channel_.receive(watch[0].revents != 0 ? slice : Nanos::zero());
    const TimePoint now = steady_clock().now();
    if (!received) {
      if (received.error().code == Errc::timeout) {
        reap_on_watchdog(now);
        continue;
      }
      if (received.error().code == Errc::closed) {
        kLog.info("host closed the control channel; removing {} display(s)", displays_.size());
        remove_displays(std::nullopt);
        return 0;
      }
      kLog.error("control channel: {}", received.error());
      return 1;
    }
    last_message_ = now;
    auto decoded = agentlink::decode(received->bytes);
    if (!decoded) {
      bad_request(now, "{}", decoded.error().message);
      continue;  // counted and logged; the host's call times out and it reconnects
    }
    const Reply reply = handle(decoded->message, received->fds);
    auto bytes = agentlink::encode(reply, decoded->request_id, out);
    if (!bytes || !channel_.send(*bytes)) {
      kLog.error("cannot answer the host; exiting");
      return 1;
    }
  }
}

}  // namespace pf::agent
