// Clang thread-safety annotations (checked with -Wthread-safety in the clang
// presets; no-ops elsewhere) and an annotated mutex to use them with.
//
//   pf::Mutex mutex_;
//   int count_ PF_GUARDED_BY(mutex_);
//   void bump() PF_EXCLUDES(mutex_) { pf::MutexLock lock(mutex_); ++count_; }
#pragma once

#include <mutex>

#if defined(__clang__)
#define PF_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define PF_THREAD_ANNOTATION(x)
#endif

#define PF_CAPABILITY(name) PF_THREAD_ANNOTATION(capability(name))
#define PF_SCOPED_CAPABILITY PF_THREAD_ANNOTATION(scoped_lockable)
#define PF_GUARDED_BY(m) PF_THREAD_ANNOTATION(guarded_by(m))
#define PF_PT_GUARDED_BY(m) PF_THREAD_ANNOTATION(pt_guarded_by(m))
#define PF_REQUIRES(...) PF_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define PF_EXCLUDES(...) PF_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define PF_ACQUIRE(...) PF_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define PF_RELEASE(...) PF_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define PF_TRY_ACQUIRE(...) PF_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define PF_RETURN_CAPABILITY(x) PF_THREAD_ANNOTATION(lock_returned(x))
/// For the rare function the analysis cannot follow (a condition-variable
/// predicate runs with the lock held by the wait); say why at the use.
#define PF_NO_THREAD_SAFETY_ANALYSIS PF_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace pf {

/// std::mutex with capability annotations.
class PF_CAPABILITY("mutex") Mutex {
 public:
  void lock() PF_ACQUIRE() { m_.lock(); }
  void unlock() PF_RELEASE() { m_.unlock(); }
  [[nodiscard]] bool try_lock() PF_TRY_ACQUIRE(true) { return m_.try_lock(); }
  /// For std::condition_variable waits only.
  [[nodiscard]] std::mutex& native() noexcept { return m_; }

 private:
  std::mutex m_;
};

/// Scoped lock over pf::Mutex.
class PF_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& m) PF_ACQUIRE(m) : m_(m) { m_.lock(); }
  ~MutexLock() PF_RELEASE() { m_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& m_;
};

}  // namespace pf
