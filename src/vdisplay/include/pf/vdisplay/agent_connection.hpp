// The host's connection to one pf-vdisplay process: spawned with one end of
// a seqpacket socket, greeted with Hello, then called request by request.
//
// Not thread-safe: one caller at a time (AgentSupervisor serialises calls).
// Destruction closes the channel (the agent removes its displays and exits),
// waits briefly, then SIGKILLs and reaps; no zombie, no leaked descriptor.
// Each agent gets a fresh runtime directory (mode 0711: its display users
// may pass through to their own 0700 directories inside) for X cookies and
// compositor sockets; it is removed after the agent is reaped, so even a
// SIGKILLed agent leaves nothing behind.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pf/agentlink/channel.hpp"
#include "pf/agentlink/protocol.hpp"
#include "pf/core/clock.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/process.hpp"
#include "pf/core/result.hpp"

namespace pf::vdisplay {

struct AgentSpawnOptions {
  std::filesystem::path binary;                    ///< the pf-vdisplay executable
  Nanos watchdog = std::chrono::seconds(10);       ///< the agent's watchdog
  std::string log_spec = "info";                   ///< the agent's log levels
  /// Where runtime directories are made; empty = the system's temp directory.
  std::filesystem::path runtime_parent = {};
};

class AgentConnection {
 public:
  [[nodiscard]] static Result<std::unique_ptr<AgentConnection>> spawn(const AgentSpawnOptions& options);
  ~AgentConnection();
  AgentConnection(const AgentConnection&) = delete;
  AgentConnection& operator=(const AgentConnection&) = delete;

  /// Sends a request and waits for its reply. A reply whose status is not ok
  /// is still a reply (the caller decides); transport failures are errors.
  /// Agent events that arrive meanwhile are queued for take_events().
  [[nodiscard]] Result<agentlink::Reply> call(const agentlink::Message& request,
                                              std::span<const int> fds = {},
                                              Nanos timeout = std::chrono::seconds(2));

  /// The queued events plus any waiting on the channel now (never blocks).
  [[nodiscard]] std::vector<agentlink::AgentEvent> take_events();
  [[nodiscard]] bool has_queued_events() const noexcept { return !events_.empty(); }
  /// Readable when the agent has sent something (for poll()).
  [[nodiscard]] int channel_fd() const noexcept { return channel_.fd(); }

  [[nodiscard]] pid_t pid() const noexcept { return process_.pid(); }
  /// Readable once the process has exited (poll it; then call reap()).
  [[nodiscard]] int pidfd() const noexcept { return process_.pidfd(); }
  /// How the process ended, once it has; "" while it runs.
  [[nodiscard]] std::string reap();

 private:
  AgentConnection(ScratchDir runtime, agentlink::Channel channel, ChildProcess process) noexcept
      : runtime_(std::move(runtime)), channel_(std::move(channel)), process_(std::move(process)) {}

  ScratchDir runtime_;  // first: removed after the process is reaped
  void queue_event(const agentlink::AgentEvent& event);

  agentlink::Channel channel_;
  ChildProcess process_;
  std::uint32_t next_request_id_ = 1;
  std::vector<agentlink::AgentEvent> events_;  // bounded: kMaxQueuedEvents
};

}  // namespace pf::vdisplay
