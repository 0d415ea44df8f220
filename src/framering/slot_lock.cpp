#include "pf/framering/slot_lock.hpp"

#include <pthread.h>

#include <cerrno>
#include <ctime>
#include <new>

#include "pf/framering/abi.hpp"

namespace pf::framering {
namespace {

static_assert(sizeof(pthread_mutex_t) <= sizeof(SlotHeader::mutex_storage));
static_assert(alignof(pthread_mutex_t) <= kCacheLine);

pthread_mutex_t* as_mutex(void* storage) noexcept { return static_cast<pthread_mutex_t*>(storage); }

// ThreadSanitizer from clang 14 does not intercept pthread_mutex_clocklock:
// it would miss the lock and then report the unlock. TSan builds therefore
// wait with pthread_mutex_timedlock (CLOCK_REALTIME, which a clock step can
// stretch); every other build uses the monotonic clock.
#if defined(__SANITIZE_THREAD__)
#define PF_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PF_TSAN 1
#endif
#endif
#if defined(PF_TSAN)
constexpr clockid_t kLockClock = CLOCK_REALTIME;
#else
constexpr clockid_t kLockClock = CLOCK_MONOTONIC;
#endif

timespec deadline_after(Nanos timeout) noexcept {
  timespec now{};
  clock_gettime(kLockClock, &now);
  const auto total = std::chrono::seconds(now.tv_sec) + Nanos(now.tv_nsec) + timeout;
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(total);
  return timespec{static_cast<time_t>(secs.count()), static_cast<long>((total - secs).count())};
}

}  // namespace

std::string_view to_string(LockOutcome outcome) noexcept {
  switch (outcome) {
    case LockOutcome::unset: return "unset";
    case LockOutcome::acquired: return "acquired";
    case LockOutcome::abandoned: return "abandoned";
    case LockOutcome::busy: return "busy";
    case LockOutcome::error: return "error";
  }
  return "unknown";
}

LockOutcome classify_lock_result(int rc) noexcept {
  switch (rc) {
    case 0: return LockOutcome::acquired;
    case EOWNERDEAD: return LockOutcome::abandoned;
    case EBUSY:
    case ETIMEDOUT: return LockOutcome::busy;
    default: return LockOutcome::error;  // ENOTRECOVERABLE, EINVAL, EDEADLK, ...
  }
}

Status init_slot_mutex(void* storage) noexcept {
  pthread_mutexattr_t attr;
  if (pthread_mutexattr_init(&attr) != 0) {
    return fail(Errc::io, "pthread_mutexattr_init failed");
  }
  int rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  if (rc == 0) {
    rc = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  }
  if (rc == 0) {
    rc = pthread_mutex_init(new (storage) pthread_mutex_t, &attr);
  }
  pthread_mutexattr_destroy(&attr);
  if (rc != 0) {
    return fail_errno(rc, "initialising a slot mutex");
  }
  return ok();
}

SlotGuard SlotGuard::acquire(void* storage, Nanos timeout) noexcept {
  pthread_mutex_t* m = as_mutex(storage);
  // Try first: the uncontended case needs no clock, and an owner that died
  // before we came is reported here (also to ThreadSanitizer, which models
  // EOWNERDEAD only for lock/trylock).
  int rc = pthread_mutex_trylock(m);
  if (rc == EBUSY && timeout > Nanos::zero()) {
    const timespec deadline = deadline_after(timeout);
#if defined(PF_TSAN)
    rc = pthread_mutex_timedlock(m, &deadline);
#else
    rc = pthread_mutex_clocklock(m, kLockClock, &deadline);
#endif
  }
  LockOutcome outcome = classify_lock_result(rc);
  switch (outcome) {
    case LockOutcome::acquired:
      return SlotGuard(storage, outcome);
    case LockOutcome::abandoned:
      // We own it now. Make it usable again, or nobody ever can.
      if (pthread_mutex_consistent(m) != 0) {
        pthread_mutex_unlock(m);
        return SlotGuard(nullptr, LockOutcome::error);
      }
      return SlotGuard(storage, outcome);
    case LockOutcome::busy:
    case LockOutcome::error:
    case LockOutcome::unset:
      break;
  }
  return SlotGuard(nullptr, outcome);
}

SlotGuard::~SlotGuard() {
  if (storage_ != nullptr) {
    pthread_mutex_unlock(as_mutex(storage_));
  }
}

}  // namespace pf::framering
