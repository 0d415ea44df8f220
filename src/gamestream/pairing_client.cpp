// The client's side of GameStream PIN pairing, as Moonlight clients run it:
// for tests and end-to-end runs that need no outside client.
#include <openssl/x509.h>

#include <algorithm>
#include <utility>

#include "pairing_crypto.hpp"
#include "pf/core/text.hpp"
#include "pf/gamestream/pairing.hpp"

namespace pf::gamestream {
namespace {

inline constexpr std::string_view kClientCommonName = "punktfunk GameStream client";
inline constexpr std::size_t kChallengeResponseBytes = kPairingHashBytes + kPairingChallengeBytes;

Bytes text_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

Result<PairingClient> PairingClient::create(std::string_view pin, ServerProofCheck check) {
  auto identity = create_identity(kClientCommonName, SerialNumber::zero);
  if (!identity) {
    return tl::unexpected(identity.error());
  }
  return with_identity(std::move(*identity), pin, check);
}

Result<PairingClient> PairingClient::with_identity(Identity identity, std::string_view pin,
                                                   ServerProofCheck check) {
  if (!is_valid_pin(pin)) {
    return fail(Errc::malformed, "the PIN must be exactly 4 digits");
  }
  if (check == ServerProofCheck::unset) {
    return fail(Errc::invalid_argument, "pairing client: no check of the host's answer chosen");
  }
  if (!identity.certificate || !identity.key || identity.signature.empty() || identity.certificate_pem.empty()) {
    return fail(Errc::invalid_argument, "pairing client: the identity is incomplete");
  }
  return PairingClient(std::move(identity), pin, check);
}

PairingClient::PairingClient(Identity identity, std::string_view pin, ServerProofCheck check)
    : identity_(std::move(identity)), pin_(pin), check_(check) {}

PairingClient::~PairingClient() { wipe(); }
PairingClient::PairingClient(PairingClient&&) noexcept = default;
PairingClient& PairingClient::operator=(PairingClient&&) noexcept = default;

void PairingClient::wipe() noexcept {
  pairing_detail::wipe(pin_);
  pairing_detail::wipe(aes_key_);
  pairing_detail::wipe(challenge_);
  pairing_detail::wipe(server_hash_);
  pairing_detail::wipe(server_challenge_);
  pairing_detail::wipe(client_secret_);
}

tl::unexpected<Error> PairingClient::stop(ClientFailure why, Error error) {
  failure_ = why;
  step_ = Step::failed;
  wipe();
  return tl::unexpected(std::move(error));
}

Status PairingClient::expect(Step wanted, std::string_view step) {
  if (step_ == wanted) {
    return ok();
  }
  if (step_ == Step::failed || step_ == Step::done) {
    return stop(ClientFailure::out_of_order, Error{Errc::closed, fmt::format("{}: this pairing is over", step)});
  }
  return stop(ClientFailure::out_of_order, Error{Errc::invalid_argument, fmt::format("{} out of order", step)});
}

Result<ServerCertRequest> PairingClient::server_cert_request() {
  if (auto st = expect(Step::request, "getservercert"); !st) {
    return tl::unexpected(st.error());
  }
  std::array<std::uint8_t, kPairingSaltBytes> salt{};
  if (auto st = pairing_detail::random_fill(salt); !st) {
    return stop(ClientFailure::internal, st.error());
  }
  auto key = pairing_detail::pin_key(salt, pin_);
  if (!key) {
    return stop(ClientFailure::internal, key.error());
  }
  aes_key_ = *key;
  pairing_detail::wipe(*key);
  step_ = Step::server_cert;
  return ServerCertRequest{hex_encode(salt), hex_encode(text_bytes(identity_.certificate_pem))};
}

Result<std::string> PairingClient::on_server_cert(std::string_view plaincert_hex) {
  if (auto st = expect(Step::server_cert, "plaincert"); !st) {
    return tl::unexpected(st.error());
  }
  auto pem = hex_decode("plaincert", plaincert_hex, 1, kMaxClientCertPemBytes);
  if (!pem) {
    return stop(ClientFailure::malformed, pem.error());
  }
  auto cert = parse_certificate_pem(std::string_view(reinterpret_cast<const char*>(pem->data()), pem->size()));
  if (!cert) {
    return stop(ClientFailure::malformed, cert.error());
  }
  server_fingerprint_ = tls::fingerprint(**cert);
  server_certificate_ = std::move(*cert);
  if (auto st = pairing_detail::random_fill(challenge_); !st) {
    return stop(ClientFailure::internal, st.error());
  }
  auto encrypted = aes_ecb_encrypt(aes_key_, challenge_);
  if (!encrypted) {
    return stop(ClientFailure::internal, encrypted.error());
  }
  step_ = Step::challenge_response;
  return hex_encode(*encrypted);
}

Result<std::string> PairingClient::on_challenge_response(std::string_view challenge_response_hex) {
  if (auto st = expect(Step::challenge_response, "challengeresponse"); !st) {
    return tl::unexpected(st.error());
  }
  auto encrypted =
      hex_decode("challengeresponse", challenge_response_hex, kChallengeResponseBytes, kChallengeResponseBytes);
  if (!encrypted) {
    return stop(ClientFailure::malformed, encrypted.error());
  }
  auto plain = aes_ecb_decrypt(aes_key_, *encrypted);
  if (!plain || plain->size() != kChallengeResponseBytes) {
    return stop(ClientFailure::internal, plain ? Error{Errc::io, "challengeresponse: decryption failed"} : plain.error());
  }
  // The host's hash of our challenge, then its challenge to us.
  std::copy_n(plain->begin(), kPairingHashBytes, server_hash_.begin());
  std::copy_n(plain->begin() + static_cast<std::ptrdiff_t>(kPairingHashBytes), kPairingChallengeBytes, server_challenge_.begin());
  pairing_detail::wipe(*plain);
  if (auto st = pairing_detail::random_fill(client_secret_); !st) {
    return stop(ClientFailure::internal, st.error());
  }
  auto hash = pairing_detail::sha256({server_challenge_, identity_.signature, client_secret_});
  if (!hash) {
    return stop(ClientFailure::internal, hash.error());
  }
  auto response = aes_ecb_encrypt(aes_key_, *hash);
  pairing_detail::wipe(*hash);
  if (!response) {
    return stop(ClientFailure::internal, response.error());
  }
  step_ = Step::pairing_secret;
  return hex_encode(*response);
}

Result<std::string> PairingClient::on_pairing_secret(std::string_view pairing_secret_hex) {
  if (auto st = expect(Step::pairing_secret, "pairingsecret"); !st) {
    return tl::unexpected(st.error());
  }
  auto data = hex_decode("pairingsecret", pairing_secret_hex, kPairingSecretBytes + 1,
                                 kPairingSecretBytes + kMaxPairingSignatureBytes);
  if (!data) {
    return stop(ClientFailure::malformed, data.error());
  }
  const Bytes all(*data);
  const Bytes server_secret = all.first(kPairingSecretBytes);
  if (!verify_sha256(*server_certificate_, server_secret, all.subspan(kPairingSecretBytes))) {
    return stop(ClientFailure::signature_mismatch,
                Error{Errc::refused, "pairingsecret: not signed by the host's certificate (MITM?)"});
  }
  if (check_ == ServerProofCheck::signature_and_hash) {
    auto expected = pairing_detail::sha256({challenge_, certificate_signature(*server_certificate_), server_secret});
    if (!expected) {
      return stop(ClientFailure::internal, expected.error());
    }
    const bool holds = pairing_detail::equal_secret(*expected, server_hash_);
    pairing_detail::wipe(*expected);
    if (!holds) {
      return stop(ClientFailure::wrong_pin,
                  Error{Errc::refused, "pairingsecret: the host's proof does not match (wrong PIN)"});
    }
  }
  auto signature = sign_sha256(*identity_.key, client_secret_);
  if (!signature) {
    return stop(ClientFailure::internal, signature.error());
  }
  const auto secret = pairing_detail::concat({client_secret_, *signature});
  step_ = Step::done;
  wipe();
  return hex_encode(secret);
}

}  // namespace pf::gamestream
