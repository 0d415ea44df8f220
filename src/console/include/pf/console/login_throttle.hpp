// Throttling of password attempts (logins and confirmations), per peer
// address and globally:
//
//   * every address gets `free_attempts` attempts; from then on each
//     failed one locks it out for first_lockout · 2^k, at most max_lockout
//     (1 s, 2 s, 4 s, … 5 min);
//   * an address's record is forgotten `forget_after` after its last
//     attempt; at most `max_entries` are kept (the stalest goes first);
//   * the global floor: while more than `flood_attempts` attempts arrived
//     in the last minute from anywhere, only one attempt per `flood_gap`
//     is evaluated at all.
//
// An attempt counts as failed from the moment it is admitted until
// succeeded() clears the address, so parallel guesses cannot outrun the
// count while a hash is being checked. Thread-safe; the clock is passed in.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "pf/core/clock.hpp"
#include "pf/core/thread_annotations.hpp"

namespace pf::console {

struct ThrottleLimits {
  std::uint32_t free_attempts = 5;
  Nanos first_lockout = std::chrono::seconds(1);
  Nanos max_lockout = std::chrono::minutes(5);
  Nanos forget_after = std::chrono::minutes(15);
  std::size_t max_entries = 4096;
  std::size_t flood_attempts = 100;  ///< per minute, all addresses together
  Nanos flood_gap = std::chrono::seconds(1);
};

class LoginThrottle {
 public:
  explicit LoginThrottle(ThrottleLimits limits = {}) : limits_(limits) {}

  struct Verdict {
    bool allowed = false;
    std::chrono::seconds retry_after{0};  ///< when refused: rounded up, at least 1
  };

  /// Admits (and counts) an attempt from `address`, or says how long to wait.
  [[nodiscard]] Verdict attempt(std::string_view address, TimePoint now) PF_EXCLUDES(mutex_);
  /// The attempt was right: the address starts afresh.
  void succeeded(std::string_view address) PF_EXCLUDES(mutex_);

  [[nodiscard]] std::size_t entries() const PF_EXCLUDES(mutex_);

 private:
  struct Entry {
    std::uint32_t attempts = 0;
    TimePoint locked_until{};
    TimePoint last{};
  };
  void make_room(TimePoint now) PF_REQUIRES(mutex_);

  const ThrottleLimits limits_;
  mutable Mutex mutex_;
  std::unordered_map<std::string, Entry> entries_ PF_GUARDED_BY(mutex_);
  std::deque<TimePoint> recent_ PF_GUARDED_BY(mutex_);  ///< attempts in the last minute (bounded)
  TimePoint next_flood_slot_ PF_GUARDED_BY(mutex_){};
};

}  // namespace pf::console
