// The subcommands of punktfunk-host. Each returns the process exit code.
#pragma once

#include "pf/config/host_config.hpp"

namespace pf::host {

// Exit codes of punktfunk-host.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  ///< a runtime failure (cannot create the config dir, ...)
inline constexpr int kExitUsage = 2;    ///< bad command line or invalid configuration

/// Runs the host until SIGINT or SIGTERM; returns kExitOk after a clean shutdown.
[[nodiscard]] int run_serve(const config::HostConfig& config);

enum class OutputFormat : std::uint8_t { unset = 0, text = 1, json = 2 };

/// Prints every key's effective value and where it came from.
[[nodiscard]] int run_config_show(const config::HostConfig& config, OutputFormat format);

}  // namespace pf::host
