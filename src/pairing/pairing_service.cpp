#include "pf/pairing/pairing_service.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pf/core/log.hpp"

namespace pf::pairing {
namespace {

const log::Logger kLog{"pairing"};

/// "fingerprint":..,"name":..[,"access":..] for an event (the name is the client's own text).
std::string client_fields(std::string_view fingerprint, std::string_view name, std::string_view access) {
  nlohmann::json j{{"fingerprint", fingerprint}, {"name", name}};
  if (!access.empty()) {
    j["access"] = access;
  }
  const std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return text.substr(1, text.size() - 2);
}
constexpr std::size_t kMaxKnocksPerFingerprint = 1;

std::string short_fp(std::string_view fp) { return std::string(fp.substr(0, 16)); }

control::PairResult result(control::PairOutcome outcome, std::string detail, Access access = Access::unset) {
  return {outcome, static_cast<std::uint8_t>(access), std::move(detail)};
}

std::string sanitize_name(std::string_view name) {
  std::string out;
  for (const char c : name.substr(0, kMaxClientNameBytes)) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '?' : c);
  }
  return out.empty() ? std::string("unnamed client") : out;
}

}  // namespace

Attempt::Attempt(PairingService& owner, std::uint64_t window, Spake2 spake, std::string fingerprint,
                 std::string name, Access access)
    : owner_(&owner),
      window_(window),
      spake_(std::move(spake)),
      fingerprint_(std::move(fingerprint)),
      name_(std::move(name)),
      access_(access) {}

Attempt::Attempt(Attempt&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      window_(other.window_),
      spake_(std::move(other.spake_)),
      fingerprint_(std::move(other.fingerprint_)),
      name_(std::move(other.name_)),
      access_(other.access_) {}

Attempt::~Attempt() {
  if (owner_ != nullptr) {
    owner_->abandoned(window_, fingerprint_);
  }
}

PairingService::PairingService(PairingConfig config) : config_(std::move(config)), store_(config_.config_dir) {}

void PairingService::emit(std::string type, std::string fields) const {
  if (config_.events) {
    config_.events(std::move(type), "{" + fields + "}");
  }
}

Result<WindowState> PairingService::arm(ArmOptions o) {
  if (o.ttl <= Nanos::zero() || o.ttl > config_.max_ttl) {
    return fail(Errc::invalid_argument, "the pairing window lasts 1 s to {} s",
                std::chrono::duration_cast<std::chrono::seconds>(config_.max_ttl).count());
  }
  if (!o.pin.empty() && !valid_pin(o.pin)) {
    return fail(Errc::invalid_argument, "a PIN is 4 to 8 digits");
  }
  std::string only;
  if (!o.for_fingerprint.empty()) {
    auto fp = normalize_fingerprint(o.for_fingerprint);
    if (!fp) {
      return fail(Errc::invalid_argument, "--for expects a client's SHA-256 fingerprint (64 hex digits)");
    }
    only = *fp;
  }
  if (o.access == Access::unset) {
    o.access = Access::full;
  }
  {
    const MutexLock lock(mutex_);
    ++window_;
    armed_ = true;
    in_progress_ = false;
    locked_ = false;
    failures_ = 0;
    pin_ = o.pin.empty() ? random_pin() : o.pin;
    until_ = steady_clock().now() + o.ttl;
    for_ = only;
    grant_ = o.access;
  }
  kLog.info("pairing window armed for {} s{} (access {})",
            std::chrono::duration_cast<std::chrono::seconds>(o.ttl).count(),
            only.empty() ? std::string() : " for client " + short_fp(only), to_string(o.access));
  emit("pairing.armed", fmt::format(R"("expires_in_s":{},"access":"{}")",
                                    std::chrono::duration_cast<std::chrono::seconds>(o.ttl).count(), to_string(o.access)));
  return window();
}

void PairingService::disarm() {
  const MutexLock lock(mutex_);
  if (armed_) {
    kLog.info("pairing window closed by the operator");
    emit("pairing.disarmed", "");
  }
  armed_ = false;
  ++window_;  // an attempt in flight can no longer complete
  pin_.clear();
}

void PairingService::expire(TimePoint now) {
  if (armed_ && now >= until_) {
    kLog.info("pairing window expired");
    armed_ = false;
    pin_.clear();
  }
  for (auto& k : knocks_) {
    if (k.state == KnockState::waiting && now - k.since >= config_.pending_wait) {
      k.state = KnockState::expired;
      ++counters_.denied;
      kLog.info("knock {} from {} ({}) expired unanswered", k.request.id, k.request.name,
                short_fp(k.request.fingerprint));
      decided_.notify_all();
    }
  }
}

WindowState PairingService::window() {
  const MutexLock lock(mutex_);
  const auto now = steady_clock().now();
  expire(now);
  WindowState w;
  w.armed = armed_;
  w.locked = locked_;
  w.failures = failures_;
  if (armed_) {
    w.pin = pin_;
    w.remaining = until_ - now;
    w.for_fingerprint = for_;
    w.access = grant_;
  }
  return w;
}

void PairingService::fail_attempt(std::string_view why, std::string_view fingerprint) {
  ++counters_.failed;
  ++failures_;
  kLog.warn("pairing attempt from client {} failed: {} ({} of {})", short_fp(fingerprint), why, failures_,
            config_.max_failures);
  if (failures_ >= config_.max_failures && armed_) {
    armed_ = false;
    locked_ = true;
    pin_.clear();
    ++window_;
    ++counters_.lockouts;
    kLog.warn("pairing locked after {} failed attempts; arm a new window to pair", failures_);
    emit("pairing.locked", fmt::format(R"("failures":{})", failures_));
  }
}

std::variant<PairingService::Began, control::PairResult> PairingService::begin(std::string_view fingerprint,
                                                                               std::string_view peer,
                                                                               const control::PairRequest& request) {
  const MutexLock lock(mutex_);
  expire(steady_clock().now());
  reload();
  if (std::any_of(clients_.begin(), clients_.end(), [&](const auto& c) { return c.fingerprint == fingerprint; })) {
    return result(control::PairOutcome::already_paired, "this client is paired already; just connect");
  }
  if (!armed_) {
    ++counters_.not_armed;
    kLog.info("pairing request from {} ({}) with no window open", peer, short_fp(fingerprint));
    return result(locked_ ? control::PairOutcome::locked : control::PairOutcome::not_armed,
                  locked_ ? "pairing is locked after too many wrong PINs; ask the host's operator to arm it again"
                          : "pairing is not armed on the host; run `punktfunk-host pair arm` there first");
  }
  if (in_progress_) {
    return result(control::PairOutcome::busy, "another client is pairing right now; try again in a moment");
  }
  if (!for_.empty() && for_ != fingerprint) {
    fail_attempt("the window is armed for another client", fingerprint);
    return result(control::PairOutcome::not_for_you, "the pairing window is armed for another client");
  }
  auto spake = Spake2::start(Spake2Role::host, pin_, fingerprint, config_.host_fingerprint);
  if (!spake) {
    return result(control::PairOutcome::malformed, spake.error().message);
  }
  if (auto finished = spake->finish(request.element); !finished) {
    fail_attempt(finished.error().message, fingerprint);
    return result(control::PairOutcome::malformed, finished.error().message);
  }
  control::PairChallenge challenge{spake->element(), spake->confirmation()};
  in_progress_ = true;
  return Began{challenge, Attempt(*this, window_, std::move(*spake), std::string(fingerprint),
                                  sanitize_name(request.name), grant_)};
}

control::PairResult PairingService::finish(Attempt attempt, const control::PairProof& proof) {
  const MutexLock lock(mutex_);
  attempt.owner_ = nullptr;  // settled here, not abandoned
  const bool current = attempt.window_ == window_;
  if (current) {
    in_progress_ = false;
  }
  if (!current || !armed_ || steady_clock().now() >= until_) {
    return result(control::PairOutcome::not_armed, "the pairing window closed during the attempt");
  }
  if (!attempt.spake_.verify(proof.confirm)) {
    fail_attempt("wrong PIN or a different certificate in between", attempt.fingerprint_);
    return result(locked_ ? control::PairOutcome::locked : control::PairOutcome::wrong_pin,
                  locked_ ? "wrong PIN; pairing is now locked until the operator arms it again"
                          : "wrong PIN (or someone is between you and the host)");
  }
  PairedClient client;
  client.fingerprint = attempt.fingerprint_;
  client.name = attempt.name_;
  client.access = attempt.access_;
  client.paired_at = unix_now();
  if (auto added = add_trusted(client); !added) {
    kLog.error("cannot record the paired client: {}", added.error().message);
    return result(control::PairOutcome::busy, "the host could not record the pairing; see its log");
  }
  armed_ = false;  // single use
  pin_.clear();
  ++window_;
  ++counters_.paired;
  kLog.info("paired client '{}' ({}), access {}", client.name, short_fp(client.fingerprint), to_string(client.access));
  emit("client.paired", client_fields(client.fingerprint, client.name, to_string(client.access)));
  return result(control::PairOutcome::paired, fmt::format("paired; access {}", to_string(client.access)),
                client.access);
}

void PairingService::abandoned(std::uint64_t window, std::string_view fingerprint) {
  const MutexLock lock(mutex_);
  if (window == window_) {
    in_progress_ = false;
    fail_attempt("the client left before proving it knew the PIN (a wrong PIN, as the client saw)", fingerprint);
  }
}

std::variant<control::PairPending, control::PairResult> PairingService::knock(std::string_view fingerprint,
                                                                             std::string_view name,
                                                                             std::string_view peer) {
  const MutexLock lock(mutex_);
  expire(steady_clock().now());
  reload();
  if (std::any_of(clients_.begin(), clients_.end(), [&](const auto& c) { return c.fingerprint == fingerprint; })) {
    return result(control::PairOutcome::already_paired, "this client is paired already; just connect");
  }
  const auto waiting = [&](const Knocked& k) { return k.state == KnockState::waiting; };
  const auto same = std::count_if(knocks_.begin(), knocks_.end(), [&](const Knocked& k) {
    return waiting(k) && k.request.fingerprint == fingerprint;
  });
  if (static_cast<std::size_t>(std::count_if(knocks_.begin(), knocks_.end(), waiting)) >= config_.max_pending ||
      static_cast<std::size_t>(same) >= kMaxKnocksPerFingerprint) {
    ++counters_.denied;
    return result(control::PairOutcome::busy, "too many clients are waiting for approval; try again later");
  }
  Knocked k;
  k.request.id = next_knock_++;
  k.request.fingerprint = std::string(fingerprint);
  k.request.name = sanitize_name(name);
  k.request.peer = std::string(peer);
  k.since = steady_clock().now();
  ++counters_.knocks;
  kLog.info("client '{}' ({}) from {} asks to be let in: request {} (approve or deny within {} s)", k.request.name,
            short_fp(fingerprint), peer, k.request.id,
            std::chrono::duration_cast<std::chrono::seconds>(config_.pending_wait).count());
  emit("pairing.knock", fmt::format(R"("id":{},{})", k.request.id, client_fields(k.request.fingerprint, k.request.name, "")));
  const control::PairPending answer{
      k.request.id,
      static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(config_.pending_wait).count())};
  knocks_.push_back(std::move(k));
  return answer;
}

KnockState PairingService::await(std::uint64_t id, Nanos slice, Access& access) {
  const MutexLock lock(mutex_);
  auto it = find_knock(id);
  if (it == knocks_.end()) {
    return KnockState::expired;
  }
  if (it->state == KnockState::waiting) {
    (void)decided_.wait_for(mutex_, slice);
    expire(steady_clock().now());
    it = find_knock(id);  // the list may have changed while unlocked
    if (it == knocks_.end()) {
      return KnockState::expired;
    }
  }
  const KnockState state = it->state;
  if (state != KnockState::waiting) {
    access = it->access;
    knocks_.erase(it);
  }
  return state;
}

std::list<PairingService::Knocked>::iterator PairingService::find_knock(std::uint64_t id) {
  return std::find_if(knocks_.begin(), knocks_.end(), [&](const Knocked& k) { return k.request.id == id; });
}

void PairingService::withdraw(std::uint64_t id) {
  const MutexLock lock(mutex_);
  knocks_.remove_if([&](const Knocked& k) { return k.request.id == id; });
}

std::vector<PendingRequest> PairingService::pending() {
  const MutexLock lock(mutex_);
  const auto now = steady_clock().now();
  expire(now);
  std::vector<PendingRequest> out;
  for (const auto& k : knocks_) {
    if (k.state == KnockState::waiting) {
      PendingRequest p = k.request;
      p.waiting = now - k.since;
      p.remaining = config_.pending_wait - p.waiting;
      out.push_back(std::move(p));
    }
  }
  return out;
}

Status PairingService::approve(std::uint64_t id, Access access) {
  const MutexLock lock(mutex_);
  expire(steady_clock().now());
  auto it = std::find_if(knocks_.begin(), knocks_.end(),
                         [&](const Knocked& k) { return k.request.id == id && k.state == KnockState::waiting; });
  if (it == knocks_.end()) {
    return fail(Errc::not_found, "no client is waiting as request {} (it may have given up or expired)", id);
  }
  PairedClient client;
  client.fingerprint = it->request.fingerprint;
  client.name = it->request.name;
  client.access = access == Access::unset ? Access::full : access;
  client.paired_at = unix_now();
  if (auto added = add_trusted(client); !added) {
    return added;
  }
  it->state = KnockState::approved;
  it->access = client.access;
  ++counters_.approved;
  kLog.info("approved client '{}' ({}), access {}", client.name, short_fp(client.fingerprint),
            to_string(client.access));
  emit("pairing.approved", fmt::format(R"("id":{},{})", id, client_fields(client.fingerprint, client.name, to_string(client.access))));
  decided_.notify_all();
  return ok();
}

Status PairingService::deny(std::uint64_t id) {
  const MutexLock lock(mutex_);
  auto it = std::find_if(knocks_.begin(), knocks_.end(),
                         [&](const Knocked& k) { return k.request.id == id && k.state == KnockState::waiting; });
  if (it == knocks_.end()) {
    return fail(Errc::not_found, "no client is waiting as request {} (it may have given up or expired)", id);
  }
  it->state = KnockState::denied;
  ++counters_.denied;
  kLog.info("denied client '{}' ({})", it->request.name, short_fp(it->request.fingerprint));
  emit("pairing.denied", fmt::format(R"("id":{},{})", id, client_fields(it->request.fingerprint, it->request.name, "")));
  decided_.notify_all();
  return ok();
}

PairingCounters PairingService::counters() {
  const MutexLock lock(mutex_);
  return counters_;
}

Status PairingService::add_trusted(PairedClient client) {
  auto stored = store_.update([&](std::vector<PairedClient>& clients) -> Status {
    std::erase_if(clients, [&](const auto& c) { return c.fingerprint == client.fingerprint; });
    if (clients.size() >= kMaxPairedClients) {
      return fail(Errc::limit_reached, "{} clients are paired already; unpair one first", clients.size());
    }
    clients.push_back(client);
    return ok();
  });
  version_.clear();  // re-read on next use
  return stored;
}

void PairingService::reload() {
  const std::string now = store_.version();
  if (now == version_) {
    return;
  }
  auto loaded = store_.load();
  if (!loaded) {
    // Keep what was trusted before: a half-edited file must not lock everyone out or in.
    kLog.error("{} (keeping the {} clients read before)", loaded.error().message, clients_.size());
    version_ = now;
    return;
  }
  clients_ = std::move(*loaded);
  version_ = now;
}

std::optional<PairedClient> PairingService::trusted(std::string_view fingerprint, Protocol protocol) {
  const MutexLock lock(mutex_);
  reload();
  for (const auto& c : clients_) {
    if (c.fingerprint == fingerprint && c.protocol == protocol) {
      return c;
    }
  }
  return std::nullopt;
}

Status PairingService::record_paired(PairedClient client) {
  const MutexLock lock(mutex_);
  if (auto added = add_trusted(client); !added) {
    return added;
  }
  kLog.info("paired {} client '{}' ({}), access {}", to_string(client.protocol), client.name,
            short_fp(client.fingerprint), to_string(client.access));
  emit("client.paired", client_fields(client.fingerprint, client.name, to_string(client.access)));
  return ok();
}

void PairingService::seen(std::string_view fingerprint) {
  const MutexLock lock(mutex_);
  const auto now = unix_now();
  auto stored = store_.update([&](std::vector<PairedClient>& clients) -> Status {
    for (auto& c : clients) {
      if (c.fingerprint == fingerprint) {
        c.last_seen = now;
      }
    }
    return ok();
  });
  if (!stored) {
    kLog.warn("cannot record when client {} was last seen: {}", short_fp(fingerprint), stored.error().message);
  }
  version_.clear();
}

}  // namespace pf::pairing
