// punktfunk-host: command-line entry point.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "pf/core/build_info.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in a header

namespace pf::host {
namespace {

struct GlobalOptions {
  std::string config_dir;
  bool system = false;
  std::vector<std::string> sets;
};

std::vector<std::pair<std::string, std::string>> read_environment() {
  std::vector<std::pair<std::string, std::string>> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string_view::npos) {
      out.emplace_back(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
    }
  }
  return out;
}

Result<config::HostConfig> load_config(const GlobalOptions& options) {
  config::HostConfigInput input;
  input.mode = options.system ? config::InstallMode::system : config::InstallMode::user;
  input.environment = read_environment();
  if (!options.config_dir.empty()) {
    input.command_line.push_back({"PUNKTFUNK_CONFIG_DIR", options.config_dir, "--config-dir"});
  }
  for (const std::string& set : options.sets) {
    const auto eq = set.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(Errc::config_invalid, "--set expects KEY=VALUE");
    }
    input.command_line.push_back(
        {config::normalize_key(set.substr(0, eq)), set.substr(eq + 1), "--set"});
  }
  return config::load_host_config(input);
}

int print_version() {
  fmt::print("punktfunk-host {}\n", build_info::version);
  fmt::print("revision:   {}\n", build_info::revision);
  fmt::print("build:      {}, {}\n", build_info::build_type, build_info::compiler);
  fmt::print("sanitizers: {}\n", build_info::sanitizers.empty() ? "none" : build_info::sanitizers);
  fmt::print("cuda:       {}\n", build_info::cuda ? "enabled (nvcc found at configure time)"
                                                   : "disabled (no nvcc at configure time)");
  return kExitOk;
}

}  // namespace
}  // namespace pf::host

int main(int argc, char** argv) {
  using namespace pf::host;
  CLI::App app{"punktfunk-host: low-latency desktop and game streaming host"};
  app.require_subcommand(1);
  app.fallthrough();  // global options are accepted after the subcommand too

  GlobalOptions options;
  app.add_option("--config-dir", options.config_dir,
                 "Config directory (default: $XDG_CONFIG_HOME/punktfunk or ~/.config/punktfunk)");
  app.add_flag("--system", options.system,
               "System service mode: /etc/punktfunk and /var/lib/punktfunk");
  app.add_option("--set", options.sets,
                 "Override a setting, e.g. --set NATIVE_PORT=9800 (repeatable; highest precedence)")
      ->type_name("KEY=VALUE");

  auto* serve = app.add_subcommand("serve", "Run the host until SIGINT or SIGTERM");
  std::string display_backend;
  bool allow_tofu = false;
  serve->add_option("--display-backend", display_backend,
                    "synthetic, xvfb or wlroots (PUNKTFUNK_DISPLAY_BACKEND; default xvfb when installed)");
  serve->add_flag("--allow-tofu", allow_tofu,
                  "Development: accept any client certificate until pairing exists (PUNKTFUNK_ALLOW_TOFU)");
  auto* demo = app.add_subcommand("demo", "Stream to the reference client on loopback for a few seconds and sum up");
  DemoOptions demo_options;
  demo->add_option("--seconds", demo_options.seconds, "How long to stream (default 10)")->check(CLI::Range(1.0, 3600.0));
  demo->add_option("--mode", demo_options.mode, "WxH@Hz of the client's display (default 1920x1080@60)");
  demo->add_option("--display-backend", demo_options.display_backend,
                   "synthetic (default: every frame verified), xvfb or wlroots")
      ->check(CLI::IsMember({"synthetic", "xvfb", "wlroots"}));
  demo->add_option("--frame", demo_options.frame, "Where the last decoded frame goes (default punktfunk-demo.png)");
  demo->add_flag("--verbose", demo_options.verbose, "Show the host's log (info) while streaming");
  auto* version = app.add_subcommand("version", "Print version and build facts");
  auto* config = app.add_subcommand("config", "Inspect the configuration");
  config->require_subcommand(1);
  bool json = false;
  auto* show = config->add_subcommand("show", "Every key's effective value and its source");
  show->add_flag("--json", json, "Print JSON instead of a table");
  auto* example = config->add_subcommand("example", "Print host.env.example (every key documented)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  if (version->parsed()) {
    return print_version();
  }
  if (example->parsed()) {
    fmt::print("{}", pf::config::render_host_env_example());
    return kExitOk;
  }
  if (!display_backend.empty()) {
    options.sets.push_back("DISPLAY_BACKEND=" + display_backend);
  }
  if (allow_tofu) {
    options.sets.push_back("ALLOW_TOFU=on");
  }
  auto loaded = load_config(options);
  if (!loaded) {
    fmt::print(stderr, "punktfunk-host: invalid configuration:\n{}\n", loaded.error().message);
    return kExitUsage;
  }
  if (show->parsed()) {
    return run_config_show(*loaded, json ? OutputFormat::json : OutputFormat::text);
  }
  if (serve->parsed()) {
    return run_serve(*loaded);
  }
  if (demo->parsed()) {
    return run_demo(*loaded, demo_options);
  }
  return kExitUsage;
}
