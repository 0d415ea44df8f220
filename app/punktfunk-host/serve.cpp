// punktfunk-host serve: bring the host up, wait for SIGINT/SIGTERM, shut down.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "commands.hpp"
#include "pf/core/build_info.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"
#include "pf/vdisplay/apps.hpp"
#include "pf/vdisplay/display_service.hpp"
#include "pf/vdisplay/gpu_inventory.hpp"
#include "pf/session/server.hpp"
#include "pf/vdisplay/policy.hpp"

namespace pf::host {
namespace {

const log::Logger kLog{"host"};

// Blocks SIGINT and SIGTERM in the calling thread; threads started later
// inherit the mask, so only the main thread's sigwait() ever sees them.
// A launcher may have left them ignored (a shell's background job ignores
// SIGINT); the host answers them regardless.
sigset_t block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGPIPE, SIG_IGN);  // a vanished peer is an error value, not a crash
  return set;
}

// pf-vdisplay is installed next to punktfunk-host.
std::filesystem::path agent_binary() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (ec ? std::filesystem::path(".") : self.parent_path()) / "pf-vdisplay";
}

bool program_on_path(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const auto dir = dirs.substr(0, colon);
    if (!dir.empty() && ::access((std::filesystem::path(dir) / name).c_str(), X_OK) == 0) {
      return true;
    }
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
  }
  return false;
}

int wait_for(const sigset_t& set) {
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

}  // namespace

int run_serve(const config::HostConfig& cfg) {
  const sigset_t shutdown_signals = block_shutdown_signals();
  log::configure(cfg.settings.log);
  for (const std::string& warning : cfg.warnings) {
    kLog.warn("{}", warning);
  }

  const auto& s = cfg.settings;
  auto dir = ensure_private_dir(s.config_dir);
  if (!dir) {
    kLog.error("config dir: {}", dir.error());
    return kExitFailure;
  }
  if (*dir == DirOutcome::created) {
    kLog.info("created config dir {} (mode 0700)", s.config_dir.string());
  } else if (*dir == DirOutcome::too_open) {
    kLog.warn("config dir {} is writable by group or others; it will hold secrets: chmod 700 it",
              s.config_dir.string());
  }

  kLog.info("punktfunk-host {} (revision {}, {}) starting, pid {}", build_info::version,
            build_info::revision, build_info::build_type, ::getpid());
  kLog.info("mode {}, config dir {}, host.env {}, state dir {}",
            cfg.mode == config::InstallMode::system ? "system" : "user", s.config_dir.string(),
            cfg.host_env_found ? "loaded" : "not present", s.state_dir.string());
  const auto agent = agent_binary();
  if (::access(agent.c_str(), X_OK) != 0) {
    kLog.error("display agent {} is missing or not executable; reinstall punktfunk",
               agent.string());
    return kExitFailure;
  }
  auto display_settings = vdisplay::load_display_settings(s.config_dir / vdisplay::kDisplaySettingsFile);
  if (!display_settings) {
    kLog.error("{}", display_settings.error().message);
    return kExitFailure;
  }
  const auto apps = vdisplay::load_apps(s.config_dir / vdisplay::kAppsFile);
  if (!apps) {
    kLog.error("{}", apps.error().message);
    return kExitFailure;
  }
  kLog.info("apps: {}", [&] {
    std::string ids;
    for (const auto& e : apps->entries()) {
      ids += (ids.empty() ? "" : ", ") + e.id;
    }
    return ids;
  }());
  if (!s.display_backend.empty()) {
    display_settings->backend = vdisplay::parse_backend(s.display_backend).value();
  }
  if (display_settings->backend == vdisplay::Backend::xvfb && !program_on_path("Xvfb")) {
    kLog.warn("Xvfb is not installed; displays use the synthetic test pattern instead");
    display_settings->backend = vdisplay::Backend::synthetic;
  }
  kLog.info("display backend: {}{}", vdisplay::to_string(display_settings->backend),
            s.display_backend.empty() ? "" : " (PUNKTFUNK_DISPLAY_BACKEND)");
  const auto gpus = vdisplay::discover_gpus();
  const auto gpu = vdisplay::choose_render_gpu(display_settings->render_gpu, s.render_gpu, gpus);
  vdisplay::SupervisorOptions agent_options;
  agent_options.spawn = {agent, std::chrono::seconds(10), s.log_text};
  std::optional<vdisplay::DisplayService> displays;
  displays.emplace(std::move(agent_options), *display_settings, gpu);
  if (!displays->wait_agent_running(std::chrono::seconds(10))) {
    kLog.warn("display agent not running yet; the supervisor keeps trying");
  }
  session::ServerConfig native;
  native.listen = net::Address::parse("0.0.0.0", s.native_port).value();
  native.config_dir = s.config_dir;
  native.allow_tofu = s.allow_tofu;
  native.max_sessions = s.max_sessions;
  native.default_bitrate_kbps = s.bitrate_kbps;
  native.source = static_cast<control::DisplaySource>(display_settings->backend);
  auto server = session::NativeServer::start(native, *displays);
  if (!server) {
    kLog.error("native protocol: {}", server.error().message);
    return kExitFailure;
  }
  kLog.info("ports: {} TCP (native control, TLS 1.3); UDP data ports are ephemeral, one per session",
            (*server)->address().port());
  if (!s.allow_tofu) {
    kLog.info("clients must be trusted first (pairing); start with --allow-tofu to accept any client in development");
  }
  kLog.info("ready; stop with Ctrl-C or SIGTERM");

  const int sig = wait_for(shutdown_signals);
  kLog.info("received {}; shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  server->reset();  // ends every session with Goodbye
  displays.reset();  // stops the supervisor; the agent removes its displays and exits
  kLog.info("stopped cleanly");
  return kExitOk;
}

}  // namespace pf::host
