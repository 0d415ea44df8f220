// The host's paired clients: who may connect, at what access level, until
// when. One JSON file in the config directory (`clients.json`, mode 0600,
// replaced atomically), so an operator's `punktfunk-host clients ...` and
// the running host can both change it: every change is a read-modify-write
// under an exclusive lock on `clients.json.lock`, and the host re-reads the
// file when it changes.
//
//   {"version": 1, "clients": [{"fingerprint": "<64 hex>", "name": "...",
//     "access": "full", "paired_at": 1764000000, "last_seen": 1764000000,
//     "expires_at": 0}]}
//
// Times are Unix seconds; expires_at 0 means the grant does not expire. A
// client paired over GameStream (a Moonlight client) has "protocol":
// "gamestream"; without the field it is the native protocol's. A
// certificate is trusted only for the protocol it paired over.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pf/core/result.hpp"

namespace pf::pairing {

inline constexpr std::string_view kClientsFile = "clients.json";
inline constexpr std::size_t kMaxClientNameBytes = 64;
inline constexpr std::size_t kMaxPairedClients = 256;

/// What a paired client may do. Enforced host-side.
enum class Access : std::uint8_t {
  unset = 0,
  full = 1,             ///< watch and control: keyboard, mouse, touch, gamepads
  controller_only = 2,  ///< watch; gamepads only
  view_only = 3,        ///< watch; no input at all
};

[[nodiscard]] std::string_view to_string(Access access) noexcept;
[[nodiscard]] std::optional<Access> parse_access(std::string_view text) noexcept;

/// Input kinds an access level admits.
enum class InputKind : std::uint8_t { unset = 0, keyboard = 1, mouse = 2, touch = 3, gamepad = 4 };
[[nodiscard]] bool allows(Access access, InputKind kind) noexcept;

/// The protocol a client paired over.
enum class Protocol : std::uint8_t { native = 0, gamestream = 1 };
[[nodiscard]] std::string_view to_string(Protocol protocol) noexcept;
[[nodiscard]] std::optional<Protocol> parse_protocol(std::string_view text) noexcept;

struct PairedClient {
  std::string fingerprint;  ///< SHA-256 of the client certificate, 64 lowercase hex digits
  std::string name;
  Access access = Access::full;
  std::int64_t paired_at = 0;   ///< Unix seconds
  std::int64_t last_seen = 0;   ///< Unix seconds; 0 = never connected since pairing
  std::int64_t expires_at = 0;  ///< Unix seconds; 0 = never
  Protocol protocol = Protocol::native;
  friend bool operator==(const PairedClient&, const PairedClient&) = default;
};

/// Parses the file's content. Errors name the entry and the field; unknown
/// fields, a malformed fingerprint, a duplicate, more than
/// kMaxPairedClients entries are all errors (an operator's typo must not
/// silently grant or revoke anything).
[[nodiscard]] Result<std::vector<PairedClient>> parse_clients(std::string_view json);
[[nodiscard]] std::string render_clients(const std::vector<PairedClient>& clients);

/// Whether `text` is a SHA-256 fingerprint (64 hex digits; colons allowed
/// between pairs); returns it normalised to 64 lowercase digits.
[[nodiscard]] std::optional<std::string> normalize_fingerprint(std::string_view text);

/// The one entry `key` names: a whole fingerprint or a unique prefix of at
/// least 8 hex digits, or a unique name. not_found / invalid_argument (ambiguous).
[[nodiscard]] Result<std::size_t> find_client(const std::vector<PairedClient>& clients, std::string_view key);

/// Whether a grant has expired at `now_s` (Unix seconds).
[[nodiscard]] inline bool expired(const PairedClient& c, std::int64_t now_s) noexcept {
  return c.expires_at != 0 && now_s >= c.expires_at;
}

class TrustStore {
 public:
  explicit TrustStore(std::filesystem::path config_dir);

  [[nodiscard]] const std::filesystem::path& file() const noexcept { return file_; }

  /// The paired clients (none when the file does not exist).
  [[nodiscard]] Result<std::vector<PairedClient>> load() const;

  /// Reads, lets `change` edit, and writes back (only when `change`
  /// succeeds), all under the lock.
  [[nodiscard]] Status update(const std::function<Status(std::vector<PairedClient>&)>& change) const;

  /// Changes the access and/or expiry (Unix seconds; 0 = never) of the
  /// client `key` names (find_client); returns it as it is now.
  [[nodiscard]] Result<PairedClient> change(std::string_view key, std::optional<Access> access,
                                            std::optional<std::int64_t> expires_at) const;
  /// Unpairs the client `key` names; returns it as it was.
  [[nodiscard]] Result<PairedClient> remove(std::string_view key) const;

  /// Identifies the file's current version (size, mtime, inode): cheap to
  /// poll for changes.
  [[nodiscard]] std::string version() const;

 private:
  std::filesystem::path file_;
  std::filesystem::path lock_;
};

/// Unix seconds now.
[[nodiscard]] std::int64_t unix_now() noexcept;

/// An expiry as the operator writes it: a duration from now ("90s", "30m",
/// "12h", "7d") → that many seconds; "never" → 0; anything else → nothing.
[[nodiscard]] std::optional<std::int64_t> parse_expiry(std::string_view text);

}  // namespace pf::pairing
