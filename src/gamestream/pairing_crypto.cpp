#include "pairing_crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include "pf/gamestream/pairing.hpp"

namespace pf::gamestream::pairing_detail {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

}  // namespace

Result<Sha256> sha256(std::initializer_list<Bytes> parts) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return fail(Errc::io, "SHA-256 failed");
  }
  for (const Bytes part : parts) {
    if (EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1) {
      return fail(Errc::io, "SHA-256 failed");
    }
  }
  Sha256 digest{};
  unsigned len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest.data(), &len) != 1 || len != digest.size()) {
    return fail(Errc::io, "SHA-256 failed");
  }
  return digest;
}

std::vector<std::uint8_t> concat(std::initializer_list<Bytes> parts) {
  std::size_t total = 0;
  for (const Bytes part : parts) {
    total += part.size();
  }
  std::vector<std::uint8_t> out(total);
  std::size_t at = 0;
  for (const Bytes part : parts) {
    if (!part.empty()) {
      std::memcpy(out.data() + at, part.data(), part.size());
    }
    at += part.size();
  }
  return out;
}

Result<AesKey> pin_key(Bytes salt, std::string_view pin) {
  if (!is_valid_pin(pin)) {
    return fail(Errc::malformed, "the PIN must be exactly 4 digits");
  }
  auto digest = sha256({salt, Bytes(reinterpret_cast<const std::uint8_t*>(pin.data()), pin.size())});
  if (!digest) {
    return tl::unexpected(digest.error());
  }
  AesKey key{};
  std::copy_n(digest->begin(), key.size(), key.begin());
  wipe(*digest);
  return key;
}

Status random_fill(MutableBytes out) {
  if (out.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    return fail(Errc::io, "the random generator failed");
  }
  return ok();
}

void wipe(MutableBytes bytes) noexcept { OPENSSL_cleanse(bytes.data(), bytes.size()); }
void wipe(std::string& text) noexcept { OPENSSL_cleanse(text.data(), text.size()); }
void wipe(std::vector<std::uint8_t>& bytes) noexcept { OPENSSL_cleanse(bytes.data(), bytes.size()); }

bool equal_secret(Bytes a, Bytes b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace pf::gamestream::pairing_detail
