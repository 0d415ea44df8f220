// punktfunk-host demo: the host and the reference client on loopback.
//
// Brings a host up exactly as serve does, but with a throwaway config dir
// (its own identity, trust on first use: nothing of the real config is
// read or changed) on an ephemeral loopback port, the synthetic display by
// default (so every frame is verified), and runs punktfunk-client (from
// next to this binary) against it. The client draws the live status line;
// the demo ends with a summary table of both ends and the PNG of the last
// decoded frame. Ctrl-C ends the run early and still prints the summary.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "host_runtime.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"
#include "pf/core/process.hpp"

namespace pf::host {
namespace {

double ms(std::uint32_t us) { return us / 1000.0; }

void print_summary(const DemoOptions& d, const nlohmann::json& c, const session::SessionInfo& s,
                   const std::filesystem::path& frame) {
  const auto num = [&](const char* key) { return c.contains(key) && c[key].is_number() ? c[key].get<double>() : 0.0; };
  const auto stage = [&](session::Stage st) { return s.stages[static_cast<std::size_t>(st)]; };
  fmt::print("\npunktfunk demo — {} {} display, {}, {:.0f} s on loopback\n\n", d.mode, d.display_backend,
             s.encoder, num("seconds"));
  fmt::print("  {:<36} {:>9} {:>9}\n", "latency", "p50 ms", "p99 ms");
  const auto row = [](std::string_view what, double p50, double p99) {
    fmt::print("  {:<36} {:>9.2f} {:>9.2f}\n", what, p50, p99);
  };
  row("host: capture wait", ms(stage(session::Stage::capture_wait).p50_us), ms(stage(session::Stage::capture_wait).p99_us));
  row("host: convert", ms(stage(session::Stage::convert).p50_us), ms(stage(session::Stage::convert).p99_us));
  row("host: encode", ms(stage(session::Stage::encode).p50_us), ms(stage(session::Stage::encode).p99_us));
  row("host: packetize + FEC + seal", ms(stage(session::Stage::packetize).p50_us),
      ms(stage(session::Stage::packetize).p99_us));
  row("host: pace + send", ms(stage(session::Stage::send).p50_us), ms(stage(session::Stage::send).p99_us));
  row("host: capture to last packet sent", ms(stage(session::Stage::host).p50_us), ms(stage(session::Stage::host).p99_us));
  row("client: reassemble (first to last)", num("reassemble_p50_ms"), num("reassemble_p99_ms"));
  row("client: decode", num("decode_p50_ms"), num("decode_p99_ms"));
  row("capture to received", num("received_p50_ms"), num("received_p99_ms"));
  row("capture to decoded (end to end)", num("e2e_p50_ms"), num("e2e_p99_ms"));
  fmt::print("\n  {:<36} {:.0f} sent, {:.0f} decoded, {:.0f} verified, {:.0f} corrupt, {:.0f} lost\n", "frames",
             static_cast<double>(s.video.frames), num("frames_decoded"), num("frames_verified"), num("frames_corrupt"),
             num("frames_lost"));
  fmt::print("  {:<36} {:.0f} keyframes, {:.0f} invalidations, FEC {} %, longest freeze {:.0f} ms\n", "recovery",
             num("keyframes"), num("invalidations"), s.fec_pct, num("max_freeze_ms"));
  fmt::print("  {:<36} {:.1f} Mb/s at {} kb/s asked\n", "video",
             num("seconds") > 0 ? static_cast<double>(s.video.bytes) * 8 / 1e6 / num("seconds") : 0.0, s.bitrate_kbps);
  fmt::print("  {:<36} client {:.0f} % of a core (decode and verify included)\n", "cpu", num("cpu_pct"));
  if (std::filesystem::exists(frame)) {
    fmt::print("  {:<36} {}\n", "last frame", frame.string());
  }
}

}  // namespace

int run_demo(const config::HostConfig& cfg, const DemoOptions& d) {
  // Ctrl-C reaches the client (same process group, signals unblocked in
  // children), which ends early and reports; the demo waits for it.
  [[maybe_unused]] const sigset_t blocked = block_shutdown_signals();
  log::configure(log::parse_spec(d.verbose ? "info" : "warn").value());
  const auto client_binary = sibling_executable("punktfunk-client");
  if (::access(client_binary.c_str(), X_OK) != 0) {
    fmt::print(stderr, "punktfunk-host demo: {} is missing; build or install punktfunk-client\n",
               client_binary.string());
    return kExitFailure;
  }
  auto scratch = ScratchDir::create(std::filesystem::temp_directory_path(), "punktfunk-demo", 0700);
  if (!scratch) {
    fmt::print(stderr, "punktfunk-host demo: {}\n", scratch.error().message);
    return kExitFailure;
  }
  config::HostSettings s = cfg.settings;
  s.config_dir = scratch->path() / "host";
  s.state_dir = scratch->path() / "state";
  s.allow_tofu = true;
  s.mdns = false;  // a loopback demo is nothing to announce on the network
  s.display_backend = d.display_backend;
  s.log_text = d.verbose ? "info" : "warn";  // the display agent's too
  std::filesystem::create_directories(s.config_dir);
  config::HostConfig demo_config = cfg;
  demo_config.settings = s;
  auto host = HostRuntime::start(demo_config, net::Address::loopback(0));
  if (!host) {
    fmt::print(stderr, "punktfunk-host demo: {}\n", host.error().message);
    return kExitFailure;
  }
  const auto stats = scratch->path() / "client.json";
  const std::filesystem::path frame = std::filesystem::absolute(d.frame);
  std::error_code ec;
  std::filesystem::remove(frame, ec);  // a stale picture must not pass for this run's
  SpawnSpec spec;
  spec.argv = {client_binary.string(), "connect", (*host)->server().address().to_string(), "--allow-tofu",
               "--config-dir", (scratch->path() / "client").string(), "--name", "demo", "--mode", d.mode,
               "--seconds", fmt::format("{}", d.seconds), "--save-frame", frame.string(), "--stats-json",
               stats.string(), "--no-summary"};
  fmt::print(stderr, "punktfunk demo: host on {}, {} display; streaming {} for {} s\n",
             (*host)->server().address().to_string(), vdisplay::to_string((*host)->backend()), d.mode, d.seconds);
  auto client = ChildProcess::spawn(spec);
  if (!client) {
    fmt::print(stderr, "punktfunk-host demo: {}\n", client.error().message);
    return kExitFailure;
  }
  const auto status = client->wait_for(std::chrono::seconds(static_cast<long>(d.seconds) + 60));
  if (!status) {
    fmt::print(stderr, "punktfunk-host demo: the client did not end; stopping it\n");
  }
  const int exit = status ? *status : client->stop(std::chrono::seconds(1));
  // The host's record of the session is complete once it has ended.
  session::SessionInfo session;
  for (int i = 0; i < 100; ++i) {
    const auto all = (*host)->server().sessions();
    if (!all.empty() && all.back().state == session::SessionState::ended) {
      session = all.back();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  nlohmann::json report = nlohmann::json::parse(std::ifstream(stats), nullptr, false);
  if (report.is_discarded() || !WIFEXITED(exit) || WEXITSTATUS(exit) != 0) {
    fmt::print(stderr, "punktfunk-host demo: the client failed ({})\n", describe_wait_status(exit));
    return kExitFailure;
  }
  print_summary(d, report, session, frame);
  const bool clean = report.value("frames_corrupt", 1.0) == 0 && report.value("frames_decoded", 0.0) > 0;
  return clean ? kExitOk : kExitFailure;
}

}  // namespace pf::host
