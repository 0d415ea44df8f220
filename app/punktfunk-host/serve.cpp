// punktfunk-host serve: bring the host up, wait for SIGINT/SIGTERM, shut down.
#include <signal.h>
#include <unistd.h>

#include "commands.hpp"
#include "host_runtime.hpp"
#include "pf/core/build_info.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"

namespace pf::host {
namespace {

const log::Logger kLog{"host"};

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
  mgmt::LogBuffer logs;  // the management API's `logs`, from the first line on
  logs.attach();
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
  auto host = HostRuntime::start(cfg, net::Address::parse("0.0.0.0", s.native_port).value(), &logs);
  if (!host) {
    kLog.error("{}", host.error().message);
    return kExitFailure;
  }
  kLog.info("ports: {} TCP (native control, TLS 1.3); UDP data ports are ephemeral, one per session",
            (*host)->server().address().port());
  if (const auto* m = (*host)->management()) {
    kLog.info("management API: {}/api/v1 (token in {})", m->url(), (s.config_dir / mgmt::kTokenFile).string());
  }
  if (!s.allow_tofu) {
    kLog.info("clients must be trusted first (pairing); start with --allow-tofu to accept any client in development");
  }
  kLog.info("ready; stop with Ctrl-C or SIGTERM");

  const int sig = wait_for(shutdown_signals);
  kLog.info("received {}; shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  host->reset();  // ends every session with Goodbye, then stops the displays
  kLog.info("stopped cleanly");
  return kExitOk;
}

}  // namespace pf::host
