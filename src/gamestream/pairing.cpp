// The host's side of GameStream PIN pairing, and the `/pair` answers.
#include "pf/gamestream/pairing.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <utility>

#include "pairing_crypto.hpp"
#include "pf/core/text.hpp"

namespace pf::gamestream {
namespace {

Bytes text_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

/// With `what: ` in front of the message.
Error prefixed(std::string_view what, const Error& error) {
  return Error{error.code, fmt::format("{}: {}", what, error.message)};
}

}  // namespace

bool is_valid_pin(std::string_view pin) noexcept {
  return pin.size() == 4 && std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view to_string(PairingPhase phase) noexcept {
  switch (phase) {
    case PairingPhase::unset: return "unset";
    case PairingPhase::await_server_cert_request: return "getservercert";
    case PairingPhase::await_pin: return "the PIN";
    case PairingPhase::await_client_challenge: return "clientchallenge";
    case PairingPhase::await_server_challenge_response: return "serverchallengeresp";
    case PairingPhase::await_client_pairing_secret: return "clientpairingsecret";
    case PairingPhase::paired: return "paired";
    case PairingPhase::failed: return "failed";
  }
  return "unknown";
}

PairingSession::PairingSession(const Identity& host)
    : host_certificate_pem_(host.certificate_pem), host_signature_(host.signature) {
  if (host.key && EVP_PKEY_up_ref(host.key.get()) == 1) {
    host_key_.reset(host.key.get());
  }
}

PairingSession::~PairingSession() { wipe(); }
PairingSession::PairingSession(PairingSession&&) noexcept = default;
PairingSession& PairingSession::operator=(PairingSession&&) noexcept = default;

void PairingSession::wipe() noexcept {
  pairing_detail::wipe(aes_key_);
  pairing_detail::wipe(server_secret_);
  pairing_detail::wipe(server_challenge_);
  pairing_detail::wipe(client_hash_);
  pairing_detail::wipe(salt_);
}

tl::unexpected<Error> PairingSession::stop(Error error) {
  phase_ = PairingPhase::failed;
  wipe();
  return tl::unexpected(std::move(error));
}

Status PairingSession::expect(PairingPhase wanted, std::string_view step) {
  if (phase_ == wanted) {
    return ok();
  }
  if (phase_ == PairingPhase::failed || phase_ == PairingPhase::paired) {
    const auto was = phase_;
    return stop(Error{Errc::closed, fmt::format("{}: this pairing session is over ({}); pairing starts again "
                                                "with getservercert",
                                                step, to_string(was))});
  }
  const auto was = phase_;
  return stop(Error{Errc::invalid_argument,
                    fmt::format("{} out of order: the pairing waited for {}", step, to_string(was))});
}

Status PairingSession::begin(std::string_view salt_hex, std::string_view client_cert_hex) {
  if (auto st = expect(PairingPhase::await_server_cert_request, "getservercert"); !st) {
    return st;
  }
  if (!host_key_ || host_signature_.empty() || host_certificate_pem_.empty()) {
    return stop(Error{Errc::invalid_argument, "getservercert: the host's GameStream identity is incomplete"});
  }
  auto salt = hex_decode("salt", salt_hex, kPairingSaltBytes, kPairingSaltBytes);
  if (!salt) {
    return stop(salt.error());
  }
  auto pem = hex_decode("clientcert", client_cert_hex, 1, kMaxClientCertPemBytes);
  if (!pem) {
    return stop(pem.error());
  }
  auto cert = parse_certificate_pem(
      std::string_view(reinterpret_cast<const char*>(pem->data()), pem->size()));
  if (!cert) {
    return stop(prefixed("clientcert", cert.error()));
  }
  const EVP_PKEY* pub = X509_get0_pubkey(cert->get());
  if (pub == nullptr || EVP_PKEY_get_base_id(pub) != EVP_PKEY_RSA) {
    return stop(Error{Errc::malformed, "clientcert: the certificate's key is not RSA"});
  }
  if (EVP_PKEY_get_bits(pub) < static_cast<int>(kMinClientRsaBits)) {
    return stop(Error{Errc::malformed, fmt::format("clientcert: an RSA key of {} bits ({} at least)",
                                                   EVP_PKEY_get_bits(pub), kMinClientRsaBits)});
  }
  if (certificate_signature(**cert).empty()) {
    return stop(Error{Errc::malformed, "clientcert: the certificate carries no signature"});
  }
  std::copy(salt->begin(), salt->end(), salt_.begin());
  client_fingerprint_ = tls::fingerprint(**cert);
  client_certificate_ = std::move(*cert);
  phase_ = PairingPhase::await_pin;
  return ok();
}

Result<std::string> PairingSession::accept_pin(std::string_view pin) {
  if (auto st = expect(PairingPhase::await_pin, "getservercert (PIN)"); !st) {
    return tl::unexpected(st.error());
  }
  auto key = pairing_detail::pin_key(salt_, pin);
  if (!key) {
    return stop(key.error());
  }
  aes_key_ = *key;
  pairing_detail::wipe(*key);
  pairing_detail::wipe(salt_);
  phase_ = PairingPhase::await_client_challenge;
  return hex_encode(text_bytes(host_certificate_pem_));
}

Result<std::string> PairingSession::get_server_cert(std::string_view salt_hex, std::string_view client_cert_hex,
                                                    std::string_view pin) {
  if (auto st = begin(salt_hex, client_cert_hex); !st) {
    return tl::unexpected(st.error());
  }
  return accept_pin(pin);
}

Result<std::string> PairingSession::client_challenge(std::string_view challenge_hex) {
  if (auto st = expect(PairingPhase::await_client_challenge, "clientchallenge"); !st) {
    return tl::unexpected(st.error());
  }
  auto encrypted = hex_decode("clientchallenge", challenge_hex, kPairingChallengeBytes, kPairingChallengeBytes);
  if (!encrypted) {
    return stop(encrypted.error());
  }
  auto challenge = aes_ecb_decrypt(aes_key_, *encrypted);
  if (!challenge) {
    return stop(prefixed("clientchallenge", challenge.error()));
  }
  if (auto st = pairing_detail::random_fill(server_secret_); !st) {
    return stop(st.error());
  }
  if (auto st = pairing_detail::random_fill(server_challenge_); !st) {
    return stop(st.error());
  }
  // SHA-256(challenge ‖ our certificate's signature ‖ serversecret) ‖ serverchallenge
  auto hash = pairing_detail::sha256({*challenge, host_signature_, server_secret_});
  pairing_detail::wipe(*challenge);
  if (!hash) {
    return stop(hash.error());
  }
  auto plain = pairing_detail::concat({*hash, server_challenge_});
  pairing_detail::wipe(*hash);
  auto response = aes_ecb_encrypt(aes_key_, plain);
  pairing_detail::wipe(plain);
  if (!response) {
    return stop(prefixed("clientchallenge", response.error()));
  }
  phase_ = PairingPhase::await_server_challenge_response;
  return hex_encode(*response);
}

Result<std::string> PairingSession::server_challenge_response(std::string_view response_hex) {
  if (auto st = expect(PairingPhase::await_server_challenge_response, "serverchallengeresp"); !st) {
    return tl::unexpected(st.error());
  }
  auto encrypted = hex_decode("serverchallengeresp", response_hex, kPairingHashBytes, kPairingHashBytes);
  if (!encrypted) {
    return stop(encrypted.error());
  }
  auto hash = aes_ecb_decrypt(aes_key_, *encrypted);
  if (!hash || hash->size() != client_hash_.size()) {
    return stop(hash ? Error{Errc::malformed, "serverchallengeresp: the decrypted hash has the wrong size"}
                     : prefixed("serverchallengeresp", hash.error()));
  }
  // Kept until step 4 shows whether the client knew the PIN.
  std::copy(hash->begin(), hash->end(), client_hash_.begin());
  pairing_detail::wipe(*hash);
  auto signature = sign_sha256(*host_key_, server_secret_);
  if (!signature) {
    return stop(prefixed("serverchallengeresp", signature.error()));
  }
  const auto secret = pairing_detail::concat({server_secret_, *signature});
  phase_ = PairingPhase::await_client_pairing_secret;
  return hex_encode(secret);
}

Result<PairedClient> PairingSession::client_pairing_secret(std::string_view secret_hex) {
  if (auto st = expect(PairingPhase::await_client_pairing_secret, "clientpairingsecret"); !st) {
    return tl::unexpected(st.error());
  }
  auto data = hex_decode("clientpairingsecret", secret_hex, kPairingSecretBytes + 1,
                                 kPairingSecretBytes + kMaxPairingSignatureBytes);
  if (!data) {
    return stop(data.error());
  }
  const Bytes all(*data);
  const Bytes client_secret = all.first(kPairingSecretBytes);
  const Bytes signature = all.subspan(kPairingSecretBytes);
  // SHA-256(serverchallenge ‖ the client certificate's signature ‖ clientsecret)
  // must be what the client sent in step 3: only a client that knew the PIN
  // could have encrypted it so that it decrypts to this.
  auto expected = pairing_detail::sha256({server_challenge_, certificate_signature(*client_certificate_), client_secret});
  if (!expected) {
    return stop(expected.error());
  }
  const bool proof_holds = pairing_detail::equal_secret(*expected, client_hash_);
  pairing_detail::wipe(*expected);
  const bool signed_by_client = verify_sha256(*client_certificate_, client_secret, signature);
  if (!proof_holds) {
    return stop(Error{Errc::refused,
                      "clientpairingsecret: the client's proof does not match (a wrong PIN, or someone in between)"});
  }
  if (!signed_by_client) {
    return stop(Error{Errc::refused,
                      "clientpairingsecret: the client's secret is not signed by the certificate it paired with"});
  }
  auto pem = certificate_to_pem(*client_certificate_);
  if (!pem) {
    return stop(pem.error());
  }
  phase_ = PairingPhase::paired;
  wipe();
  return PairedClient{client_fingerprint_, std::move(*pem)};
}

namespace {

XmlReply refused_or_failed(const Error& error) {
  XmlReply r;
  r.fields = {{"paired", "0"}};
  if (error.code != Errc::refused) {
    r.status_code = 400;
    r.status_message = error.message;
  }
  return r;
}

}  // namespace

XmlReply pair_step_reply(std::string_view field, const Result<std::string>& outcome) {
  if (!outcome) {
    return refused_or_failed(outcome.error());
  }
  XmlReply r;
  r.fields = {{"paired", "1"}};
  if (!field.empty()) {
    r.fields.emplace_back(std::string(field), *outcome);
  }
  return r;
}

XmlReply pair_step_reply(const Result<PairedClient>& outcome) {
  if (!outcome) {
    return refused_or_failed(outcome.error());
  }
  XmlReply r;
  r.fields = {{"paired", "1"}};
  return r;
}

}  // namespace pf::gamestream
