#include "pf/tls/identity.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <array>
#include <cctype>
#include <system_error>

#include "pf/core/fs.hpp"

namespace pf::tls {

void X509Free::operator()(x509_st* cert) const noexcept { X509_free(cert); }
void PkeyFree::operator()(evp_pkey_st* key) const noexcept { EVP_PKEY_free(key); }

namespace {

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using UniqueBio = std::unique_ptr<BIO, BioFree>;

constexpr std::size_t kMaxPemBytes = 64 * 1024;

Result<std::string> to_pem(const x509_st* cert, const evp_pkey_st* key) {
  UniqueBio bio(BIO_new(BIO_s_mem()));
  const int ok = cert != nullptr ? PEM_write_bio_X509(bio.get(), cert)
                                 : PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  if (!bio || ok != 1) {
    return fail(Errc::io, "TLS identity: PEM encoding failed");
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<std::size_t>(n));
  return pem;
}

}  // namespace

std::string fingerprint(const x509_st& certificate) {
  std::array<unsigned char, 32> digest{};
  unsigned int len = 0;
  X509_digest(&certificate, EVP_sha256(), digest.data(), &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

bool fingerprints_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(a[i])) ^
                                       std::tolower(static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

Result<Identity> create_identity(std::string_view common_name) {
  Identity id;
  id.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  id.certificate.reset(X509_new());
  if (!id.key || !id.certificate) {
    return fail(Errc::io, "TLS identity: key generation failed");
  }
  X509* cert = id.certificate.get();
  std::array<unsigned char, 16> serial{};
  if (RAND_bytes(serial.data(), static_cast<int>(serial.size())) != 1) {
    return fail(Errc::io, "TLS identity: the random generator failed");
  }
  serial[0] &= 0x7F;  // a positive serial number
  BIGNUM* bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  const bool ok = bn != nullptr && X509_set_version(cert, 2) == 1 &&
                  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr &&
                  X509_gmtime_adj(X509_getm_notBefore(cert), -24L * 3600) != nullptr &&
                  X509_gmtime_adj(X509_getm_notAfter(cert), 20L * 365 * 24 * 3600) != nullptr &&
                  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_UTF8,
                                             reinterpret_cast<const unsigned char*>(common_name.data()),
                                             static_cast<int>(common_name.size()), -1, 0) == 1 &&
                  X509_set_issuer_name(cert, X509_get_subject_name(cert)) == 1 &&
                  X509_set_pubkey(cert, id.key.get()) == 1 && X509_sign(cert, id.key.get(), EVP_sha256()) > 0;
  BN_free(bn);
  if (!ok) {
    return fail(Errc::io, "TLS identity: building the certificate failed");
  }
  id.fingerprint = fingerprint(*cert);
  return id;
}

Result<LoadedIdentity> load_or_create_identity(const std::filesystem::path& dir, std::string_view stem,
                                               std::string_view common_name) {
  const auto cert_path = dir / (std::string(stem) + "-cert.pem");
  const auto key_path = dir / (std::string(stem) + "-key.pem");
  std::error_code ec;
  const bool have_cert = std::filesystem::exists(cert_path, ec);
  const bool have_key = std::filesystem::exists(key_path, ec);
  if (!have_cert && !have_key) {
    auto created = create_identity(common_name);
    if (!created) {
      return tl::unexpected(created.error());
    }
    auto key_pem = to_pem(nullptr, created->key.get());
    auto cert_pem = to_pem(created->certificate.get(), nullptr);
    if (!key_pem || !cert_pem) {
      return tl::unexpected((key_pem ? cert_pem : key_pem).error());
    }
    // The key first: a certificate without its key is refused on the next start.
    if (auto st = write_file_atomic(key_path, *key_pem, 0600); !st) {
      return tl::unexpected(st.error());
    }
    OPENSSL_cleanse(key_pem->data(), key_pem->size());
    if (auto st = write_file_atomic(cert_path, *cert_pem, 0644); !st) {
      return tl::unexpected(st.error());
    }
    return LoadedIdentity{std::move(*created), IdentityOrigin::created};
  }
  if (!have_cert || !have_key) {
    return fail(Errc::config_invalid, "TLS identity: {} exists without {}; restore it or remove both to make a new identity",
                (have_cert ? cert_path : key_path).string(), (have_cert ? key_path : cert_path).string());
  }
  struct stat st {};
  if (::stat(key_path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    return fail(Errc::permission_denied, "TLS identity: {} is readable by others (mode {:o}); chmod 600 it",
                key_path.string(), st.st_mode & 0777);
  }
  auto key_pem = read_small_file(key_path, kMaxPemBytes);
  auto cert_pem = read_small_file(cert_path, kMaxPemBytes);
  if (!key_pem || !cert_pem) {
    return tl::unexpected((key_pem ? cert_pem : key_pem).error());
  }
  Identity id;
  UniqueBio key_bio(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  UniqueBio cert_bio(BIO_new_mem_buf(cert_pem->data(), static_cast<int>(cert_pem->size())));
  id.key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  id.certificate.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  OPENSSL_cleanse(key_pem->data(), key_pem->size());
  if (!id.key) {
    return fail(Errc::malformed, "TLS identity: {} holds no readable private key", key_path.string());
  }
  if (!id.certificate) {
    return fail(Errc::malformed, "TLS identity: {} holds no readable certificate", cert_path.string());
  }
  if (X509_check_private_key(id.certificate.get(), id.key.get()) != 1) {
    return fail(Errc::malformed, "TLS identity: {} and {} do not belong together", cert_path.string(),
                key_path.string());
  }
  id.fingerprint = fingerprint(*id.certificate);
  return LoadedIdentity{std::move(id), IdentityOrigin::loaded};
}

}  // namespace pf::tls
