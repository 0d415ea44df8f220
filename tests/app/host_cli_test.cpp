// punktfunk-host as a user runs it: a real process, its exit code and output.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace pf {
namespace {

using namespace std::chrono_literals;
using test::Child;
using test::run;

class HostCli : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = test::clean_environment();
    env_["PUNKTFUNK_NATIVE_PORT"] = test::free_tcp_port();
    env_["PUNKTFUNK_MGMT_PORT"] = test::free_tcp_port();  // never the default 47990 a real host may hold
    env_["HOME"] = (tmp_.path() / "home").string();
    env_.erase("XDG_CONFIG_HOME");
    env_.erase("XDG_STATE_HOME");
    env_["PUNKTFUNK_CONFIG_DIR"] = config_dir().string();
  }
  std::filesystem::path config_dir() const { return tmp_.path() / "cfg"; }

  test::Run host(std::vector<std::string> args) {
    args.insert(args.begin(), PF_HOST_BINARY);
    return run(args, env_, tmp_.path());
  }

  test::TempDir tmp_;
  std::map<std::string, std::string> env_;
};

TEST_F(HostCli, VersionPrintsTheVersion) {
  const auto r = host({"version"});
  EXPECT_EQ(r.exit.code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("punktfunk-host ", 0), 0U) << r.output;
  EXPECT_NE(r.output.find("cuda:"), std::string::npos);
}

TEST_F(HostCli, HelpWorksOnEveryCommand) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"serve", "--help"}, {"config", "--help"}, {"config", "show", "--help"},
           {"version", "--help"}, {"identity", "--help"}, {"pair", "arm", "--help"}, {"pending", "--help"},
           {"clients", "set-access", "--help"}}) {
    const auto r = host(args);
    EXPECT_EQ(r.exit.code, 0) << args[0];
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << r.output;
  }
}

TEST_F(HostCli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(host({}).exit.code, 2);
  EXPECT_EQ(host({"frobnicate"}).exit.code, 2);
  EXPECT_EQ(host({"config"}).exit.code, 2);
  const auto r = host({"--set", "NOEQUALS", "config", "show"});
  EXPECT_EQ(r.exit.code, 2);
  EXPECT_NE(r.output.find("--set expects KEY=VALUE"), std::string::npos) << r.output;
}

TEST_F(HostCli, ConfigShowNamesEveryKeyAndItsSource) {
  tmp_.write("cfg/host.env", "PUNKTFUNK_LOG=warn\n");
  env_["PUNKTFUNK_NATIVE_PORT"] = "9801";
  const auto r = host({"config", "show", "--json", "--set", "state_dir=/srv/pf"});
  ASSERT_EQ(r.exit.code, 0) << r.output;
  const auto doc = nlohmann::json::parse(r.output);
  EXPECT_EQ(doc["host_env_found"], true);
  std::map<std::string, std::pair<std::string, std::string>> keys;
  for (const auto& k : doc["keys"]) {
    keys[k["key"]] = {k["value"], k["source"]};
  }
  EXPECT_EQ(keys["PUNKTFUNK_LOG"], std::make_pair(std::string("warn"), std::string("host.env")));
  EXPECT_EQ(keys["PUNKTFUNK_NATIVE_PORT"],
            std::make_pair(std::string("9801"), std::string("environment")));
  EXPECT_EQ(keys["PUNKTFUNK_STATE_DIR"],
            std::make_pair(std::string("/srv/pf"), std::string("command line")));
  EXPECT_EQ(keys["PUNKTFUNK_CONFIG_DIR"],
            std::make_pair(config_dir().string(), std::string("environment")));

  const auto text = host({"config", "show"});
  ASSERT_EQ(text.exit.code, 0);
  EXPECT_NE(text.output.find((config_dir() / "host.env").string() + ":1"), std::string::npos)
      << text.output;
}

TEST_F(HostCli, ExampleFileIsInSyncWithTheBinary) {
  const auto r = host({"config", "example"});
  ASSERT_EQ(r.exit.code, 0);
  std::ifstream in(std::string(PF_SOURCE_DIR) + "/host.env.example");
  std::stringstream checked_in;
  checked_in << in.rdbuf();
  EXPECT_EQ(r.output, checked_in.str())
      << "host.env.example is stale: regenerate it with 'punktfunk-host config example > "
         "host.env.example'";
}

TEST_F(HostCli, InvalidHostEnvRefusesToStart) {
  const auto path = tmp_.write("cfg/host.env", "PUNKTFUNK_NATIVE_PORT=notaport\n");
  const auto r = host({"serve"});
  EXPECT_EQ(r.exit.code, 2) << r.output;
  EXPECT_NE(r.output.find("PUNKTFUNK_NATIVE_PORT='notaport' (from " + path.string() + ":1)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("accepted: a port number, 1-65535"), std::string::npos);
  EXPECT_EQ(r.output.find("ready"), std::string::npos);
}

TEST_F(HostCli, GarbageHostEnvRefusesToStart) {
  tmp_.write("cfg/host.env", "PUNKTFUNK_LOG=info\nnot a setting at all\n");
  const auto r = host({"serve"});
  EXPECT_EQ(r.exit.code, 2) << r.output;
  EXPECT_NE(r.output.find("host.env:2"), std::string::npos) << r.output;
}

TEST_F(HostCli, InvalidEnvironmentValueRefusesToStart) {
  env_["PUNKTFUNK_LOG"] = "loud";
  const auto r = host({"serve"});
  EXPECT_EQ(r.exit.code, 2);
  EXPECT_NE(r.output.find("PUNKTFUNK_LOG='loud' (from environment)"), std::string::npos)
      << r.output;
}

class HostServe : public HostCli, public ::testing::WithParamInterface<int> {};

TEST_P(HostServe, StartsAndStopsCleanlyOnSignal) {
  const int sig = GetParam();
  Child child({PF_HOST_BINARY, "serve"}, env_, tmp_.path() / "serve.out");
  ASSERT_TRUE(child.wait_for_output("ready", 20s)) << child.output();
  // serve created its config dir, private.
  struct stat st {};
  ASSERT_EQ(::stat(config_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700U);
  const std::string banner = child.output();
  EXPECT_NE(banner.find("punktfunk-host 0.1.0"), std::string::npos) << banner;
  EXPECT_NE(banner.find(config_dir().string()), std::string::npos) << banner;
  EXPECT_NE(banner.find("ports:"), std::string::npos) << banner;

  child.signal(sig);
  const auto exit = child.wait_for(10s);
  ASSERT_TRUE(exit) << "did not stop within 10 s of the signal";
  EXPECT_EQ(exit->code, 0) << child.output();
  EXPECT_EQ(exit->signal, 0);
  EXPECT_NE(child.output().find("stopped cleanly"), std::string::npos) << child.output();
}

TEST_F(HostCli, ServeSurvivesKill9OfItsDisplayAgentAndRespawnsIt) {
  Child child({PF_HOST_BINARY, "serve"}, env_, tmp_.path() / "serve.out");
  ASSERT_TRUE(child.wait_for_output("ready", 20s)) << child.output();
  const std::string out = child.output();
  const auto at = out.find("display agent running: pf-vdisplay (pid ");
  ASSERT_NE(at, std::string::npos) << out;
  const int agent = std::stoi(out.substr(at + std::string("display agent running: pf-vdisplay (pid ").size()));
  ASSERT_EQ(::kill(agent, SIGKILL), 0);
  const std::string named = "display agent (pid " + std::to_string(agent) +
                            ") killed by signal 9 (SIGKILL); restarting it";
  ASSERT_TRUE(child.wait_for_output(named, 2s)) << child.output();
  ASSERT_TRUE(child.wait_for_output("restart 1)", 5s)) << child.output();
  child.signal(SIGTERM);
  const auto exit = child.wait_for(10s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->code, 0) << child.output();
  EXPECT_NE(::kill(agent, 0), 0);
}

INSTANTIATE_TEST_SUITE_P(Signals, HostServe, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& p) { return p.param == SIGINT ? "SIGINT" : "SIGTERM"; });

TEST_F(HostCli, ServeStopsOnSigintEvenWhenLaunchedWithItIgnored) {
  // What a shell does to a background job: SIGINT is ignored, and exec keeps that.
  Child child({"/bin/sh", "-c", std::string("trap '' INT; exec ") + PF_HOST_BINARY + " serve"}, env_,
              tmp_.path() / "serve.out");
  ASSERT_TRUE(child.wait_for_output("ready", 20s)) << child.output();
  child.signal(SIGINT);
  const auto exit = child.wait_for(10s);
  ASSERT_TRUE(exit) << "an inherited SIG_IGN swallowed SIGINT";
  EXPECT_EQ(exit->code, 0) << child.output();
}

TEST_F(HostCli, ServeWarnsAboutUnknownKeysButRuns) {
  tmp_.write("cfg/host.env", "PUNKTFUNK_NATVE_PORT=1\n");
  Child child({PF_HOST_BINARY, "serve"}, env_, tmp_.path() / "serve.out");
  ASSERT_TRUE(child.wait_for_output("ready", 20s)) << child.output();
  EXPECT_NE(child.output().find("did you mean PUNKTFUNK_NATIVE_PORT?"), std::string::npos);
  child.signal(SIGINT);
  const auto exit = child.wait_for(10s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->code, 0);
}

TEST_F(HostCli, DemoStreamsToTheClientAndSumsUp) {
  const auto frame = tmp_.path() / "demo.png";
  const auto r = run({PF_HOST_BINARY, "demo", "--seconds", "2", "--mode", "320x240@60", "--frame", frame.string()},
                     env_, tmp_.path(), 60s);
  ASSERT_EQ(r.exit.code, 0) << r.output;
  for (const char* line : {"host: encode", "capture to decoded (end to end)", " 0 corrupt, 0 lost", "last frame"}) {
    EXPECT_NE(r.output.find(line), std::string::npos) << line << "\n" << r.output;
  }
  EXPECT_GT(std::filesystem::file_size(frame), 100U);
  EXPECT_FALSE(std::filesystem::exists(config_dir())) << "the demo must not touch the real config";
}

}  // namespace
}  // namespace pf
