#include "pf/mgmt/token.hpp"

#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "pf/core/fs.hpp"

namespace pf::mgmt {
namespace {

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char b : bytes) {
    const auto u = static_cast<unsigned char>(b);
    out += kDigits[u >> 4];
    out += kDigits[u & 15];
  }
  return out;
}

}  // namespace

Token::Token(std::string_view secret) : empty_(secret.empty()) {
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest_.data());
}

bool Token::matches(std::string_view presented) const noexcept {
  std::array<std::uint8_t, 32> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(presented.data()), presented.size(), digest.data());
  // Both digests are always compared whole; an empty token matches nothing.
  return CRYPTO_memcmp(digest.data(), digest_.data(), digest.size()) == 0 && !empty_ && !presented.empty();
}

std::string_view bearer_token(std::string_view authorization) noexcept {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size()) {
    return {};
  }
  for (std::size_t i = 0; i < kScheme.size(); ++i) {  // the scheme is case-insensitive
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != std::tolower(static_cast<unsigned char>(kScheme[i]))) {
      return {};
    }
  }
  auto token = authorization.substr(kScheme.size());
  while (!token.empty() && token.back() == ' ') {
    token.remove_suffix(1);
  }
  return token;
}

Result<LoadedToken> read_token(const std::filesystem::path& config_dir, std::string_view override_value) {
  if (!override_value.empty()) {
    if (override_value.size() < kMinTokenChars) {
      return fail(Errc::config_invalid, "PUNKTFUNK_MGMT_TOKEN is too short: use at least {} characters", kMinTokenChars);
    }
    return LoadedToken{std::string(override_value), TokenOrigin::environment};
  }
  const auto file = config_dir / kTokenFile;
  auto text = read_small_file(file, 4096);
  if (!text) {
    return tl::unexpected(text.error());
  }
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    return fail(Errc::permission_denied, "{} is readable by others: chmod 600 it (and consider replacing the token)",
                file.string());
  }
  std::string_view t = *text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) {
    t.remove_suffix(1);
  }
  if (t.size() != 64 || !is_hex(t)) {
    return fail(Errc::malformed, "{} does not hold a token (64 hex digits); delete it to make a new one",
                file.string());
  }
  return LoadedToken{std::string(t), TokenOrigin::file};
}

Result<LoadedToken> load_or_create_token(const std::filesystem::path& config_dir, std::string_view override_value) {
  auto existing = read_token(config_dir, override_value);
  if (existing || existing.error().code != Errc::not_found) {
    return existing;
  }
  auto bytes = random_bytes(32);
  if (!bytes) {
    return tl::unexpected(bytes.error());
  }
  LoadedToken created{to_hex(*bytes), TokenOrigin::created};
  if (auto written = write_file_atomic(config_dir / kTokenFile, created.secret + "\n", 0600); !written) {
    return tl::unexpected(written.error());
  }
  return created;
}

}  // namespace pf::mgmt
