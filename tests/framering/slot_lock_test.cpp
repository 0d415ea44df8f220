#include "pf/framering/slot_lock.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include <gtest/gtest.h>

namespace pf::framering {
namespace {

using namespace std::chrono_literals;

// The seed's bug was a wrapper that reported a timeout as success. The raw
// result is classified in exactly one place; pin every mapping here.
TEST(ClassifyLockResult, MapsEveryRawResult) {
  EXPECT_EQ(classify_lock_result(0), LockOutcome::acquired);
  EXPECT_EQ(classify_lock_result(EOWNERDEAD), LockOutcome::abandoned);
  EXPECT_EQ(classify_lock_result(EBUSY), LockOutcome::busy);
  EXPECT_EQ(classify_lock_result(ETIMEDOUT), LockOutcome::busy);
  EXPECT_EQ(classify_lock_result(ENOTRECOVERABLE), LockOutcome::error);
  EXPECT_EQ(classify_lock_result(EINVAL), LockOutcome::error);
  EXPECT_EQ(classify_lock_result(EDEADLK), LockOutcome::error);
  EXPECT_EQ(classify_lock_result(EAGAIN), LockOutcome::error);
}

// 64 bytes of memory shared with forked children, like a slot in a ring.
class SharedMutex : public ::testing::Test {
 protected:
  void SetUp() override {
    mem_ = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(mem_, MAP_FAILED);
    ASSERT_TRUE(init_slot_mutex(mem_));
  }
  void TearDown() override { ::munmap(mem_, 4096); }
  void* mem_ = nullptr;
};

TEST_F(SharedMutex, AcquireThenBusyThenAcquireAgain) {
  {
    const SlotGuard held = SlotGuard::acquire(mem_, 0ns);
    ASSERT_EQ(held.outcome(), LockOutcome::acquired);
    std::thread other([&] {
      EXPECT_EQ(SlotGuard::acquire(mem_, 0ns).outcome(), LockOutcome::busy);
      EXPECT_EQ(SlotGuard::acquire(mem_, 2ms).outcome(), LockOutcome::busy);
    });
    other.join();
  }
  EXPECT_EQ(SlotGuard::acquire(mem_, 0ns).outcome(), LockOutcome::acquired);
}

TEST_F(SharedMutex, GuardReleasesOnEveryPath) {
  auto early_return = [&]() -> int {
    const SlotGuard g = SlotGuard::acquire(mem_, 0ns);
    if (g.outcome() == LockOutcome::acquired) {
      return 1;
    }
    return 0;
  };
  EXPECT_EQ(early_return(), 1);
  EXPECT_EQ(early_return(), 1);  // released by the first call's guard
}

TEST_F(SharedMutex, OwnerDeathIsAbandonedAndCountsAsAcquired) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    const SlotGuard g = SlotGuard::acquire(mem_, 0ns);
    const char c = g.outcome() == LockOutcome::acquired ? 'y' : 'n';
    static_cast<void>(::write(ready[1], &c, 1));
    ::pause();  // killed while holding the lock
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  EXPECT_EQ(SlotGuard::acquire(mem_, 0ns).outcome(), LockOutcome::busy);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  {
    const SlotGuard taken = SlotGuard::acquire(mem_, 100ms);
    EXPECT_EQ(taken.outcome(), LockOutcome::abandoned);
  }
  // Made consistent: the slot works normally afterwards, it is not wedged.
  EXPECT_EQ(SlotGuard::acquire(mem_, 0ns).outcome(), LockOutcome::acquired);
  ::close(ready[0]);
  ::close(ready[1]);
}

}  // namespace
}  // namespace pf::framering
