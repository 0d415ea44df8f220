#include "pf/gamestream/identity.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <array>
#include <limits>
#include <memory>
#include <system_error>
#include <utility>

#include "pf/core/fs.hpp"

namespace pf::gamestream {
namespace {

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct BnFree {
  void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};
using UniqueBio = std::unique_ptr<BIO, BioFree>;
using UniqueMdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using UniqueBn = std::unique_ptr<BIGNUM, BnFree>;

constexpr std::size_t kMaxPemBytes = 64 * 1024;
constexpr long kValiditySeconds = 20L * 365 * 24 * 3600;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

Result<std::string> key_to_pem(evp_pkey_st& key) {
  UniqueBio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), &key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return fail(Errc::io, "GameStream identity: PEM encoding of the key failed");
  }
  std::string pem = bio_text(bio.get());
  // The BIO's buffer held the key too.
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  if (n > 0) {
    OPENSSL_cleanse(data, static_cast<std::size_t>(n));
  }
  return pem;
}

/// Fills in what is derived from the certificate.
Result<Identity> complete(tls::UniqueX509 certificate, tls::UniquePkey key) {
  Identity id;
  auto pem = certificate_to_pem(*certificate);
  if (!pem) {
    return tl::unexpected(pem.error());
  }
  id.certificate_pem = std::move(*pem);
  id.signature = certificate_signature(*certificate);
  id.fingerprint = tls::fingerprint(*certificate);
  id.certificate = std::move(certificate);
  id.key = std::move(key);
  return id;
}

bool is_rsa(const evp_pkey_st& key) { return EVP_PKEY_get_base_id(&key) == EVP_PKEY_RSA; }

}  // namespace

Result<Identity> create_identity(std::string_view common_name, SerialNumber serial) {
  if (serial == SerialNumber::unset) {
    return fail(Errc::invalid_argument, "GameStream identity: no serial number kind given");
  }
  tls::UniquePkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(kRsaKeyBits)));
  tls::UniqueX509 cert(X509_new());
  if (!key || !cert) {
    return fail(Errc::io, "GameStream identity: RSA key generation failed");
  }
  UniqueBn bn(BN_new());
  if (!bn) {
    return fail(Errc::io, "GameStream identity: out of memory");
  }
  if (serial == SerialNumber::random) {
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      return fail(Errc::io, "GameStream identity: the random generator failed");
    }
    bytes[0] &= 0x7F;  // a positive serial number
    if (BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), bn.get()) == nullptr) {
      return fail(Errc::io, "GameStream identity: out of memory");
    }
  }
  X509* x = cert.get();
  const bool ok =
      X509_set_version(x, 2) == 1 && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x)) != nullptr &&
      X509_gmtime_adj(X509_getm_notBefore(x), -24L * 3600) != nullptr &&
      X509_gmtime_adj(X509_getm_notAfter(x), kValiditySeconds) != nullptr &&
      common_name.size() < static_cast<std::size_t>(std::numeric_limits<int>::max()) &&
      X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) == 1 &&
      X509_set_issuer_name(x, X509_get_subject_name(x)) == 1 && X509_set_pubkey(x, key.get()) == 1 &&
      X509_sign(x, key.get(), EVP_sha256()) > 0;
  if (!ok) {
    return fail(Errc::io, "GameStream identity: building the certificate failed");
  }
  return complete(std::move(cert), std::move(key));
}

Result<LoadedIdentity> load_or_create_identity(const std::filesystem::path& dir) {
  const std::string stem(kIdentityStem);
  const auto cert_path = dir / (stem + "-cert.pem");
  const auto key_path = dir / (stem + "-key.pem");
  std::error_code ec;
  const bool have_cert = std::filesystem::exists(cert_path, ec);
  const bool have_key = std::filesystem::exists(key_path, ec);
  if (!have_cert && !have_key) {
    auto created = create_identity(kHostCommonName, SerialNumber::random);
    if (!created) {
      return tl::unexpected(created.error());
    }
    auto key_pem = key_to_pem(*created->key);
    if (!key_pem) {
      return tl::unexpected(key_pem.error());
    }
    // The key first: a certificate without its key is refused on the next start.
    auto st = write_file_atomic(key_path, *key_pem, 0600);
    OPENSSL_cleanse(key_pem->data(), key_pem->size());
    if (!st) {
      return tl::unexpected(st.error());
    }
    if (auto cst = write_file_atomic(cert_path, created->certificate_pem, 0644); !cst) {
      return tl::unexpected(cst.error());
    }
    return LoadedIdentity{std::move(*created), tls::IdentityOrigin::created};
  }
  // At least one file exists, so pf_tls only loads and checks (mode, pairing
  // of key and certificate, a missing half): the same rules as the native identity.
  auto loaded = tls::load_or_create_identity(dir, kIdentityStem, kHostCommonName);
  if (!loaded) {
    return tl::unexpected(loaded.error());
  }
  if (!is_rsa(*loaded->identity.key)) {
    return fail(Errc::config_invalid,
                "GameStream identity: {} holds no RSA key (Moonlight clients need RSA); remove {} and {} to "
                "make a new one (clients then pair again)",
                key_path.string(), cert_path.string(), key_path.string());
  }
  auto id = complete(std::move(loaded->identity.certificate), std::move(loaded->identity.key));
  if (!id) {
    return tl::unexpected(id.error());
  }
  return LoadedIdentity{std::move(*id), tls::IdentityOrigin::loaded};
}

Result<tls::UniqueX509> parse_certificate_pem(std::string_view pem) {
  if (pem.empty() || pem.size() > kMaxPemBytes) {
    return fail(Errc::malformed, "certificate: {} bytes of PEM (1 to {} accepted)", pem.size(), kMaxPemBytes);
  }
  UniqueBio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    return fail(Errc::io, "certificate: out of memory");
  }
  tls::UniqueX509 cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return fail(Errc::malformed, "certificate: no PEM certificate could be read");
  }
  return cert;
}

Result<std::string> certificate_to_pem(const x509_st& certificate) {
  UniqueBio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), &certificate) != 1) {
    return fail(Errc::io, "certificate: PEM encoding failed");
  }
  return bio_text(bio.get());
}

std::vector<std::uint8_t> certificate_signature(const x509_st& certificate) {
  const ASN1_BIT_STRING* sig = nullptr;
  X509_get0_signature(&sig, nullptr, &certificate);
  if (sig == nullptr || ASN1_STRING_length(sig) <= 0) {
    return {};
  }
  const unsigned char* data = ASN1_STRING_get0_data(sig);
  return {data, data + ASN1_STRING_length(sig)};
}

Result<std::vector<std::uint8_t>> sign_sha256(evp_pkey_st& key, Bytes message) {
  UniqueMdCtx ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, &key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1 || len == 0) {
    return fail(Errc::io, "signing failed");
  }
  std::vector<std::uint8_t> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
    return fail(Errc::io, "signing failed");
  }
  sig.resize(len);
  return sig;
}

bool verify_sha256(const x509_st& certificate, Bytes message, Bytes signature) {
  EVP_PKEY* pub = X509_get0_pubkey(&certificate);
  UniqueMdCtx ctx(EVP_MD_CTX_new());
  if (pub == nullptr || !ctx || signature.empty() ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pub) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) == 1;
}

}  // namespace pf::gamestream
