#include "e2e/streaming_fixture.hpp"

#include <algorithm>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

namespace pf::e2e {

using namespace std::chrono_literals;

double Report::number(const std::string& key) const {
  if (!json.contains(key) || !json[key].is_number()) {
    ADD_FAILURE() << "no number '" << key << "' in the client's report:\n" << json.dump(2);
    return -1;
  }
  return json[key].get<double>();
}

ClientRun::ClientRun(const std::vector<std::string>& argv, std::string name, std::filesystem::path stats,
                     std::filesystem::path log)
    : name_(std::move(name)), stats_(std::move(stats)), child_(argv, test::clean_environment(), log) {}

Report ClientRun::finish(std::chrono::seconds timeout) {
  const auto exit = child_.wait_for(timeout);
  EXPECT_TRUE(exit.has_value()) << "the client did not end in time:\n" << child_.output();
  if (exit) {
    EXPECT_EQ(exit->code, 0) << child_.output();
  }
  Report r;
  r.client_name = name_;
  std::ifstream in(stats_);
  r.json = nlohmann::json::parse(in, nullptr, false);
  if (r.json.is_discarded()) {
    ADD_FAILURE() << "no stats JSON from the client:\n" << child_.output();
    r.json = nlohmann::json::object();
  }
  return r;
}

bool ClientRun::wait_for_frames(std::chrono::seconds timeout) {
  return child_.wait_for_output(" fps ", timeout);
}

Host::Host(vdisplay::Backend backend, Nanos linger, bool allow_tofu,
           const std::function<void(session::ServerConfig&)>& tweak) {
  vdisplay::SupervisorOptions agent;
  agent.spawn = vdisplay::AgentSpawnOptions{PF_VDISPLAY_BINARY, 10s, "warn"};
  vdisplay::DisplaySettings settings;
  settings.backend = backend;
  settings.keep_alive = linger.count() == 0
                            ? vdisplay::KeepAlive{vdisplay::KeepAliveKind::off, {}}
                            : vdisplay::KeepAlive{vdisplay::KeepAliveKind::duration,
                                                  std::chrono::duration_cast<Millis>(linger)};
  displays_.emplace(agent, settings, vdisplay::GpuChoice{0, "cpu", "test"});
  EXPECT_TRUE(displays_->wait_agent_running(10s));
  session::ServerConfig config;
  config.listen = net::Address::loopback(0);
  config.config_dir = dir_.path() / "host";
  std::filesystem::create_directories(config.config_dir);
  config.allow_tofu = allow_tofu;
  config.encoder = encode::Backend::software;
  config.source = static_cast<control::DisplaySource>(backend);
  if (tweak) {
    tweak(config);
  }
  auto server = session::NativeServer::start(config, *displays_);
  EXPECT_TRUE(server) << server.error().message;
  server_ = std::move(*server);
}

Host::~Host() {
  server_.reset();
  displays_.reset();
}

std::vector<std::string> Host::argv(const std::vector<std::string>& args, std::size_t identity,
                                    const std::filesystem::path& stats) const {
  std::vector<std::string> out = {PF_CLIENT_BINARY, "connect", server_->address().to_string(), "--allow-tofu",
                                  "--config-dir", (dir_.path() / ("client-" + std::to_string(identity))).string(),
                                  "--stats-json", stats.string()};
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

Report Host::run_client(const std::vector<std::string>& args, std::size_t identity) {
  return start_client(args, identity)->finish();
}

test::Run Host::run_client_raw(const std::vector<std::string>& args, std::size_t identity) {
  const auto stats = dir_.path() / ("stats-" + std::to_string(runs_++) + ".json");
  return test::run(argv(args, identity, stats), test::clean_environment(), dir_.path(), 60s);
}

std::unique_ptr<ClientRun> Host::start_client(const std::vector<std::string>& args, std::size_t identity) {
  const std::size_t run = runs_++;
  const auto stats = dir_.path() / ("stats-" + std::to_string(run) + ".json");
  std::vector<std::string> named = args;
  std::string name;
  const auto given = std::find(args.begin(), args.end(), "--name");
  if (given != args.end() && given + 1 != args.end()) {
    name = *(given + 1);
  } else {
    name = "run-" + std::to_string(run);
    named.insert(named.end(), {"--name", name});
  }
  return std::make_unique<ClientRun>(argv(named, identity, stats), name, stats,
                                     dir_.path() / ("client-" + std::to_string(run) + ".log"));
}

session::SessionInfo Host::ended_session(const Report& r) {
  const TimePoint deadline = steady_clock().now() + 10s;
  for (;;) {
    for (const auto& s : server_->sessions()) {
      if (s.client_name == r.client_name && s.state == session::SessionState::ended) {
        return s;
      }
    }
    if (steady_clock().now() > deadline) {
      ADD_FAILURE() << "the host has no ended session of client " << r.client_name;
      return {};
    }
    std::this_thread::sleep_for(20ms);
  }
}

void Host::expect_all_delivered(const Report& r) {
  const auto decoded = static_cast<std::uint64_t>(r.number("frames_decoded"));
  EXPECT_GE(decoded, 10U) << r.client_name << ": the stream hardly ran";
  EXPECT_EQ(r.number("frames_lost"), 0) << r.client_name;
  EXPECT_EQ(r.number("frames_corrupt"), 0) << r.client_name;
  EXPECT_EQ(r.number("frames_decoded"), r.number("frames_received")) << r.client_name;
  const std::uint64_t sent = ended_session(r).video.frames;
  EXPECT_GE(sent, decoded) << r.client_name;
  EXPECT_LE(sent, decoded + kFramesInFlightAtQuit) << r.client_name << ": frames sent but not decoded";
}

}  // namespace pf::e2e
