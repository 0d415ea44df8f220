// punktfunk-host serve: bring the host up, wait for SIGINT/SIGTERM, shut down.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "commands.hpp"
#include "host_runtime.hpp"
#include "pf/core/build_info.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"

namespace pf::host {
namespace {

const log::Logger kLog{"host"};

// A hook for the deploy's rollback test (tests/ops): a build whose file
// ends with the text PF_TEST_EXIT_AT_START names exits at once, as a
// broken build would, while every other build of the same run starts.
bool test_build_exits_at_start() {
  const char* marker = std::getenv("PF_TEST_EXIT_AT_START");
  if (marker == nullptr || *marker == '\0') {
    return false;
  }
  const std::string want(marker);
  std::ifstream exe("/proc/self/exe", std::ios::binary | std::ios::ate);
  const auto size = static_cast<std::streamoff>(exe.tellg());
  if (!exe || size < static_cast<std::streamoff>(want.size())) {
    return false;
  }
  std::string tail(want.size(), '\0');
  exe.seekg(size - static_cast<std::streamoff>(want.size()));
  exe.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  return exe && tail == want;
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
  mgmt::LogBuffer logs;  // the management API's `logs`, from the first line on
  logs.attach();
  for (const std::string& warning : cfg.warnings) {
    kLog.warn("{}", warning);
  }

  if (test_build_exits_at_start()) {
    kLog.error("this build exits at start (test hook PF_TEST_EXIT_AT_START)");
    return kExitFailure;
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
