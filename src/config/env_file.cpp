#include "pf/config/env_file.hpp"

#include "pf/core/fs.hpp"
#include "pf/core/text.hpp"

namespace pf::config {
namespace {

bool key_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool key_char(char c) { return key_start(c) || (c >= '0' && c <= '9'); }

// Parses the value part of a line (after '='). `where` is "host.env:3".
Result<std::string> parse_value(std::string_view raw, const std::string& where) {
  const std::string_view v = trim_blanks(raw);
  if (v.empty()) {
    return std::string();
  }
  const char quote = v.front();
  if (quote != '"' && quote != '\'') {
    if (v.back() == '\\') {
      return fail(Errc::malformed, "{}: line continuation ('\\' at the end) is not supported",
                  where);
    }
    return std::string(v);
  }
  std::string out;
  std::size_t i = 1;
  for (; i < v.size(); ++i) {
    const char c = v[i];
    if (c == quote) {
      break;
    }
    if (quote == '"' && c == '\\' && i + 1 < v.size()) {
      const char next = v[i + 1];
      if (next == '"' || next == '\\' || next == '$' || next == '`') {
        out.push_back(next);
        ++i;
        continue;
      }
    }
    out.push_back(c);
  }
  if (i >= v.size()) {
    return fail(Errc::malformed, "{}: unterminated {} quote", where,
                quote == '"' ? "double" : "single");
  }
  if (!trim_blanks(v.substr(i + 1)).empty()) {
    return fail(Errc::malformed, "{}: unexpected text after the closing quote", where);
  }
  return out;
}

}  // namespace

Result<std::vector<EnvLine>> parse_env(std::string_view text, std::string_view origin) {
  if (text.find('\0') != std::string_view::npos) {
    return fail(Errc::malformed, "{}: contains a NUL byte (not a text file?)", origin);
  }
  std::vector<EnvLine> lines;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    line = trim_blanks(line);
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      continue;
    }
    const std::string where = fmt::format("{}:{}", origin, number);
    if (line.starts_with("export") && line.size() > 6 && is_blank(line[6])) {
      line = trim_blanks(line.substr(6));
    }
    std::size_t k = 0;
    if (line.empty() || !key_start(line[0])) {
      return fail(Errc::malformed, "{}: expected KEY=VALUE (a key starts with a letter or '_')",
                  where);
    }
    while (k < line.size() && key_char(line[k])) {
      ++k;
    }
    const std::string_view key = line.substr(0, k);
    const std::string_view after = trim_blanks(line.substr(k));
    if (after.empty() || after.front() != '=') {
      return fail(Errc::malformed, "{}: expected '=' after the key {}", where, key);
    }
    auto value = parse_value(after.substr(1), where);
    if (!value) {
      return tl::unexpected(value.error());
    }
    lines.push_back(EnvLine{std::string(key), std::move(*value), number});
  }
  return lines;
}

Result<std::optional<std::vector<EnvLine>>> read_env_file(const std::filesystem::path& path) {
  auto text = read_small_file(path, kMaxEnvFileBytes);
  if (!text) {
    if (text.error().code == Errc::not_found) {
      return std::optional<std::vector<EnvLine>>();
    }
    return tl::unexpected(text.error());
  }
  auto lines = parse_env(*text, path.string());
  if (!lines) {
    return tl::unexpected(lines.error());
  }
  return std::optional<std::vector<EnvLine>>(std::move(*lines));
}

}  // namespace pf::config
