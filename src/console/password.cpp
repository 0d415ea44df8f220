#include "pf/console/password.hpp"

#include <sys/stat.h>

#include <array>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "pf/core/fs.hpp"

namespace pf::console {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::uint64_t kMaxScryptMemory = 256ULL << 20;

std::string hex(const std::uint8_t* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> unhex(std::string_view s) {
  if (s.size() % 2 != 0) {
    return std::nullopt;
  }
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  };
  std::vector<std::uint8_t> out;
  out.reserve(s.size() / 2);
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const int hi = nibble(s[i]);
    const int lo = nibble(s[i + 1]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    out.push_back(static_cast<std::uint8_t>((hi << 4) | lo));
  }
  return out;
}

struct Parsed {
  ScryptCost cost;
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> hash;
};

std::optional<std::uint32_t> small_number(std::string_view s, std::uint32_t max) {
  if (s.empty() || s.size() > 3) {
    return std::nullopt;
  }
  std::uint32_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return v >= 1 && v <= max ? std::optional(v) : std::nullopt;
}

std::optional<Parsed> parse(std::string_view stored) {
  std::array<std::string_view, 6> parts{};
  std::size_t n = 0;
  while (n < parts.size()) {
    const auto bar = stored.find('$');
    parts[n++] = stored.substr(0, bar);
    if (bar == std::string_view::npos) {
      break;
    }
    stored.remove_prefix(bar + 1);
    if (n == parts.size()) {
      return std::nullopt;  // more fields than the format has
    }
  }
  if (n != parts.size() || parts[0] != "scrypt") {
    return std::nullopt;
  }
  const auto log2_n = small_number(parts[1], 20);
  const auto r = small_number(parts[2], 32);
  const auto p = small_number(parts[3], 16);
  auto salt = unhex(parts[4]);
  auto hash = unhex(parts[5]);
  if (!log2_n || !r || !p || !salt || !hash || salt->size() != kSaltBytes || hash->size() != kHashBytes) {
    return std::nullopt;
  }
  return Parsed{{static_cast<std::uint8_t>(*log2_n), *r, *p}, std::move(*salt), std::move(*hash)};
}

bool derive(std::string_view password, const std::vector<std::uint8_t>& salt, ScryptCost cost,
            std::array<std::uint8_t, kHashBytes>& out) {
  return EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), std::uint64_t{1} << cost.log2_n,
                        cost.r, cost.p, kMaxScryptMemory, out.data(), out.size()) == 1;
}

}  // namespace

Result<std::string> hash_password(std::string_view password, ScryptCost cost) {
  auto salt = random_bytes(kSaltBytes);
  if (!salt) {
    return tl::unexpected(salt.error());
  }
  const std::vector<std::uint8_t> salt_bytes(salt->begin(), salt->end());
  std::array<std::uint8_t, kHashBytes> hash{};
  if (!derive(password, salt_bytes, cost, hash)) {
    return fail(Errc::io, "scrypt failed (not enough memory?)");
  }
  return fmt::format("scrypt${}${}${}${}${}", cost.log2_n, cost.r, cost.p, hex(salt_bytes.data(), salt_bytes.size()),
                     hex(hash.data(), hash.size()));
}

bool verify_password(std::string_view stored, std::string_view password) {
  const auto parsed = parse(stored);
  if (!parsed || password.size() > kMaxPasswordChars) {
    return false;
  }
  std::array<std::uint8_t, kHashBytes> hash{};
  if (!derive(password, parsed->salt, parsed->cost, hash)) {
    return false;
  }
  return CRYPTO_memcmp(hash.data(), parsed->hash.data(), hash.size()) == 0;
}

Status check_stored_hash(std::string_view stored) {
  if (!parse(stored)) {
    return fail(Errc::malformed, "not a password hash (scrypt$N$r$p$salt$hash)");
  }
  return ok();
}

Result<std::string> generate_password() {
  static constexpr std::string_view kAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";  // no i, l, o, 0, 1
  std::string out;
  while (out.size() < 29) {
    auto bytes = random_bytes(32);
    if (!bytes) {
      return tl::unexpected(bytes.error());
    }
    for (const char b : *bytes) {
      const auto u = static_cast<unsigned char>(b);
      if (u >= 248 || out.size() == 29) {  // 248 = 8 × 31: no modulo bias
        continue;
      }
      if (out.size() % 6 == 5) {
        out += '-';
      }
      out += kAlphabet[u % kAlphabet.size()];
    }
  }
  return out;
}

Status check_new_password(std::string_view password) {
  if (password.size() < kMinPasswordChars) {
    return fail(Errc::invalid_argument, "the password needs at least {} characters", kMinPasswordChars);
  }
  if (password.size() > kMaxPasswordChars) {
    return fail(Errc::invalid_argument, "the password may have at most {} characters", kMaxPasswordChars);
  }
  return ok();
}

Result<std::optional<std::string>> read_password_file(const std::filesystem::path& config_dir) {
  const auto file = config_dir / kPasswordFile;
  auto text = read_small_file(file, 1024);
  if (!text) {
    if (text.error().code == Errc::not_found) {
      return std::optional<std::string>{};
    }
    return tl::unexpected(text.error());
  }
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    return fail(Errc::permission_denied, "{} is readable by others: chmod 600 it", file.string());
  }
  std::string_view line = *text;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (!check_stored_hash(line)) {
    return fail(Errc::malformed, "{} does not hold a password hash; run `punktfunk-host web setup --reset-password`",
                file.string());
  }
  return std::optional<std::string>(std::string(line));
}

Status write_password_file(const std::filesystem::path& config_dir, std::string_view password, ScryptCost cost) {
  if (auto good = check_new_password(password); !good) {
    return good;
  }
  auto hashed = hash_password(password, cost);
  if (!hashed) {
    return tl::unexpected(hashed.error());
  }
  return write_file_atomic(config_dir / kPasswordFile, *hashed + "\n", 0600);
}

}  // namespace pf::console
