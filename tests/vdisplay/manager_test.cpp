#include "pf/vdisplay/manager.hpp"

#include <gtest/gtest.h>

namespace pf::vdisplay {
namespace {

using namespace std::chrono_literals;

const Mode k1080{1920, 1080, 60'000};
const Mode k720{1280, 720, 60'000};
const GpuChoice kGpu{2, "Big GPU", "test"};

Action gpu() { return Action{ActionKind::set_render_gpu, 0, {}, 2, Backend::unset}; }
Action add(DisplayId id, Mode m) { return Action{ActionKind::add_display, id, m, 0, DisplaySettings{}.backend}; }
Action remove(DisplayId id) { return Action{ActionKind::remove_display, id, {}, 0, Backend::unset}; }

class Manager : public ::testing::Test {
 protected:
  DisplayManager make(DisplaySettings s = {}) { return DisplayManager(s, kGpu); }
  ManualClock clock_;
};

TEST_F(Manager, FirstAcquireCreatesWithTheGpuPinnedBeforeTheAdd) {
  auto m = make();
  const auto a = m.acquire("alice", k1080, clock_.now());
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->kind, AcquireKind::created);
  EXPECT_EQ(a->actions, (std::vector<Action>{gpu(), add(a->lease.display, k1080)}));
  ASSERT_EQ(m.snapshot().size(), 1U);
  EXPECT_EQ(m.snapshot()[0].state, DisplayState::active);
  EXPECT_EQ(m.snapshot()[0].refs, 1U);
}

TEST_F(Manager, SameClientAndModeWhileActiveJoinsAndIsNeverPreempted) {
  auto m = make();
  const auto a = m.acquire("alice", k1080, clock_.now()).value();
  const auto b = m.acquire("alice", k1080, clock_.now()).value();
  EXPECT_EQ(b.kind, AcquireKind::joined);
  EXPECT_EQ(b.lease, a.lease);
  EXPECT_TRUE(b.actions.empty());
  EXPECT_EQ(m.snapshot()[0].refs, 2U);
  EXPECT_TRUE(m.release(a.lease, ReleaseReason::disconnected, clock_.now()).empty());
  EXPECT_EQ(m.snapshot()[0].state, DisplayState::active);  // still one viewer
}

TEST_F(Manager, ReconnectToALingeringDisplayRemovesItThenAddsAFreshOne) {
  auto m = make();
  const auto a = m.acquire("alice", k1080, clock_.now()).value();
  EXPECT_TRUE(m.release(a.lease, ReleaseReason::disconnected, clock_.now()).empty());
  EXPECT_EQ(m.snapshot()[0].state, DisplayState::lingering);
  clock_.advance(2s);  // well within the 10 s keep-alive
  const auto b = m.acquire("alice", k1080, clock_.now()).value();
  EXPECT_EQ(b.kind, AcquireKind::preempted);
  EXPECT_NE(b.lease.display, a.lease.display);
  EXPECT_NE(b.lease.generation, a.lease.generation);
  EXPECT_EQ(b.actions, (std::vector<Action>{remove(a.lease.display), gpu(), add(b.lease.display, k1080)}));
}

TEST_F(Manager, ReconnectToAPinnedDisplayAlsoRemovesAndAdds) {
  DisplaySettings s;
  s.keep_alive = KeepAlive{KeepAliveKind::forever, {}};
  auto m = make(s);
  const auto a = m.acquire("alice", k1080, clock_.now()).value();
  EXPECT_TRUE(m.release(a.lease, ReleaseReason::disconnected, clock_.now()).empty());
  EXPECT_EQ(m.snapshot()[0].state, DisplayState::pinned);
  clock_.advance(24h);
  EXPECT_TRUE(m.expire(clock_.now()).empty());  // pinned never expires
  const auto b = m.acquire("alice", k1080, clock_.now()).value();
  EXPECT_EQ(b.kind, AcquireKind::preempted);
  EXPECT_EQ(b.actions.front(), remove(a.lease.display));
}

TEST_F(Manager, LingerExpiryFreesTheDisplay) {
  auto m = make();
  const auto a = m.acquire("alice", k1080, clock_.now()).value();
  static_cast<void>(m.release(a.lease, ReleaseReason::disconnected, clock_.now()));
  EXPECT_EQ(m.next_deadline(), clock_.now() + 10s);
  clock_.advance(9999ms);
  EXPECT_TRUE(m.expire(clock_.now()).empty());
  clock_.advance(1ms);
  EXPECT_EQ(m.expire(clock_.now()), std::vector<Action>{remove(a.lease.display)});
  EXPECT_TRUE(m.snapshot().empty());
  EXPECT_FALSE(m.next_deadline());
}

TEST_F(Manager, KeepAliveOffAndADeliberateQuitRemoveAtOnce) {
  DisplaySettings off;
  off.keep_alive = KeepAlive{KeepAliveKind::off, {}};
  auto m = make(off);
  const auto a = m.acquire("alice", k1080, clock_.now()).value();
  EXPECT_EQ(m.release(a.lease, ReleaseReason::disconnected, clock_.now()),
            std::vector<Action>{remove(a.lease.display)});
  auto m2 = make();
  const auto b = m2.acquire("bob", k1080, clock_.now()).value();
  EXPECT_EQ(m2.release(b.lease, ReleaseReason::quit, clock_.now()), std::vector<Action>{remove(b.lease.display)});
  EXPECT_TRUE(m2.snapshot().empty());
}

TEST_F(Manager, ReleasingOneClientsKeptDisplaysLeavesEveryoneElses) {
  auto m = make();
  const auto alice = m.acquire("alice", k1080, clock_.now()).value();
  const auto bob = m.acquire("bob", k720, clock_.now()).value();
  const auto carol = m.acquire("carol", k720, clock_.now()).value();
  EXPECT_TRUE(m.release(alice.lease, ReleaseReason::disconnected, clock_.now()).empty());
  EXPECT_TRUE(m.release(bob.lease, ReleaseReason::disconnected, clock_.now()).empty());
  // alice quits after her session ended: her lingering display goes now,
  // bob's lingers on and carol's active one is untouched.
  EXPECT_EQ(m.release_kept("alice"), (std::vector<Action>{remove(alice.lease.display)}));
  EXPECT_TRUE(m.release_kept("carol").empty());
  ASSERT_EQ(m.snapshot().size(), 2U);
  EXPECT_EQ(m.release_kept(), (std::vector<Action>{remove(bob.lease.display)}));
  ASSERT_EQ(m.snapshot().size(), 1U);
  EXPECT_EQ(m.snapshot()[0].display, carol.lease.display);
}

TEST_F(Manager, AStaleLeaseReleaseIsANoOp) {
  auto m = make();
  const auto a = m.acquire("alice", k1080, clock_.now()).value();
  static_cast<void>(m.release(a.lease, ReleaseReason::disconnected, clock_.now()));
  const auto b = m.acquire("alice", k1080, clock_.now()).value();  // preempts a's display
  // The first session's late release must not touch the new display.
  EXPECT_TRUE(m.release(a.lease, ReleaseReason::quit, clock_.now()).empty());
  ASSERT_EQ(m.snapshot().size(), 1U);
  EXPECT_EQ(m.snapshot()[0].display, b.lease.display);
  EXPECT_EQ(m.snapshot()[0].refs, 1U);
  EXPECT_TRUE(m.release(Lease{b.lease.display, b.lease.generation + 1}, ReleaseReason::quit, clock_.now()).empty());
  EXPECT_TRUE(m.release(Lease{999, 1}, ReleaseReason::quit, clock_.now()).empty());
}

TEST_F(Manager, DifferentClientsNeverShareADisplay) {
  auto m = make();
  const auto a = m.acquire("alice", k1080, clock_.now()).value();
  const auto b = m.acquire("bob", k1080, clock_.now()).value();
  EXPECT_EQ(b.kind, AcquireKind::created);
  EXPECT_NE(a.lease.display, b.lease.display);
}

TEST_F(Manager, ModeConflictSeparateGivesASecondDisplay) {
  auto m = make();
  const auto a = m.acquire("alice", k1080, clock_.now()).value();
  const auto b = m.acquire("alice", k720, clock_.now()).value();
  EXPECT_EQ(b.kind, AcquireKind::created);
  EXPECT_NE(a.lease.display, b.lease.display);
  EXPECT_EQ(m.snapshot().size(), 2U);
}

TEST_F(Manager, ModeConflictStealChangesTheActiveDisplayInPlace) {
  DisplaySettings s;
  s.mode_conflict = ModeConflict::steal;
  auto m = make(s);
  const auto a = m.acquire("alice", k1080, clock_.now()).value();
  const auto b = m.acquire("alice", k720, clock_.now()).value();
  EXPECT_EQ(b.kind, AcquireKind::stolen);
  EXPECT_EQ(b.lease, a.lease);
  EXPECT_EQ(b.actions, (std::vector<Action>{Action{ActionKind::update_mode, a.lease.display, k720, 0, Backend::unset}}));
  EXPECT_EQ(m.snapshot()[0].mode, k720);
  EXPECT_EQ(m.snapshot()[0].refs, 2U);
}

TEST_F(Manager, ModeConflictJoinGivesTheExistingMode) {
  DisplaySettings s;
  s.mode_conflict = ModeConflict::join;
  auto m = make(s);
  const auto a = m.acquire("alice", k1080, clock_.now()).value();
  const auto b = m.acquire("alice", k720, clock_.now()).value();
  EXPECT_EQ(b.kind, AcquireKind::joined_other_mode);
  EXPECT_EQ(b.mode, k1080);
  EXPECT_EQ(b.lease, a.lease);
}

TEST_F(Manager, ModeConflictRejectRefusesWithAReason) {
  DisplaySettings s;
  s.mode_conflict = ModeConflict::reject;
  auto m = make(s);
  static_cast<void>(m.acquire("alice", k1080, clock_.now()).value());
  const auto b = m.acquire("alice", k720, clock_.now());
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, Errc::refused);
  EXPECT_NE(b.error().message.find("'reject'"), std::string::npos);
}

TEST_F(Manager, MaxDisplaysRefusesClearlyButEvictsLingeringFirst) {
  DisplaySettings s;
  s.max_displays = 2;
  auto m = make(s);
  const auto a = m.acquire("a", k1080, clock_.now()).value();
  static_cast<void>(m.acquire("b", k1080, clock_.now()).value());
  const auto refused = m.acquire("c", k1080, clock_.now());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::limit_reached);
  EXPECT_EQ(refused.error().message,
            "all 2 displays are in use (2 active, 0 pinned); raise max_displays or end a session");
  static_cast<void>(m.release(a.lease, ReleaseReason::disconnected, clock_.now()));
  const auto c = m.acquire("c", k1080, clock_.now());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->actions.front(), remove(a.lease.display));  // the lingering one made room
}

TEST_F(Manager, InvalidModesAreRefused) {
  auto m = make();
  EXPECT_EQ(m.acquire("a", Mode{0, 1080, 60'000}, clock_.now()).error().code, Errc::invalid_argument);
  EXPECT_EQ(m.acquire("a", Mode{1920, 1080, 0}, clock_.now()).error().code, Errc::invalid_argument);
  EXPECT_EQ(m.acquire("a", Mode{20000, 1080, 60'000}, clock_.now()).error().code, Errc::invalid_argument);
}

TEST_F(Manager, ChangeModeUpdatesInPlaceAndNeverReusesAKeptDisplay) {
  auto m = make();
  const auto old720 = m.acquire("alice", k720, clock_.now()).value();
  static_cast<void>(m.release(old720.lease, ReleaseReason::disconnected, clock_.now()));
  const auto a = m.acquire("alice", k1080, clock_.now()).value();
  const auto actions = m.change_mode(a.lease, k720);
  ASSERT_TRUE(actions);
  EXPECT_EQ(*actions, (std::vector<Action>{remove(old720.lease.display),
                                           Action{ActionKind::update_mode, a.lease.display, k720, 0, Backend::unset}}));
  EXPECT_EQ(m.snapshot().size(), 1U);
  EXPECT_FALSE(m.change_mode(Lease{a.lease.display, a.lease.generation + 7}, k1080));
}

TEST_F(Manager, AfterAnAgentRestartActiveDisplaysAreRecreatedAndKeptOnesDropped) {
  auto m = make();
  const auto a = m.acquire("alice", k1080, clock_.now()).value();
  const auto b = m.acquire("bob", k720, clock_.now()).value();
  static_cast<void>(m.release(b.lease, ReleaseReason::disconnected, clock_.now()));
  EXPECT_EQ(m.recreate_all(), (std::vector<Action>{gpu(), add(a.lease.display, k1080)}));
  ASSERT_EQ(m.snapshot().size(), 1U);
  // The surviving session's lease still works.
  EXPECT_FALSE(m.release(a.lease, ReleaseReason::quit, clock_.now()).empty());
}

}  // namespace
}  // namespace pf::vdisplay
