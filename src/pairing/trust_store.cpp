#include "pf/pairing/trust_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pf/core/fs.hpp"
#include "pf/core/text.hpp"
#include "pf/core/unique.hpp"

namespace pf::pairing {
namespace {

constexpr std::size_t kMaxFileBytes = 1 << 20;
constexpr std::int64_t kMaxTime = std::int64_t{1} << 40;  // year ~36800: anything beyond is a typo

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

Result<std::int64_t> time_field(const nlohmann::json& v, std::string_view where, std::string_view key) {
  if (!v.is_number_integer()) {
    return fail(Errc::config_invalid, "{}: {} must be an integer (Unix seconds)", where, key);
  }
  const auto t = v.get<std::int64_t>();
  if (t < 0 || t > kMaxTime) {
    return fail(Errc::config_invalid, "{}: {} = {} is out of range", where, key, t);
  }
  return t;
}

Result<PairedClient> parse_entry(const nlohmann::json& item, std::size_t index) {
  const std::string where = fmt::format("clients[{}]", index);
  if (!item.is_object()) {
    return fail(Errc::config_invalid, "{} is not an object", where);
  }
  PairedClient c;
  bool have_fingerprint = false;
  for (const auto& [key, value] : item.items()) {
    if (key == "fingerprint") {
      const auto fp = value.is_string() ? normalize_fingerprint(value.get_ref<const std::string&>()) : std::nullopt;
      if (!fp) {
        return fail(Errc::config_invalid, "{}: fingerprint must be 64 hex digits", where);
      }
      c.fingerprint = *fp;
      have_fingerprint = true;
    } else if (key == "name") {
      if (!value.is_string() || value.get_ref<const std::string&>().size() > kMaxClientNameBytes) {
        return fail(Errc::config_invalid, "{}: name must be a string of at most {} bytes", where,
                    kMaxClientNameBytes);
      }
      c.name = value.get<std::string>();
    } else if (key == "access") {
      const auto access = value.is_string() ? parse_access(value.get_ref<const std::string&>()) : std::nullopt;
      if (!access) {
        return fail(Errc::config_invalid, "{}: access must be \"full\", \"controller-only\" or \"view-only\"",
                    where);
      }
      c.access = *access;
    } else if (key == "protocol") {
      const auto protocol = value.is_string() ? parse_protocol(value.get_ref<const std::string&>()) : std::nullopt;
      if (!protocol) {
        return fail(Errc::config_invalid, "{}: protocol must be \"native\" or \"gamestream\"", where);
      }
      c.protocol = *protocol;
    } else if (key == "paired_at" || key == "last_seen" || key == "expires_at") {
      auto t = time_field(value, where, key);
      if (!t) {
        return tl::unexpected(t.error());
      }
      (key == "paired_at" ? c.paired_at : key == "last_seen" ? c.last_seen : c.expires_at) = *t;
    } else {
      return fail(Errc::config_invalid, "{}: unknown field \"{}\"", where, key);
    }
  }
  if (!have_fingerprint) {
    return fail(Errc::config_invalid, "{}: fingerprint is missing", where);
  }
  return c;
}

}  // namespace

std::string_view to_string(Access access) noexcept {
  switch (access) {
    case Access::full: return "full";
    case Access::controller_only: return "controller-only";
    case Access::view_only: return "view-only";
    case Access::unset: break;
  }
  return "unset";
}

std::optional<Access> parse_access(std::string_view text) noexcept {
  for (const Access a : {Access::full, Access::controller_only, Access::view_only}) {
    if (text == to_string(a)) {
      return a;
    }
  }
  return std::nullopt;
}

std::string_view to_string(Protocol protocol) noexcept {
  return protocol == Protocol::gamestream ? "gamestream" : "native";
}

std::optional<Protocol> parse_protocol(std::string_view text) noexcept {
  if (text == "native") {
    return Protocol::native;
  }
  if (text == "gamestream") {
    return Protocol::gamestream;
  }
  return std::nullopt;
}

bool allows(Access access, InputKind kind) noexcept {
  switch (access) {
    case Access::full: return kind != InputKind::unset;
    case Access::controller_only: return kind == InputKind::gamepad;
    case Access::view_only:
    case Access::unset: return false;
  }
  return false;
}

std::optional<std::string> normalize_fingerprint(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ':' && i % 3 == 2) {
      continue;
    }
    if (!is_hex(c) || out.size() == 64) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c));
  }
  if (out.size() != 64) {
    return std::nullopt;
  }
  return out;
}

Result<std::vector<PairedClient>> parse_clients(std::string_view text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return fail(Errc::config_invalid, "not a JSON object");
  }
  std::vector<PairedClient> out;
  for (const auto& [key, value] : json.items()) {
    if (key == "version") {
      if (!value.is_number_integer() || value.get<std::int64_t>() != 1) {
        return fail(Errc::config_invalid, "version must be 1");
      }
    } else if (key == "clients") {
      if (!value.is_array()) {
        return fail(Errc::config_invalid, "clients must be a list");
      }
      if (value.size() > kMaxPairedClients) {
        return fail(Errc::config_invalid, "{} clients; at most {} can be paired", value.size(), kMaxPairedClients);
      }
      for (std::size_t i = 0; i < value.size(); ++i) {
        auto entry = parse_entry(value[i], i);
        if (!entry) {
          return tl::unexpected(entry.error());
        }
        if (std::any_of(out.begin(), out.end(), [&](const auto& c) { return c.fingerprint == entry->fingerprint; })) {
          return fail(Errc::config_invalid, "clients[{}]: fingerprint {} is listed twice", i, entry->fingerprint);
        }
        out.push_back(std::move(*entry));
      }
    } else {
      return fail(Errc::config_invalid, "unknown field \"{}\"", key);
    }
  }
  return out;
}

std::string render_clients(const std::vector<PairedClient>& clients) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : clients) {
    list.push_back({{"fingerprint", c.fingerprint},
                    {"name", c.name},
                    {"access", to_string(c.access)},
                    {"paired_at", c.paired_at},
                    {"last_seen", c.last_seen},
                    {"expires_at", c.expires_at}});
    if (c.protocol != Protocol::native) {
      list.back()["protocol"] = to_string(c.protocol);
    }
  }
  // Names come from clients: never let invalid UTF-8 stop the file from being written.
  return nlohmann::json{{"version", 1}, {"clients", std::move(list)}}.dump(2, ' ', false,
                                                                          nlohmann::json::error_handler_t::replace) +
         "\n";
}

Result<std::size_t> find_client(const std::vector<PairedClient>& clients, std::string_view key) {
  if (const auto fp = normalize_fingerprint(key)) {
    for (std::size_t i = 0; i < clients.size(); ++i) {
      if (clients[i].fingerprint == *fp) {
        return i;
      }
    }
    return fail(Errc::not_found, "no paired client has fingerprint {}", *fp);
  }
  std::optional<std::size_t> found;
  const bool prefix = key.size() >= 8 && std::all_of(key.begin(), key.end(), is_hex);
  for (std::size_t i = 0; i < clients.size(); ++i) {
    const auto& c = clients[i];
    const bool match =
        c.name == key ||
        (prefix && c.fingerprint.size() >= key.size() &&
         std::equal(key.begin(), key.end(), c.fingerprint.begin(), [](char a, char b) {
           return (a >= 'A' && a <= 'F' ? static_cast<char>(a - 'A' + 'a') : a) == b;
         }));
    if (match) {
      if (found) {
        return fail(Errc::invalid_argument, "'{}' matches more than one paired client; give more of the fingerprint",
                    key);
      }
      found = i;
    }
  }
  if (!found) {
    return fail(Errc::not_found, "no paired client matches '{}' (a name, a fingerprint or 8+ of its first digits)",
                key);
  }
  return *found;
}

TrustStore::TrustStore(std::filesystem::path config_dir)
    : file_(config_dir / kClientsFile), lock_(config_dir / (std::string(kClientsFile) + ".lock")) {}

Result<std::vector<PairedClient>> TrustStore::load() const {
  return load_settings_file<std::vector<PairedClient>>(file_, kMaxFileBytes, parse_clients);
}

Result<PairedClient> TrustStore::change(std::string_view key, std::optional<Access> access,
                                        std::optional<std::int64_t> expires_at) const {
  PairedClient out;
  auto st = update([&](std::vector<PairedClient>& clients) -> Status {
    auto index = find_client(clients, key);
    if (!index) {
      return tl::unexpected(index.error());
    }
    auto& client = clients[*index];
    if (access) {
      client.access = *access;
    }
    if (expires_at) {
      client.expires_at = *expires_at;
    }
    out = client;
    return ok();
  });
  if (!st) {
    return tl::unexpected(st.error());
  }
  return out;
}

Result<PairedClient> TrustStore::remove(std::string_view key) const {
  PairedClient out;
  auto st = update([&](std::vector<PairedClient>& clients) -> Status {
    auto index = find_client(clients, key);
    if (!index) {
      return tl::unexpected(index.error());
    }
    out = clients[*index];
    clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(*index));
    return ok();
  });
  if (!st) {
    return tl::unexpected(st.error());
  }
  return out;
}

std::optional<std::int64_t> parse_expiry(std::string_view text) {
  if (text == "never") {
    return 0;
  }
  const auto d = parse_duration(text);
  if (!d || *d < std::chrono::seconds(1)) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::seconds>(*d).count();
}

Status TrustStore::update(const std::function<Status(std::vector<PairedClient>&)>& change) const {
  const UniqueFd lock(::open(lock_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock) {
    return fail_errno(errno, "open " + lock_.string());
  }
  while (::flock(lock.get(), LOCK_EX) != 0) {
    if (errno != EINTR) {
      return fail_errno(errno, "lock " + lock_.string());
    }
  }
  auto clients = load();
  if (!clients) {
    return tl::unexpected(clients.error());
  }
  if (auto changed = change(*clients); !changed) {
    return changed;
  }
  return write_file_atomic(file_, render_clients(*clients), 0600);
}  // the lock goes with the descriptor

std::string TrustStore::version() const {
  struct stat st {};
  if (::stat(file_.c_str(), &st) != 0) {
    return "absent";
  }
  return fmt::format("{}:{}:{}.{}", st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

std::int64_t unix_now() noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace pf::pairing
