// Install, service and deploy, for real, in a temporary prefix with the
// pidfile supervisor: install → healthy; a good deploy swaps the binary
// (the API reports the new one's digest); a build that fails never stops
// the host; a binary that exits at start is rolled back; a second deploy
// refuses while one runs; uninstall leaves nothing but the config. Also the
// supervisor's restarts and its giving up, the units under
// `systemd-analyze verify`, and detect-conflicts.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "../support/temp_dir.hpp"

namespace pf {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::filesystem::path kBin = std::filesystem::path(PF_HOST_BINARY).parent_path();
const std::filesystem::path kSource = PF_SOURCE_DIR;

class Ops : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = test::clean_environment();
    env_["HOME"] = (tmp_.path() / "home").string();
    env_["XDG_CONFIG_HOME"] = (tmp_.path() / "xdg").string();
    env_["PUNKTFUNK_STATE_DIR"] = state().string();
    env_["PUNKTFUNK_DISPLAY_BACKEND"] = "synthetic";
    env_["PUNKTFUNK_MDNS"] = "off";
    env_["PUNKTFUNK_NATIVE_PORT"] = test::free_tcp_port();
    env_["PUNKTFUNK_MGMT_PORT"] = test::free_tcp_port();
    env_["PUNKTFUNK_WEB_PORT"] = test::free_tcp_port();
    // The pidfile supervisor even where systemd runs: a test must never
    // drive the machine's own systemd (or stop a real installation).
    env_["PUNKTFUNK_SERVICE_MANAGER"] = "supervisor";
  }
  void TearDown() override {
    // Whatever a test left running stops with it.
    for (const auto& host : {prefix() / "bin" / "punktfunk-host", kBin / "punktfunk-host"}) {
      if (std::filesystem::exists(host)) {
        (void)test::run({host.string(), "service", "stop"}, env_, tmp_.path(), 60s);
      }
    }
  }
  [[nodiscard]] std::filesystem::path prefix() const { return tmp_.path() / "prefix"; }
  [[nodiscard]] std::filesystem::path state() const { return tmp_.path() / "state"; }
  [[nodiscard]] std::filesystem::path config() const { return tmp_.path() / "xdg" / "punktfunk"; }

  test::Run script(const std::string& name, std::vector<std::string> args, std::chrono::seconds limit = 120s) {
    args.insert(args.begin(), (kSource / "scripts" / name).string());
    return test::run(args, env_, tmp_.path(), limit);
  }
  test::Run deploy(const std::string& build_command, const std::filesystem::path& artifacts) {
    return script("deploy-host.sh", {"--prefix", prefix().string(), "--build-command", build_command, "--artifacts",
                                     artifacts.string()});
  }
  [[nodiscard]] json status(const std::filesystem::path& host) {
    const auto r = test::run({host.string(), "service", "status", "--json"}, env_, tmp_.path(), 30s);
    const auto start = r.output.find('{');
    auto j = json::parse(start == std::string::npos ? "" : r.output.substr(start, r.output.find('\n', start) - start),
                         nullptr, false);
    return j.is_object() ? j : json::object();
  }
  /// The running host's executable digest, from /api/v1/host.
  [[nodiscard]] std::string served_digest() {
    std::ifstream in(config() / "mgmt-token");
    std::string token;
    std::getline(in, token);
    httplib::SSLClient c("127.0.0.1", std::stoi(env_.at("PUNKTFUNK_MGMT_PORT")));
    c.enable_server_certificate_verification(false);
    const auto r = c.Get("/api/v1/host", httplib::Headers{{"Authorization", "Bearer " + token}});
    return r && r->status == 200 ? json::parse(r->body).value("executable_sha256", "") : "";
  }
  [[nodiscard]] std::string file_digest(const std::filesystem::path& file) {
    const auto r = test::run({"/usr/bin/sha256sum", file.string()}, env_, tmp_.path(), 30s);
    return r.output.substr(0, 64);
  }
  enum class Build { works, not_a_host, exits_at_start };
  /// Copies the built binaries into `dir`, the host with one byte appended:
  /// a different build that works the same; or in its place a script that
  /// fails; or the real host ending with the test hook's marker
  /// (PF_TEST_EXIT_AT_START), which starts under the supervisor and exits.
  [[nodiscard]] std::string copy_build(const std::filesystem::path& dir, Build build = Build::works) const {
    std::string command = fmt::format("mkdir -p {0} && cp {1}/punktfunk-host {1}/pf-vdisplay {1}/punktfunk-client {0}/",
                                      dir.string(), kBin.string());
    switch (build) {
      case Build::works: command += fmt::format(" && printf x >> {}/punktfunk-host", dir.string()); break;
      case Build::not_a_host:
        command += fmt::format(" && printf '#!/bin/sh\\necho this build exits at start >&2\\nexit 1\\n' > {0}/punktfunk-host",
                               dir.string());
        break;
      case Build::exits_at_start:
        command += fmt::format(" && printf {} >> {}/punktfunk-host", kExitMarker, dir.string());
        break;
    }
    return command;
  }
  static constexpr const char* kExitMarker = "pf-test-exits-at-start";

  test::TempDir tmp_;
  std::map<std::string, std::string> env_;
};

// "… downtime 1234 ms": the figure a deploy printed, or -1.
long downtime_ms(const std::string& output) {
  const auto at = output.find("downtime ");
  return at == std::string::npos ? -1 : std::strtol(output.c_str() + at + 9, nullptr, 10);
}

TEST_F(Ops, InstallDeployRollBackAndUninstall) {
  const auto installed = script("install.sh", {"--prefix", prefix().string(), "--no-build", "--from", kBin.string()});
  ASSERT_EQ(installed.exit.code, 0) << installed.output;
  EXPECT_NE(installed.output.find("password: "), std::string::npos);
  EXPECT_NE(installed.output.find("install: console: https://"), std::string::npos);
  EXPECT_EQ(test::mode_of(config()), 0700U);
  EXPECT_TRUE(std::filesystem::exists(prefix() / "share" / "punktfunk" / "web" / "index.html"));
  EXPECT_TRUE(std::filesystem::exists(tmp_.path() / "xdg" / "systemd" / "user" / "punktfunk-host.service"));
  const auto host = prefix() / "bin" / "punktfunk-host";
  json before = status(host);
  ASSERT_TRUE(before.value("healthy", false)) << before.dump();
  EXPECT_EQ(served_digest(), file_digest(host));

  // New pages: swapped under the running console, which answers.
  const auto pages = script("build-web.sh", {"--prefix", prefix().string()}, 300s);
  ASSERT_EQ(pages.exit.code, 0) << pages.output;
  EXPECT_NE(pages.output.find("the console answers"), std::string::npos) << pages.output;
  EXPECT_TRUE(std::filesystem::exists(prefix() / "share" / "punktfunk" / "web" / "index.html"));
  EXPECT_TRUE(std::filesystem::is_symlink(prefix() / "share" / "punktfunk" / "web")) << "swapped by one rename";
  int page_sets = 0;
  for (const auto& e : std::filesystem::directory_iterator(prefix() / "share" / "punktfunk")) {
    page_sets += e.path().filename().string().starts_with("web-") ? 1 : 0;
  }
  EXPECT_EQ(page_sets, 1) << "the previous pages were not removed";

  // A good change: the new binary serves, after a short downtime.
  const auto good = deploy(copy_build(tmp_.path() / "good"), tmp_.path() / "good");
  ASSERT_EQ(good.exit.code, 0) << good.output;
  EXPECT_NE(good.output.find("healthy again; downtime"), std::string::npos) << good.output;
  // The figure is reported, not judged here (timings belong in benchmarks).
  std::cout << "deploy downtime: " << downtime_ms(good.output) << " ms\n";
  RecordProperty("deploy_downtime_ms", std::to_string(downtime_ms(good.output)));
  const std::string new_digest = file_digest(tmp_.path() / "good" / "punktfunk-host");
  EXPECT_EQ(file_digest(host), new_digest);
  EXPECT_EQ(served_digest(), new_digest);

  // A change that does not compile: the host is never stopped.
  std::ofstream(tmp_.path() / "broken.cpp") << "int main() { return undefined_name; }\n";
  before = status(host);
  const auto broken =
      deploy(fmt::format("c++ -c {0}/broken.cpp -o {0}/broken.o", tmp_.path().string()), tmp_.path() / "none");
  EXPECT_EQ(broken.exit.code, 1);
  EXPECT_NE(broken.output.find("undefined_name"), std::string::npos) << broken.output;
  EXPECT_NE(broken.output.find("not touched"), std::string::npos);
  const json after = status(host);
  EXPECT_EQ(after["supervisor"], before["supervisor"]);
  EXPECT_EQ(after["children"]["host"], before["children"]["host"]) << "the host was restarted";
  EXPECT_EQ(served_digest(), new_digest);

  // A binary that exits at start: rolled back, the previous one healthy.
  const auto exits = deploy(copy_build(tmp_.path() / "exits", Build::not_a_host), tmp_.path() / "exits");
  EXPECT_EQ(exits.exit.code, 1) << exits.output;
  EXPECT_NE(exits.output.find("rolled back; the previous host is healthy again"), std::string::npos) << exits.output;
  EXPECT_NE(exits.output.find("this build exits at start"), std::string::npos) << "the rollback says why: " << exits.output;
  std::cout << "rollback downtime: " << downtime_ms(exits.output) << " ms\n";
  RecordProperty("rollback_downtime_ms", std::to_string(downtime_ms(exits.output)));

  // A real build that starts under the supervisor and exits at once (the
  // test hook): the health poll fails, the rollback brings the previous one back.
  env_["PF_TEST_EXIT_AT_START"] = kExitMarker;
  const auto crashes = deploy(copy_build(tmp_.path() / "crashes", Build::exits_at_start), tmp_.path() / "crashes");
  env_.erase("PF_TEST_EXIT_AT_START");
  EXPECT_EQ(crashes.exit.code, 1) << crashes.output;
  EXPECT_NE(crashes.output.find("rolled back; the previous host is healthy again"), std::string::npos)
      << crashes.output;
  EXPECT_NE(crashes.output.find("this build exits at start (test hook"), std::string::npos)
      << "the rollback says why: " << crashes.output;
  EXPECT_TRUE(status(host).value("healthy", false));
  EXPECT_EQ(served_digest(), new_digest);
  EXPECT_TRUE(status(host).value("healthy", false));
  EXPECT_EQ(served_digest(), new_digest);

  // Two deploys at once: the second refuses.
  test::Child first({(kSource / "scripts" / "deploy-host.sh").string(), "--prefix", prefix().string(),
                     "--build-command", "sleep 3 && " + copy_build(tmp_.path() / "slow"), "--artifacts",
                     (tmp_.path() / "slow").string()},
                    env_, tmp_.path() / "first.log");
  ASSERT_TRUE(first.wait_for_output("deploy: building", 20s)) << first.output();
  const auto second = deploy(copy_build(tmp_.path() / "second"), tmp_.path() / "second");
  EXPECT_EQ(second.exit.code, 2) << second.output;
  EXPECT_NE(second.output.find("another deploy is running"), std::string::npos);
  const auto done = first.wait_for(120s);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->code, 0) << first.output();

  // Uninstall: nothing left but the config dir.
  const auto removed = script("uninstall.sh", {"--prefix", prefix().string()});
  ASSERT_EQ(removed.exit.code, 0) << removed.output;
  EXPECT_FALSE(status(kBin / "punktfunk-host").value("running", true)) << "stopped";
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::recursive_directory_iterator(prefix())) {
    if (!e.is_directory()) {
      left.push_back(e.path().string());
    }
  }
  EXPECT_TRUE(left.empty()) << left.front();
  EXPECT_FALSE(std::filesystem::exists(tmp_.path() / "xdg" / "systemd" / "user" / "punktfunk-host.service"));
  EXPECT_FALSE(std::filesystem::exists(tmp_.path() / "xdg" / "systemd" / "user" / "punktfunk-web.service"));
  EXPECT_TRUE(std::filesystem::exists(config() / "mgmt-token")) << "the config stays";
  for (const char* gone : {"host.log", "host.log.1", "host.pid", "host.children"}) {
    EXPECT_FALSE(std::filesystem::exists(state() / gone)) << gone << " outlived the uninstall";
  }

  // --purge takes the config and state too.
  ASSERT_EQ(script("install.sh", {"--prefix", prefix().string(), "--no-build", "--no-start", "--from", kBin.string()})
                .exit.code,
            0);
  const auto purged = script("uninstall.sh", {"--prefix", prefix().string(), "--purge"});
  ASSERT_EQ(purged.exit.code, 0) << purged.output;
  EXPECT_FALSE(std::filesystem::exists(config()));
  EXPECT_FALSE(std::filesystem::exists(state()));
}

TEST_F(Ops, TheSupervisorRestartsACrashedHostAndGivesUpOnFastFailures) {
  const std::string host = (kBin / "punktfunk-host").string();
  test::Child supervisor({host, "service", "run", "--give-up-after", "3"}, env_, tmp_.path() / "supervisor.log");
  json s = json::object();
  for (int i = 0; i < 100 && !s.value("healthy", false); ++i) {
    std::this_thread::sleep_for(200ms);
    s = status(host);
  }
  ASSERT_TRUE(s.value("healthy", false)) << supervisor.output();
  const int first = s["children"]["host"].get<int>();
  ::kill(first, SIGKILL);
  json again = json::object();
  for (int i = 0; i < 100; ++i) {  // the first backoff is 1 s
    std::this_thread::sleep_for(200ms);
    again = status(host);
    if (again["children"]["host"].is_number() && again["children"]["host"] != first && again.value("healthy", false)) {
      break;
    }
  }
  EXPECT_NE(again["children"]["host"], first) << supervisor.output();
  EXPECT_TRUE(again.value("healthy", false)) << supervisor.output();
  EXPECT_NE(supervisor.output().find("restarting in 1000 ms"), std::string::npos) << supervisor.output();
  // A second supervisor is refused.
  const auto second = test::run({host, "service", "run"}, env_, tmp_.path(), 30s);
  EXPECT_EQ(second.exit.code, 1);
  EXPECT_NE(second.output.find("another supervisor runs already"), std::string::npos) << second.output;
  supervisor.signal(SIGTERM);
  const auto stopped = supervisor.wait_for(60s);
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->code, 0);

  // A host that cannot start (its port is taken) fails fast, three times.
  const int blocker = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(std::stoi(env_.at("PUNKTFUNK_NATIVE_PORT"))));
  ASSERT_EQ(::bind(blocker, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(blocker, 1), 0);
  const auto gave_up = test::run({host, "service", "run", "--give-up-after", "3"}, env_, tmp_.path(), 60s);
  EXPECT_EQ(gave_up.exit.code, 1);
  EXPECT_NE(gave_up.output.find("giving up on host: it failed 3 times in a row within 10 s of starting"),
            std::string::npos)
      << gave_up.output;

  // A console that cannot start (its port is taken) is given up on; the host streams on.
  const std::string blocked = env_.at("PUNKTFUNK_NATIVE_PORT");
  env_["PUNKTFUNK_NATIVE_PORT"] = test::free_tcp_port();
  env_["PUNKTFUNK_WEB_PORT"] = blocked;
  test::Child with_console({host, "service", "run", "--with-console", "--give-up-after", "2"}, env_,
                           tmp_.path() / "with-console.log");
  ASSERT_TRUE(with_console.wait_for_output("giving up on console", 60s)) << with_console.output();
  EXPECT_NE(with_console.output().find("the host keeps running"), std::string::npos) << with_console.output();
  json kept = json::object();
  for (int i = 0; i < 100 && !kept.value("healthy", false); ++i) {
    std::this_thread::sleep_for(200ms);
    kept = status(host);
  }
  EXPECT_TRUE(kept.value("healthy", false)) << with_console.output();
  ::close(blocker);
  with_console.signal(SIGTERM);
  const auto ended = with_console.wait_for(60s);
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->code, 0) << with_console.output();
}

TEST_F(Ops, TheUnitsPassSystemdAnalyzeVerify) {
  if (!std::filesystem::exists("/usr/bin/systemd-analyze")) {
    GTEST_SKIP() << "systemd-analyze is not installed";
  }
  const std::string host = (kBin / "punktfunk-host").string();
  for (const bool system : {false, true}) {
    for (const char* which : {"host", "web"}) {
      std::vector<std::string> argv{host};
      if (system) {
        argv.emplace_back("--system");
      }
      argv.insert(argv.end(), {"service", "unit", which});
      const auto unit = test::run(argv, env_, tmp_.path(), 30s);
      ASSERT_EQ(unit.exit.code, 0) << unit.output;
      const auto file = tmp_.path() / fmt::format("{}-{}", system ? "system" : "user", which) /
                        fmt::format("punktfunk-{}.service", which);
      std::filesystem::create_directories(file.parent_path());
      std::ofstream(file) << unit.output;
      EXPECT_NE(unit.output.find("Restart=on-failure"), std::string::npos);
      EXPECT_NE(unit.output.find(std::string(which) == "host" ? "serve" : "web serve"), std::string::npos);
      const auto verified =
          test::run({"/usr/bin/systemd-analyze", "verify", "--man=no", file.string()}, env_, tmp_.path(), 60s);
      EXPECT_EQ(verified.exit.code, 0) << file << ":\n" << unit.output << verified.output;
    }
  }
}

TEST_F(Ops, DetectConflictsNamesWhatHoldsAPort) {
  const std::string host = (kBin / "punktfunk-host").string();
  const auto clear = test::run({host, "detect-conflicts"}, env_, tmp_.path(), 30s);
  EXPECT_EQ(clear.exit.code, 0) << clear.output;
  EXPECT_NE(clear.output.find("no conflicts"), std::string::npos);
  const int blocker = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(std::stoi(env_.at("PUNKTFUNK_MGMT_PORT"))));
  ASSERT_EQ(::bind(blocker, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(blocker, 1), 0);
  const auto held = test::run({host, "detect-conflicts"}, env_, tmp_.path(), 30s);
  ::close(blocker);
  EXPECT_EQ(held.exit.code, 1) << held.output;
  EXPECT_NE(held.output.find(fmt::format("TCP {} (management API) is held by pid {}", env_.at("PUNKTFUNK_MGMT_PORT"),
                                         ::getpid())),
            std::string::npos)
      << held.output;
}

}  // namespace
}  // namespace pf
