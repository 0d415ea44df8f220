// A long-lived TLS identity: a self-signed certificate and its private key,
// created on first use and kept in the config directory (the key mode 0600,
// written atomically), and the certificate's SHA-256 fingerprint, which is
// what peers pin.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "pf/core/result.hpp"

struct x509_st;
struct evp_pkey_st;

namespace pf::tls {

struct X509Free {
  void operator()(x509_st* cert) const noexcept;
};
struct PkeyFree {
  void operator()(evp_pkey_st* key) const noexcept;
};
using UniqueX509 = std::unique_ptr<x509_st, X509Free>;
using UniquePkey = std::unique_ptr<evp_pkey_st, PkeyFree>;

struct Identity {
  UniqueX509 certificate;
  UniquePkey key;
  std::string fingerprint;  ///< SHA-256 of the DER certificate, 64 lowercase hex digits
};

/// How load_or_create_identity found things.
enum class IdentityOrigin : std::uint8_t { unset = 0, loaded = 1, created = 2 };

struct LoadedIdentity {
  Identity identity;
  IdentityOrigin origin = IdentityOrigin::unset;
};

/// `<stem>-cert.pem` and `<stem>-key.pem` in `dir`: loaded when both exist
/// and belong together; created (EC P-256, self-signed, common name
/// `common_name`, valid 20 years) when neither exists. Anything else —
/// one file without the other, a key that does not match, a key file
/// readable by group or others — is an error naming the file, never
/// silently replaced: a host's identity is what its clients pinned.
[[nodiscard]] Result<LoadedIdentity> load_or_create_identity(const std::filesystem::path& dir,
                                                             std::string_view stem,
                                                             std::string_view common_name);

/// A fresh identity in memory (for clients and tests).
[[nodiscard]] Result<Identity> create_identity(std::string_view common_name);

/// SHA-256 of the certificate's DER encoding, lowercase hex.
[[nodiscard]] std::string fingerprint(const x509_st& certificate);

/// Compares two fingerprints in constant time (case-insensitive hex).
[[nodiscard]] bool fingerprints_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace pf::tls
