// Layered configuration: a schema of keys, and layers of settings that are
// merged with the precedence
//     command line > environment > console settings > host.env > built-in defaults.
//
// Every value in every layer is validated, not just the winning one: a bad
// line in host.env is an error even while an environment variable overrides
// it, because it will bite the moment the override goes away. All problems
// are collected and reported together. Unknown keys, duplicates and keys set
// where they have no effect are warnings.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "pf/core/result.hpp"

namespace pf::config {

/// Where a value came from. Ordered by precedence, lowest first.
enum class Source : std::uint8_t {
  unset = 0,
  builtin = 1,
  host_env = 2,
  console = 3,  ///< settings.json, written by the management API
  environment = 4,
  command_line = 5,
};

[[nodiscard]] std::string_view to_string(Source source) noexcept;

/// Which layers may set a key.
enum class Scope : std::uint8_t {
  unset = 0,
  anywhere = 1,  ///< any layer
  process = 2,   ///< environment or command line only (e.g. where host.env itself lives)
};

struct KeyInfo {
  std::string_view name;      ///< full name, "PUNKTFUNK_NATIVE_PORT"
  std::string_view fallback;  ///< built-in default as text; a builtin layer may refine it
  std::string_view accepted;  ///< what values are accepted, for errors and docs
  std::string_view doc;       ///< what the key does
  Scope scope = Scope::anywhere;
  bool secret = false;  ///< its value is never shown (effective values, errors)
};

inline constexpr std::string_view kHiddenValue = "(set, hidden)";

struct Setting {
  std::string key;
  std::string value;
  std::string origin;  ///< for messages: "/etc/punktfunk/host.env:3", "environment", "--set"
};

struct Layer {
  Source source = Source::unset;
  std::vector<Setting> settings;
};

/// The value a key ended up with, and where it came from.
struct Effective {
  std::string_view key;
  std::string value;
  Source source = Source::unset;
  std::string origin;
};

/// The layers sorted onto keys, before any value is parsed.
struct Resolution {
  struct Candidate {
    const Setting* setting = nullptr;
    Source source = Source::unset;
  };
  /// Per key (index-aligned with the schema), ascending precedence.
  std::vector<std::vector<Candidate>> candidates;
  std::vector<std::string> warnings;
};

/// Sorts every setting of every layer onto its key. Layers may come in any order.
[[nodiscard]] Resolution resolve(std::span<const KeyInfo* const> keys, std::span<const Layer> layers);

/// "PUNKTFUNK_NATIVE_PORT='notaport' (from host.env:3): not a decimal number;
/// accepted: a port number, 1-65535". Long or non-printable values are shortened/escaped.
[[nodiscard]] std::string describe_invalid(const KeyInfo& key, std::string_view value,
                                           std::string_view origin, const Error& why);

/// A key of a schema for a settings struct: its description and how a value
/// is parsed into the struct.
template <typename Settings>
struct Key {
  KeyInfo info;
  Status (*apply)(std::string_view value, Settings& out);
};

template <typename Settings>
struct Loaded {
  Settings settings{};
  std::vector<Effective> effective;  ///< one per key, in schema order
  std::vector<std::string> warnings;
};

/// Applies the built-in default and then every layer's values of every key,
/// in precedence order, to a fresh Settings.
template <typename Settings>
[[nodiscard]] Result<Loaded<Settings>> load(std::span<const Key<Settings>> keys,
                                            std::span<const Layer> layers) {
  std::vector<const KeyInfo*> infos;
  infos.reserve(keys.size());
  for (const auto& key : keys) {
    infos.push_back(&key.info);
  }
  Resolution resolution = resolve(infos, layers);

  Loaded<Settings> out;
  out.warnings = std::move(resolution.warnings);
  std::vector<std::string> errors;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const Key<Settings>& key = keys[i];
    Effective effective{key.info.name, std::string(key.info.fallback), Source::builtin,
                        "built-in default"};
    if (auto st = key.apply(key.info.fallback, out.settings); !st) {
      errors.push_back(describe_invalid(key.info, key.info.fallback, effective.origin, st.error()));
    }
    for (const auto& candidate : resolution.candidates[i]) {
      const Setting& s = *candidate.setting;
      if (auto st = key.apply(s.value, out.settings); !st) {
        errors.push_back(describe_invalid(key.info, s.value, s.origin, st.error()));
      }
      effective = Effective{key.info.name, key.info.secret ? std::string(kHiddenValue) : s.value, candidate.source,
                            s.origin};
    }
    out.effective.push_back(std::move(effective));
  }
  if (!errors.empty()) {
    return fail(Errc::config_invalid, "{}", fmt::join(errors, "\n"));
  }
  return out;
}

}  // namespace pf::config
