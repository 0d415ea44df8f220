// host.env: KEY=VALUE lines, the same file systemd reads as EnvironmentFile.
//
// Grammar (a strict subset of what systemd accepts, so both read a file the
// same way):
//   * blank lines and lines whose first non-blank character is '#' or ';'
//     are ignored; there are no comments after a value
//   * an optional "export " prefix
//   * KEY is [A-Za-z_][A-Za-z0-9_]*, then '=' (blanks around it are ignored)
//   * VALUE is the rest of the line, trimmed; or "double quoted" (\" \\ \$ \`
//     escape those characters; any other backslash stays as written); or
//     'single quoted' (taken literally). Only blanks may follow a closing quote.
//   * line continuations, unterminated quotes and NUL bytes are errors
// Errors name the file and line but never echo a line's content: a broken
// line may hold a secret.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pf/core/result.hpp"

namespace pf::config {

struct EnvLine {
  std::string key;
  std::string value;
  std::size_t line = 0;  ///< 1-based
};

/// Larger files are refused; a real host.env is a few kilobytes.
inline constexpr std::size_t kMaxEnvFileBytes = 1024 * 1024;

/// Parses the text of an env file. `origin` names it in errors ("host.env").
[[nodiscard]] Result<std::vector<EnvLine>> parse_env(std::string_view text,
                                                     std::string_view origin);

/// Reads and parses a file. A file that does not exist is not an error
/// (std::nullopt); one that exists but cannot be read, is not a regular file,
/// or is larger than kMaxEnvFileBytes is.
[[nodiscard]] Result<std::optional<std::vector<EnvLine>>> read_env_file(
    const std::filesystem::path& path);

}  // namespace pf::config
