#include "pf/core/unique.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

namespace pf {
namespace {

std::vector<int> closed;  // handles passed to fake_close, in order
int fake_close(int h) noexcept {
  closed.push_back(h);
  return 0;
}
using Fake = Unique<int, &fake_close, -1>;

struct Thing {
  int id;
};
std::vector<int> freed;
void free_thing(Thing* t) noexcept {
  freed.push_back(t->id);
  delete t;
}
using ThingPtr = Unique<Thing*, &free_thing>;

class UniqueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    closed.clear();
    freed.clear();
  }
};

static_assert(sizeof(Fake) == sizeof(int), "zero-size deleter");
static_assert(sizeof(ThingPtr) == sizeof(Thing*), "zero-size deleter");
static_assert(!std::is_copy_constructible_v<Fake> && !std::is_copy_assignable_v<Fake>);
static_assert(std::is_nothrow_move_constructible_v<Fake> && std::is_nothrow_move_assignable_v<Fake>);
static_assert(!std::is_convertible_v<Fake, int>, "no implicit conversion to the raw handle");
static_assert(!std::is_convertible_v<int, Fake>, "construction from a raw handle is explicit");

TEST_F(UniqueTest, DefaultIsInvalidAndClosesNothing) {
  { const Fake f; EXPECT_FALSE(f); EXPECT_EQ(f.get(), -1); }
  EXPECT_TRUE(closed.empty());
}

TEST_F(UniqueTest, ZeroIsAValidDescriptor) {
  { const Fake f(0); EXPECT_TRUE(f.valid()); }
  EXPECT_EQ(closed, std::vector<int>{0});
}

TEST_F(UniqueTest, ClosesOnceOnDestruction) {
  { const Fake f(5); }
  EXPECT_EQ(closed, std::vector<int>{5});
}

TEST_F(UniqueTest, MoveTransfersOwnership) {
  {
    Fake a(3);
    Fake b(std::move(a));
    EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): the moved-from state is the contract
    EXPECT_EQ(b.get(), 3);
  }
  EXPECT_EQ(closed, std::vector<int>{3});
}

TEST_F(UniqueTest, MoveAssignClosesTheOldHandle) {
  {
    Fake a(1);
    Fake b(2);
    b = std::move(a);
    EXPECT_EQ(closed, std::vector<int>{2});
    EXPECT_EQ(b.get(), 1);
  }
  EXPECT_EQ(closed, (std::vector<int>{2, 1}));
}

TEST_F(UniqueTest, SelfMoveAssignKeepsTheHandle) {
  {
    Fake a(9);
    Fake& alias = a;
    a = std::move(alias);
    EXPECT_EQ(a.get(), 9);
    EXPECT_TRUE(closed.empty());
  }
  EXPECT_EQ(closed, std::vector<int>{9});
}

TEST_F(UniqueTest, ReleaseGivesUpOwnership) {
  int raw = -1;
  { Fake f(7); raw = f.release(); EXPECT_FALSE(f); }
  EXPECT_EQ(raw, 7);
  EXPECT_TRUE(closed.empty());
}

TEST_F(UniqueTest, ResetClosesAndAdopts) {
  Fake f(1);
  f.reset(2);
  EXPECT_EQ(closed, std::vector<int>{1});
  f.reset();
  EXPECT_EQ(closed, (std::vector<int>{1, 2}));
  EXPECT_FALSE(f);
}

TEST_F(UniqueTest, PointerHandlesUseNullAsInvalid) {
  {
    ThingPtr p(new Thing{42});
    EXPECT_EQ(p.get()->id, 42);
    ThingPtr empty;
    EXPECT_EQ(empty.get(), nullptr);
  }
  EXPECT_EQ(freed, std::vector<int>{42});
}

TEST(UniqueFd, ClosesTheRealDescriptor) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  {
    const UniqueFd r(fds[0]);
    const UniqueFd w(fds[1]);
    EXPECT_NE(::fcntl(fds[0], F_GETFD), -1);
  }
  EXPECT_EQ(::fcntl(fds[0], F_GETFD), -1);
  EXPECT_EQ(::fcntl(fds[1], F_GETFD), -1);
}

}  // namespace
}  // namespace pf
