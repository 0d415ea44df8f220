// Slot locks with keyed-mutex semantics: a robust, process-shared pthread
// mutex per slot, living in the ring's shared memory.
//
// acquire() returns exactly one of four outcomes, classified from the raw
// pthread result in one place (classify_lock_result), and every caller
// switches on all four:
//   acquired   the caller holds the slot
//   abandoned  the previous owner died holding it; the mutex was made
//              consistent and the caller now holds it. This COUNTS AS
//              ACQUIRED: refusing it would wedge the slot forever. The
//              slot's contents are suspect (the owner may have died
//              mid-copy); SlotHeader::seq says whether they are whole.
//   busy       someone else holds it and the timeout passed
//   error      the lock is unusable
// There is no boolean anywhere on this path: a busy slot read as "acquired"
// is exactly the bug that let producer and consumer race one buffer.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"

namespace pf::framering {

enum class LockOutcome : std::uint8_t { unset = 0, acquired, abandoned, busy, error };

[[nodiscard]] std::string_view to_string(LockOutcome outcome) noexcept;

/// Maps a raw return of pthread_mutex_trylock / pthread_mutex_clocklock.
/// EOWNERDEAD → abandoned (before consistency is restored), EBUSY and
/// ETIMEDOUT → busy, 0 → acquired, anything else → error.
[[nodiscard]] LockOutcome classify_lock_result(int rc) noexcept;

/// Initialises a robust, process-shared mutex in `storage` (64 bytes of
/// shared memory). Only the ring's creator calls this, before publishing magic.
[[nodiscard]] Status init_slot_mutex(void* storage) noexcept;

/// Holds a slot lock; releases it on destruction on every path.
class SlotGuard {
 public:
  /// timeout 0 → a single try (never blocks); otherwise waits up to timeout
  /// on CLOCK_MONOTONIC.
  [[nodiscard]] static SlotGuard acquire(void* storage, Nanos timeout) noexcept;

  SlotGuard(SlotGuard&& other) noexcept
      : storage_(std::exchange(other.storage_, nullptr)), outcome_(other.outcome_) {}
  SlotGuard& operator=(SlotGuard&&) = delete;
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;
  ~SlotGuard();

  [[nodiscard]] LockOutcome outcome() const noexcept { return outcome_; }

 private:
  SlotGuard(void* held, LockOutcome outcome) noexcept : storage_(held), outcome_(outcome) {}
  void* storage_;  // non-null only while held
  LockOutcome outcome_;
};

}  // namespace pf::framering
