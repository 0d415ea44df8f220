// A session's trust: pairing conversations (PIN and knock) on a connection
// that does not stream, the admission of one that does, its grant while it
// streams (revocation, access changes, expiry), and the access check every
// input event passes on its way to the display.
#include <fmt/format.h>

#include "pf/core/log.hpp"
#include "pf/input/events.hpp"
#include "pf/session/input_gate.hpp"
#include "session.hpp"

namespace pf::session {
namespace {

const log::Logger kLog{"session"};
constexpr Nanos kKnockSlice = std::chrono::milliseconds(250);

std::string_view short_fp(std::string_view fp) { return fp.substr(0, 16); }

std::string in_words(std::int64_t seconds) {
  if (seconds >= 120) {
    return fmt::format("{} minutes", (seconds + 30) / 60);
  }
  return seconds >= 60 ? std::string("1 minute") : fmt::format("{} seconds", seconds);
}

}  // namespace

void Session::pair_with_pin(const control::PairRequest& request) {
  auto began = server_.pairing().begin(fingerprint_, stream_.peer().to_string(), request);
  control::PairResult outcome;
  if (auto* refused = std::get_if<control::PairResult>(&began)) {
    outcome = std::move(*refused);
  } else {
    auto& attempt = std::get<pairing::PairingService::Began>(began);
    if (auto sent = stream_.send(attempt.challenge); !sent) {
      return;  // the attempt is dropped: it counts as failed
    }
    auto proof = stream_.receive(config_.handshake_timeout);
    if (!proof || !std::holds_alternative<control::PairProof>(*proof)) {
      kLog.info("session {}: the client did not prove it knew the PIN{}", id_,
                proof ? "" : ": " + proof.error().message);
      return;
    }
    outcome = server_.pairing().finish(std::move(attempt.attempt), std::get<control::PairProof>(*proof));
  }
  const std::string reason = fmt::format("pairing: {}", control::to_string(outcome.outcome));
  (void)stream_.send(outcome);
  const MutexLock lock(mutex_);
  info_.end_reason = reason;
}

void Session::wait_for_approval(const control::Knock& knock, const std::stop_token& stop) {
  auto knocked = server_.pairing().knock(fingerprint_, knock.name, stream_.peer().to_string());
  if (auto* refused = std::get_if<control::PairResult>(&knocked)) {
    (void)stream_.send(*refused);
    const MutexLock lock(mutex_);
    info_.end_reason = fmt::format("knock: {}", control::to_string(refused->outcome));
    return;
  }
  const auto pending = std::get<control::PairPending>(knocked);
  if (auto sent = stream_.send(pending); !sent) {
    server_.pairing().withdraw(pending.request_id);
    return;
  }
  knocking_.store(true, std::memory_order_relaxed);
  pairing::KnockState state = pairing::KnockState::waiting;
  pairing::Access access = pairing::Access::unset;
  while (state == pairing::KnockState::waiting) {
    state = server_.pairing().await(pending.request_id, kKnockSlice, access);
    if (state != pairing::KnockState::waiting) {
      break;
    }
    // Gone, or saying something while it should wait: either way it no longer waits.
    const auto heard = stream_.read_available();
    if (stop.stop_requested() || !heard || stream_.next().outcome != control::StreamDecoder::Outcome::need_more) {
      server_.pairing().withdraw(pending.request_id);
      knocking_.store(false, std::memory_order_relaxed);
      kLog.info("session {}: knock {} withdrawn", id_, pending.request_id);
      return;
    }
  }
  knocking_.store(false, std::memory_order_relaxed);
  control::PairResult result;
  switch (state) {
    case pairing::KnockState::approved:
      result = {control::PairOutcome::paired, static_cast<std::uint8_t>(access),
                fmt::format("approved; access {}", pairing::to_string(access))};
      break;
    case pairing::KnockState::denied:
      result = {control::PairOutcome::denied, 0, "the host's operator denied the request"};
      break;
    default:
      result = {control::PairOutcome::timeout, 0, "nobody approved the request in time"};
      break;
  }
  (void)stream_.send(result);
  const MutexLock lock(mutex_);
  info_.end_reason = fmt::format("knock: {}", control::to_string(result.outcome));
}

bool Session::admit_client() {
  const auto client = server_.pairing().trusted(fingerprint_);
  if (!client) {
    if (!config_.allow_tofu) {
      return reject(control::RejectReason::not_allowed,
                    fmt::format("this host does not know your certificate ({}…); pair first: "
                                "`punktfunk-client pair HOST --pin PIN` with the PIN `punktfunk-host pair arm` shows, "
                                "or `punktfunk-client pair HOST` to ask the operator to approve you",
                                short_fp(fingerprint_)));
    }
    access_ = pairing::Access::full;
    const MutexLock lock(mutex_);
    info_.access = "tofu";
    return true;
  }
  const std::int64_t now = pairing::unix_now();
  if (pairing::expired(*client, now)) {
    kLog.info("session {}: client '{}' ({}) refused: its access expired", id_, client->name, short_fp(fingerprint_));
    return reject(control::RejectReason::access_expired,
                  "your access to this host has expired; ask its operator to extend it");
  }
  paired_ = true;
  access_ = client->access;
  expires_at_ = client->expires_at;
  server_.pairing().seen(fingerprint_);
  const MutexLock lock(mutex_);
  info_.access = std::string(pairing::to_string(access_));
  return true;
}

void Session::handle_input(Bytes payload) {
  auto events = input::decode_packet(payload);
  if (!events) {
    if (input_.malformed++ == 0) {
      kLog.info("session {}: an input datagram did not decode: {} (further ones are only counted)", id_,
                events.error().message);
    }
    return;
  }
  input_.received += events->size();
  if (display_) {
    inject_allowed(displays_, display_->lease, access_, std::move(*events), input_, id_);
  }
}

Session::End Session::check_access() {
  if (!paired_) {
    return End::unset;
  }
  const auto client = server_.pairing().trusted(fingerprint_);
  if (!client) {
    kLog.warn("session {}: the client was unpaired; ending its session", id_);
    const MutexLock lock(mutex_);
    info_.end_reason = "unpaired by the operator";
    return End::revoked;
  }
  if (client->access != access_ || client->expires_at != expires_at_) {
    kLog.info("session {}: access now {}{}", id_, pairing::to_string(client->access),
              client->expires_at == 0 ? std::string() : fmt::format(", until {}", client->expires_at));
    if (client->expires_at != expires_at_) {
      warnings_given_ = 0;
    }
    access_ = client->access;
    expires_at_ = client->expires_at;
    const MutexLock lock(mutex_);
    info_.access = std::string(pairing::to_string(access_));
  }
  if (expires_at_ == 0) {
    return End::unset;
  }
  const std::int64_t left = expires_at_ - pairing::unix_now();
  if (left <= 0) {
    kLog.warn("session {}: client '{}' ({}): access expired; ending the session", id_, client->name,
              short_fp(fingerprint_));
    const MutexLock lock(mutex_);
    info_.end_reason = "access expired";
    return End::access_expired;
  }
  // One notice per threshold crossed (the nearest one when several are).
  std::size_t due = warnings_given_;
  while (due < config_.expiry_warnings.size() &&
         left <= std::chrono::duration_cast<std::chrono::seconds>(config_.expiry_warnings[due]).count()) {
    ++due;
  }
  if (due != warnings_given_) {
    warnings_given_ = due;
    const std::string text = fmt::format("your access to this host ends in {}", in_words(left));
    kLog.warn("session {}: client '{}': access ends in {}", id_, client->name, in_words(left));
    (void)stream_.send(control::AccessNotice{static_cast<std::uint8_t>(access_), static_cast<std::uint32_t>(left), text});
  }
  return End::unset;
}

}  // namespace pf::session
