// The host's pairing state, sans-I/O: the PIN window the operator arms,
// the SPAKE2 attempts against it, the knocks waiting for approval, and the
// trust store (who is paired, at what access level). Sessions call it from
// their control threads with the messages they received and send what it
// returns; the operator's commands call it from theirs.
//
// The PIN window: armed for a TTL (optionally for one client fingerprint),
// shows a 4-digit PIN, serves one attempt at a time. A successful pairing
// closes it (single use). Every failed attempt — a wrong PIN, a client that
// stops after the challenge, a request for a window armed for someone
// else — counts; the third closes the window (locked: the operator must arm
// again) and is logged. Expired windows close by themselves.
//
// Knocks: an unpaired client may ask to be let in without a PIN. It waits
// (at most `pending_wait`, 180 s by default) in a bounded list the operator
// approves (granting an access level) or denies.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <list>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pf/control/messages.hpp"
#include "pf/core/clock.hpp"
#include "pf/core/event_sink.hpp"
#include "pf/core/thread_annotations.hpp"
#include "pf/pairing/spake2.hpp"
#include "pf/pairing/trust_store.hpp"

namespace pf::pairing {

struct PairingConfig {
  std::filesystem::path config_dir;  ///< where clients.json lives
  std::string host_fingerprint;
  std::uint32_t max_failures = 3;
  Nanos pending_wait = std::chrono::seconds(180);
  std::size_t max_pending = 8;
  Nanos max_ttl = std::chrono::hours(1);
  /// pairing.armed/disarmed/locked, client.paired, pairing.knock,
  /// pairing.approved/denied (never the PIN); called under the service's
  /// lock, must not block.
  EventSink events;
};

struct ArmOptions {
  Nanos ttl = std::chrono::seconds(120);
  std::string for_fingerprint;  ///< empty: any client
  Access access = Access::full; ///< what a client that pairs gets
  std::string pin;              ///< empty: a fresh random PIN (tests pass one)
};

struct WindowState {
  bool armed = false;
  std::string pin;  ///< while armed (for the operator; never logged)
  Nanos remaining{};
  std::string for_fingerprint;
  Access access = Access::unset;
  std::uint32_t failures = 0;  ///< in this window
  bool locked = false;         ///< the last window closed after max_failures
};

struct PendingRequest {
  std::uint64_t id = 0;
  std::string fingerprint;
  std::string name;
  std::string peer;  ///< address:port it knocked from
  Nanos waiting{};
  Nanos remaining{};
};

struct PairingCounters {
  std::uint64_t paired = 0;
  std::uint64_t failed = 0;      ///< wrong PIN, abandoned or not-for-you attempts
  std::uint64_t lockouts = 0;    ///< windows closed by max_failures
  std::uint64_t not_armed = 0;   ///< attempts with no window open
  std::uint64_t knocks = 0;
  std::uint64_t approved = 0;
  std::uint64_t denied = 0;      ///< by the operator, by timeout, or refused (list full)
};

class PairingService;

/// One PIN attempt in flight. Dropping it before finish() counts as a
/// failed attempt (the client never proved it knew the PIN).
class Attempt {
 public:
  Attempt(Attempt&& other) noexcept;
  Attempt& operator=(Attempt&&) = delete;
  Attempt(const Attempt&) = delete;
  ~Attempt();

 private:
  friend class PairingService;
  Attempt(PairingService& owner, std::uint64_t window, Spake2 spake, std::string fingerprint, std::string name,
          Access access);
  PairingService* owner_;
  std::uint64_t window_;
  Spake2 spake_;
  std::string fingerprint_;
  std::string name_;
  Access access_;
};

enum class KnockState : std::uint8_t { unset = 0, waiting, approved, denied, expired };

class PairingService {
 public:
  explicit PairingService(PairingConfig config);

  // --- the operator
  /// Opens (or re-opens) the window; returns its state including the PIN.
  [[nodiscard]] Result<WindowState> arm(ArmOptions options) PF_EXCLUDES(mutex_);
  void disarm() PF_EXCLUDES(mutex_);
  [[nodiscard]] WindowState window() PF_EXCLUDES(mutex_);
  [[nodiscard]] std::vector<PendingRequest> pending() PF_EXCLUDES(mutex_);
  [[nodiscard]] Status approve(std::uint64_t id, Access access) PF_EXCLUDES(mutex_);
  [[nodiscard]] Status deny(std::uint64_t id) PF_EXCLUDES(mutex_);
  [[nodiscard]] PairingCounters counters() PF_EXCLUDES(mutex_);

  // --- a client's connection
  struct Began {
    control::PairChallenge challenge;
    Attempt attempt;
  };
  /// A PairRequest from `fingerprint`: the challenge to send, or the result
  /// that ends the attempt.
  [[nodiscard]] std::variant<Began, control::PairResult> begin(std::string_view fingerprint, std::string_view peer,
                                                               const control::PairRequest& request)
      PF_EXCLUDES(mutex_);
  /// The client's proof: paired (and stored), or why not.
  [[nodiscard]] control::PairResult finish(Attempt attempt, const control::PairProof& proof) PF_EXCLUDES(mutex_);

  /// A knock: the pending id, or the result that ends it at once.
  [[nodiscard]] std::variant<control::PairPending, control::PairResult> knock(std::string_view fingerprint,
                                                                             std::string_view name,
                                                                             std::string_view peer)
      PF_EXCLUDES(mutex_);
  /// Waits at most `slice` for the operator; a decided or expired knock
  /// leaves the list. `access` is set when approved.
  [[nodiscard]] KnockState await(std::uint64_t id, Nanos slice, Access& access) PF_EXCLUDES(mutex_);
  /// The knocking client went away.
  void withdraw(std::uint64_t id) PF_EXCLUDES(mutex_);

  // --- trust
  /// The client with this fingerprint paired over `protocol` (re-reading
  /// clients.json when it changed), expired or not: the caller decides what
  /// expiry means.
  [[nodiscard]] std::optional<PairedClient> trusted(std::string_view fingerprint,
                                                    Protocol protocol = Protocol::native) PF_EXCLUDES(mutex_);
  /// Records a client another protocol's pairing admitted (GameStream's PIN
  /// pairing) and says so (client.paired).
  [[nodiscard]] Status record_paired(PairedClient client) PF_EXCLUDES(mutex_);
  /// Records that the client connected now (last_seen).
  void seen(std::string_view fingerprint) PF_EXCLUDES(mutex_);
  [[nodiscard]] const TrustStore& store() const noexcept { return store_; }

 private:
  friend class Attempt;
  struct Knocked {
    PendingRequest request;
    TimePoint since{};
    KnockState state = KnockState::waiting;
    Access access = Access::unset;
  };
  void abandoned(std::uint64_t window, std::string_view fingerprint) PF_EXCLUDES(mutex_);
  void fail_attempt(std::string_view why, std::string_view fingerprint) PF_REQUIRES(mutex_);
  void expire(TimePoint now) PF_REQUIRES(mutex_);
  /// `fields`: the members of the event's JSON object, without braces.
  void emit(std::string type, std::string fields) const;
  [[nodiscard]] std::list<Knocked>::iterator find_knock(std::uint64_t id) PF_REQUIRES(mutex_);
  [[nodiscard]] Status add_trusted(PairedClient client) PF_REQUIRES(mutex_);
  void reload() PF_REQUIRES(mutex_);

  const PairingConfig config_;
  const TrustStore store_;
  Mutex mutex_;
  std::condition_variable_any decided_;
  // the window
  std::uint64_t window_ PF_GUARDED_BY(mutex_) = 0;  ///< generation; 0 = never armed
  bool armed_ PF_GUARDED_BY(mutex_) = false;
  bool in_progress_ PF_GUARDED_BY(mutex_) = false;
  bool locked_ PF_GUARDED_BY(mutex_) = false;
  std::string pin_ PF_GUARDED_BY(mutex_);
  TimePoint until_ PF_GUARDED_BY(mutex_){};
  std::string for_ PF_GUARDED_BY(mutex_);
  Access grant_ PF_GUARDED_BY(mutex_) = Access::full;
  std::uint32_t failures_ PF_GUARDED_BY(mutex_) = 0;
  // knocks
  std::uint64_t next_knock_ PF_GUARDED_BY(mutex_) = 1;
  std::list<Knocked> knocks_ PF_GUARDED_BY(mutex_);
  // trust cache
  std::string version_ PF_GUARDED_BY(mutex_);
  std::vector<PairedClient> clients_ PF_GUARDED_BY(mutex_);
  PairingCounters counters_ PF_GUARDED_BY(mutex_);
};

}  // namespace pf::pairing
