#include "pf/config/schema.hpp"

#include <algorithm>
#include <map>
#include <numeric>

namespace pf::config {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0U : 1U)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string suggestion(std::string_view unknown, std::span<const KeyInfo* const> keys) {
  const KeyInfo* best = nullptr;
  std::size_t best_distance = 4;  // more than 3 edits away is no suggestion
  for (const KeyInfo* key : keys) {
    const std::size_t d = edit_distance(unknown, key->name);
    if (d < best_distance) {
      best = key;
      best_distance = d;
    }
  }
  return best ? fmt::format("; did you mean {}?", best->name) : std::string();
}

// Values are echoed to help the operator find the typo, but bounded and with
// control characters escaped so a hostile value cannot forge log lines.
std::string printable(std::string_view value) {
  constexpr std::size_t kMax = 64;
  std::string out;
  for (const char c : value.substr(0, kMax)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      fmt::format_to(std::back_inserter(out), "\\x{:02x}", u);
    } else if (c == '\'' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else {
      out.push_back(c);
    }
  }
  if (value.size() > kMax) {
    fmt::format_to(std::back_inserter(out), "... ({} bytes)", value.size());
  }
  return out;
}

}  // namespace

std::string_view to_string(Source source) noexcept {
  switch (source) {
    case Source::unset: return "unset";
    case Source::builtin: return "default";
    case Source::host_env: return "host.env";
    case Source::console: return "console";
    case Source::environment: return "environment";
    case Source::command_line: return "command line";
  }
  return "unknown";
}

Resolution resolve(std::span<const KeyInfo* const> keys, std::span<const Layer> layers) {
  Resolution out;
  out.candidates.resize(keys.size());

  std::vector<const Layer*> ordered;
  for (const Layer& layer : layers) {
    ordered.push_back(&layer);
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const Layer* a, const Layer* b) { return a->source < b->source; });

  for (const Layer* layer : ordered) {
    std::map<std::size_t, std::vector<const Setting*>> seen;  // key index → settings in this layer
    for (const Setting& s : layer->settings) {
      const auto it = std::find_if(keys.begin(), keys.end(),
                                   [&](const KeyInfo* k) { return k->name == s.key; });
      if (it == keys.end()) {
        out.warnings.push_back(fmt::format("unknown key {} ({}) is ignored{}", printable(s.key),
                                           s.origin, suggestion(s.key, keys)));
        continue;
      }
      const auto index = static_cast<std::size_t>(it - keys.begin());
      if ((*it)->scope == Scope::process && (layer->source == Source::host_env || layer->source == Source::console)) {
        out.warnings.push_back(fmt::format(
            "{} ({}) has no effect in {}; set it in the environment or on the command line",
            s.key, s.origin, to_string(layer->source)));
        continue;
      }
      seen[index].push_back(&s);
    }
    for (const auto& [index, settings] : seen) {
      if (settings.size() > 1 && layer->source != Source::command_line) {
        out.warnings.push_back(fmt::format("{} is set {} times in the {}; the last ({}) wins",
                                           keys[index]->name, settings.size(),
                                           to_string(layer->source), settings.back()->origin));
      }
      for (const Setting* s : settings) {
        out.candidates[index].push_back({s, layer->source});
      }
    }
  }
  return out;
}

std::string describe_invalid(const KeyInfo& key, std::string_view value, std::string_view origin,
                             const Error& why) {
  return fmt::format("{}='{}' (from {}): {}; accepted: {}", key.name,
                     key.secret ? std::string(kHiddenValue) : printable(value), origin, why.message, key.accepted);
}

}  // namespace pf::config
