#include "pf/console/session_cookie.hpp"

#include <sys/stat.h>

#include <charconv>

#include <openssl/evp.h>

#include "pf/core/fs.hpp"

namespace pf::console {
namespace {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kClaimsBytes = 1 + 8 + 8 + 8;
constexpr std::uint8_t kVersion = 1;
constexpr std::string_view kAad = "punktfunk console session v1";
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

void put64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out += static_cast<char>((v >> shift) & 0xff);
  }
}
std::uint64_t get64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v = (v << 8) | p[i];
  }
  return v;
}
const unsigned char* u8(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

Result<CookieSealer> CookieSealer::load_or_create(const std::filesystem::path& config_dir) {
  const auto file = config_dir / kSessionKeyFile;
  auto text = read_small_file(file, 256);
  std::string raw;
  if (text) {
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      return fail(Errc::permission_denied, "{} is readable by others: chmod 600 it", file.string());
    }
    auto decoded = base64url_decode(std::string_view(*text).substr(0, text->find('\n')));
    if (!decoded || decoded->size() != Key{}.size()) {
      return fail(Errc::malformed, "{} does not hold a session key; delete it to make a new one (signs everyone out)",
                  file.string());
    }
    raw = std::move(*decoded);
  } else if (text.error().code == Errc::not_found) {
    auto bytes = random_bytes(Key{}.size());
    if (!bytes) {
      return tl::unexpected(bytes.error());
    }
    raw = std::move(*bytes);
    if (auto written = write_file_atomic(file, base64url_encode(raw) + "\n", 0600); !written) {
      return tl::unexpected(written.error());
    }
  } else {
    return tl::unexpected(text.error());
  }
  Key key{};
  std::copy(raw.begin(), raw.end(), key.begin());
  return CookieSealer(key);
}

Result<std::string> CookieSealer::seal(const SessionClaims& claims) const {
  std::string plain;
  plain += static_cast<char>(kVersion);
  put64(plain, claims.epoch);
  put64(plain, static_cast<std::uint64_t>(claims.issued_unix));
  put64(plain, static_cast<std::uint64_t>(claims.expires_unix));
  auto nonce = random_bytes(kNonceBytes);
  if (!nonce) {
    return tl::unexpected(nonce.error());
  }
  std::string out = *nonce;
  out.resize(kNonceBytes + plain.size() + kTagBytes);
  auto* cipher = reinterpret_cast<unsigned char*>(out.data()) + kNonceBytes;
  const Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int aad_len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), u8(*nonce)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &aad_len, u8(kAad), static_cast<int>(kAad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), cipher, &len, u8(plain), static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), cipher + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes), cipher + plain.size()) != 1) {
    return fail(Errc::io, "sealing a session cookie failed");
  }
  return base64url_encode(out);
}

std::optional<SessionClaims> CookieSealer::open(std::string_view value) const {
  constexpr std::size_t kSealed = kNonceBytes + kClaimsBytes + kTagBytes;
  if (value.size() > 2 * kSealed) {  // cheap refusal before decoding
    return std::nullopt;
  }
  const auto sealed = base64url_decode(value);
  if (!sealed || sealed->size() != kSealed) {
    return std::nullopt;
  }
  const auto* nonce = u8(*sealed);
  const auto* cipher = nonce + kNonceBytes;
  std::array<std::uint8_t, kClaimsBytes> plain{};
  std::array<std::uint8_t, kTagBytes> tag{};
  std::copy(cipher + kClaimsBytes, cipher + kClaimsBytes + kTagBytes, tag.begin());
  const Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int aad_len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &aad_len, u8(kAad), static_cast<int>(kAad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), plain.data(), &len, cipher, static_cast<int>(kClaimsBytes)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), plain.data() + len, &len) != 1) {
    return std::nullopt;  // changed, cut, or another key's
  }
  if (plain[0] != kVersion) {
    return std::nullopt;
  }
  return SessionClaims{get64(&plain[1]), static_cast<std::int64_t>(get64(&plain[9])),
                       static_cast<std::int64_t>(get64(&plain[17]))};
}

Result<std::unique_ptr<SessionEpoch>> SessionEpoch::load(const std::filesystem::path& config_dir) {
  const auto file = config_dir / kSessionEpochFile;
  std::uint64_t value = 0;
  auto text = read_small_file(file, 64);
  if (text) {
    std::string_view t = *text;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) {
      t.remove_suffix(1);
    }
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (ec != std::errc{} || end != t.data() + t.size() || t.empty()) {
      return fail(Errc::malformed, "{} does not hold a number; delete it (signs everyone out)", file.string());
    }
  } else if (text.error().code != Errc::not_found) {
    return tl::unexpected(text.error());
  }
  return std::unique_ptr<SessionEpoch>(new SessionEpoch(file, value));
}

std::uint64_t SessionEpoch::current() const {
  const MutexLock lock(mutex_);
  return value_;
}

Result<std::uint64_t> SessionEpoch::bump() {
  const MutexLock lock(mutex_);
  const std::uint64_t next = value_ + 1;
  if (auto written = write_file_atomic(file_, fmt::format("{}\n", next), 0600); !written) {
    return tl::unexpected(written.error());
  }
  value_ = next;
  return next;
}

bool claims_valid(const SessionClaims& claims, std::uint64_t epoch, std::int64_t now_unix) noexcept {
  return claims.epoch == epoch && now_unix < claims.expires_unix && claims.issued_unix <= now_unix + 60;
}

std::string_view cookie_value(std::string_view header, std::string_view name) noexcept {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') {
      pair.remove_prefix(1);
    }
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
  }
  return {};
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : bytes) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) {
    out += kAlphabet[(acc << (6 - bits)) & 63];
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) {
    return std::nullopt;  // no length leaves one character over
  }
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    const auto at = kAlphabet.find(c);
    if (at == std::string_view::npos) {
      return std::nullopt;
    }
    acc = ((acc << 6) | static_cast<std::uint32_t>(at)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if ((acc & ((1U << bits) - 1)) != 0) {
    return std::nullopt;  // stray bits: not the canonical encoding
  }
  return out;
}

}  // namespace pf::console
