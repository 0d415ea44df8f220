// The host's pairing state: the PIN window is single use, expires, serves
// one attempt at a time and locks after three failures; knocks wait for
// the operator, bounded; the admin protocol refuses what it does not know.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "pf/pairing/admin_protocol.hpp"
#include "pf/pairing/pairing_service.hpp"
#include "support/temp_dir.hpp"

namespace pf::pairing {
namespace {

using namespace std::chrono_literals;
using control::PairOutcome;

const std::string kHostFp(64, 'f');
const std::string kPhone = std::string(63, '1') + "a";
const std::string kTv = std::string(63, '2') + "b";

class PairingServiceTest : public ::testing::Test {
 protected:
  PairingServiceTest() : service_(config()) {}
  PairingConfig config() {
    PairingConfig c;
    c.config_dir = dir_.path();
    c.host_fingerprint = kHostFp;
    c.pending_wait = 300ms;
    c.max_pending = 2;
    return c;
  }
  // The client's side, done right except that it always sends its proof
  // (a real client stops when the host's confirmation does not match).
  control::PairResult pair(const std::string& fp, const std::string& pin) {
    auto a = Spake2::start(Spake2Role::client, pin, fp, kHostFp).value();
    auto began = service_.begin(fp, "127.0.0.1:1", {a.element(), "phone"});
    if (auto* refused = std::get_if<control::PairResult>(&began)) {
      return *refused;
    }
    auto& b = std::get<PairingService::Began>(began);
    EXPECT_TRUE(a.finish(b.challenge.element));
    EXPECT_EQ(a.verify(b.challenge.confirm), pin == service_.window().pin);
    return service_.finish(std::move(b.attempt), {a.confirmation()});
  }
  std::string arm(Nanos ttl = 60s, std::string only = {}, Access access = Access::full) {
    auto w = service_.arm({ttl, std::move(only), access, "4821"});
    EXPECT_TRUE(w) << w.error().message;
    return w ? w->pin : std::string();
  }

  test::TempDir dir_;
  PairingService service_;
};

TEST_F(PairingServiceTest, TheRightPinPairsOnceAndIsThenGone) {
  EXPECT_EQ(pair(kPhone, "4821").outcome, PairOutcome::not_armed);
  arm(60s, {}, Access::view_only);
  const auto result = pair(kPhone, "4821");
  EXPECT_EQ(result.outcome, PairOutcome::paired) << result.detail;
  EXPECT_EQ(result.access, static_cast<std::uint8_t>(Access::view_only));
  const auto trusted = service_.trusted(kPhone);
  ASSERT_TRUE(trusted);
  EXPECT_EQ(trusted->access, Access::view_only);
  EXPECT_EQ(trusted->name, "phone");
  EXPECT_GT(trusted->paired_at, 0);
  EXPECT_FALSE(service_.window().armed);
  EXPECT_EQ(pair(kTv, "4821").outcome, PairOutcome::not_armed);  // single use
  EXPECT_EQ(pair(kPhone, "4821").outcome, PairOutcome::already_paired);
  EXPECT_EQ(service_.counters().paired, 1U);
}

TEST_F(PairingServiceTest, ThreeWrongAttemptsLockTheWindow) {
  arm();
  EXPECT_EQ(pair(kPhone, "1111").outcome, PairOutcome::wrong_pin);
  EXPECT_EQ(service_.window().failures, 1U);
  {
    // A client that stops after the challenge (what a real one does on a wrong PIN) counts too.
    auto a = Spake2::start(Spake2Role::client, "2222", kPhone, kHostFp).value();
    auto began = service_.begin(kPhone, "127.0.0.1:1", {a.element(), "phone"});
    ASSERT_TRUE(std::holds_alternative<PairingService::Began>(began));
  }
  EXPECT_EQ(service_.window().failures, 2U);
  EXPECT_EQ(pair(kPhone, "3333").outcome, PairOutcome::locked);
  const auto w = service_.window();
  EXPECT_FALSE(w.armed);
  EXPECT_TRUE(w.locked);
  EXPECT_EQ(pair(kPhone, "4821").outcome, PairOutcome::locked);  // even the right PIN, now
  EXPECT_EQ(service_.counters().lockouts, 1U);
  arm();  // the operator re-arms
  EXPECT_EQ(pair(kPhone, "4821").outcome, PairOutcome::paired);
}

TEST_F(PairingServiceTest, AnExpiredWindowRefuses) {
  arm(50ms);
  std::this_thread::sleep_for(120ms);
  EXPECT_EQ(pair(kPhone, "4821").outcome, PairOutcome::not_armed);
  EXPECT_FALSE(service_.window().armed);
}

TEST_F(PairingServiceTest, AWindowForOneFingerprintRefusesOthers) {
  arm(60s, kTv);
  EXPECT_EQ(pair(kPhone, "4821").outcome, PairOutcome::not_for_you);
  EXPECT_EQ(pair(kTv, "4821").outcome, PairOutcome::paired);
  EXPECT_FALSE(service_.arm({60s, "not-a-fingerprint", Access::full, {}}));
}

TEST_F(PairingServiceTest, OneAttemptAtATime) {
  arm();
  auto a = Spake2::start(Spake2Role::client, "4821", kPhone, kHostFp).value();
  auto first = service_.begin(kPhone, "127.0.0.1:1", {a.element(), "phone"});
  ASSERT_TRUE(std::holds_alternative<PairingService::Began>(first));
  auto b = Spake2::start(Spake2Role::client, "4821", kTv, kHostFp).value();
  auto second = service_.begin(kTv, "127.0.0.1:2", {b.element(), "tv"});
  ASSERT_TRUE(std::holds_alternative<control::PairResult>(second));
  EXPECT_EQ(std::get<control::PairResult>(second).outcome, PairOutcome::busy);
  auto& began = std::get<PairingService::Began>(first);
  ASSERT_TRUE(a.finish(began.challenge.element));
  EXPECT_EQ(service_.finish(std::move(began.attempt), {a.confirmation()}).outcome, PairOutcome::paired);
}

TEST_F(PairingServiceTest, KnocksWaitForTheOperator) {
  const auto pending = std::get<control::PairPending>(service_.knock(kPhone, "phone", "10.0.0.2:5000"));
  EXPECT_EQ(service_.pending().size(), 1U);
  EXPECT_EQ(service_.pending().front().fingerprint, kPhone);
  // A second knock from the same client is refused while the first waits.
  EXPECT_EQ(std::get<control::PairResult>(service_.knock(kPhone, "phone", "10.0.0.2:5001")).outcome,
            PairOutcome::busy);
  Access access = Access::unset;
  EXPECT_EQ(service_.await(pending.request_id, 10ms, access), KnockState::waiting);
  std::thread operator_([&] {
    std::this_thread::sleep_for(30ms);
    EXPECT_TRUE(service_.approve(pending.request_id, Access::controller_only));
  });
  KnockState state = KnockState::waiting;
  while (state == KnockState::waiting) {
    state = service_.await(pending.request_id, 250ms, access);
  }
  operator_.join();
  EXPECT_EQ(state, KnockState::approved);
  EXPECT_EQ(access, Access::controller_only);
  EXPECT_EQ(service_.trusted(kPhone)->access, Access::controller_only);
  EXPECT_TRUE(service_.pending().empty());
  EXPECT_FALSE(service_.approve(pending.request_id, Access::full));  // decided already
}

TEST_F(PairingServiceTest, KnocksCanBeDeniedExpireAndAreBounded) {
  const auto tv = std::get<control::PairPending>(service_.knock(kTv, "tv", "10.0.0.3:5000"));
  const auto phone = std::get<control::PairPending>(service_.knock(kPhone, "phone", "10.0.0.2:5000"));
  const std::string third = std::string(63, '3') + "c";
  EXPECT_EQ(std::get<control::PairResult>(service_.knock(third, "x", "10.0.0.4:5000")).outcome, PairOutcome::busy);
  ASSERT_TRUE(service_.deny(tv.request_id));
  Access access = Access::unset;
  EXPECT_EQ(service_.await(tv.request_id, 10ms, access), KnockState::denied);
  EXPECT_FALSE(service_.trusted(kTv));
  std::this_thread::sleep_for(350ms);  // pending_wait is 300 ms here
  EXPECT_EQ(service_.await(phone.request_id, 10ms, access), KnockState::expired);
  EXPECT_TRUE(service_.pending().empty());
  service_.withdraw(phone.request_id);  // harmless once gone
}

TEST_F(PairingServiceTest, ChangesToTheFileAreSeen) {
  arm();
  ASSERT_EQ(pair(kPhone, "4821").outcome, PairOutcome::paired);
  ASSERT_TRUE(service_.store().update([](std::vector<PairedClient>& c) -> Status {
    c.front().access = Access::view_only;
    return ok();
  }));
  EXPECT_EQ(service_.trusted(kPhone)->access, Access::view_only);
  ASSERT_TRUE(service_.store().update([](std::vector<PairedClient>& c) -> Status {
    c.clear();
    return ok();
  }));
  EXPECT_FALSE(service_.trusted(kPhone));
}

TEST_F(PairingServiceTest, AClientPairedOverGameStreamIsTrustedForGameStreamOnly) {
  ASSERT_TRUE(service_.record_paired({kTv, "moonlight", Access::full, unix_now(), 0, 0, Protocol::gamestream}));
  EXPECT_FALSE(service_.trusted(kTv));  // the native protocol does not know it
  const auto trusted = service_.trusted(kTv, Protocol::gamestream);
  ASSERT_TRUE(trusted);
  EXPECT_EQ(trusted->name, "moonlight");
  EXPECT_FALSE(service_.trusted(kPhone, Protocol::gamestream));
}

TEST_F(PairingServiceTest, TheAdminProtocolRefusesWhatItDoesNotKnow) {
  const auto answer = [&](std::string_view request) { return nlohmann::json::parse(handle_admin_request(request, service_)); };
  EXPECT_FALSE(answer("not json")["ok"].get<bool>());
  EXPECT_FALSE(answer(R"({"op": "pair.explode"})")["ok"].get<bool>());
  EXPECT_FALSE(answer(R"({"op": "pair.arm", "ttl_s": 0})")["ok"].get<bool>());
  EXPECT_FALSE(answer(R"({"op": "pair.arm", "pin": "1234"})")["ok"].get<bool>());  // no PIN from outside
  EXPECT_FALSE(answer(R"({"op": "pending.approve", "id": 99})")["ok"].get<bool>());
  EXPECT_FALSE(answer(std::string(kMaxAdminMessageBytes + 1, ' '))["ok"].get<bool>());

  const auto armed = answer(R"({"op": "pair.arm", "ttl_s": 30, "access": "view-only"})");
  ASSERT_TRUE(armed["ok"].get<bool>()) << armed.dump();
  EXPECT_TRUE(valid_pin(armed["pin"].get<std::string>()));
  EXPECT_EQ(armed["access"], "view-only");
  EXPECT_LE(armed["expires_in_s"].get<int>(), 30);
  const auto status = answer(R"({"op": "pair.status"})");
  EXPECT_TRUE(status["armed"].get<bool>());
  EXPECT_EQ(status["counters"]["paired"], 0);
  EXPECT_TRUE(answer(R"({"op": "pair.disarm"})")["ok"].get<bool>());
  EXPECT_FALSE(answer(R"({"op": "pair.status"})")["armed"].get<bool>());

  (void)service_.knock(kPhone, "phone", "10.0.0.2:5000");
  const auto list = answer(R"({"op": "pending.list"})");
  ASSERT_EQ(list["pending"].size(), 1U);
  EXPECT_EQ(list["pending"][0]["fingerprint"], kPhone);
  const std::uint64_t id = list["pending"][0]["id"].get<std::uint64_t>();
  EXPECT_TRUE(answer(render_admin_request({AdminOp::pending_deny, 120, {}, Access::full, id, {}}))["ok"].get<bool>());
}

TEST_F(PairingServiceTest, TheAdminProtocolPassesGameStreamPinsOnOnlyWhenGameStreamIsOn) {
  const auto off = nlohmann::json::parse(handle_admin_request(R"({"op": "gamestream.pin", "pin": "1234"})", service_));
  EXPECT_FALSE(off["ok"].get<bool>());
  EXPECT_NE(off["error"].get<std::string>().find("GameStream is off"), std::string::npos);
  std::string given;
  GameStreamAdmin gamestream{[&](std::string_view pin) -> Status {
                               if (pin == "0000") {
                                 return fail(Errc::not_found, "no GameStream client is waiting for a PIN");
                               }
                               given = pin;
                               return ok();
                             },
                             [] { return nlohmann::json{{"enabled", true}}; }};
  const auto call = [&](std::string_view request) {
    return nlohmann::json::parse(handle_admin_request(request, service_, gamestream));
  };
  EXPECT_TRUE(call(render_admin_request({AdminOp::gamestream_pin, 120, {}, Access::full, 0, "4821"}))["ok"].get<bool>());
  EXPECT_EQ(given, "4821");
  const auto refused = call(R"({"op": "gamestream.pin", "pin": "0000"})");
  EXPECT_FALSE(refused["ok"].get<bool>());
  EXPECT_NE(refused["error"].get<std::string>().find("waiting"), std::string::npos);
  EXPECT_TRUE(call(R"({"op": "gamestream.status"})")["enabled"].get<bool>());
  EXPECT_FALSE(call(R"({"op": "gamestream.pin", "pin": 1234})")["ok"].get<bool>());
}

}  // namespace
}  // namespace pf::pairing
