// pf-vdisplay: the display agent. Started by punktfunk-host with one end of
// a seqpacket socket as --control-fd; serves until the host closes it.
#include <fcntl.h>
#include <csignal>

#include <CLI/CLI.hpp>

#include "pf/agent/agent.hpp"
#include "pf/core/log.hpp"

int main(int argc, char** argv) {
  CLI::App app{"pf-vdisplay: punktfunk's display agent (started by punktfunk-host)"};
  int control_fd = -1;
  int watchdog_ms = 10'000;
  std::string log_spec = "info";
  std::string xvfb = "/usr/bin/Xvfb";
  app.add_option("--control-fd", control_fd, "Inherited control socket")->required();
  app.add_option("--watchdog-ms", watchdog_ms, "Remove all displays after this much host silence")
      ->check(CLI::Range(100, 600'000));
  app.add_option("--log", log_spec, "Log levels, as PUNKTFUNK_LOG");
  app.add_option("--xvfb", xvfb, "The Xvfb server for xvfb displays");
  std::string runtime_dir = "/tmp";
  std::string sway = "/usr/bin/sway";
  std::string display_user = "punktfunk-display";
  app.add_option("--sway", sway, "The compositor for wlroots displays");
  app.add_option("--display-user", display_user, "The account sway runs as when this runs as root");
  app.add_option("--runtime-dir", runtime_dir, "Private directory for X cookies and compositor sockets");
  CLI11_PARSE(app, argc, argv);

  const auto spec = pf::log::parse_spec(log_spec);
  if (!spec) {
    pf::log::Logger("agent").error("--log: {}", spec.error().message);
    return 2;
  }
  pf::log::configure(*spec);
  std::signal(SIGPIPE, SIG_IGN);
  if (::fcntl(control_fd, F_GETFD) == -1) {
    pf::log::Logger("agent").error("--control-fd {} is not an open descriptor", control_fd);
    return 2;
  }
  ::fcntl(control_fd, F_SETFD, FD_CLOEXEC);
  pf::agent::Agent agent(pf::agentlink::Channel(pf::UniqueFd(control_fd)),
                         {std::chrono::milliseconds(watchdog_ms), 16, xvfb, sway, display_user, runtime_dir});
  return agent.run();
}
