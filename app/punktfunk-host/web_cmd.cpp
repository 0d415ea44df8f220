// punktfunk-host web setup | web serve: the web console.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>

#include "commands.hpp"
#include "host_runtime.hpp"
#include "pf/console/console_server.hpp"
#include "pf/console/password.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"
#include "pf/core/process.hpp"

namespace pf::host {
namespace {

const log::Logger kLog{"console"};

/// The built pages: --web-root, else share/punktfunk/web next to the
/// installed binary, else the source tree's web/dist (a development build).
std::filesystem::path find_web_root(const std::string& chosen) {
  if (!chosen.empty()) {
    return chosen;
  }
  const auto installed = sibling_executable("..") / "share" / "punktfunk" / "web";
  std::error_code ec;
  if (std::filesystem::exists(installed / "index.html", ec)) {
    return installed.lexically_normal();
  }
  return PF_SOURCE_WEB_DIST;
}

/// Writes (or updates) punktfunk-web.service; enables and (re)starts it
/// when systemd runs here.
int install_service(const config::HostConfig& cfg) {
  const bool system = cfg.mode == config::InstallMode::system;
  std::filesystem::path dir;
  if (system) {
    dir = "/etc/systemd/system";
  } else if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && xdg[0] == '/') {
    dir = std::filesystem::path(xdg) / "systemd" / "user";
  } else if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    dir = std::filesystem::path(home) / ".config" / "systemd" / "user";
  } else {
    fmt::print(stderr, "web setup: no HOME: cannot place the user service; start the console with "
                       "`punktfunk-host web serve`\n");
    return kExitFailure;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto unit = dir / "punktfunk-web.service";
  if (auto written = write_file_atomic(unit, render_unit(cfg, "web", sibling_executable("punktfunk-host")), 0644); !written) {
    fmt::print(stderr, "web setup: {}\n", written.error().message);
    return kExitFailure;
  }
  fmt::print("service: {}\n", unit.string());
  const auto& manager = cfg.settings.service_manager;
  if (manager == "supervisor" || (manager == "auto" && !std::filesystem::exists("/run/systemd/system", ec))) {
    fmt::print("{}: start the console with `punktfunk-host web serve` or `service start --with-console`\n",
               manager == "supervisor" ? "PUNKTFUNK_SERVICE_MANAGER is supervisor" : "systemd is not running here");
    return kExitOk;
  }
  const std::string scope = system ? "" : " --user";
  const std::string command =
      fmt::format("systemctl{0} daemon-reload && systemctl{0} enable punktfunk-web.service && "
                  "systemctl{0} restart punktfunk-web.service",
                  scope);
  if (std::system(command.c_str()) != 0) {  // NOLINT(cert-env33-c): a fixed command line
    fmt::print(stderr, "web setup: `{}` failed; the unit is in place, start it by hand\n", command);
    return kExitFailure;
  }
  fmt::print("service enabled and started: systemctl{} status punktfunk-web\n", scope);
  return kExitOk;
}

int wait_for_signal(const sigset_t& set) {
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

}  // namespace

int run_web_setup(const config::HostConfig& cfg, const WebSetupCommand& command) {
  const auto& dir = cfg.settings.config_dir;
  if (auto made = ensure_private_dir(dir); !made) {
    fmt::print(stderr, "web setup: config dir: {}\n", made.error().message);
    return kExitFailure;
  }
  auto existing = console::read_password_file(dir);
  if (!existing && !command.reset_password) {
    fmt::print(stderr, "web setup: {}\n", existing.error().message);
    return kExitFailure;
  }
  if (existing && *existing && !command.reset_password) {
    fmt::print("the console password is already set ({}); `web setup --reset-password` makes a new one\n",
               (dir / console::kPasswordFile).string());
  } else {
    auto password = console::generate_password();
    if (!password) {
      fmt::print(stderr, "web setup: {}\n", password.error().message);
      return kExitFailure;
    }
    if (auto written = console::write_password_file(dir, *password); !written) {
      fmt::print(stderr, "web setup: {}\n", written.error().message);
      return kExitFailure;
    }
    fmt::print("The console's password (shown only now; its hash is in {}):\n", (dir / console::kPasswordFile).string());
    fmt::print("password: {}\n", *password);
    fmt::print("Sign in at https://<this host>:{}/ — change it there under Settings.\n", cfg.settings.web_port);
  }
  return command.no_service ? kExitOk : install_service(cfg);
}

int run_web_serve(const config::HostConfig& cfg, const WebServeCommand& command) {
  const sigset_t shutdown_signals = block_shutdown_signals();
  log::configure(cfg.settings.log);
  const auto& s = cfg.settings;
  if (auto made = ensure_private_dir(s.config_dir); !made) {
    kLog.error("config dir: {}", made.error());
    return kExitFailure;
  }
  console::ConsoleOptions options;
  options.bind = s.web_bind;
  options.port = s.web_port;
  options.config_dir = s.config_dir;
  options.web_root = find_web_root(command.web_root);
  options.mgmt_token = s.mgmt_token;
  auto password = console::read_password_file(s.config_dir);
  if (!password) {
    kLog.warn("{}: the console answers 503 until it is fixed", password.error().message);
  } else if (!*password) {
    kLog.warn("no console password yet: the console answers 503 until `punktfunk-host web setup` sets one");
  }
  auto server = console::ConsoleServer::start(std::move(options));
  if (!server) {
    kLog.error("{}", server.error().message);
    return kExitFailure;
  }
  const int sig = wait_for_signal(shutdown_signals);
  kLog.info("received {}; shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->stop();
  return kExitOk;
}

}  // namespace pf::host
