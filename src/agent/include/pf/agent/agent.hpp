// pf-vdisplay's control loop: answers the host's requests on the control
// channel and owns the virtual displays.
//
// Threads: run() executes on the caller's thread (pf-vdisplay's main) and is
// the only thread that touches the display table; each display has its own
// producer thread (see VirtualDisplay).
// Watchdog: when the host has sent nothing for `watchdog`, every display is
// removed (the host pings about every watchdog/3). When the channel closes,
// run() returns: the host is gone, and so are its displays.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pf/agentlink/channel.hpp"
#include "pf/agentlink/protocol.hpp"
#include "pf/agent/virtual_display.hpp"
#include "pf/core/clock.hpp"

namespace pf::agent {

struct AgentOptions {
  Nanos watchdog = std::chrono::seconds(10);
  std::uint32_t max_displays = 16;
  std::string xvfb = "/usr/bin/Xvfb";  ///< the Xvfb server binary
};

class Agent {
 public:
  Agent(agentlink::Channel channel, AgentOptions options) noexcept
      : channel_(std::move(channel)), options_(options) {}

  /// Serves until the host closes the channel (returns 0) or the channel
  /// fails (returns 1).
  [[nodiscard]] int run();

  /// Handles one decoded request; `fds` are the descriptors that came with it
  /// (adopted only when the request succeeds, closed otherwise).
  [[nodiscard]] agentlink::Reply handle(const agentlink::Message& request,
                                        std::vector<UniqueFd>& fds);

  [[nodiscard]] std::size_t display_count() const noexcept { return displays_.size(); }

 private:
  void reap_on_watchdog(TimePoint now);

  agentlink::Channel channel_;
  AgentOptions options_;
  std::map<std::uint32_t, std::unique_ptr<VirtualDisplay>> displays_;
  std::uint32_t next_display_id_ = 1;
  TimePoint last_message_{};
};

}  // namespace pf::agent
