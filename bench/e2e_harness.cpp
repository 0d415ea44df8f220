// Per mode: a fresh host and client; the figures come from both ends.
//
// Host stages are the session's own p50/p99 (capture wait, convert, encode,
// packetize + FEC + seal, pace + send, capture → last packet sent). Client
// stages come from its --stats-json: reassemble (first → completing
// packet), decode, capture → decoded. The wire has no timestamp of its own,
// so "network" is capture → received (client, on the host's clock through
// the clock sync) minus capture → sent (host), quantile by quantile; on
// loopback it is within the clock sync's error and may come out as 0.
//
// CPU: host_cpu_pct is this process over the streaming window (the display
// agent that renders the synthetic source is a separate process and not
// counted: it stands in for the user's X server or compositor);
// client_cpu_pct is the client's own figure (receive, decode, verify).
// 100 % = one core.
#include "e2e_harness.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pf/core/clock.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/process.hpp"
#include "pf/session/server.hpp"
#include "pf/vdisplay/display_service.hpp"
#include "suite.hpp"

namespace pf::bench {
namespace {

using namespace std::chrono_literals;

struct ModeRun {
  const char* suffix;
  const char* mode;
  double hz;
};
constexpr ModeRun kModes[] = {{"720p60", "1280x720@60", 60}, {"1080p60", "1920x1080@60", 60}};

double ms(std::uint32_t us) { return us / 1000.0; }

Result<Report> run_mode(const ModeRun& m, const E2eOptions& o, const std::filesystem::path& scratch) {
  vdisplay::SupervisorOptions agent;
  agent.spawn = vdisplay::AgentSpawnOptions{sibling_executable("pf-vdisplay"), 10s, "warn"};
  vdisplay::DisplaySettings settings;
  settings.backend = vdisplay::Backend::synthetic;
  settings.keep_alive = vdisplay::KeepAlive{vdisplay::KeepAliveKind::off, {}};
  vdisplay::DisplayService displays(agent, settings, vdisplay::GpuChoice{0, "cpu", "bench"});
  if (!displays.wait_agent_running(10s)) {
    return fail(Errc::timeout, "the display agent did not start");
  }
  session::ServerConfig config;
  config.listen = net::Address::loopback(0);
  config.config_dir = scratch / "host";
  std::filesystem::create_directories(config.config_dir);
  config.allow_tofu = true;
  config.encoder = encode::Backend::software;
  config.source = control::DisplaySource::synthetic;
  auto server = session::NativeServer::start(config, displays);
  if (!server) {
    return tl::unexpected(server.error());
  }
  const auto stats = scratch / fmt::format("client-{}.json", m.suffix);
  SpawnSpec spec;
  spec.argv = {sibling_executable("punktfunk-client").string(), "connect", (*server)->address().to_string(),
               "--allow-tofu", "--config-dir", (scratch / "client").string(), "--name", "bench", "--mode", m.mode,
               "--seconds", fmt::format("{}", o.seconds), "--stats-json", stats.string(), "--no-summary"};
  if (!o.csv_dir.empty()) {
    spec.argv.insert(spec.argv.end(),
                     {"--latency-csv", (o.csv_dir / fmt::format("e2e_{}.csv", m.suffix)).string()});
  }
  spec.output = scratch / fmt::format("client-{}.log", m.suffix);
  auto client = ChildProcess::spawn(spec);
  if (!client) {
    return tl::unexpected(client.error());
  }
  // The host's CPU over the streaming window: from the session's first
  // streaming moment to its end.
  std::optional<std::pair<TimePoint, Nanos>> from;
  std::optional<std::pair<TimePoint, Nanos>> to;
  session::SessionInfo session;
  std::optional<int> exit;
  const TimePoint deadline = steady_clock().now() + Nanos(static_cast<std::int64_t>(o.seconds * 1e9)) + 60s;
  while (!to && steady_clock().now() < deadline) {
    const auto all = (*server)->sessions();
    if (!all.empty()) {
      session = all.back();
      if (!from && session.state == session::SessionState::streaming) {
        from = {steady_clock().now(), process_cpu_time()};
      }
      if (session.state == session::SessionState::ended) {
        to = {steady_clock().now(), process_cpu_time()};
      }
    }
    if (!exit) {
      exit = client->try_reap();
      if (exit && !from) {
        break;  // ended before streaming
      }
    }
    std::this_thread::sleep_for(5ms);
  }
  if (!exit) {
    exit = client->wait_for(10s);
  }
  const auto report = nlohmann::json::parse(std::ifstream(stats), nullptr, false);
  if (!exit || !WIFEXITED(*exit) || WEXITSTATUS(*exit) != 0 || report.is_discarded() || !from || !to) {
    std::ifstream log(spec.output);
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    return fail(Errc::io, "{}: the client failed ({}):\n{}", m.mode,
                exit ? describe_wait_status(*exit) : std::string("did not end"), text);
  }
  const auto num = [&](const char* key) { return report.value(key, 0.0); };
  const auto stage = [&](session::Stage s) { return session.stages[static_cast<std::size_t>(s)]; };
  Report r;
  const auto put = [&](const std::string& key, double value) { r.emplace_back(key + "_" + m.suffix, value); };
  put("e2e_p50_ms", num("e2e_p50_ms"));
  put("e2e_p99_ms", num("e2e_p99_ms"));
  put("host_p50_ms", ms(stage(session::Stage::host).p50_us));
  put("host_p99_ms", ms(stage(session::Stage::host).p99_us));
  const std::pair<const char*, session::Stage> stages[] = {
      {"capture_wait", session::Stage::capture_wait}, {"convert", session::Stage::convert},
      {"encode", session::Stage::encode},             {"packetize_fec_seal", session::Stage::packetize},
      {"pace_send", session::Stage::send}};
  for (const auto& [name, s] : stages) {
    put(fmt::format("{}_p50_ms", name), ms(stage(s).p50_us));
    put(fmt::format("{}_p99_ms", name), ms(stage(s).p99_us));
  }
  put("network_p50_ms", std::max(0.0, num("received_p50_ms") - ms(stage(session::Stage::host).p50_us)));
  put("network_p99_ms", std::max(0.0, num("received_p99_ms") - ms(stage(session::Stage::host).p99_us)));
  put("reassemble_p50_ms", num("reassemble_p50_ms"));
  put("reassemble_p99_ms", num("reassemble_p99_ms"));
  put("decode_p50_ms", num("decode_p50_ms"));
  put("decode_p99_ms", num("decode_p99_ms"));
  const double expected = std::round(o.seconds * m.hz);
  put("frames_decoded_count", num("frames_decoded"));
  put("frames_decoded_ratio", std::min(1.0, num("frames_decoded") / expected));
  put("frames_delivered_ratio",
      session.video.frames > 0 ? num("frames_decoded") / static_cast<double>(session.video.frames) : 0.0);
  put("frames_corrupt_count", num("frames_corrupt"));
  put("frames_lost_count", num("frames_lost"));
  const double wall = static_cast<double>((to->first - from->first).count());
  put("host_cpu_pct", wall > 0 ? 100.0 * static_cast<double>((to->second - from->second).count()) / wall : 0.0);
  put("client_cpu_pct", num("cpu_pct"));
  return r;
}

}  // namespace

int run_e2e(const E2eOptions& o) {
  auto scratch = ScratchDir::create(std::filesystem::temp_directory_path(), "punktfunk-bench-e2e", 0700);
  if (!scratch) {
    fmt::print(stderr, "punktfunk-bench e2e: {}\n", scratch.error().message);
    return 1;
  }
  if (!o.csv_dir.empty()) {
    std::filesystem::create_directories(o.csv_dir);
  }
  Report all;
  bool clean = true;
  for (const ModeRun& m : kModes) {
    auto r = run_mode(m, o, scratch->path());
    if (!r) {
      fmt::print(stderr, "punktfunk-bench e2e: {}\n", r.error().message);
      return 1;
    }
    for (const auto& [key, value] : *r) {
      clean = clean && !(key.starts_with("frames_corrupt_count") && value > 0);
      all.emplace_back(key, value);
    }
  }
  if (o.json) {
    nlohmann::ordered_json doc = nlohmann::ordered_json::object();
    for (const auto& [key, value] : all) {
      doc[key] = value;
    }
    fmt::print("{}\n", doc.dump());
  } else {
    fmt::print("e2e — host and client on loopback, synthetic source, x264, {:.0f} s per mode\n", o.seconds);
    for (const auto& [key, value] : all) {
      fmt::print("  {:<36} {:>12.3f}\n", key, value);
    }
  }
  return clean ? 0 : 1;
}

}  // namespace pf::bench
