// punktfunk-host serve: bring the host up, wait for SIGINT/SIGTERM, shut down.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>

#include "commands.hpp"
#include "pf/core/build_info.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"

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
  kLog.info("ports: none open; this build runs no network services");
  kLog.info("ready; stop with Ctrl-C or SIGTERM");

  const int sig = wait_for(shutdown_signals);
  kLog.info("received {}; shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  kLog.info("stopped cleanly");
  return kExitOk;
}

}  // namespace pf::host
