// apps.json: the programs a client may start in its display.
//
//   {"apps": [{"id": "terminal", "name": "Terminal",
//              "command": ["/usr/bin/foot"], "working_dir": "/home/me",
//              "env": {"LANG": "de_DE.UTF-8"}}]}
//
// "command" is an argv (no shell); a first word without a slash is looked
// up in PATH when the app is launched. The entry "desktop" (no command: the
// display as it is) always exists and cannot be redefined. A missing file
// means only "desktop". Parsing is strict: unknown members, duplicate ids
// and over-long values are errors naming the entry.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pf/core/result.hpp"

namespace pf::vdisplay {

inline constexpr std::string_view kAppsFile = "apps.json";
inline constexpr std::string_view kDesktopAppId = "desktop";
inline constexpr std::size_t kMaxApps = 256;
inline constexpr std::size_t kMaxAppsFileBytes = 256 * 1024;

struct AppEntry {
  std::string id;    ///< [a-z0-9._-], 1-64 characters
  std::string name;  ///< for people; defaults to the id
  std::vector<std::string> command;  ///< empty only for "desktop"
  std::string working_dir;           ///< empty = the agent's
  std::map<std::string, std::string> env;

  friend bool operator==(const AppEntry&, const AppEntry&) = default;
};

class AppCatalog {
 public:
  /// Only "desktop".
  AppCatalog();
  [[nodiscard]] const std::vector<AppEntry>& entries() const noexcept { return entries_; }
  /// nullptr when there is no such app.
  [[nodiscard]] const AppEntry* find(std::string_view id) const noexcept;

  friend Result<AppCatalog> parse_apps(std::string_view json);

 private:
  std::vector<AppEntry> entries_;  // "desktop" first
};

[[nodiscard]] Result<AppCatalog> parse_apps(std::string_view json);
[[nodiscard]] std::string render_apps(const AppCatalog& catalog);
/// Reads `file`; a missing file is the catalog with only "desktop".
[[nodiscard]] Result<AppCatalog> load_apps(const std::filesystem::path& file);

/// argv with its first word made absolute: kept when it has a slash,
/// otherwise the first executable of that name in `path` (":"-separated).
[[nodiscard]] Result<std::vector<std::string>> resolve_command(const std::vector<std::string>& command,
                                                               std::string_view path);

}  // namespace pf::vdisplay
