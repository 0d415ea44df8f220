// The GameStream certificate: what Moonlight clients see of this host.
//
// Unlike the native identity (pf_tls, EC P-256), GameStream needs RSA:
// clients verify an RSA PKCS#1 v1.5 SHA-256 signature against this
// certificate during PIN pairing, and hash the certificate's signature
// bytes into the pairing proofs. Kept beside the native identity in the
// config directory as `gamestream-cert.pem` (0644) and `gamestream-key.pem`
// (0600, written atomically); the loading rules are pf_tls's (a missing
// half, a key that does not match, a key readable by others: errors, never
// replaced). Also the RSA helpers both ends of pairing use.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/tls/identity.hpp"

namespace pf::gamestream {

inline constexpr std::string_view kHostCommonName = "punktfunk GameStream host";
/// Files `<stem>-cert.pem` and `<stem>-key.pem` in the config directory.
inline constexpr std::string_view kIdentityStem = "gamestream";
inline constexpr unsigned kRsaKeyBits = 2048;

struct Identity {
  tls::UniqueX509 certificate;
  tls::UniquePkey key;                   ///< RSA; signs pairing secrets
  std::string certificate_pem;           ///< what `plaincert` carries (hex-encoded there)
  std::vector<std::uint8_t> signature;   ///< the certificate's own signature bytes (X509_get0_signature)
  std::string fingerprint;               ///< SHA-256 of the DER, 64 lowercase hex digits (tls::fingerprint)
};

struct LoadedIdentity {
  Identity identity;
  tls::IdentityOrigin origin = tls::IdentityOrigin::unset;
};

/// The serial number of a new certificate.
enum class SerialNumber : std::uint8_t {
  unset = 0,
  random = 1,  ///< 127 random bits (the host's)
  zero = 2,    ///< 0, as Moonlight clients make theirs
};

/// A fresh self-signed RSA-2048 / SHA-256 certificate valid 20 years, in memory.
[[nodiscard]] Result<Identity> create_identity(std::string_view common_name, SerialNumber serial);

/// The host's: loaded from `dir` when both files exist (the key must be
/// RSA), created when neither does.
[[nodiscard]] Result<LoadedIdentity> load_or_create_identity(const std::filesystem::path& dir);

/// A certificate in PEM text (the first one in `pem`).
[[nodiscard]] Result<tls::UniqueX509> parse_certificate_pem(std::string_view pem);
/// `certificate` as PEM text.
[[nodiscard]] Result<std::string> certificate_to_pem(const x509_st& certificate);
/// The certificate's own signature bytes, as both ends hash them.
[[nodiscard]] std::vector<std::uint8_t> certificate_signature(const x509_st& certificate);

/// RSA PKCS#1 v1.5 over SHA-256 of `message`.
[[nodiscard]] Result<std::vector<std::uint8_t>> sign_sha256(evp_pkey_st& key, Bytes message);
/// Whether `signature` is `certificate`'s key's PKCS#1 v1.5 SHA-256 signature of `message`.
[[nodiscard]] bool verify_sha256(const x509_st& certificate, Bytes message, Bytes signature);

}  // namespace pf::gamestream
