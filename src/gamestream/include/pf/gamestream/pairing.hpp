// GameStream PIN pairing (nvhttp `/pair` over HTTP), sans-I/O: both ends.
//
// The client shows a 4-digit PIN; the operator types it into the host. Both
// derive key = SHA-256(salt ‖ PIN)[0:16] and run four requests, all hex in
// the query string and hex in the answer:
//
//   1 getservercert        salt, clientcert (PEM)  → plaincert (host PEM)
//   2 clientchallenge      AES(c)                  → AES(SHA-256(c ‖ host cert sig ‖ serversecret) ‖ serverchallenge)
//   3 serverchallengeresp  AES(SHA-256(serverchallenge ‖ client cert sig ‖ clientsecret))
//                                                  → serversecret ‖ RSA-SHA256(host key, serversecret)
//   4 clientpairingsecret  clientsecret ‖ RSA-SHA256(client key, clientsecret) → paired
//
// AES is AES-128-ECB without padding; "cert sig" is the certificate's own
// signature bytes. A wrong PIN is invisible to the host until step 4 (the
// decrypted hash of step 3 does not match); a client that checks the host's
// hash (Moonlight Qt and Android) sees it after step 3, and every client
// checks the pairingsecret's signature against plaincert ("MITM"). Step 5
// (`phrase=pairchallenge` over HTTPS with the new certificate) needs only
// the trust store. Randomness comes from OpenSSL's generator; nothing here
// logs, and secrets are wiped when a session ends.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/gamestream/identity.hpp"
#include "pf/gamestream/nvhttp.hpp"

namespace pf::gamestream {

inline constexpr std::size_t kPairingSaltBytes = 16;
inline constexpr std::size_t kPairingChallengeBytes = 16;
inline constexpr std::size_t kPairingSecretBytes = 16;
inline constexpr std::size_t kPairingHashBytes = 32;  ///< SHA-256 (hosts advertising major version 7)
/// The longest client certificate PEM accepted (an RSA-2048 one is ~1.1 KiB).
inline constexpr std::size_t kMaxClientCertPemBytes = 16 * 1024;
/// The longest signature accepted (RSA-4096).
inline constexpr std::size_t kMaxPairingSignatureBytes = 512;
inline constexpr unsigned kMinClientRsaBits = 2048;

/// Exactly four ASCII digits.
[[nodiscard]] bool is_valid_pin(std::string_view pin) noexcept;

/// Where a host-side pairing stands: each name says what it waits for next.
enum class PairingPhase : std::uint8_t {
  unset = 0,
  await_server_cert_request = 1,  ///< step 1's request (salt, client certificate)
  await_pin = 2,                  ///< step 1's answer waits for the operator's PIN
  await_client_challenge = 3,     ///< step 2
  await_server_challenge_response = 4,  ///< step 3
  await_client_pairing_secret = 5,      ///< step 4
  paired = 6,                     ///< done; the session has nothing more to do
  failed = 7,                     ///< an error or a refused proof; delete the session
};
[[nodiscard]] std::string_view to_string(PairingPhase phase) noexcept;

struct PairedClient {
  std::string fingerprint;      ///< SHA-256 of the client certificate's DER, as tls::fingerprint writes it
  std::string certificate_pem;  ///< the certificate re-encoded (what HTTPS later checks against)
};

/// One client's pairing on the host. Steps must come in order; any error,
/// out-of-order call or refused proof moves the session to `failed` for
/// good (callers delete it). Errors: malformed (hex, lengths, certificate,
/// PIN), invalid_argument (out of order), closed (already failed or
/// paired), refused (step 4's proof or signature does not check out: a
/// wrong PIN, or someone in between), io (OpenSSL failed).
/// Not thread-safe: one owner at a time.
class PairingSession {
 public:
  /// Keeps its own reference to the host's key and copies its certificate.
  explicit PairingSession(const Identity& host);
  ~PairingSession();
  PairingSession(PairingSession&&) noexcept;
  PairingSession& operator=(PairingSession&&) noexcept;
  PairingSession(const PairingSession&) = delete;
  PairingSession& operator=(const PairingSession&) = delete;

  /// Step 1, first half: `salt` (32 hex digits) and `clientcert` (hex of a
  /// PEM certificate, RSA ≥ 2048 bits) checked and kept, before anyone is
  /// asked for a PIN.
  [[nodiscard]] Status begin(std::string_view salt_hex, std::string_view client_cert_hex);
  /// Step 1, second half: the operator's PIN → `plaincert` (hex of our PEM).
  [[nodiscard]] Result<std::string> accept_pin(std::string_view pin);
  /// Step 1 in one call (begin, then accept_pin).
  [[nodiscard]] Result<std::string> get_server_cert(std::string_view salt_hex, std::string_view client_cert_hex,
                                                    std::string_view pin);
  /// Step 2: `clientchallenge` (32 hex digits) → `challengeresponse` (96 hex digits).
  [[nodiscard]] Result<std::string> client_challenge(std::string_view challenge_hex);
  /// Step 3: `serverchallengeresp` (64 hex digits) → `pairingsecret` (serversecret ‖ signature, hex).
  [[nodiscard]] Result<std::string> server_challenge_response(std::string_view response_hex);
  /// Step 4: `clientpairingsecret` (hex of clientsecret ‖ signature) → the
  /// client to trust, when both its proof and its signature check out.
  [[nodiscard]] Result<PairedClient> client_pairing_secret(std::string_view secret_hex);

  [[nodiscard]] PairingPhase phase() const noexcept { return phase_; }
  /// The client certificate's fingerprint once `begin` accepted it (empty before).
  [[nodiscard]] const std::string& client_fingerprint() const noexcept { return client_fingerprint_; }

 private:
  /// Checks the phase; on a wrong one fails the session and says why.
  Status expect(PairingPhase wanted, std::string_view step);
  /// Fails the session for good, wiping its secrets.
  tl::unexpected<Error> stop(Error error);
  void wipe() noexcept;

  tls::UniquePkey host_key_;
  std::string host_certificate_pem_;
  std::vector<std::uint8_t> host_signature_;
  tls::UniqueX509 client_certificate_;
  std::string client_fingerprint_;
  std::array<std::uint8_t, kPairingSaltBytes> salt_{};
  std::array<std::uint8_t, 16> aes_key_{};
  std::array<std::uint8_t, kPairingSecretBytes> server_secret_{};
  std::array<std::uint8_t, kPairingChallengeBytes> server_challenge_{};
  std::array<std::uint8_t, kPairingHashBytes> client_hash_{};
  PairingPhase phase_ = PairingPhase::await_server_cert_request;
};

/// The `/pair` answer for steps 1–3: `paired=1` and `<field>` (when not
/// empty) on success. On failure `paired=0`: status_code 200 for a refused
/// proof, 400 with the error's message otherwise, as public hosts answer.
[[nodiscard]] XmlReply pair_step_reply(std::string_view field, const Result<std::string>& outcome);
/// The answer to step 4.
[[nodiscard]] XmlReply pair_step_reply(const Result<PairedClient>& outcome);

// ---------------------------------------------------------------------------
// The client's side, for tests and end-to-end runs without an outside client.

/// How much of the host's step-3 answer a client checks.
enum class ServerProofCheck : std::uint8_t {
  unset = 0,
  signature_and_hash = 1,  ///< as Moonlight Qt and Android: a wrong PIN is caught after step 3
  signature_only = 2,      ///< as moonlight-embedded: the host catches a wrong PIN at step 4
};

/// Why a PairingClient stopped.
enum class ClientFailure : std::uint8_t {
  none = 0,
  malformed = 1,           ///< an answer that does not decode or is the wrong size
  out_of_order = 2,
  wrong_pin = 3,           ///< the host's hash does not match ours: the PINs differ
  signature_mismatch = 4,  ///< pairingsecret is not signed by plaincert's key ("MITM")
  internal = 5,            ///< OpenSSL failed
};

/// Step 1's query values.
struct ServerCertRequest {
  std::string salt_hex;
  std::string client_cert_hex;
};

class PairingClient {
 public:
  /// A client with a fresh RSA-2048 certificate (serial 0) pairing with `pin`.
  [[nodiscard]] static Result<PairingClient> create(std::string_view pin, ServerProofCheck check);
  /// The same with a certificate of the caller's (RSA).
  [[nodiscard]] static Result<PairingClient> with_identity(Identity identity, std::string_view pin,
                                                           ServerProofCheck check);
  ~PairingClient();
  PairingClient(PairingClient&&) noexcept;
  PairingClient& operator=(PairingClient&&) noexcept;
  PairingClient(const PairingClient&) = delete;
  PairingClient& operator=(const PairingClient&) = delete;

  /// Step 1's request, with a fresh salt.
  [[nodiscard]] Result<ServerCertRequest> server_cert_request();
  /// Step 1's answer (`plaincert`) → step 2's `clientchallenge`.
  [[nodiscard]] Result<std::string> on_server_cert(std::string_view plaincert_hex);
  /// Step 2's answer (`challengeresponse`) → step 3's `serverchallengeresp`.
  [[nodiscard]] Result<std::string> on_challenge_response(std::string_view challenge_response_hex);
  /// Step 3's answer (`pairingsecret`) → step 4's `clientpairingsecret`, once
  /// the signature (and, when checked, the host's hash) hold.
  [[nodiscard]] Result<std::string> on_pairing_secret(std::string_view pairing_secret_hex);

  [[nodiscard]] const Identity& identity() const noexcept { return identity_; }
  /// The host certificate's fingerprint once plaincert was read (empty before).
  [[nodiscard]] const std::string& server_fingerprint() const noexcept { return server_fingerprint_; }
  [[nodiscard]] ClientFailure failure() const noexcept { return failure_; }

 private:
  enum class Step : std::uint8_t { unset = 0, request, server_cert, challenge_response, pairing_secret, done, failed };
  PairingClient(Identity identity, std::string_view pin, ServerProofCheck check);
  Status expect(Step wanted, std::string_view step);
  tl::unexpected<Error> stop(ClientFailure why, Error error);
  void wipe() noexcept;

  Identity identity_;
  std::string pin_;
  ServerProofCheck check_ = ServerProofCheck::unset;
  tls::UniqueX509 server_certificate_;
  std::string server_fingerprint_;
  std::array<std::uint8_t, 16> aes_key_{};
  std::array<std::uint8_t, kPairingChallengeBytes> challenge_{};
  std::array<std::uint8_t, kPairingHashBytes> server_hash_{};
  std::array<std::uint8_t, kPairingChallengeBytes> server_challenge_{};
  std::array<std::uint8_t, kPairingSecretBytes> client_secret_{};
  Step step_ = Step::request;
  ClientFailure failure_ = ClientFailure::none;
};

}  // namespace pf::gamestream
