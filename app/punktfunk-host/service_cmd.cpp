// punktfunk-host service start|stop|restart|status|run|unit: the host as a
// service where systemd is not PID 1 (containers, minimal machines), and
// the systemd units where it is.
//
// `run` is the supervisor, in the foreground: it starts `serve` (and with
// --with-console `web serve`) from this same executable path, restarts a
// child that fails after 1 s, 2 s, 4 s … (at most 30 s; a child that ran
// 10 s or more starts the count afresh), and gives up with a clear message
// when a child failed --give-up-after times in a row within 10 s of
// starting: for the host that ends the supervisor, for the console only
// the console (the host keeps streaming). A child that exits with status
// 0 is not restarted. SIGTERM or SIGINT stop the children (signalled
// together, ≤ 30 s in all) and the supervisor.
//
// `start` runs the supervisor detached (its output in $STATE_DIR/host.log)
// and waits ≤ 20 s for /api/v1/health; `stop` signals it and waits ≤ 30 s;
// `status` says whether it runs and the host answers (exit 0) or not (3);
// `health` only whether the host answers /api/v1/health, whoever runs it
// (systemd or the supervisor; exit 0, else 3).
// The supervisor holds an flock on $STATE_DIR/host.pid for its lifetime,
// so a stale pidfile is never mistaken for a running host and two
// supervisors cannot run at once.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "conflicts.hpp"
#include "host_runtime.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"
#include "pf/core/process.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in a header

namespace pf::host {
namespace {

using namespace std::chrono_literals;
const log::Logger kLog{"service"};

constexpr auto kFastFailure = 10s;
constexpr auto kFirstBackoff = 1s;
constexpr auto kMaxBackoff = 30s;
constexpr auto kStopGrace = 30s;
constexpr auto kHealthWait = 20s;

std::filesystem::path pidfile_of(const config::HostConfig& cfg) { return cfg.settings.state_dir / "host.pid"; }

/// The supervisor's pid when one holds the pidfile's lock, else nullopt.
std::optional<pid_t> running_supervisor(const config::HostConfig& cfg) {
  const UniqueFd fd(::open(pidfile_of(cfg).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return std::nullopt;
  }
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) == 0) {
    return std::nullopt;  // nobody holds it: stale
  }
  char text[32] = {};
  const ssize_t n = ::pread(fd.get(), text, sizeof text - 1, 0);
  const long pid = n > 0 ? std::strtol(text, nullptr, 10) : 0;
  return pid > 0 ? std::optional<pid_t>(static_cast<pid_t>(pid)) : std::nullopt;
}

/// Whether the management API on this machine answers /api/v1/health.
bool healthy(const config::HostConfig& cfg) {
  httplib::SSLClient c("127.0.0.1", cfg.settings.mgmt_port);
  c.enable_server_certificate_verification(false);  // nothing secret is sent
  c.set_connection_timeout(1);
  c.set_read_timeout(2);
  const auto r = c.Get("/api/v1/health");
  return r && r->status == 200;
}

bool wait_healthy(const config::HostConfig& cfg, std::chrono::milliseconds limit, pid_t supervisor) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (healthy(cfg)) {
      return true;
    }
    if (supervisor > 0 && ::kill(supervisor, 0) != 0) {
      return false;  // the supervisor gave up
    }
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

struct Supervised {
  std::string name;
  std::vector<std::string> argv;
  std::optional<ChildProcess> child;
  std::chrono::steady_clock::time_point started;
  std::optional<std::chrono::steady_clock::time_point> restart_at;
  Nanos backoff = kFirstBackoff;
  int fast_failures = 0;
  bool finished = false;
};

std::string status_json(const std::vector<Supervised>& children) {
  nlohmann::json list = nlohmann::json::object();
  for (const auto& c : children) {
    list[c.name] = c.child ? nlohmann::json(c.child->pid()) : nlohmann::json(nullptr);
  }
  return nlohmann::json{{"supervisor", ::getpid()}, {"children", list}}.dump();
}

void write_status(const config::HostConfig& cfg, const std::vector<Supervised>& children) {
  (void)write_file_atomic(cfg.settings.state_dir / "host.children", status_json(children) + "\n", 0644);
}

bool spawn(Supervised& s) {
  auto child = ChildProcess::spawn({.argv = s.argv});
  if (!child) {
    kLog.error("cannot start {}: {}", s.name, child.error().message);
    return false;
  }
  kLog.info("started {} (pid {})", s.name, child->pid());
  s.child = std::move(*child);
  s.started = std::chrono::steady_clock::now();
  s.restart_at.reset();
  return true;
}

int supervise(const config::HostConfig& cfg, const ServiceCommand& command) {
  const sigset_t signals = block_shutdown_signals();
  log::configure(cfg.settings.log);
  if (auto made = ensure_private_dir(cfg.settings.state_dir); !made) {
    kLog.error("state dir: {}", made.error().message);
    return kExitFailure;
  }
  const UniqueFd lock(::open(pidfile_of(cfg).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!lock || ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    const auto other = running_supervisor(cfg);
    kLog.error("another supervisor runs already (pid {}): `punktfunk-host service stop` first",
               other ? std::to_string(*other) : "?");
    return kExitFailure;
  }
  const std::string pid_text = fmt::format("{}\n", ::getpid());
  if (::ftruncate(lock.get(), 0) != 0 || ::pwrite(lock.get(), pid_text.data(), pid_text.size(), 0) < 0) {
    kLog.error("cannot write {}", pidfile_of(cfg).string());
    return kExitFailure;
  }
  const UniqueFd sigfd(::signalfd(-1, &signals, SFD_CLOEXEC));

  const std::string self = sibling_executable("punktfunk-host").string();
  std::vector<Supervised> children;
  std::vector<std::string> global = command.global_args;
  const auto with = [&](std::vector<std::string> tail) {
    std::vector<std::string> argv{self};
    argv.insert(argv.end(), global.begin(), global.end());
    argv.insert(argv.end(), tail.begin(), tail.end());
    return argv;
  };
  const auto supervised = [](std::string name, std::vector<std::string> argv) {
    Supervised s;
    s.name = std::move(name);
    s.argv = std::move(argv);
    return s;
  };
  children.push_back(supervised("host", with({"serve"})));
  if (command.with_console) {
    children.push_back(supervised("console", with({"web", "serve"})));
  }
  for (auto& c : children) {
    if (!spawn(c)) {
      return kExitFailure;
    }
  }
  write_status(cfg, children);
  kLog.info("supervising {} (pid {}); stop with `punktfunk-host service stop` or SIGTERM",
            command.with_console ? "the host and the console" : "the host", ::getpid());

  int exit_code = kExitOk;
  while (true) {
    std::vector<pollfd> fds{{sigfd.get(), POLLIN, 0}};
    for (const auto& c : children) {
      fds.push_back({c.child ? c.child->pidfd() : -1, POLLIN, 0});
    }
    int timeout_ms = -1;
    const auto now = std::chrono::steady_clock::now();
    for (const auto& c : children) {
      if (c.restart_at) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*c.restart_at - now).count();
        timeout_ms = timeout_ms < 0 ? static_cast<int>(std::max<long>(ms, 0)) : std::min(timeout_ms, static_cast<int>(std::max<long>(ms, 0)));
      }
    }
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) {
      kLog.error("poll failed: {}", std::strerror(errno));
      exit_code = kExitFailure;
      break;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      signalfd_siginfo info{};
      (void)::read(sigfd.get(), &info, sizeof info);
      kLog.info("received {}; stopping", info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    bool gave_up = false;
    for (std::size_t i = 0; i < children.size(); ++i) {
      Supervised& c = children[i];
      if (c.child && (fds[i + 1].revents & POLLIN) != 0) {
        const auto status = c.child->try_reap();
        if (!status) {
          continue;
        }
        const auto ran = std::chrono::steady_clock::now() - c.started;
        c.child.reset();
        if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0) {
          kLog.info("{} exited cleanly; not restarting it", c.name);
          c.finished = true;
          continue;
        }
        c.fast_failures = ran < kFastFailure ? c.fast_failures + 1 : 1;
        if (ran >= kFastFailure) {
          c.backoff = kFirstBackoff;
        }
        if (c.fast_failures >= command.give_up_after) {
          kLog.error("giving up on {}: it failed {} times in a row within {} s of starting (last: {}); its output "
                     "is above{}",
                     c.name, c.fast_failures, kFastFailure.count(), describe_wait_status(*status),
                     c.name == "host" ? "" : "; the host keeps running");
          if (c.name != "host") {
            c.finished = true;  // the console is not worth the stream
            continue;
          }
          gave_up = true;
          break;
        }
        kLog.warn("{} {} after {} ms; restarting in {} ms", c.name, describe_wait_status(*status),
                  std::chrono::duration_cast<std::chrono::milliseconds>(ran).count(),
                  std::chrono::duration_cast<std::chrono::milliseconds>(c.backoff).count());
        c.restart_at = std::chrono::steady_clock::now() + c.backoff;
        c.backoff = std::min<Nanos>(c.backoff * 2, kMaxBackoff);
      }
      if (!c.child && c.restart_at && std::chrono::steady_clock::now() >= *c.restart_at) {
        (void)spawn(c);
      }
    }
    write_status(cfg, children);
    if (gave_up) {
      exit_code = kExitFailure;
      break;
    }
    if (std::all_of(children.begin(), children.end(), [](const Supervised& c) { return c.finished; })) {
      break;
    }
  }
  for (auto& c : children) {  // all at once: the grace is shared, not added up
    if (c.child) {
      c.child->signal(SIGTERM);
    }
  }
  const auto stop_by = std::chrono::steady_clock::now() + kStopGrace;
  for (auto& c : children) {
    if (c.child) {
      const int status = c.child->stop(std::max<Nanos>(Nanos::zero(), stop_by - std::chrono::steady_clock::now()));
      kLog.info("{} stopped ({})", c.name, describe_wait_status(status));
    }
  }
  std::error_code ec;
  std::filesystem::remove(cfg.settings.state_dir / "host.children", ec);
  std::filesystem::remove(pidfile_of(cfg), ec);
  return exit_code;
}

int start(const config::HostConfig& cfg, const ServiceCommand& command) {
  if (const auto pid = running_supervisor(cfg)) {
    fmt::print("punktfunk-host is already running (supervisor pid {})\n", *pid);
    return kExitOk;
  }
  if (auto made = ensure_private_dir(cfg.settings.state_dir); !made) {
    fmt::print(stderr, "service start: state dir: {}\n", made.error().message);
    return kExitFailure;
  }
  const auto log_file = cfg.settings.state_dir / "host.log";
  std::error_code ec;
  std::filesystem::rename(log_file, cfg.settings.state_dir / "host.log.1", ec);  // keep the last run's
  std::vector<std::string> args{sibling_executable("punktfunk-host").string()};
  args.insert(args.end(), command.global_args.begin(), command.global_args.end());
  args.insert(args.end(), {"service", "run", "--give-up-after", std::to_string(command.give_up_after)});
  if (command.with_console) {
    args.emplace_back("--with-console");
  }
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  const pid_t first = ::fork();
  if (first < 0) {
    fmt::print(stderr, "service start: fork failed: {}\n", std::strerror(errno));
    return kExitFailure;
  }
  if (first == 0) {  // detach: a new session, then a grandchild that no terminal or parent owns
    ::setsid();
    if (::fork() != 0) {
      ::_exit(0);
    }
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int out = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (null < 0 || out < 0 || ::dup2(null, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) {
      ::_exit(127);
    }
    ::close_range(3, ~0U, 0);  // nothing the caller had open (a deploy's lock) lives on in the daemon
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(argv[0], argv.data(), environ);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(first, &status, 0);
  // The supervisor takes its lock at once; then the host needs a moment.
  std::optional<pid_t> pid;
  for (int i = 0; i < 50 && !pid; ++i) {
    std::this_thread::sleep_for(100ms);
    pid = running_supervisor(cfg);
  }
  if (!pid) {
    fmt::print(stderr, "service start: the supervisor did not start; see {}\n", log_file.string());
    return kExitFailure;
  }
  if (!wait_healthy(cfg, kHealthWait, *pid)) {
    fmt::print(stderr, "service start: the host did not answer /api/v1/health within {} s; see {}\n",
               kHealthWait.count(), log_file.string());
    return kExitFailure;
  }
  fmt::print("punktfunk-host is running (supervisor pid {}, log {})\n", *pid, log_file.string());
  return kExitOk;
}

int stop(const config::HostConfig& cfg) {
  const auto pid = running_supervisor(cfg);
  if (!pid) {
    fmt::print("punktfunk-host is not running\n");
    return kExitOk;
  }
  ::kill(*pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + kStopGrace + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running_supervisor(cfg)) {
      fmt::print("punktfunk-host stopped\n");
      return kExitOk;
    }
    std::this_thread::sleep_for(100ms);
  }
  fmt::print(stderr, "service stop: the supervisor (pid {}) did not stop; killing it\n", *pid);
  ::kill(*pid, SIGKILL);
  return kExitFailure;
}

int status(const config::HostConfig& cfg, OutputFormat format) {
  const auto pid = running_supervisor(cfg);
  const bool answers = pid && healthy(cfg);
  nlohmann::json children = nlohmann::json::object();
  if (pid) {
    auto text = read_small_file(cfg.settings.state_dir / "host.children", 4096);
    const auto j = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
    if (j.is_object() && j.contains("children")) {
      children = j["children"];
    }
  }
  if (format == OutputFormat::json) {
    fmt::print("{}\n", nlohmann::json{{"running", pid.has_value()},
                                      {"supervisor", pid ? nlohmann::json(*pid) : nlohmann::json(nullptr)},
                                      {"children", children},
                                      {"healthy", answers}}
                           .dump());
  } else if (!pid) {
    fmt::print("punktfunk-host is not running\n");
  } else {
    fmt::print("punktfunk-host is running (supervisor pid {}), {}\n", *pid,
               answers ? "healthy" : "not answering /api/v1/health");
  }
  return answers ? kExitOk : 3;  // 3: not running, as LSB status commands say
}

}  // namespace

std::string render_unit(const config::HostConfig& cfg, std::string_view which, const std::filesystem::path& binary) {
  const bool system = cfg.mode == config::InstallMode::system;
  const bool host = which == "host";
  const std::string mode_flag = system ? " --system" : "";
  std::string unit = fmt::format(
      "[Unit]\n"
      "Description={}\n"
      "After=network-online.target\n"
      "Wants=network-online.target\n"
      "\n"
      "[Service]\n"
      "Type=simple\n",
      host ? "punktfunk streaming host" : fmt::format("punktfunk web console (HTTPS :{})", cfg.settings.web_port));
  if (host) {
    unit += fmt::format("EnvironmentFile=-{}\n", (cfg.settings.config_dir / "host.env").string());
  }
  unit += fmt::format(
      "ExecStart={} {}{} --config-dir {}\n"
      "Restart=on-failure\n"
      "RestartSec=2\n"
      "TimeoutStopSec=30\n"
      "NoNewPrivileges=yes\n",
      binary.string(), host ? "serve" : "web serve", mode_flag, cfg.settings.config_dir.string());
  if (system) {
    // What the host needs still works: it writes only its config and state
    // dirs (and /tmp, where X servers put their sockets), starts display
    // servers as the display user, and reads the GPU devices.
    unit += fmt::format(
        "ProtectSystem=full\n"
        "ReadWritePaths={} {}\n"
        "ProtectKernelTunables=yes\n"
        "ProtectKernelModules=yes\n"
        "ProtectControlGroups=yes\n"
        "RestrictSUIDSGID=yes\n"
        "LockPersonality=yes\n"
        "RestrictNamespaces=yes\n"
        "LimitNOFILE=65536\n",
        cfg.settings.config_dir.string(), cfg.settings.state_dir.string());
  }
  unit += fmt::format("\n[Install]\nWantedBy={}\n", system ? "multi-user.target" : "default.target");
  return unit;
}

int run_detect_conflicts(const config::HostConfig& cfg, OutputFormat format) {
  const auto& s = cfg.settings;
  // GameStream's ports, at their offsets from the configured HTTP port
  // (Moonlight's defaults when it is 0): whether or not ours is on, another
  // GameStream host holding them would stop Moonlight from reaching ours.
  const int base = s.gamestream_port == 0 ? 47989 : s.gamestream_port;
  const auto at = [base](int offset) { return static_cast<std::uint16_t>(base + offset); };
  std::vector<PortUse> uses{{"TCP", s.native_port, "native protocol"},
                            {"TCP", s.mgmt_port, "management API"},
                            {"TCP", s.web_port, "web console"},
                            {"TCP", at(-5), "GameStream HTTPS"},
                            {"TCP", at(0), "GameStream HTTP"},
                            {"TCP", at(21), "GameStream RTSP"}};
  for (const int offset : {9, 10, 11, 13, 21}) {  // video, control, audio, microphone, RTSP
    uses.push_back({"UDP", at(offset), "GameStream media"});
  }
  const auto conflicts = find_conflicts(uses);
  if (format == OutputFormat::json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : conflicts) {
      list.push_back(c.description);
    }
    fmt::print("{}\n", nlohmann::json{{"conflicts", list}}.dump());
  } else if (conflicts.empty()) {
    fmt::print("no conflicts: nothing else holds the host's ports, and no other streaming host runs\n");
  } else {
    for (const auto& c : conflicts) {
      fmt::print("conflict: {}\n", c.description);
    }
  }
  return conflicts.empty() ? kExitOk : kExitFailure;
}

int run_service(const config::HostConfig& cfg, const ServiceCommand& command) {
  if (command.action == "run") {
    return supervise(cfg, command);
  }
  if (command.action == "start") {
    return start(cfg, command);
  }
  if (command.action == "stop") {
    return stop(cfg);
  }
  if (command.action == "restart") {
    (void)stop(cfg);
    return start(cfg, command);
  }
  if (command.action == "status") {
    return status(cfg, command.format);
  }
  if (command.action == "health") {
    return healthy(cfg) ? kExitOk : 3;
  }
  if (command.action == "unit") {
    fmt::print("{}", render_unit(cfg, command.unit, sibling_executable("punktfunk-host")));
    return kExitOk;
  }
  return kExitUsage;
}

}  // namespace pf::host
