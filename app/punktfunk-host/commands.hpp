// The subcommands of punktfunk-host. Each returns the process exit code.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "pf/config/host_config.hpp"

namespace pf::host {

// Exit codes of punktfunk-host.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  ///< a runtime failure (cannot create the config dir, ...)
inline constexpr int kExitUsage = 2;    ///< bad command line or invalid configuration

/// Runs the host until SIGINT or SIGTERM; returns kExitOk after a clean shutdown.
[[nodiscard]] int run_serve(const config::HostConfig& config);

struct DemoOptions {
  double seconds = 10;
  std::string mode = "1920x1080@60";
  std::string display_backend = "synthetic";
  std::filesystem::path frame = "punktfunk-demo.png";  ///< the last decoded frame
  bool verbose = false;                                ///< the host's info log
};

/// Host and reference client on loopback for `seconds`: live status, a
/// summary table, the last frame as PNG. Exit 0 when frames arrived and
/// none was corrupt.
[[nodiscard]] int run_demo(const config::HostConfig& config, const DemoOptions& options);

enum class OutputFormat : std::uint8_t { unset = 0, text = 1, json = 2 };

/// Prints every key's effective value and where it came from.
[[nodiscard]] int run_config_show(const config::HostConfig& config, OutputFormat format);

/// The host's certificate fingerprint (created on first use).
[[nodiscard]] int run_identity(const config::HostConfig& config, OutputFormat format);

struct PairCommand {
  std::string action;  ///< arm, status, disarm
  std::string ttl = "120s";
  std::string for_fingerprint;
  std::string access = "full";
};
[[nodiscard]] int run_pair(const config::HostConfig& config, const PairCommand& command, OutputFormat format);

struct PendingCommand {
  std::string action;  ///< list, approve, deny
  std::uint64_t id = 0;
  std::string access = "full";
};
[[nodiscard]] int run_pending(const config::HostConfig& config, const PendingCommand& command, OutputFormat format);

struct GameStreamCommand {
  std::string action;  ///< pin, status
  std::string pin;
};
[[nodiscard]] int run_gamestream(const config::HostConfig& config, const GameStreamCommand& command,
                                 OutputFormat format);

struct ClientsCommand {
  std::string action;  ///< list, unpair, set-access
  std::string key;     ///< name, fingerprint or its first 8+ digits
  std::string access;
  std::string expires;  ///< "30m", "7d", "never"; empty: unchanged
};
[[nodiscard]] int run_clients(const config::HostConfig& config, const ClientsCommand& command, OutputFormat format);

struct WebSetupCommand {
  bool reset_password = false;  ///< replace an existing password
  bool no_service = false;      ///< only the password, no service unit
};
/// Creates web-password (printing the password once) and installs the
/// console's service.
[[nodiscard]] int run_web_setup(const config::HostConfig& config, const WebSetupCommand& command);

struct WebServeCommand {
  std::string web_root;  ///< the built pages; empty: found next to the binary or in the source tree
};
/// The web console until SIGINT or SIGTERM.
[[nodiscard]] int run_web_serve(const config::HostConfig& config, const WebServeCommand& command);

struct ServiceCommand {
  std::string action;  ///< start, stop, restart, status, run, unit
  bool with_console = false;
  int give_up_after = 5;  ///< fast failures in a row before the supervisor gives up
  std::string unit;       ///< for `unit`: host or web
  OutputFormat format = OutputFormat::text;
  std::vector<std::string> global_args;  ///< --config-dir, --system, --set …, handed to the children
};
/// The host as a service without systemd (a pidfile supervisor), and the
/// systemd units.
[[nodiscard]] int run_service(const config::HostConfig& config, const ServiceCommand& command);

/// Other programs holding the host's ports, and other streaming hosts:
/// exit 1 when there is one.
[[nodiscard]] int run_detect_conflicts(const config::HostConfig& config, OutputFormat format);

/// punktfunk-host.service ("host") or punktfunk-web.service ("web") for
/// `binary`, the user or system variant after config.mode.
[[nodiscard]] std::string render_unit(const config::HostConfig& config, std::string_view which,
                                      const std::filesystem::path& binary);

}  // namespace pf::host
