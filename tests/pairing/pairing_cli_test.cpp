// The operator's and the user's commands against a real `punktfunk-host
// serve`: identity, pair arm/status, pending approve, clients
// list/set-access/unpair through the admin socket and the trust store
// file; and mDNS discovery with a real Avahi daemon (and without one).
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace pf {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class PairingCli : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = test::clean_environment();
    port_ = test::free_tcp_port();
    env_["PUNKTFUNK_NATIVE_PORT"] = port_;
    env_["PUNKTFUNK_MGMT_PORT"] = test::free_tcp_port();  // never the default 47990 a real host may hold
    env_["PUNKTFUNK_CONFIG_DIR"] = (tmp_.path() / "host").string();
    env_["PUNKTFUNK_DISPLAY_BACKEND"] = "synthetic";
    env_["PUNKTFUNK_MDNS"] = "off";
  }
  std::string address() const { return "127.0.0.1:" + port_; }

  void serve() {
    host_ = std::make_unique<test::Child>(std::vector<std::string>{PF_HOST_BINARY, "serve"}, env_,
                                          tmp_.path() / "host.log");
    ASSERT_TRUE(host_->wait_for_output("ready;", 20s)) << host_->output();
  }
  void TearDown() override {
    if (host_) {
      host_->signal(SIGTERM);
      EXPECT_TRUE(host_->wait_for(20s));
    }
  }
  test::Run host(std::vector<std::string> args) {
    args.insert(args.begin(), PF_HOST_BINARY);
    return test::run(args, env_, tmp_.path());
  }
  json host_json(std::vector<std::string> args) {
    args.emplace_back("--json");
    const auto r = host(args);
    EXPECT_EQ(r.exit.code, 0) << r.output;
    auto j = json::parse(r.output, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.output;
    return j;
  }
  std::vector<std::string> client_argv(const std::string& who, std::vector<std::string> args) {
    args.insert(args.begin(), PF_CLIENT_BINARY);
    args.insert(args.end(), {"--name", who, "--config-dir", (tmp_.path() / who).string()});
    return args;
  }
  test::Run client(const std::string& who, const std::vector<std::string>& args) {
    return test::run(client_argv(who, args), env_, tmp_.path(), 60s);
  }
  test::Run discover(std::vector<std::string> args) {
    args.insert(args.begin(), {PF_CLIENT_BINARY, "discover"});
    return test::run(args, env_, tmp_.path(), 60s);
  }

  test::TempDir tmp_;
  std::map<std::string, std::string> env_;
  std::string port_;
  std::unique_ptr<test::Child> host_;
};

TEST_F(PairingCli, PairingCommandsNeedARunningHost) {
  const auto r = host({"pair", "arm"});
  EXPECT_EQ(r.exit.code, 1);
  EXPECT_NE(r.output.find("no punktfunk-host is running"), std::string::npos) << r.output;
  // The trust store works without one.
  const auto list = host({"clients", "list"});
  EXPECT_EQ(list.exit.code, 0) << list.output;
  EXPECT_NE(list.output.find("no paired clients"), std::string::npos);
}

TEST_F(PairingCli, AnOperatorPairsApprovesRestrictsAndUnpairs) {
  serve();
  const auto identity = host_json({"identity"});
  const std::string host_fp = identity.value("fingerprint", "");
  ASSERT_EQ(host_fp.size(), 64U);
  struct stat st {};
  ASSERT_EQ(::stat((tmp_.path() / "host" / "admin.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);

  // PIN pairing.
  const auto armed = host_json({"pair", "arm", "--ttl", "2m"});
  ASSERT_TRUE(armed.value("armed", false)) << armed.dump();
  EXPECT_LE(armed.value("expires_in_s", 0), 120);
  const auto paired = client("phone", {"pair", address(), "--pin", armed.value("pin", "")});
  ASSERT_EQ(paired.exit.code, 0) << paired.output;
  EXPECT_NE(paired.output.find(host_fp), std::string::npos) << "the client pins the fingerprint `identity` shows";
  const auto streamed = client("phone", {"connect", address(), "--mode", "320x240@30", "--seconds", "1"});
  EXPECT_EQ(streamed.exit.code, 0) << streamed.output;
  EXPECT_FALSE(host_json({"pair", "status"}).value("armed", true));

  // A knock, approved without a PIN.
  test::Child knock(client_argv("tablet", {"pair", address()}), env_, tmp_.path() / "tablet.log");
  json pending;
  for (int i = 0; i < 100 && pending.empty(); ++i) {
    std::this_thread::sleep_for(100ms);
    pending = host_json({"pending", "list"}).value("pending", json::array());
  }
  ASSERT_EQ(pending.size(), 1U);
  EXPECT_EQ(pending[0].value("name", ""), "tablet");
  const auto approve =
      host({"pending", "approve", std::to_string(pending[0].value("id", 0)), "--access", "controller-only"});
  EXPECT_EQ(approve.exit.code, 0) << approve.output;
  const auto knocked = knock.wait_for(30s);
  ASSERT_TRUE(knocked);
  EXPECT_EQ(knocked->code, 0) << knock.output();

  // The trust store, as the operator sees and changes it.
  auto clients = host_json({"clients", "list"}).value("clients", json::array());
  ASSERT_EQ(clients.size(), 2U);
  EXPECT_EQ(clients[0].value("name", ""), "phone");
  EXPECT_EQ(clients[0].value("access", ""), "full");
  EXPECT_GT(clients[0].value("last_seen", 0), 0);
  EXPECT_EQ(clients[1].value("access", ""), "controller-only");
  const auto restricted = host({"clients", "set-access", "phone", "view-only", "--expires", "7d"});
  EXPECT_EQ(restricted.exit.code, 0) << restricted.output;
  clients = host_json({"clients", "list"}).value("clients", json::array());
  EXPECT_EQ(clients[0].value("access", ""), "view-only");
  EXPECT_GT(clients[0].value("expires_at", 0), 0);
  const auto text = host({"clients", "list"});
  EXPECT_NE(text.output.find("view-only"), std::string::npos) << text.output;
  EXPECT_NE(host({"clients", "unpair", "nobody"}).output.find("no paired client matches"), std::string::npos);
  const auto unpaired = host({"clients", "unpair", clients[1].value("fingerprint", "").substr(0, 12)});
  EXPECT_EQ(unpaired.exit.code, 0) << unpaired.output;
  EXPECT_EQ(host_json({"clients", "list"}).value("clients", json::array()).size(), 1U);
  const auto refused = client("tablet", {"connect", address(), "--mode", "320x240@30", "--seconds", "1"});
  EXPECT_EQ(refused.exit.code, 1);
  EXPECT_NE(refused.output.find("does not know your certificate"), std::string::npos) << refused.output;
  struct stat file {};
  ASSERT_EQ(::stat((tmp_.path() / "host" / "clients.json").c_str(), &file), 0);
  EXPECT_EQ(file.st_mode & 0777, 0600U);
}

// A private system bus and avahi-daemon restricted to loopback, so nothing
// leaves the machine.
class Avahi {
 public:
  explicit Avahi(const std::filesystem::path& dir) {
    const auto bus = dir / "bus.sock";
    std::ofstream(dir / "bus.conf")
        << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" "
           "\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
           "<busconfig><type>system</type><listen>unix:path="
        << bus.string()
        << "</listen><auth>EXTERNAL</auth><policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>"
           "<allow send_type=\"method_call\"/><allow send_destination=\"*\"/><allow receive_sender=\"*\"/>"
           "</policy></busconfig>\n";
    std::ofstream(dir / "avahi.conf") << "[server]\nuse-ipv4=yes\nuse-ipv6=no\nallow-interfaces=lo\nenable-dbus=yes\n"
                                         "[wide-area]\nenable-wide-area=no\n"
                                         "[publish]\npublish-hinfo=no\npublish-workstation=no\n";
    address_ = "unix:path=" + bus.string();
    auto env = test::clean_environment();
    bus_ = std::make_unique<test::Child>(
        std::vector<std::string>{"/usr/bin/dbus-daemon", "--nofork", "--config-file=" + (dir / "bus.conf").string()}, env,
        dir / "dbus.log");
    for (int i = 0; i < 100 && !std::filesystem::exists(bus); ++i) {
      std::this_thread::sleep_for(50ms);
    }
    env["DBUS_SYSTEM_BUS_ADDRESS"] = address_;
    daemon_ = std::make_unique<test::Child>(
        std::vector<std::string>{"/usr/sbin/avahi-daemon", "--no-drop-root", "--no-chroot", "--no-rlimits", "-f",
                                 (dir / "avahi.conf").string()},
        env, dir / "avahi.log");
    running_ = daemon_->wait_for_output("Server startup complete", 10s);
  }
  ~Avahi() {
    daemon_->signal(SIGTERM);  // lets it remove its pid file
    (void)daemon_->wait_for(5s);
  }
  [[nodiscard]] bool running() const { return running_; }
  [[nodiscard]] std::string why_not() const { return daemon_->output(); }
  [[nodiscard]] const std::string& bus() const { return address_; }

 private:
  std::string address_;
  std::unique_ptr<test::Child> bus_;
  std::unique_ptr<test::Child> daemon_;
  bool running_ = false;
};

TEST_F(PairingCli, DiscoverFindsTheHostThroughAvahi) {
  Avahi avahi(tmp_.path());
  if (!avahi.running() && avahi.why_not().find("already running") != std::string::npos) {
    GTEST_SKIP() << "an avahi-daemon already runs on this machine; the test needs its own (loopback only)";
  }
  ASSERT_TRUE(avahi.running()) << avahi.why_not();
  env_["DBUS_SYSTEM_BUS_ADDRESS"] = avahi.bus();
  env_["PUNKTFUNK_MDNS"] = "on";
  serve();
  const std::string host_fp = host_json({"identity"}).value("fingerprint", "");
  json found = json::array();
  for (int i = 0; i < 10 && found.empty(); ++i) {
    const auto r = discover({"--json", "--seconds", "3"});
    ASSERT_EQ(r.exit.code, 0) << r.output;
    found = json::parse(r.output.substr(r.output.find('[')), nullptr, false);
  }
  ASSERT_FALSE(found.empty()) << host_->output();
  EXPECT_EQ(found[0]["txt"].value("fp", ""), host_fp);
  EXPECT_EQ(found[0]["txt"].value("pair", ""), "required");
  EXPECT_EQ(found[0]["txt"].value("proto", ""), "punktfunk/1");
  EXPECT_EQ(std::to_string(found[0].value("port", 0)), port_);
  const auto table = discover({});
  EXPECT_NE(table.output.find(host_fp), std::string::npos) << table.output;
}

TEST_F(PairingCli, WithoutAvahiTheHostStartsAndSaysSoOnce) {
  env_["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + (tmp_.path() / "no-bus.sock").string();
  env_["PUNKTFUNK_MDNS"] = "on";
  serve();
  const auto out = host_->output();
  const auto first = out.find("no Avahi daemon");
  EXPECT_NE(first, std::string::npos) << out;
  EXPECT_EQ(out.find("no Avahi daemon", first + 1), std::string::npos) << "one warning, not a stream";
  const auto r = discover({"--seconds", "1"});
  EXPECT_EQ(r.exit.code, 1);
  EXPECT_NE(r.output.find("needs a running Avahi daemon"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace pf
