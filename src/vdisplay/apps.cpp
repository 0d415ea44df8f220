#include "pf/vdisplay/apps.hpp"

#include <unistd.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "pf/core/fs.hpp"

namespace pf::vdisplay {
namespace {

constexpr std::size_t kMaxIdBytes = 64;
constexpr std::size_t kMaxTextBytes = 1024;
constexpr std::size_t kMaxArgs = 64;   // agentlink::kMaxAppArgs
constexpr std::size_t kMaxEnv = 64;    // below agentlink::kMaxAppEnv
constexpr std::size_t kMaxEncodedBytes = 3072;  // what one LaunchApp datagram can carry

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxIdBytes && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

bool valid_env_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxIdBytes && (name[0] < '0' || name[0] > '9') &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

bool short_text(const nlohmann::json& v) {
  return v.is_string() && v.get_ref<const std::string&>().size() <= kMaxTextBytes &&
         v.get_ref<const std::string&>().find('\0') == std::string::npos;
}

Result<AppEntry> parse_entry(const nlohmann::json& item, std::size_t index) {
  if (!item.is_object()) {
    return fail(Errc::config_invalid, "apps[{}] is not an object", index);
  }
  const auto where = [&](const AppEntry& e) {
    return e.id.empty() ? fmt::format("apps[{}]", index) : fmt::format("app '{}'", e.id);
  };
  AppEntry e;
  if (const auto id = item.find("id"); id != item.end() && id->is_string()) {
    e.id = id->get<std::string>();
  }
  if (!valid_id(e.id)) {
    return fail(Errc::config_invalid, "apps[{}] needs an \"id\" of 1-{} characters a-z 0-9 . _ -", index,
                kMaxIdBytes);
  }
  if (e.id == kDesktopAppId) {
    return fail(Errc::config_invalid, "app id '{}' is built in and cannot be redefined", kDesktopAppId);
  }
  std::size_t encoded = 0;
  for (const auto& [key, value] : item.items()) {
    if (key == "id") {
      continue;
    }
    if (key == "name" || key == "working_dir") {
      if (!short_text(value)) {
        return fail(Errc::config_invalid, "{}: {} must be a string of at most {} bytes", where(e), key,
                    kMaxTextBytes);
      }
      (key == "name" ? e.name : e.working_dir) = value.get<std::string>();
      encoded += value.get_ref<const std::string&>().size() + 2;
    } else if (key == "command") {
      if (!value.is_array() || value.empty() || value.size() > kMaxArgs ||
          !std::all_of(value.begin(), value.end(), short_text)) {
        return fail(Errc::config_invalid, "{}: command must be a list of 1-{} strings (program first)",
                    where(e), kMaxArgs);
      }
      for (const auto& arg : value) {
        e.command.push_back(arg.get<std::string>());
        encoded += e.command.back().size() + 2;
      }
      if (e.command.front().empty()) {
        return fail(Errc::config_invalid, "{}: the program (command[0]) is empty", where(e));
      }
    } else if (key == "env") {
      if (!value.is_object() || value.size() > kMaxEnv) {
        return fail(Errc::config_invalid, "{}: env must be an object of at most {} strings", where(e), kMaxEnv);
      }
      for (const auto& [name, v] : value.items()) {
        if (!valid_env_name(name) || !short_text(v)) {
          return fail(Errc::config_invalid, "{}: env entry '{}' needs a NAME_LIKE_THIS and a string value",
                      where(e), name.substr(0, kMaxIdBytes));
        }
        e.env.emplace(name, v.get<std::string>());
        encoded += name.size() + v.get_ref<const std::string&>().size() + 3;
      }
    } else {
      return fail(Errc::config_invalid, "{}: unknown member '{}' (known: id, name, command, working_dir, env)",
                  where(e), key.substr(0, kMaxIdBytes));
    }
  }
  if (e.command.empty()) {
    return fail(Errc::config_invalid, "{}: needs a \"command\"", where(e));
  }
  if (encoded > kMaxEncodedBytes) {
    return fail(Errc::config_invalid, "{}: command, working_dir and env add up to more than {} bytes", where(e),
                kMaxEncodedBytes);
  }
  if (e.name.empty()) {
    e.name = e.id;
  }
  return e;
}

}  // namespace

AppCatalog::AppCatalog() { entries_.push_back(AppEntry{std::string(kDesktopAppId), "Desktop", {}, {}, {}}); }

const AppEntry* AppCatalog::find(std::string_view id) const noexcept {
  const auto it = std::find_if(entries_.begin(), entries_.end(), [id](const AppEntry& e) { return e.id == id; });
  return it == entries_.end() ? nullptr : &*it;
}

Result<AppCatalog> parse_apps(std::string_view json) {
  const auto doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(Errc::malformed, "{} is not a JSON object", kAppsFile);
  }
  AppCatalog catalog;
  for (const auto& [key, value] : doc.items()) {
    if (key != "apps") {
      return fail(Errc::config_invalid, "unknown member '{}' in {} (known: apps)", key.substr(0, kMaxIdBytes),
                  kAppsFile);
    }
    if (!value.is_array() || value.size() > kMaxApps) {
      return fail(Errc::config_invalid, "apps must be a list of at most {} entries", kMaxApps);
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      auto entry = parse_entry(value[i], i);
      if (!entry) {
        return tl::unexpected(entry.error());
      }
      if (catalog.find(entry->id) != nullptr) {
        return fail(Errc::config_invalid, "app id '{}' appears twice", entry->id);
      }
      catalog.entries_.push_back(std::move(*entry));
    }
  }
  return catalog;
}

std::string render_apps(const AppCatalog& catalog) {
  nlohmann::ordered_json apps = nlohmann::ordered_json::array();
  for (const auto& e : catalog.entries()) {
    if (e.id == kDesktopAppId) {
      continue;
    }
    nlohmann::ordered_json item = {{"id", e.id}, {"name", e.name}, {"command", e.command}};
    if (!e.working_dir.empty()) {
      item["working_dir"] = e.working_dir;
    }
    if (!e.env.empty()) {
      item["env"] = e.env;
    }
    apps.push_back(std::move(item));
  }
  return nlohmann::ordered_json{{"apps", apps}}.dump(2) + "\n";
}

Result<AppCatalog> load_apps(const std::filesystem::path& file) {
  return load_settings_file<AppCatalog>(file, kMaxAppsFileBytes, parse_apps);
}

Result<std::vector<std::string>> resolve_command(const std::vector<std::string>& command, std::string_view path) {
  if (command.empty()) {
    return fail(Errc::invalid_argument, "no command to run");
  }
  if (command.front().find('/') != std::string::npos) {
    return command;
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find(':', start), path.size());
    const std::string_view dir = path.substr(start, end - start);
    if (!dir.empty()) {
      const std::string candidate = fmt::format("{}/{}", dir, command.front());
      if (::access(candidate.c_str(), X_OK) == 0) {
        std::vector<std::string> out = command;
        out.front() = candidate;
        return out;
      }
    }
    start = end + 1;
  }
  return fail(Errc::not_found, "'{}' is not an executable in PATH", command.front());
}

}  // namespace pf::vdisplay
