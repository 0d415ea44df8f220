#include "pf/vdisplay/policy.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pf/core/fs.hpp"
#include "pf/core/text.hpp"

namespace pf::vdisplay {
namespace {

constexpr std::size_t kMaxSettingsBytes = 64 * 1024;
constexpr std::int64_t kMaxKeepAliveMs = 7LL * 24 * 3600 * 1000;  // a week; longer is "forever"

bool contains_ci(std::string_view haystack, std::string_view needle) {
  return !needle.empty() && ascii_lower(haystack).find(ascii_lower(needle)) != std::string::npos;
}

}  // namespace

Result<KeepAlive> parse_keep_alive(std::string_view text) {
  const std::string v = ascii_lower(trim_blanks(text));
  if (v == "off") {
    return KeepAlive{KeepAliveKind::off, Millis{0}};
  }
  if (v == "forever") {
    return KeepAlive{KeepAliveKind::forever, Millis{0}};
  }
  const auto duration = parse_duration(v, Millis{kMaxKeepAliveMs});
  if (!duration) {
    return fail(Errc::config_invalid,
                "keep-alive '{}' is not off, forever, or a duration such as 10s, 500ms, 2m, 1h "
                "(at most a week)",
                text);
  }
  return KeepAlive{KeepAliveKind::duration, *duration};
}

std::string to_string(const KeepAlive& k) {
  switch (k.kind) {
    case KeepAliveKind::off: return "off";
    case KeepAliveKind::forever: return "forever";
    case KeepAliveKind::duration:
      return k.duration.count() % 1000 == 0 ? fmt::format("{}s", k.duration.count() / 1000)
                                            : fmt::format("{}ms", k.duration.count());
    case KeepAliveKind::unset: break;
  }
  return "unset";
}

Result<ModeConflict> parse_mode_conflict(std::string_view text) {
  for (const auto c : {ModeConflict::separate, ModeConflict::steal, ModeConflict::join,
                       ModeConflict::reject}) {
    if (text == to_string(c)) {
      return c;
    }
  }
  return fail(Errc::config_invalid, "mode conflict '{}' is not separate, steal, join or reject", text);
}

std::string_view to_string(ModeConflict c) noexcept {
  switch (c) {
    case ModeConflict::separate: return "separate";
    case ModeConflict::steal: return "steal";
    case ModeConflict::join: return "join";
    case ModeConflict::reject: return "reject";
    case ModeConflict::unset: break;
  }
  return "unset";
}

Result<Backend> parse_backend(std::string_view text) {
  for (const auto b : {Backend::synthetic, Backend::xvfb, Backend::wlroots}) {
    if (text == to_string(b)) {
      return b;
    }
  }
  return fail(Errc::config_invalid, "display backend '{}' is not synthetic, xvfb or wlroots", text);
}

std::string_view to_string(Backend b) noexcept {
  switch (b) {
    case Backend::synthetic: return "synthetic";
    case Backend::xvfb: return "xvfb";
    case Backend::wlroots: return "wlroots";
    case Backend::unset: break;
  }
  return "unset";
}

Result<DisplaySettings> parse_display_settings(std::string_view json) {
  const auto doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(Errc::malformed, "{} is not a JSON object", kDisplaySettingsFile);
  }
  DisplaySettings s;
  for (const auto& [key, value] : doc.items()) {
    if (key == "keep_alive") {
      if (!value.is_string()) {
        return fail(Errc::config_invalid, "keep_alive must be a string");
      }
      auto k = parse_keep_alive(value.get<std::string>());
      if (!k) {
        return tl::unexpected(k.error());
      }
      s.keep_alive = *k;
    } else if (key == "backend") {
      if (!value.is_string()) {
        return fail(Errc::config_invalid, "backend must be a string");
      }
      auto b = parse_backend(value.get<std::string>());
      if (!b) {
        return tl::unexpected(b.error());
      }
      s.backend = *b;
    } else if (key == "mode_conflict") {
      if (!value.is_string()) {
        return fail(Errc::config_invalid, "mode_conflict must be a string");
      }
      auto c = parse_mode_conflict(value.get<std::string>());
      if (!c) {
        return tl::unexpected(c.error());
      }
      s.mode_conflict = *c;
    } else if (key == "max_displays") {
      if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0 ||
          value.get<std::uint64_t>() > kMaxDisplaysLimit) {
        return fail(Errc::config_invalid, "max_displays must be a whole number from 1 to {}",
                    kMaxDisplaysLimit);
      }
      s.max_displays = value.get<std::uint32_t>();
    } else if (key == "render_gpu") {
      if (!value.is_string() || value.get<std::string>().size() > 256) {
        return fail(Errc::config_invalid, "render_gpu must be a string (\"\", \"cpu\" or a GPU name)");
      }
      s.render_gpu = value.get<std::string>();
    } else {
      return fail(Errc::config_invalid,
                  "unknown setting '{}' in {} (known: keep_alive, backend, mode_conflict, "
                  "max_displays, render_gpu)",
                  key.substr(0, 64), kDisplaySettingsFile);
    }
  }
  return s;
}

std::string render_display_settings(const DisplaySettings& s) {
  const nlohmann::ordered_json doc = {{"keep_alive", to_string(s.keep_alive)},
                                      {"backend", std::string(to_string(s.backend))},
                                      {"mode_conflict", std::string(to_string(s.mode_conflict))},
                                      {"max_displays", s.max_displays},
                                      {"render_gpu", s.render_gpu}};
  return doc.dump(2) + "\n";
}

Result<DisplaySettings> load_display_settings(const std::filesystem::path& file) {
  return load_settings_file<DisplaySettings>(file, kMaxSettingsBytes, parse_display_settings);
}

Status save_display_settings(const std::filesystem::path& file, const DisplaySettings& settings) {
  return write_file_atomic(file, render_display_settings(settings), 0600);
}

GpuChoice choose_render_gpu(std::string_view saved, std::string_view env,
                            std::span<const GpuInfo> gpus) {
  std::string skipped;
  const auto try_preference = [&](std::string_view pref, std::string_view source) -> std::optional<GpuChoice> {
    if (pref.empty()) {
      return std::nullopt;
    }
    if (ascii_lower(pref) == "cpu") {
      return GpuChoice{0, "cpu", fmt::format("{} asks for CPU rendering", source)};
    }
    for (std::size_t i = 0; i < gpus.size(); ++i) {
      if (contains_ci(gpus[i].id, pref) || contains_ci(gpus[i].name, pref)) {
        return GpuChoice{static_cast<std::uint32_t>(i + 1), gpus[i].name,
                         fmt::format("{} '{}'", source, pref)};
      }
    }
    skipped += fmt::format("{} '{}' matches no GPU; ", source, pref);
    return std::nullopt;
  };
  if (auto c = try_preference(saved, "saved preference")) {
    return *c;
  }
  if (auto c = try_preference(env, "PUNKTFUNK_RENDER_GPU")) {
    c->reason = skipped + c->reason;
    return *c;
  }
  if (gpus.empty()) {
    return GpuChoice{0, "cpu", skipped + "no GPU found: CPU rendering"};
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < gpus.size(); ++i) {
    const bool more = gpus[i].memory_bytes > gpus[best].memory_bytes;
    const bool tie_lower_id = gpus[i].memory_bytes == gpus[best].memory_bytes && gpus[i].id < gpus[best].id;
    if (more || tie_lower_id) {
      best = i;
    }
  }
  return GpuChoice{static_cast<std::uint32_t>(best + 1), gpus[best].name,
                   skipped + "the GPU with the most memory"};
}

}  // namespace pf::vdisplay
