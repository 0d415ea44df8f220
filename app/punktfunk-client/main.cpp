// punktfunk-client: the reference client of the native protocol.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pf/client/client.hpp"
#include "pf/client/pair.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"
#include "pf/discovery/mdns.hpp"

namespace {

std::atomic<bool> g_stop{false};  // set by SIGINT/SIGTERM only
extern "C" void on_signal(int) { g_stop.store(true); }

// "1920x1080@60", "1280x720@59.94", "1920x1080" (60 Hz).
bool parse_mode(const std::string& text, pf::control::Mode& out) {
  unsigned w = 0;
  unsigned h = 0;
  double hz = 60;
  char extra = 0;
  const int n = std::sscanf(text.c_str(), "%ux%u@%lf%c", &w, &h, &hz, &extra);
  if (n < 2 || n > 3 || w == 0 || h == 0 || hz <= 0 || hz > 1000) {
    return false;
  }
  out = {w, h, static_cast<std::uint32_t>(hz * 1000 + 0.5)};
  return true;
}

// "SECONDS:VALUE"
bool split_at(const std::string& text, double& seconds, std::string& value) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) {
    return false;
  }
  const std::string number = text.substr(0, colon);
  char* end = nullptr;
  seconds = std::strtod(number.c_str(), &end);
  value = text.substr(colon + 1);
  return !number.empty() && end != nullptr && *end == '\0' && seconds >= 0;
}

pf::Nanos seconds_of(double s) { return std::chrono::duration_cast<pf::Nanos>(std::chrono::duration<double>(s)); }

std::filesystem::path default_config_dir() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg == '/') {
    return std::filesystem::path(xdg) / "punktfunk-client";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
    return std::filesystem::path(home) / ".config" / "punktfunk-client";
  }
  return ".punktfunk-client";
}

void print_summary(const pf::client::ClientReport& r) {
  fmt::print(stderr,
             "\n"
             "  session            {}  ({}x{} streaming, last picture {}x{})\n"
             "  frames             {} received, {} decoded, {} verified, {} corrupt, {} lost, {} FEC-recovered, "
             "{} skipped while frozen\n"
             "  recovery           {} keyframes, {} recovery points, {} invalidations sent, {} keyframe requests, "
             "longest freeze {:.0f} ms ({} frames)\n"
             "  capture → decoded  p50 {:.2f} ms  p99 {:.2f} ms\n"
             "  capture → received p50 {:.2f} ms  p99 {:.2f} ms   decode p50 {:.2f} ms\n"
             "  host               capture → sent p50 {:.2f} ms  p99 {:.2f} ms  (wait {:.2f}, convert {:.2f}, encode "
             "{:.2f}, packetize {:.2f}, send {:.2f} ms p50), FEC {} %\n"
             "  clock              offset {:.3f} ms, rtt {:.3f} ms\n"
             "  cpu                {:.0f} % of one core\n"
             "  sound              {} channels: {} frames received, {} played, {} from the redundant copy, {} "
             "concealed, {} late; capture → played p50 {:.2f} ms p99 {:.2f} ms, A/V offset {:+.2f} ms\n",
             r.session_id, r.mode.width, r.mode.height, r.last_width, r.last_height, r.frames_received,
             r.frames_decoded, r.frames_verified, r.frames_corrupt, r.frames_lost, r.frames_recovered,
             r.frames_skipped, r.keyframes, r.recovery_points, r.invalidations, r.keyframe_requests,
             r.max_freeze_ms, r.max_freeze_frames, r.e2e_p50_ms, r.e2e_p99_ms, r.received_p50_ms, r.received_p99_ms, r.decode_p50_ms,
             r.host_p50_ms, r.host_p99_ms, r.host.capture_wait_p50_us / 1000.0, r.host.convert_p50_us / 1000.0,
             r.host.encode_p50_us / 1000.0, r.host.packetize_p50_us / 1000.0, r.host.send_p50_us / 1000.0,
             r.host.fec_pct, r.clock_offset_ms, r.clock_rtt_ms, r.cpu_pct, r.audio_channels,
             r.audio_frames_received, r.audio_frames_played, r.audio_frames_from_redundancy,
             r.audio_frames_concealed, r.audio_frames_late, r.audio_latency_p50_ms, r.audio_latency_p99_ms,
             r.av_offset_ms);
}

void print_hosts(const std::vector<pf::discovery::FoundHost>& hosts, bool json) {
  const auto txt = [](const pf::discovery::FoundHost& h, const std::string& key) {
    const auto it = h.txt.find(key);
    return it == h.txt.end() ? std::string() : it->second;
  };
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& h : hosts) {
      list.push_back({{"name", h.name}, {"host_name", h.host_name}, {"address", h.address}, {"port", h.port},
                      {"interface", h.interface}, {"txt", h.txt}});
    }
    fmt::print("{}\n", list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  if (hosts.empty()) {
    fmt::print("no punktfunk hosts answered\n");
    return;
  }
  fmt::print("{:<32} {:<24} {:<10} {:<18} {}\n", "name", "address", "pairing", "os", "fingerprint");
  for (const auto& h : hosts) {
    const bool v6 = h.address.find(':') != std::string::npos;
    fmt::print("{:<32} {:<24} {:<10} {:<18} {}\n", h.name,
               v6 ? fmt::format("[{}]:{}", h.address, h.port) : fmt::format("{}:{}", h.address, h.port), txt(h, "pair"), txt(h, "os"), txt(h, "fp"));
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"punktfunk-client: the reference client (connect, decode, verify, measure)"};
  app.require_subcommand(1);
  pf::client::ClientOptions o;
  std::string mode = "1920x1080@60";
  std::string codec = "h264";
  double seconds = 10;
  std::string stats_json;
  std::string config_dir;
  std::string change_mode;
  std::string change_bitrate;
  double keyframe_at = -1;
  double garbage_at = -1;
  auto* connect = app.add_subcommand("connect", "Stream from a host until --seconds pass or Ctrl-C");
  connect->add_option("host", o.host, "HOST[:PORT] (port 9777 by default)")->required();
  connect->add_option("--mode", mode, "WxH@Hz (default 1920x1080@60)");
  connect->add_option("--bitrate", o.bitrate_kbps, "kbit/s (default 20000)");
  connect->add_option("--codec", codec, "h264 or hevc (default h264)");
  auto* seconds_option = connect->add_option(
      "--seconds", seconds,
      "How long to stream after the first picture (default 10; with --window until it is closed); 0 = until Ctrl-C");
  connect->add_option("--stats-json", stats_json, "Write the session's figures to FILE as JSON");
  connect->add_option("--save-frame", o.save_frame, "Write the last decoded picture to FILE.png");
  connect->add_option("--record", o.record, "Write the received elementary stream (Annex-B) to FILE");
  connect->add_option("--audio-channels", o.audio_channels, "Sound: 2 (stereo, default), 6 (5.1), 8 (7.1), 0 = none")
      ->check(CLI::IsMember({0U, 2U, 6U, 8U}));
  connect->add_option("--audio-out", o.audio_out, "Write the sound to FILE.wav (16-bit) instead of playing it");
  bool no_play = false;
  connect->add_flag("--no-audio-play", no_play, "Receive and count the sound but do not play it");
  connect->add_flag("--window", o.window,
                    "Show the stream in a window and send its keyboard, mouse, touch and game controllers to the "
                    "host; closing it ends the session (needs a display)");
  bool no_summary = false;
  connect->add_flag("--no-summary", no_summary, "Skip the closing summary (the live status line stays)");
  connect->add_option("--latency-csv", o.latency_csv,
                      "Write each decoded frame's capture → received and → decoded latency (ms) to FILE.csv");
  connect->add_option("--config-dir", config_dir, "Client identity and known hosts (default ~/.config/punktfunk-client)");
  connect->add_option("--name", o.name, "This client's name, shown on the host");
  connect->add_flag("--allow-tofu", o.allow_tofu, "Trust an unknown host's certificate on first use (development)");
  connect->add_option("--change-mode-at", change_mode, "SECONDS:WxH@Hz — ask for a new mode mid-stream");
  connect->add_option("--change-bitrate-at", change_bitrate, "SECONDS:KBPS — ask for a new bitrate mid-stream");
  connect->add_option("--request-keyframe-at", keyframe_at, "SECONDS — ask for a keyframe mid-stream");
  std::string input_script;
  connect->add_option("--input-script", input_script,
                      "Send the input events in FILE (one per line: '<ms> key|button <code> down|up', '<ms> "
                      "move|position|scroll <x> <y>'), timed from the first picture");
  connect->add_option("--test-drop-pct", o.drop_pct,
                      "Test knob: drop this percentage of received datagrams before reassembly (default 0)");
  connect->add_option("--test-drop-seed", o.drop_seed, "Seed of the test knob's drops");
  connect->add_option("--test-send-garbage-at", garbage_at,
                      "SECONDS — test hook: send malformed control messages and forged datagrams");
  pf::client::PairOptions pair_options;
  std::string pair_config_dir;
  double pair_wait = 200;
  auto* pair = app.add_subcommand("pair", "Pair with a host: with --pin, the PIN it shows; without, ask its operator");
  pair->add_option("host", pair_options.host, "HOST[:PORT] (port 9777 by default)")->required();
  pair->add_option("--pin", pair_options.pin, "The PIN `punktfunk-host pair arm` shows");
  pair->add_option("--name", pair_options.name, "This client's name, shown on the host");
  pair->add_option("--config-dir", pair_config_dir, "Client identity and known hosts (default ~/.config/punktfunk-client)");
  pair->add_option("--wait", pair_wait, "Without --pin: how long to wait for approval, in seconds (default 200)");
  double discover_seconds = 3;
  bool discover_json = false;
  auto* discover = app.add_subcommand("discover", "List the hosts that advertise themselves on the local network (mDNS)");
  discover->add_option("--seconds", discover_seconds, "How long to listen at most (default 3)");
  discover->add_flag("--json", discover_json, "Print JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  o.audio_play = !no_play;
  if (discover->parsed()) {
    pf::log::configure(pf::log::Spec{});
    auto found = pf::discovery::browse(seconds_of(discover_seconds));
    if (!found) {
      fmt::print(stderr, "punktfunk-client: {}\n", found.error().message);
      return 1;
    }
    print_hosts(*found, discover_json);
    return 0;
  }
  if (pair->parsed()) {
    pf::log::configure(pf::log::Spec{});
    pair_options.config_dir = pair_config_dir.empty() ? default_config_dir() : std::filesystem::path(pair_config_dir);
    pair_options.wait = seconds_of(pair_wait);
    auto paired = pf::client::pair_with_host(pair_options, [](const pf::client::PairReport& r) {
      fmt::print(stderr,
                 "waiting for the host's operator to approve request {} (punktfunk-host pending approve {})\n"
                 "  this client: {}\n  the host:    {}  (compare it with `punktfunk-host identity` there)\n",
                 r.request_id, r.request_id, r.client_fingerprint, r.host_fingerprint);
    });
    if (!paired) {
      fmt::print(stderr, "punktfunk-client: {}\n", paired.error().message);
      return 1;
    }
    fmt::print("{} with {} ({})\nhost fingerprint {} pinned; connect with: punktfunk-client connect {}\n",
               paired->outcome == pf::control::PairOutcome::already_paired ? "already paired" : "paired",
               paired->host, paired->detail, paired->host_fingerprint, paired->host);
    return 0;
  }
  if (!parse_mode(mode, o.mode)) {
    fmt::print(stderr, "punktfunk-client: --mode '{}' is not WxH@Hz\n", mode);
    return 2;
  }
  if (codec == "h264") {
    o.codec = pf::client::VideoCodec::h264;
  } else if (codec == "hevc") {
    o.codec = pf::client::VideoCodec::hevc;
  } else {
    fmt::print(stderr, "punktfunk-client: --codec must be h264 or hevc\n");
    return 2;
  }
  o.duration = o.window && seconds_option->count() == 0 ? pf::Nanos(0) : seconds_of(seconds);
  o.config_dir = config_dir.empty() ? default_config_dir() : std::filesystem::path(config_dir);
  std::string value;
  double at = 0;
  if (!change_mode.empty()) {
    pf::control::Mode m;
    if (!split_at(change_mode, at, value) || !parse_mode(value, m)) {
      fmt::print(stderr, "punktfunk-client: --change-mode-at expects SECONDS:WxH@Hz\n");
      return 2;
    }
    o.change_mode = {seconds_of(at), m};
  }
  if (!change_bitrate.empty()) {
    if (!split_at(change_bitrate, at, value) || value.empty()) {
      fmt::print(stderr, "punktfunk-client: --change-bitrate-at expects SECONDS:KBPS\n");
      return 2;
    }
    o.change_bitrate = {seconds_of(at), static_cast<std::uint32_t>(std::strtoul(value.c_str(), nullptr, 10))};
  }
  if (keyframe_at >= 0) {
    o.request_keyframe = seconds_of(keyframe_at);
  }
  if (garbage_at >= 0) {
    o.send_garbage = seconds_of(garbage_at);
  }
  if (!input_script.empty()) {
    const auto text = pf::read_small_file(input_script, 16U << 20);
    auto script = text ? pf::input::parse_script(*text) : tl::unexpected(text.error());
    if (!script) {
      fmt::print(stderr, "punktfunk-client: --input-script {}: {}\n", input_script, script.error().message);
      return 2;
    }
    o.input_script = std::move(*script);
  }
  pf::log::configure(pf::log::Spec{});
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);

  const bool tty = ::isatty(STDERR_FILENO) != 0;
  const auto status = [&](const pf::client::ClientReport& r) {
    fmt::print(stderr, "{}{}x{}  {:5.1f} fps  {:6.1f} Mb/s  e2e p50 {:5.2f} ms  loss {:4.1f} %  decoded {}  corrupt {}  lost {}{}",
               tty ? "\r" : "", r.last_width, r.last_height, r.fps, r.kbps / 1000, r.e2e_p50_ms, r.loss_pct,
               r.frames_decoded, r.frames_corrupt, r.frames_lost, tty ? "   " : "\n");
  };
  auto report = pf::client::run_client(o, g_stop, status);
  if (!report) {
    fmt::print(stderr, "{}punktfunk-client: {}\n", tty ? "\n" : "", report.error().message);
    return 1;
  }
  if (!no_summary) {
    print_summary(*report);
    if (o.window) {
      fmt::print(stderr, "  window             {} pictures shown, {} dropped (a newer one came first); {} input events sent\n",
                 report->window_frames_shown, report->window_frames_dropped, report->input_events_sent);
    }
  }
  if (!stats_json.empty()) {
    std::ofstream(stats_json) << pf::client::report_json(*report);
  }
  return 0;
}
