// pf-vdisplay's control loop: answers the host's requests on the control
// channel and owns the virtual displays.
//
// Threads: run() executes on the caller's thread (pf-vdisplay's main) and is
// the only thread that touches the display table; each display has its own
// producer thread (see VirtualDisplay).
// Watchdog: when the host has sent nothing for `watchdog`, every display is
// removed (the host pings about every watchdog/3). When the channel closes,
// run() returns: the host is gone, and so are its displays.
// Apps: LaunchApp starts a program into a display as the leader of its own
// process group; run() reports its leader's exit (AppExited, unsolicited)
// but leaves what it started running (launchers fork and exit), and a
// display's removal ends its apps' groups first (SIGTERM, 0.5 s, SIGKILL;
// reported as display_removed for leaders still running). Apps are killed if the agent dies (PR_SET_PDEATHSIG).
// Input: InjectInput goes to the display's injector (its own connection to
// the display server, opened on first use and again after a mode change
// restarted the server); displays that take no input answer unsupported.
// Gamepad events go to the display's pads (uinput devices, made on first
// use and unplugged with the display), whatever the display's kind; their
// rumble is reported unsolicited (PadRumble).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pf/agentlink/channel.hpp"
#include "pf/agentlink/protocol.hpp"
#include "pf/agent/virtual_display.hpp"
#include "pf/core/clock.hpp"
#include "pf/core/process.hpp"
#include "pf/agent/uinput_pad.hpp"

namespace pf::agent {

struct AgentOptions {
  Nanos watchdog = std::chrono::seconds(10);
  std::uint32_t max_displays = 16;
  std::string xvfb = "/usr/bin/Xvfb";  ///< the Xvfb server binary
  std::string sway = "/usr/bin/sway";  ///< the compositor of wlroots displays
  std::string display_user = "punktfunk-display";  ///< sway's account when the agent is root
  /// A private directory for cookies and sockets (the host makes and removes it).
  std::filesystem::path runtime_dir = "/tmp";
  /// Makes a session's gamepads (uinput; replaced in tests).
  PadFactory pad_factory = [](std::uint32_t index) { return open_uinput_pad(index); };
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
  [[nodiscard]] std::size_t app_count() const noexcept { return apps_.size(); }

  /// Reports apps that have exited on their own (AppExited each); returns how many.
  std::size_t report_app_exits();
  /// Answers the pads' force-feedback requests; each rumble a game starts or
  /// stops goes to the host (PadRumble).
  void report_rumble();

 private:
  struct RunningApp {
    std::uint32_t display_id = 0;
    std::uint32_t token = 0;
    ChildProcess process;
    bool reported = false;  // its leader's exit was reported; its group lives until the display goes
  };
  void reap_on_watchdog(TimePoint now);
  agentlink::Reply launch(const agentlink::LaunchApp& m);
  agentlink::Reply inject(const agentlink::InjectInput& m);
  /// Ends the apps of `display_id` (all displays when nullopt), then the displays.
  void remove_displays(std::optional<std::uint32_t> display_id);
  void send_app_exit(const RunningApp& app, int wait_status, agentlink::AppEnd how);

  agentlink::Channel channel_;
  AgentOptions options_;
  std::map<std::uint32_t, std::unique_ptr<VirtualDisplay>> displays_;
  std::vector<RunningApp> apps_;  // after displays_: destroyed (group-killed) first
  struct Injector {
    std::optional<std::uint32_t> x_display;  // the server it is connected to (a mode change starts a new one)
    std::unique_ptr<InputInjector> path;
  };
  std::map<std::uint32_t, Injector> injectors_;  // by display id, opened on first input
  std::map<std::uint32_t, Gamepads> pads_;       // by display id, made on first pad input
  std::uint32_t next_display_id_ = 1;
  TimePoint last_message_{};
};

}  // namespace pf::agent
