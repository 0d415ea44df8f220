// GameStream PIN pairing as a hostile client drives it: `key=value` pairs
// split on '&', each a step run on one host-side session in the order given
// (so out of order too). `salt`, `clientcert` (hex) and `certpem` (PEM
// text, hex-encoded here) set step 1's inputs; `begin`, `pin`,
// `getservercert` (the PIN), `clientchallenge`, `serverchallengeresp` and
// `clientpairingsecret` are the steps. Whatever happens: a failed step
// leaves the session failed for good, a step that succeeds advances it by
// exactly one phase, and the answers have the protocol's sizes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_target.hpp"
#include "pf/gamestream/identity.hpp"
#include "pf/gamestream/pairing.hpp"

namespace {

using pf::gamestream::PairingPhase;

const pf::gamestream::Identity& host() {
  static const pf::gamestream::Identity identity = [] {
    auto created = pf::gamestream::create_identity(pf::gamestream::kHostCommonName,
                                                   pf::gamestream::SerialNumber::random);
    if (!created) {
      std::abort();
    }
    return std::move(*created);
  }();
  return identity;
}

std::string hex_of(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

void check(bool holds) {
  if (!holds) {
    std::abort();
  }
}

/// A step's outcome against the phase before it.
template <typename R>
void check_step(const pf::gamestream::PairingSession& session, PairingPhase before, PairingPhase after, const R& r) {
  if (r) {
    check(session.phase() == after && before != PairingPhase::failed);
  } else {
    check(session.phase() == PairingPhase::failed && !r.error().message.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  pf::gamestream::PairingSession session(host());
  std::string salt;
  std::string cert;
  int steps = 0;
  while (!text.empty() && steps < 8) {  // each signature costs; 8 steps is every path
    const std::size_t amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    const PairingPhase before = session.phase();
    if (key == "salt") {
      salt = value;
    } else if (key == "clientcert") {
      cert = value;
    } else if (key == "certpem") {
      cert = hex_of(value);
    } else if (key == "begin") {
      ++steps;
      const auto r = session.begin(salt, cert);
      check_step(session, before, PairingPhase::await_pin, r);
      check(!r || session.client_fingerprint().size() == 64);
    } else if (key == "pin" || key == "getservercert") {
      ++steps;
      const auto r = key == "pin" ? session.accept_pin(value) : session.get_server_cert(salt, cert, value);
      check_step(session, before, PairingPhase::await_client_challenge, r);
      check(!r || *r == hex_of(host().certificate_pem));
      (void)render(pf::gamestream::pair_step_reply("plaincert", r));
    } else if (key == "clientchallenge") {
      ++steps;
      const auto r = session.client_challenge(value);
      check_step(session, before, PairingPhase::await_server_challenge_response, r);
      check(!r || r->size() == 2 * (pf::gamestream::kPairingHashBytes + pf::gamestream::kPairingChallengeBytes));
      (void)render(pf::gamestream::pair_step_reply("challengeresponse", r));
    } else if (key == "serverchallengeresp") {
      ++steps;
      const auto r = session.server_challenge_response(value);
      check_step(session, before, PairingPhase::await_client_pairing_secret, r);
      check(!r || r->size() == 2 * (pf::gamestream::kPairingSecretBytes + host().signature.size()));
      (void)render(pf::gamestream::pair_step_reply("pairingsecret", r));
    } else if (key == "clientpairingsecret") {
      ++steps;
      const auto r = session.client_pairing_secret(value);
      check_step(session, before, PairingPhase::paired, r);
      check(!r || r->fingerprint == session.client_fingerprint());
      (void)render(pf::gamestream::pair_step_reply(r));
    }
  }
  return 0;
}
