// The host's connection to one pf-vdisplay process: spawned with one end of
// a seqpacket socket, greeted with Hello, then called request by request.
//
// Not thread-safe: one caller at a time (AgentSupervisor serialises calls).
// Destruction closes the channel (the agent removes its displays and exits),
// waits briefly, then SIGKILLs and reaps; no zombie, no leaked descriptor.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "pf/agentlink/channel.hpp"
#include "pf/agentlink/protocol.hpp"
#include "pf/core/clock.hpp"
#include "pf/core/process.hpp"
#include "pf/core/result.hpp"

namespace pf::vdisplay {

struct AgentSpawnOptions {
  std::filesystem::path binary;                    ///< the pf-vdisplay executable
  Nanos watchdog = std::chrono::seconds(10);       ///< the agent's watchdog
  std::string log_spec = "info";                   ///< the agent's log levels
};

class AgentConnection {
 public:
  [[nodiscard]] static Result<std::unique_ptr<AgentConnection>> spawn(const AgentSpawnOptions& options);
  ~AgentConnection();
  AgentConnection(const AgentConnection&) = delete;
  AgentConnection& operator=(const AgentConnection&) = delete;

  /// Sends a request and waits for its reply. A reply whose status is not ok
  /// is still a reply (the caller decides); transport failures are errors.
  [[nodiscard]] Result<agentlink::Reply> call(const agentlink::Message& request,
                                              std::span<const int> fds = {},
                                              Nanos timeout = std::chrono::seconds(2));

  [[nodiscard]] pid_t pid() const noexcept { return process_.pid(); }
  /// Readable once the process has exited (poll it; then call reap()).
  [[nodiscard]] int pidfd() const noexcept { return process_.pidfd(); }
  /// How the process ended, once it has; "" while it runs.
  [[nodiscard]] std::string reap();

 private:
  AgentConnection(agentlink::Channel channel, ChildProcess process) noexcept
      : channel_(std::move(channel)), process_(std::move(process)) {}

  agentlink::Channel channel_;
  ChildProcess process_;
  std::uint32_t next_request_id_ = 1;
};

}  // namespace pf::vdisplay
