// Pairing end to end: the host in this process (its pairing service is the
// operator's hand), real punktfunk-client processes pairing, knocking and
// streaming, and a TLS-terminating relay standing in for a man in the
// middle.
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <thread>

#include "e2e/streaming_fixture.hpp"
#include "pf/net/control_stream.hpp"
#include "pf/net/tcp.hpp"
#include "pf/pairing/spake2.hpp"
#include "pf/tls/identity.hpp"

namespace pf::e2e {
namespace {

using namespace std::chrono_literals;
using pairing::Access;

// Terminates TLS on both sides with certificates of its own and passes
// every control message across: what an attacker on the path can do.
class Relay {
 public:
  explicit Relay(net::Address host) : host_(host) {
    listen_ = net::tcp_listen(net::Address::loopback(0)).value();
    address_ = net::bound_address(listen_.get()).value();
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
  }
  [[nodiscard]] std::string address() const { return address_.to_string(); }
  [[nodiscard]] int relayed() const { return relayed_.load(); }

 private:
  void run(const std::stop_token& stop) {
    const auto as_host = tls::create_identity("relay").value();
    const auto as_client = tls::create_identity("relay").value();
    while (!stop.stop_requested()) {
      pollfd p{listen_.get(), POLLIN, 0};
      if (::poll(&p, 1, 100) != 1) {
        continue;
      }
      auto accepted = net::tcp_accept(listen_.get());
      if (!accepted) {
        continue;
      }
      net::ControlStream down(std::move(accepted->fd), tls::Endpoint::server(as_host).value(), accepted->peer);
      if (!down.handshake(5s)) {
        continue;
      }
      auto up = net::ControlStream::connect(host_, as_client, "", 5s);
      if (up) {
        pass(down, *up, stop);
      }
    }
  }
  // Forwards what `from` holds decoded already (a handshake's last read may
  // carry the first message too), then what its socket has; false once it is gone.
  bool forward(net::ControlStream& from, net::ControlStream& to, bool readable) {
    const auto read = readable ? from.read_available() : Status{};
    for (auto n = from.next(); n.outcome != control::StreamDecoder::Outcome::need_more; n = from.next()) {
      if (n.outcome == control::StreamDecoder::Outcome::message) {
        (void)to.send(n.message.message);
        ++relayed_;
      }
    }
    return read.has_value();
  }
  void pass(net::ControlStream& a, net::ControlStream& b, const std::stop_token& stop) {
    (void)forward(a, b, false);
    (void)forward(b, a, false);
    while (!stop.stop_requested()) {
      pollfd fds[2] = {{a.fd(), POLLIN, 0}, {b.fd(), POLLIN, 0}};
      if (::poll(fds, 2, 100) <= 0) {
        continue;
      }
      if ((fds[0].revents != 0 && !forward(a, b, true)) || (fds[1].revents != 0 && !forward(b, a, true))) {
        return;
      }
    }
  }

  net::Address host_;
  UniqueFd listen_;
  net::Address address_;
  std::atomic<int> relayed_{0};
  std::jthread thread_;
};

class PairingE2e : public ::testing::Test {
 protected:
  explicit PairingE2e(const std::function<void(session::ServerConfig&)>& tweak = {},
                      vdisplay::Backend backend = vdisplay::Backend::synthetic)
      : host_(backend, 0s, /*allow_tofu=*/false, tweak) {}

  std::filesystem::path client_dir(const std::string& who) const { return host_.dir() / ("client-" + who); }
  std::string address() { return host_.server().address().to_string(); }
  pairing::PairingService& pairing() { return host_.server().pairing(); }

  test::Run client(const std::vector<std::string>& args, std::chrono::seconds timeout = 60s) {
    std::vector<std::string> argv = {PF_CLIENT_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run(argv, test::clean_environment(), host_.dir(), timeout);
  }
  test::Run pair(const std::string& who, const std::string& pin, const std::string& via = {}) {
    return client({"pair", via.empty() ? address() : via, "--pin", pin, "--name", who, "--config-dir",
                   client_dir(who).string()});
  }
  // The host counts a failed attempt when it sees the client hang up, which
  // may be a moment after the client process has exited: wait for it.
  void wait_for_failures(std::uint32_t n) {
    for (int i = 0; i < 100 && pairing().window().failures < n && pairing().counters().lockouts == 0; ++i) {
      std::this_thread::sleep_for(50ms);
    }
  }
  // Streams briefly; its report (empty when the client failed).
  nlohmann::json connect(const std::string& who, const std::string& seconds = "1", test::Run* run_out = nullptr,
                         const std::string& via = {}) {
    const auto stats = host_.dir() / ("stats-" + who + ".json");
    std::filesystem::remove(stats);
    std::vector<std::string> args = {"connect",     via.empty() ? address() : via,
                                     "--config-dir", client_dir(who).string(),
                                     "--name",       who,
                                     "--mode",       "320x240@30",
                                     "--seconds",    seconds,
                                     "--stats-json", stats.string()};
    auto run = client(args);
    if (run_out != nullptr) {
      *run_out = run;
    }
    std::ifstream in(stats);
    auto json = nlohmann::json::parse(in, nullptr, false);
    return json.is_discarded() ? nlohmann::json::object() : json;
  }
  std::string arm(Nanos ttl = 60s, Access access = Access::full, const std::string& pin = {}) {
    auto w = pairing().arm({ttl, {}, access, pin});
    EXPECT_TRUE(w) << w.error().message;
    return w ? w->pin : std::string();
  }

  Host host_;
};

TEST_F(PairingE2e, TheRightPinPairsAndTheClientThenReconnectsWithoutOne) {
  test::Run refused;
  EXPECT_TRUE(connect("phone", "1", &refused).empty() || refused.exit.code != 0);
  EXPECT_NE(refused.output.find("not a known host"), std::string::npos) << refused.output;

  const auto paired = pair("phone", arm());
  ASSERT_EQ(paired.exit.code, 0) << paired.output;
  EXPECT_NE(paired.output.find("paired with"), std::string::npos) << paired.output;
  const auto trusted = pairing().trusted(tls::load_or_create_identity(client_dir("phone"), "client", "x")
                                             .value()
                                             .identity.fingerprint);
  ASSERT_TRUE(trusted);
  EXPECT_EQ(trusted->name, "phone");

  for (int i = 0; i < 2; ++i) {  // pinned both ways, no PIN, again and again
    test::Run run;
    const auto report = connect("phone", "1", &run);
    ASSERT_EQ(run.exit.code, 0) << run.output;
    EXPECT_GT(report.value("frames_decoded", 0.0), 0) << run.output;
  }
  EXPECT_GT(pairing().trusted(trusted->fingerprint)->last_seen, 0);
}

TEST_F(PairingE2e, WrongPinsFailClearlyAndLockThePairingWindow) {
  arm(60s, Access::full, "4821");
  for (std::uint32_t i = 0; i < 2; ++i) {
    const auto wrong = pair("phone", "1234");
    EXPECT_EQ(wrong.exit.code, 1);
    EXPECT_NE(wrong.output.find("could not prove it knows the PIN"), std::string::npos) << wrong.output;
    wait_for_failures(i + 1);
  }
  EXPECT_EQ(pairing().window().failures, 2U);
  (void)pair("phone", "9999");
  wait_for_failures(3);
  const auto locked = pair("phone", "4821");
  EXPECT_EQ(locked.exit.code, 1);
  EXPECT_NE(locked.output.find("locked"), std::string::npos) << locked.output;
  EXPECT_EQ(pairing().counters().lockouts, 1U);
  EXPECT_EQ(pairing().counters().paired, 0U);
}

TEST_F(PairingE2e, AnExpiredOrUsedPinFails) {
  const std::string pin = arm(1s);
  std::this_thread::sleep_for(1200ms);
  const auto expired = pair("phone", pin);
  EXPECT_EQ(expired.exit.code, 1);
  EXPECT_NE(expired.output.find("not armed"), std::string::npos) << expired.output;

  const std::string fresh = arm();
  ASSERT_EQ(pair("phone", fresh).exit.code, 0);
  const auto reused = pair("tv", fresh);
  EXPECT_EQ(reused.exit.code, 1);
  EXPECT_NE(reused.output.find("not armed"), std::string::npos) << reused.output;
}

TEST_F(PairingE2e, AClientPresentingAnotherCertificateIsRefused) {
  ASSERT_EQ(pair("phone", arm()).exit.code, 0);
  // Another device that knows the host (its known-hosts pins it) but not the phone's key.
  std::filesystem::create_directories(client_dir("impostor"));
  std::filesystem::copy_file(client_dir("phone") / "known-hosts", client_dir("impostor") / "known-hosts");
  test::Run run;
  EXPECT_TRUE(connect("impostor", "1", &run).empty());
  EXPECT_EQ(run.exit.code, 1);
  EXPECT_NE(run.output.find("does not know your certificate"), std::string::npos) << run.output;
}

TEST_F(PairingE2e, AManInTheMiddleIsDetectedWhilePairingAndAfterwards) {
  Relay relay(host_.server().address());
  const std::string pin = arm();
  const auto through = pair("phone", pin, relay.address());
  EXPECT_EQ(through.exit.code, 1);
  EXPECT_NE(through.output.find("could not prove it knows the PIN"), std::string::npos) << through.output;
  EXPECT_GT(relay.relayed(), 0);  // the messages did cross; the keys did not agree
  EXPECT_EQ(pairing().counters().paired, 0U);
  wait_for_failures(1);
  EXPECT_EQ(pairing().window().failures, 1U);

  // Paired directly, the client then refuses the relay's certificate.
  ASSERT_EQ(pair("phone", pin).exit.code, 0);
  std::ifstream known(client_dir("phone") / "known-hosts");
  std::string entry;
  std::string fingerprint;
  known >> entry >> fingerprint;
  std::ofstream(client_dir("phone") / "known-hosts", std::ios::app) << relay.address() << " " << fingerprint << "\n";
  test::Run run;
  EXPECT_TRUE(connect("phone", "1", &run, relay.address()).empty());
  EXPECT_EQ(run.exit.code, 1) << run.output;
}

TEST_F(PairingE2e, AReplayedPairingTranscriptIsRefused) {
  // Pair as a scripted client, recording what it sent.
  const auto identity = tls::create_identity("recorder").value();
  const auto exchange = [&](const std::function<control::PairProof(const control::PairChallenge&)>& prove,
                            const control::PairRequest& request) {
    auto s = net::ControlStream::connect(host_.server().address(), identity, host_.server().fingerprint(), 5s).value();
    EXPECT_TRUE(s.send(request));
    auto challenge = s.receive(5s);
    EXPECT_TRUE(challenge && std::holds_alternative<control::PairChallenge>(*challenge));
    EXPECT_TRUE(s.send(prove(std::get<control::PairChallenge>(*challenge))));
    auto result = s.receive(5s);
    return result ? std::get<control::PairResult>(*result) : control::PairResult{};
  };
  arm(60s, Access::full, "4821");
  auto spake = pairing::Spake2::start(pairing::Spake2Role::client, "4821", identity.fingerprint,
                                      host_.server().fingerprint())
                   .value();
  const control::PairRequest request{spake.element(), "recorder"};
  control::PairProof recorded;
  const auto first = exchange(
      [&](const control::PairChallenge& c) {
        EXPECT_TRUE(spake.finish(c.element));
        EXPECT_TRUE(spake.verify(c.confirm));
        recorded = {spake.confirmation()};
        return recorded;
      },
      request);
  ASSERT_EQ(first.outcome, control::PairOutcome::paired) << first.detail;

  // Forget it, open a window with the very same PIN, and replay the transcript.
  ASSERT_TRUE(pairing().store().update([](std::vector<pairing::PairedClient>& c) -> Status {
    c.clear();
    return ok();
  }));
  arm(60s, Access::full, "4821");
  const auto replayed = exchange([&](const control::PairChallenge&) { return recorded; }, request);
  EXPECT_EQ(replayed.outcome, control::PairOutcome::wrong_pin) << replayed.detail;
  EXPECT_FALSE(pairing().trusted(identity.fingerprint));
}

TEST_F(PairingE2e, AKnockWaitsForTheOperatorsApprovalOrDenial) {
  const auto start = [&](const std::string& who) {
    return std::make_unique<test::Child>(
        std::vector<std::string>{PF_CLIENT_BINARY, "pair", address(), "--name", who, "--config-dir",
                                 client_dir(who).string()},
        test::clean_environment(), host_.dir() / (who + ".log"));
  };
  const auto wait_pending = [&](std::size_t n) {
    for (int i = 0; i < 200 && pairing().pending().size() < n; ++i) {
      std::this_thread::sleep_for(50ms);
    }
    return pairing().pending();
  };
  auto tablet = start("tablet");
  auto pending = wait_pending(1);
  ASSERT_EQ(pending.size(), 1U);
  EXPECT_EQ(pending.front().name, "tablet");
  EXPECT_TRUE(tablet->wait_for_output("waiting for the host's operator", 10s)) << tablet->output();
  ASSERT_TRUE(pairing().approve(pending.front().id, Access::view_only));
  const auto approved = tablet->wait_for(30s);
  ASSERT_TRUE(approved);
  EXPECT_EQ(approved->code, 0) << tablet->output();
  test::Run run;
  const auto report = connect("tablet", "1", &run);
  EXPECT_EQ(run.exit.code, 0) << run.output;
  EXPECT_GT(report.value("frames_decoded", 0.0), 0);
  EXPECT_EQ(pairing().trusted(pending.front().fingerprint)->access, Access::view_only);

  auto stranger = start("stranger");
  pending = wait_pending(1);
  ASSERT_EQ(pending.size(), 1U);
  ASSERT_TRUE(pairing().deny(pending.front().id));
  const auto denied = stranger->wait_for(30s);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->code, 1);
  EXPECT_NE(stranger->output().find("denied"), std::string::npos) << stranger->output();
  EXPECT_FALSE(pairing().trusted(pending.front().fingerprint));
}

class PairingGrantE2e : public PairingE2e {
 protected:
  PairingGrantE2e()
      : PairingE2e([](session::ServerConfig& c) { c.expiry_warnings = {std::chrono::seconds(3)}; }) {}
};

TEST_F(PairingGrantE2e, AnExpiredGrantEndsTheSessionAfterAWarning) {
  ASSERT_EQ(pair("phone", arm()).exit.code, 0);
  ASSERT_TRUE(pairing().store().update([](std::vector<pairing::PairedClient>& c) -> Status {
    c.front().expires_at = pairing::unix_now() + 5;
    return ok();
  }));
  test::Run run;
  const auto report = connect("phone", "30", &run);
  EXPECT_EQ(report.value("host_goodbye_reason", 0.0), static_cast<double>(control::GoodbyeReason::access_expired))
      << run.output;
  EXPECT_GE(report.value("access_notices", 0.0), 1) << run.output;
  EXPECT_NE(run.output.find("your access to this host ends in"), std::string::npos) << run.output;

  const auto again = connect("phone", "1", &run);
  EXPECT_TRUE(again.empty());
  EXPECT_NE(run.output.find("expired"), std::string::npos) << run.output;
}

TEST_F(PairingGrantE2e, UnpairingEndsARunningSession) {
  ASSERT_EQ(pair("phone", arm()).exit.code, 0);
  std::thread operator_([&] {
    for (int i = 0; i < 200 && host_.server().sessions().empty(); ++i) {
      std::this_thread::sleep_for(50ms);
    }
    std::this_thread::sleep_for(500ms);
    ASSERT_TRUE(pairing().store().update([](std::vector<pairing::PairedClient>& c) -> Status {
      c.clear();
      return ok();
    }));
  });
  test::Run run;
  const auto report = connect("phone", "30", &run);
  operator_.join();
  EXPECT_EQ(report.value("host_goodbye_reason", 0.0), static_cast<double>(control::GoodbyeReason::revoked))
      << run.output;
}

// Input under access levels, into a real Xvfb display, where an X client
// records what arrives.
class AccessInputE2e : public PairingE2e {
 protected:
  AccessInputE2e() : PairingE2e({}, vdisplay::Backend::xvfb) {}

  struct Outcome {
    std::vector<std::string> recorded;  ///< the recorder's lines after "ready"
    session::InputCounters counters;
    double sent = 0;
  };
  // Streams with `script`; once the client's display exists, the recorder
  // is launched into it; everything it saw, and the host's counters.
  Outcome stream_with_input(const std::string& who, const std::filesystem::path& script) {
    const auto stats = host_.dir() / ("stats-" + who + ".json");
    test::Child client({PF_CLIENT_BINARY, "connect", address(), "--config-dir", client_dir(who).string(), "--name",
                        who, "--mode", "640x480@30", "--seconds", "8", "--input-script", script.string(),
                        "--stats-json", stats.string()},
                       test::clean_environment(), host_.dir() / (who + ".log"));
    vdisplay::DisplayId display = 0;
    for (int i = 0; i < 200 && display == 0; ++i) {
      std::this_thread::sleep_for(50ms);
      for (const auto& s : host_.server().sessions()) {
        if (s.client_name == who && s.state == session::SessionState::streaming) {
          display = s.display;
        }
      }
    }
    EXPECT_NE(display, 0U) << client.output();
    const auto recording = host_.dir() / ("recorded-" + who + ".txt");
    for (const auto& slot : host_.displays().snapshot()) {
      if (slot.display == display) {
        const vdisplay::AppEntry recorder{"recorder", "recorder", {PF_RECORDER_BINARY, recording.string()}, {}, {}};
        EXPECT_TRUE(host_.displays().launch_app({slot.display, slot.generation}, recorder));
      }
    }
    const auto exit = client.wait_for(60s);
    EXPECT_TRUE(exit && exit->code == 0) << client.output();
    Outcome out;
    std::ifstream in(recording);
    std::string line;
    bool ready = false;
    while (std::getline(in, line)) {
      if (ready) {
        out.recorded.push_back(line);
      }
      ready = ready || line == "ready";
    }
    EXPECT_TRUE(ready) << "the recorder never started";
    for (int i = 0; i < 100; ++i) {
      for (const auto& s : host_.server().sessions()) {
        if (s.client_name == who && s.state == session::SessionState::ended) {
          out.counters = s.input;
          i = 100;
        }
      }
      std::this_thread::sleep_for(50ms);
    }
    std::ifstream report(stats);
    out.sent = nlohmann::json::parse(report, nullptr, false).value("input_events_sent", 0.0);
    return out;
  }
};

// Where uinput exists: the device node of the input device called `name`
// (from /proc/bus/input/devices), or empty.
std::string event_node_of(const std::string& name) {
  std::ifstream in("/proc/bus/input/devices");
  std::string line;
  bool ours = false;
  while (std::getline(in, line)) {
    if (line.rfind("N: Name=", 0) == 0) {
      ours = line == "N: Name=\"" + name + "\"";
    } else if (ours && line.rfind("H: Handlers=", 0) == 0) {
      const auto at = line.find("event");
      if (at != std::string::npos) {
        return "/dev/input/" + line.substr(at, line.find(' ', at) - at);
      }
    }
  }
  return {};
}

// A pad connects and presses A; keys and text are what controller-only forbids.
constexpr const char* kPadScript =
    "500 pad 0 connect\n"
    "600 key 30 down\n610 key 30 up\n620 text x\n"
    "3000 pad-button 0 304 down\n3100 pad-button 0 304 up\n3200 pad-axis 0 0 -32768\n";

TEST_F(AccessInputE2e, AControllerOnlyClientsPadEventsReachTheAgentAndItsKeysDoNot) {
  const auto file = host_.dir() / "pad.script";
  std::ofstream(file) << kPadScript;
  ASSERT_EQ(pair("couch", arm(60s, Access::controller_only)).exit.code, 0);
  const auto couch = stream_with_input("couch", file);
  EXPECT_EQ(couch.sent, 7);
  EXPECT_EQ(couch.counters.received, 7U);
  EXPECT_EQ(couch.counters.denied, 3U) << "two keys and the text";
  EXPECT_EQ(couch.counters.injected + couch.counters.unsupported, 4U) << "the pad's four events reached the agent";
  if (::access("/dev/uinput", W_OK) != 0) {
    EXPECT_EQ(couch.counters.unsupported, 4U) << "without /dev/uinput pads cannot be made";
  }
  for (const auto& line : couch.recorded) {
    EXPECT_NE(line.rfind("key_", 0), 0U) << "a controller-only client typed: " << line;
  }
}

TEST_F(AccessInputE2e, APadTheHostMakesReportsTheClientsButtons) {
  if (::access("/dev/uinput", W_OK) != 0) {
    GTEST_SKIP() << "/dev/uinput is not available here (no uinput module, or no permission)";
  }
  const auto file = host_.dir() / "pad.script";
  std::ofstream(file) << kPadScript;
  ASSERT_EQ(pair("couch", arm(60s, Access::controller_only)).exit.code, 0);
  // Watch for our pad and read what it reports while the client streams.
  std::atomic<bool> pressed{false};
  std::jthread watcher([&](const std::stop_token& stop) {
    std::string node;
    while (!stop.stop_requested() && (node = event_node_of("punktfunk pad 1")).empty()) {
      std::this_thread::sleep_for(20ms);
    }
    const int fd = node.empty() ? -1 : ::open(node.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    while (fd >= 0 && !stop.stop_requested() && !pressed) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) > 0) {
        input_event ev{};
        while (::read(fd, &ev, sizeof(ev)) == static_cast<ssize_t>(sizeof(ev))) {
          pressed = pressed || (ev.type == EV_KEY && ev.code == BTN_SOUTH && ev.value == 1);
        }
      }
    }
    if (fd >= 0) {
      ::close(fd);
    }
  });
  const auto couch = stream_with_input("couch", file);
  watcher.request_stop();
  EXPECT_EQ(couch.counters.injected, 4U);
  EXPECT_TRUE(pressed) << "the host's pad never reported BTN_SOUTH";
}

TEST_F(AccessInputE2e, FullAccessInputArrivesInOrderAndViewOnlyInputNeverDoes) {
  // 40 rounds, 150 ms apart: move to a new point, type 'a', click there.
  std::string script;
  for (int i = 0; i < 40; ++i) {
    const int t = 500 + 150 * i;
    script += fmt::format("{} position {} {}\n{} key 30 down\n{} key 30 up\n{} button 1 down\n{} button 1 up\n", t,
                          100 + i, 200 + 2 * i, t + 10, t + 20, t + 30, t + 40);
  }
  const auto file = host_.dir() / "input.script";
  std::ofstream(file) << script;
  ASSERT_EQ(pair("desk", arm(60s, Access::full)).exit.code, 0);
  ASSERT_EQ(pair("viewer", arm(60s, Access::view_only)).exit.code, 0);

  const auto desk = stream_with_input("desk", file);
  EXPECT_EQ(desk.sent, 200);
  EXPECT_EQ(desk.counters.received, 200U);
  EXPECT_EQ(desk.counters.denied, 0U);
  EXPECT_GT(desk.counters.injected, 0U);
  // What the X client saw: whole rounds in order, each click where the pointer was sent.
  int rounds = 0;
  std::string expect = "motion";
  int x = -1;
  int y = -1;
  for (const auto& line : desk.recorded) {
    int a = 0;
    int b = 0;
    int c = 0;
    if (std::sscanf(line.c_str(), "motion %d %d", &a, &b) == 2) {
      ASSERT_EQ(expect, "motion") << line;
      const int i = a - 100;
      EXPECT_TRUE(i >= 0 && i < 40 && b == 200 + 2 * i) << line << ": not a scripted point";
      x = a;
      y = b;
      expect = "key_press 38";  // evdev 30 (A) is X keycode 38
    } else if (line.rfind("key_", 0) == 0) {
      ASSERT_EQ(line, expect);
      expect = line == "key_press 38" ? "key_release 38" : "button_press";
    } else if (std::sscanf(line.c_str(), "button_press %d %d %d", &a, &b, &c) == 3) {
      ASSERT_EQ(expect, "button_press") << line;
      EXPECT_EQ(a, 1);
      EXPECT_EQ(b, x);
      EXPECT_EQ(c, y);
      expect = "button_release";
    } else if (std::sscanf(line.c_str(), "button_release %d %d %d", &a, &b, &c) == 3) {
      ASSERT_EQ(expect, "button_release") << line;
      EXPECT_EQ(b, x);
      ++rounds;
      expect = "motion";
    }
  }
  EXPECT_GT(rounds, 0) << "no whole round reached the X client";

  const auto viewer = stream_with_input("viewer", file);
  EXPECT_EQ(viewer.sent, 200);
  EXPECT_EQ(viewer.counters.received, 200U);
  EXPECT_EQ(viewer.counters.denied, 200U);
  EXPECT_EQ(viewer.counters.injected, 0U);
  EXPECT_TRUE(viewer.recorded.empty()) << viewer.recorded.front();
}

// The same through sway: a scripted client's keys and clicks reach a real
// Wayland client (wev) in its wlroots display, through the virtual
// keyboard and pointer.
class WlrootsInputE2e : public PairingE2e {
 protected:
  WlrootsInputE2e() : PairingE2e({}, vdisplay::Backend::wlroots) {}
  void SetUp() override {
    for (const char* program : {"/usr/bin/sway", "/usr/bin/wev", "/usr/bin/stdbuf"}) {
      if (::access(program, X_OK) != 0) {
        GTEST_SKIP() << program << " is not installed (scripts/setup.sh installs sway and wev)";
      }
    }
  }
};

TEST_F(WlrootsInputE2e, AScriptedClientsKeysAndClicksReachAWaylandClient) {
  // wev runs as the display user: its record goes where that user may write.
  test::TempDir shared;
  std::filesystem::permissions(shared.path(), std::filesystem::perms::all);
  const auto record = shared.path() / "wev.txt";
  std::ofstream(record).close();
  std::filesystem::permissions(record, std::filesystem::perms::all);
  const auto file = host_.dir() / "wl.script";
  std::ofstream(file) << "3000 position 200 150\n3100 position 260 190\n"
                         "3200 key 30 down\n3250 key 30 up\n3300 button 1 down\n3350 button 1 up\n";
  ASSERT_EQ(pair("sofa", arm(60s, Access::full)).exit.code, 0);
  const auto stats = host_.dir() / "stats-sofa.json";
  test::Child client({PF_CLIENT_BINARY, "connect", address(), "--config-dir", client_dir("sofa").string(), "--name",
                      "sofa", "--mode", "640x480@30", "--seconds", "6", "--input-script", file.string(),
                      "--stats-json", stats.string()},
                     test::clean_environment(), host_.dir() / "sofa.log");
  vdisplay::DisplayId display = 0;
  for (int i = 0; i < 200 && display == 0; ++i) {
    std::this_thread::sleep_for(50ms);
    for (const auto& s : host_.server().sessions()) {
      if (s.client_name == "sofa" && s.state == session::SessionState::streaming) {
        display = s.display;
      }
    }
  }
  ASSERT_NE(display, 0U) << client.output();
  for (const auto& slot : host_.displays().snapshot()) {
    if (slot.display == display) {
      const vdisplay::AppEntry wev{
          "wev", "wev", {"/bin/sh", "-c", "exec /usr/bin/stdbuf -oL /usr/bin/wev > " + record.string()}, {}, {}};
      ASSERT_TRUE(host_.displays().launch_app({slot.display, slot.generation}, wev));
    }
  }
  const auto exit = client.wait_for(60s);
  ASSERT_TRUE(exit && exit->code == 0) << client.output();
  std::ifstream in(record);
  const std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // wev prints XKB keycodes (evdev + 8) and surface-local positions: the
  // window's border offsets them, so the step between the two is compared.
  const auto a_down = out.find("key: 38; state: 1 (pressed)");
  const auto a_up = out.find("key: 38; state: 0 (released)");
  const auto click = out.find("button: 272 (left), state: 1 (pressed)");
  const auto release = out.find("button: 272 (left), state: 0 (released)");
  ASSERT_NE(a_down, std::string::npos) << out;
  EXPECT_NE(out.find("utf8: 'a'", a_down), std::string::npos) << out;
  ASSERT_NE(a_up, std::string::npos) << out;
  ASSERT_NE(click, std::string::npos) << out;
  ASSERT_NE(release, std::string::npos) << out;
  EXPECT_LT(a_down, a_up);
  EXPECT_LT(a_up, click) << "the script's order";
  EXPECT_LT(click, release);
  std::vector<std::pair<double, double>> motions;
  for (std::size_t at = out.find("x, y: "); at != std::string::npos; at = out.find("x, y: ", at + 1)) {
    double x = 0;
    double y = 0;
    if (std::sscanf(out.c_str() + at, "x, y: %lf, %lf", &x, &y) == 2) {
      motions.emplace_back(x, y);
    }
  }
  ASSERT_GE(motions.size(), 2U) << out;
  const auto& last = motions[motions.size() - 1];
  const auto& before = motions[motions.size() - 2];
  EXPECT_DOUBLE_EQ(last.first - before.first, 60.0) << out;
  EXPECT_DOUBLE_EQ(last.second - before.second, 40.0) << out;
}

}  // namespace
}  // namespace pf::e2e
