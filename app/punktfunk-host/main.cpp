// punktfunk-host: command-line entry point.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "pf/mgmt/api.hpp"
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
  serve->add_flag("--allow-tofu,--open", allow_tofu,
                  "Development: accept any client certificate, paired or not (PUNKTFUNK_ALLOW_TOFU)");
  bool gamestream_on = false;
  serve->add_flag("--gamestream", gamestream_on,
                  "Also speak GameStream to Moonlight clients; trusted networks only (PUNKTFUNK_GAMESTREAM)");
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
  auto* openapi = app.add_subcommand("openapi", "Print the management API's OpenAPI document (api/openapi.json)");
  auto* config = app.add_subcommand("config", "Inspect the configuration");
  config->require_subcommand(1);
  bool json = false;
  auto* show = config->add_subcommand("show", "Every key's effective value and its source");
  show->add_flag("--json", json, "Print JSON instead of a table");
  auto* example = config->add_subcommand("example", "Print host.env.example (every key documented)");

  auto* identity = app.add_subcommand("identity", "Show the host certificate's SHA-256 fingerprint (clients pin it)");
  identity->add_flag("--json", json, "Print JSON");

  auto* pair = app.add_subcommand("pair", "PIN pairing on the running host");
  pair->require_subcommand(1);
  PairCommand pair_command;
  auto* arm = pair->add_subcommand("arm", "Open a pairing window and show its PIN");
  arm->add_option("--ttl", pair_command.ttl, "How long the window stays open (default 120s; up to 1h)");
  arm->add_option("--for", pair_command.for_fingerprint, "Only the client with this certificate fingerprint may pair");
  arm->add_option("--access", pair_command.access, "full (default), controller-only or view-only")
      ->check(CLI::IsMember({"full", "controller-only", "view-only"}));
  pair->add_subcommand("status", "Whether a window is open, its PIN, and pairing counters");
  pair->add_subcommand("disarm", "Close the pairing window");
  for (auto* sub : pair->get_subcommands([](CLI::App*) { return true; })) {
    sub->add_flag("--json", json, "Print JSON");
  }

  auto* pending = app.add_subcommand("pending", "Clients waiting for approval (knocks) on the running host");
  pending->require_subcommand(1);
  PendingCommand pending_command;
  pending->add_subcommand("list", "Who is waiting");
  auto* approve = pending->add_subcommand("approve", "Let a waiting client in (it is paired)");
  approve->add_option("id", pending_command.id, "The request id from `pending list`")->required();
  approve->add_option("--access", pending_command.access, "full (default), controller-only or view-only")
      ->check(CLI::IsMember({"full", "controller-only", "view-only"}));
  auto* deny = pending->add_subcommand("deny", "Turn a waiting client away");
  deny->add_option("id", pending_command.id, "The request id from `pending list`")->required();
  for (auto* sub : pending->get_subcommands([](CLI::App*) { return true; })) {
    sub->add_flag("--json", json, "Print JSON");
  }

  auto* gamestream = app.add_subcommand("gamestream", "GameStream (Moonlight) on the running host");
  gamestream->require_subcommand(1);
  GameStreamCommand gamestream_command;
  auto* gs_pin = gamestream->add_subcommand("pin", "Enter the PIN a pairing Moonlight client shows");
  gs_pin->add_option("pin", gamestream_command.pin, "The four digits")->required();
  gamestream->add_subcommand("status", "Ports, the client waiting for a PIN, sessions");
  for (auto* sub : gamestream->get_subcommands([](CLI::App*) { return true; })) {
    sub->add_flag("--json", json, "Print JSON");
  }

  auto* clients = app.add_subcommand("clients", "Paired clients (the trust store)");
  clients->require_subcommand(1);
  ClientsCommand clients_command;
  auto* list = clients->add_subcommand("list", "Every paired client with its access level");
  list->add_flag("--json", json, "Print JSON");
  auto* unpair = clients->add_subcommand("unpair", "Forget a client (its running session ends)");
  unpair->add_option("client", clients_command.key, "Name, fingerprint, or its first 8+ hex digits")->required();
  auto* set_access = clients->add_subcommand("set-access", "Change a client's access level or expiry");
  set_access->add_option("client", clients_command.key, "Name, fingerprint, or its first 8+ hex digits")->required();
  set_access->add_option("access", clients_command.access, "full, controller-only or view-only")
      ->required()
      ->check(CLI::IsMember({"full", "controller-only", "view-only"}));
  set_access->add_option("--expires", clients_command.expires,
                         "The grant ends this long from now (90s, 30m, 12h, 7d) or never");

  auto* web = app.add_subcommand("web", "The web console");
  web->require_subcommand(1);
  WebSetupCommand web_setup;
  auto* setup = web->add_subcommand("setup", "Create the console password (printed once) and install its service");
  setup->add_flag("--reset-password", web_setup.reset_password, "Replace an existing password with a new one");
  setup->add_flag("--no-service", web_setup.no_service, "Only the password: install no service unit");
  WebServeCommand web_serve;
  auto* web_serve_cmd = web->add_subcommand("serve", "Serve the console (HTTPS, PUNKTFUNK_WEB_PORT) until SIGTERM");
  web_serve_cmd->add_option("--web-root", web_serve.web_root, "Directory of the built pages (index.html)");

  auto* conflicts = app.add_subcommand("detect-conflicts",
                                       "Programs holding the host's ports and other streaming hosts (exit 1 if any)");
  conflicts->add_flag("--json", json, "Print JSON");
  ServiceCommand service_command;
  auto* service = app.add_subcommand("service", "The host as a service where systemd is not PID 1, and its units");
  service->require_subcommand(1);
  for (const auto& [name, what] : std::vector<std::pair<std::string, std::string>>{
           {"start", "Start the supervisor in the background and wait until the host answers"},
           {"stop", "Stop the supervisor and what it runs (≤ 30 s)"},
           {"restart", "stop, then start"},
           {"status", "Whether it runs and the host answers (exit 0), else exit 3"},
           {"health", "Whether the host answers /api/v1/health, whoever runs it (exit 0), else exit 3"},
           {"run", "The supervisor in the foreground: restarts a failed host with backoff"}}) {
    auto* sub = service->add_subcommand(name, what);
    if (name == "status") {
      sub->add_flag("--json", json, "Print JSON");
    }
    if (name == "start" || name == "restart" || name == "run") {
      sub->add_flag("--with-console", service_command.with_console, "Also run and supervise `web serve`");
      sub->add_option("--give-up-after", service_command.give_up_after,
                      "Give up after this many failures in a row, each within 10 s of starting")
          ->check(CLI::Range(1, 100));
    }
  }
  auto* unit = service->add_subcommand("unit", "Print the systemd unit (user, or system with --system)");
  unit->add_option("which", service_command.unit, "host or web")
      ->required()
      ->check(CLI::IsMember({"host", "web"}));

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
  if (openapi->parsed()) {
    fmt::print("{}\n", pf::mgmt::make_router({}).openapi(pf::build_info::version).dump(2));
    return kExitOk;
  }
  if (!display_backend.empty()) {
    options.sets.push_back("DISPLAY_BACKEND=" + display_backend);
  }
  if (allow_tofu) {
    options.sets.push_back("ALLOW_TOFU=on");
  }
  if (gamestream_on) {
    options.sets.push_back("GAMESTREAM=on");
  }
  auto loaded = load_config(options);
  if (!loaded) {
    fmt::print(stderr, "punktfunk-host: invalid configuration:\n{}\n", loaded.error().message);
    return kExitUsage;
  }
  const OutputFormat format = json ? OutputFormat::json : OutputFormat::text;
  if (show->parsed()) {
    return run_config_show(*loaded, format);
  }
  if (identity->parsed()) {
    return run_identity(*loaded, format);
  }
  if (pair->parsed()) {
    pair_command.action = pair->get_subcommands().front()->get_name();
    return run_pair(*loaded, pair_command, format);
  }
  if (pending->parsed()) {
    pending_command.action = pending->get_subcommands().front()->get_name();
    return run_pending(*loaded, pending_command, format);
  }
  if (gamestream->parsed()) {
    gamestream_command.action = gamestream->get_subcommands().front()->get_name();
    return run_gamestream(*loaded, gamestream_command, format);
  }
  if (clients->parsed()) {
    clients_command.action = clients->get_subcommands().front()->get_name();
    return run_clients(*loaded, clients_command, format);
  }
  if (conflicts->parsed()) {
    return run_detect_conflicts(*loaded, format);
  }
  if (service->parsed()) {
    service_command.action = service->get_subcommands().front()->get_name();
    service_command.format = format;
    if (!options.config_dir.empty()) {
      service_command.global_args.insert(service_command.global_args.end(), {"--config-dir", options.config_dir});
    }
    if (options.system) {
      service_command.global_args.emplace_back("--system");
    }
    for (const std::string& set : options.sets) {
      service_command.global_args.insert(service_command.global_args.end(), {"--set", set});
    }
    return run_service(*loaded, service_command);
  }
  if (setup->parsed()) {
    return run_web_setup(*loaded, web_setup);
  }
  if (web_serve_cmd->parsed()) {
    return run_web_serve(*loaded, web_serve);
  }
  if (serve->parsed()) {
    return run_serve(*loaded);
  }
  if (demo->parsed()) {
    return run_demo(*loaded, demo_options);
  }
  return kExitUsage;
}
