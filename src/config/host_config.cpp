#include "pf/config/host_config.hpp"

#include <arpa/inet.h>

#include <array>
#include <optional>

#include <nlohmann/json.hpp>

#include "pf/config/env_file.hpp"
#include "pf/config/values.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/text.hpp"

namespace pf::config {
namespace {

constexpr std::string_view kPrefix = "PUNKTFUNK_";
constexpr std::string_view kConfigDirKey = "PUNKTFUNK_CONFIG_DIR";
constexpr std::string_view kStateDirKey = "PUNKTFUNK_STATE_DIR";

Status apply_dir(std::string_view value, std::filesystem::path& out) {
  // Empty means "no default could be derived"; load_host_config reports that
  // once, with advice, after every layer had its say.
  if (!value.empty() && value.front() != '/') {
    return fail(Errc::config_invalid, "not an absolute path");
  }
  out = std::filesystem::path(value).lexically_normal();
  return ok();
}

/// An IP address to listen on, or "off".
Status parse_bind(std::string_view v, std::string& out) {
  in6_addr scratch{};
  const std::string text(v);
  if (v != "off" && ::inet_pton(AF_INET, text.c_str(), &scratch) != 1 &&
      ::inet_pton(AF_INET6, text.c_str(), &scratch) != 1) {
    return fail(Errc::config_invalid, "not an IP address");
  }
  out = text;
  return ok();
}

const std::array<Key<HostSettings>, 20> kHostKeys = {{
    {{kConfigDirKey, "", "an absolute directory path",
      "Directory holding host.env, the host's keys and tokens, and its settings files. Default: "
      "$XDG_CONFIG_HOME/punktfunk, else ~/.config/punktfunk; /etc/punktfunk with --system.",
      Scope::process},
     [](std::string_view v, HostSettings& s) { return apply_dir(v, s.config_dir); }},
    {{kStateDirKey, "", "an absolute directory path",
      "Directory for state the host writes while running. Default: $XDG_STATE_HOME/punktfunk, "
      "else ~/.local/state/punktfunk; /var/lib/punktfunk with --system."},
     [](std::string_view v, HostSettings& s) { return apply_dir(v, s.state_dir); }},
    {{"PUNKTFUNK_LOG", "info",
      "LEVEL[,MODULE=LEVEL]... with levels trace, debug, info, warn, error, off",
      "Log levels: a default level, optionally followed by per-module levels, e.g. "
      "'info,config=debug'. Logs go to standard error."},
     [](std::string_view v, HostSettings& s) -> Status {
       auto spec = log::parse_spec(v);
       if (!spec) {
         return tl::unexpected(spec.error());
       }
       s.log = std::move(*spec);
       s.log_text = std::string(v);
       return ok();
     }},
    {{"PUNKTFUNK_NATIVE_PORT", "9777", kPortAccepted,
      "TCP port of the native protocol's control connection (TLS)."},
     [](std::string_view v, HostSettings& s) -> Status {
       auto port = parse_port(v);
       if (!port) {
         return tl::unexpected(port.error());
       }
       s.native_port = *port;
       return ok();
     }},
    {{"PUNKTFUNK_RENDER_GPU", "", "empty (automatic), cpu, or part of a GPU's name or PCI address",
      "The GPU virtual displays render on, when the console has no saved preference. Empty picks "
      "the GPU with the most memory, or CPU rendering when there is none."},
     [](std::string_view v, HostSettings& s) -> Status {
       if (v.size() > 256) {
         return fail(Errc::config_invalid, "longer than 256 characters");
       }
       s.render_gpu = std::string(v);
       return ok();
     }},
    {{"PUNKTFUNK_DISPLAY_BACKEND", "", "empty (the saved display setting), synthetic, xvfb or wlroots",
      "Where new virtual displays come from: xvfb (an X server per display; the default when Xvfb is "
      "installed), wlroots (a headless sway per display), synthetic (a stamped test pattern; the "
      "fallback). Empty uses display-settings.json."},
     [](std::string_view v, HostSettings& s) -> Status {
       if (!v.empty() && v != "synthetic" && v != "xvfb" && v != "wlroots") {
         return fail(Errc::config_invalid, "not one of synthetic, xvfb, wlroots");
       }
       s.display_backend = std::string(v);
       return ok();
     }},
    {{"PUNKTFUNK_ALLOW_TOFU", "off", "on or off",
      "Development only: accept any client certificate, paired or not (the same as serve --allow-tofu). "
      "Otherwise clients pair first: a PIN from `punktfunk-host pair arm`, or the operator's approval."},
     [](std::string_view v, HostSettings& s) -> Status {
       auto on = parse_switch(v);
       if (!on) {
         return tl::unexpected(on.error());
       }
       s.allow_tofu = *on;
       return ok();
     }},
    {{"PUNKTFUNK_MDNS", "on", "on or off",
      "Advertise the host on the local network (mDNS _punktfunk._udp through the Avahi daemon) so "
      "`punktfunk-client discover` finds it. Without a running Avahi daemon the host says so once and "
      "carries on."},
     [](std::string_view v, HostSettings& s) -> Status {
       auto on = parse_switch(v);
       if (!on) {
         return tl::unexpected(on.error());
       }
       s.mdns = *on;
       return ok();
     }},
    {{"PUNKTFUNK_GAMESTREAM", "off", "on or off",
      "Speak GameStream too, so Moonlight clients can pair and stream (each on a display of its own at the "
      "mode it asks for). For trusted networks only: Moonlight's PIN pairing runs over plain HTTP. "
      "`serve --gamestream` turns it on for one run."},
     [](std::string_view v, HostSettings& s) -> Status {
       auto on = parse_switch(v);
       if (!on) {
         return tl::unexpected(on.error());
       }
       s.gamestream = *on;
       return ok();
     }},
    {{"PUNKTFUNK_GAMESTREAM_PORT", "47989", "a port from 6 to 65514, or 0",
      "GameStream's HTTP port; the others follow it as Moonlight expects: HTTPS 5 below, UDP video, control "
      "and audio 9, 10 and 11 above, RTSP 21 above (47984, 47998-48000, 48010 by default). 0 takes any free "
      "ports (`punktfunk-host gamestream status` shows them)."},
     [](std::string_view v, HostSettings& s) -> Status {
       auto port = parse_integer(v, 0, 65535 - 21);
       if (!port || (*port != 0 && *port < 6)) {
         return fail(Errc::config_invalid, "a port from 6 to 65514 (the others are at offsets from it), or 0");
       }
       s.gamestream_port = static_cast<std::uint16_t>(*port);
       return ok();
     }},
    {{"PUNKTFUNK_MAX_SESSIONS", "4", "an integer from 1 to 64",
      "Streaming sessions at once; one more client is refused as busy."},
     [](std::string_view v, HostSettings& s) -> Status {
       auto n = parse_integer(v, 1, 64);
       if (!n) {
         return tl::unexpected(n.error());
       }
       s.max_sessions = static_cast<std::uint32_t>(*n);
       return ok();
     }},
    {{"PUNKTFUNK_BITRATE_KBPS", "20000", "an integer from 500 to 1000000",
      "Video bitrate in kbit/s for clients that do not ask for one."},
     [](std::string_view v, HostSettings& s) -> Status {
       auto n = parse_integer(v, 500, 1'000'000);
       if (!n) {
         return tl::unexpected(n.error());
       }
       s.bitrate_kbps = static_cast<std::uint32_t>(*n);
       return ok();
     }},
    {{"PUNKTFUNK_AUDIO", "on", "on or off",
      "Stream sound: each session gets its own sink (\"punktfunk-<session>\") in the sound server, which "
      "apps launched into its display play into. Without a reachable PulseAudio or PipeWire server the host "
      "starts pulseaudio for itself."},
     [](std::string_view v, HostSettings& s) -> Status {
       auto on = parse_switch(v);
       if (!on) {
         return tl::unexpected(on.error());
       }
       s.audio = *on;
       return ok();
     }},
    {{"PUNKTFUNK_AUDIO_BITRATE_KBPS", "256", "an integer from 64 to 510",
      "Opus bitrate in kbit/s for stereo; 5.1 gets twice and 7.1 two and a half times as much."},
     [](std::string_view v, HostSettings& s) -> Status {
       auto n = parse_integer(v, 64, 510);
       if (!n) {
         return tl::unexpected(n.error());
       }
       s.audio_bitrate_kbps = static_cast<std::uint32_t>(*n);
       return ok();
     }},
    {{"PUNKTFUNK_MGMT_PORT", "47990", kPortAccepted,
      "TCP port of the management API (HTTPS with the host certificate)."},
     [](std::string_view v, HostSettings& s) -> Status {
       auto port = parse_port(v);
       if (!port) {
         return tl::unexpected(port.error());
       }
       s.mgmt_port = *port;
       return ok();
     }},
    {{"PUNKTFUNK_MGMT_BIND", "0.0.0.0", "an IPv4 or IPv6 address, or off",
      "Address the management API listens on. The admin lane answers loopback peers only wherever it "
      "listens; other peers may only read /host and /status with a paired client's certificate. 127.0.0.1 "
      "keeps it off the network; off disables it."},
     [](std::string_view v, HostSettings& s) -> Status {
       return parse_bind(v, s.mgmt_bind);
     }},
    {{"PUNKTFUNK_MGMT_TOKEN", "", "empty (use the mgmt-token file), or at least 16 characters",
      "The management API's bearer token, instead of the one in the config dir's mgmt-token file.",
      Scope::anywhere, true},
     [](std::string_view v, HostSettings& s) -> Status {
       if (!v.empty() && v.size() < 16) {
         return fail(Errc::config_invalid, "too short");
       }
       s.mgmt_token = std::string(v);
       return ok();
     }},
    {{"PUNKTFUNK_WEB_PORT", "47992", kPortAccepted,
      "TCP port of the web console (`punktfunk-host web serve`, HTTPS with the host certificate)."},
     [](std::string_view v, HostSettings& s) -> Status {
       auto port = parse_port(v);
       if (!port) {
         return tl::unexpected(port.error());
       }
       s.web_port = *port;
       return ok();
     }},
    {{"PUNKTFUNK_WEB_BIND", "0.0.0.0", "an IPv4 or IPv6 address",
      "Address the web console listens on. It asks for the console password (web-password) before "
      "anything else; 127.0.0.1 keeps it off the network."},
     [](std::string_view v, HostSettings& s) -> Status {
       return v == "off" ? fail(Errc::config_invalid, "not an IP address") : parse_bind(v, s.web_bind);
     }},
    {{"PUNKTFUNK_SERVICE_MANAGER", "auto", "auto, systemd or supervisor",
      "Who runs the host and the console as services: systemd (units under systemctl), or punktfunk-host's "
      "own pidfile supervisor (`service start`). auto: systemd where it is PID 1. The install, deploy and "
      "uninstall scripts and `web setup` follow it."},
     [](std::string_view v, HostSettings& s) -> Status {
       if (v != "auto" && v != "systemd" && v != "supervisor") {
         return fail(Errc::config_invalid, "not auto, systemd or supervisor");
       }
       s.service_manager = std::string(v);
       return ok();
     }},
}};

std::optional<std::string_view> lookup(const HostConfigInput& input, std::string_view name) {
  for (const auto& [key, value] : input.environment) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

// A usable base directory from an environment variable: set, non-empty and
// absolute (the XDG spec says to ignore relative values).
std::optional<std::filesystem::path> env_dir(const HostConfigInput& input, std::string_view name) {
  const auto v = lookup(input, name);
  if (!v || v->empty() || v->front() != '/') {
    return std::nullopt;
  }
  return std::filesystem::path(*v);
}

// Built-in defaults that depend on the mode and the environment.
Layer builtin_layer(const HostConfigInput& input) {
  Layer layer{Source::builtin, {}};
  auto add = [&](std::string_view key, const std::filesystem::path& dir) {
    layer.settings.push_back(Setting{std::string(key), dir.string(), "built-in default"});
  };
  if (input.mode == InstallMode::system) {
    add(kConfigDirKey, "/etc/punktfunk");
    add(kStateDirKey, "/var/lib/punktfunk");
    return layer;
  }
  const auto home = env_dir(input, "HOME");
  if (const auto xdg = env_dir(input, "XDG_CONFIG_HOME")) {
    add(kConfigDirKey, *xdg / "punktfunk");
  } else if (home) {
    add(kConfigDirKey, *home / ".config" / "punktfunk");
  }
  if (const auto xdg = env_dir(input, "XDG_STATE_HOME")) {
    add(kStateDirKey, *xdg / "punktfunk");
  } else if (home) {
    add(kStateDirKey, *home / ".local" / "state" / "punktfunk");
  }
  return layer;
}

// The winning value of a process-scope key, by precedence, before host.env
// is read (host.env cannot set these keys).
std::string_view find_early(std::string_view key, std::span<const Layer> layers) {
  std::string_view value;
  Source best = Source::unset;
  for (const Layer& layer : layers) {
    for (const Setting& s : layer.settings) {
      if (s.key == key && layer.source >= best) {
        value = s.value;
        best = layer.source;
      }
    }
  }
  return value;
}

void append_wrapped(std::string& out, std::string_view text, std::string_view indent) {
  constexpr std::size_t kWidth = 78;
  std::string line(indent);
  while (!text.empty()) {
    const auto space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
    if (line.size() > indent.size() && line.size() + 1 + word.size() > kWidth) {
      out += line + '\n';
      line = indent;
    }
    if (line.size() > indent.size()) {
      line += ' ';
    }
    line += word;
  }
  if (line.size() > indent.size()) {
    out += line + '\n';
  }
}

}  // namespace

std::span<const Key<HostSettings>> host_keys() { return kHostKeys; }

Result<std::vector<Setting>> parse_console_settings(std::string_view text, std::string_view origin) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(Errc::config_invalid, "{}: not a JSON object", origin);
  }
  std::vector<Setting> out;
  for (const auto& [key, value] : j.items()) {
    if (!value.is_string()) {
      return fail(Errc::config_invalid, "{}: {} must be a string", origin, key);
    }
    out.push_back(Setting{normalize_key(key), value.get<std::string>(), std::string(origin)});
  }
  return out;
}

std::string render_console_settings(const std::vector<Setting>& settings) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const Setting& s : settings) {
    j[s.key] = s.value;
  }
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string normalize_key(std::string_view key) {
  std::string out = ascii_upper(key);
  if (!out.starts_with(kPrefix)) {
    out.insert(0, kPrefix);
  }
  return out;
}

Result<HostConfig> load_host_config(const HostConfigInput& input) {
  std::vector<Layer> layers;
  layers.push_back(builtin_layer(input));
  Layer environment{Source::environment, {}};
  for (const auto& [key, value] : input.environment) {
    if (key.starts_with(kPrefix)) {
      environment.settings.push_back(Setting{key, value, "environment"});
    }
  }
  layers.push_back(std::move(environment));
  layers.push_back(Layer{Source::command_line, input.command_line});

  const std::string_view config_dir = find_early(kConfigDirKey, layers);
  if (config_dir.empty()) {
    return fail(Errc::config_invalid,
                "cannot tell where the config dir is: HOME and XDG_CONFIG_HOME are not set; set "
                "PUNKTFUNK_CONFIG_DIR or pass --config-dir");
  }
  HostConfig out;
  out.mode = input.mode;
  if (config_dir.front() == '/') {  // a relative one is reported by load() below
    out.host_env = std::filesystem::path(config_dir) / "host.env";
    auto lines = read_env_file(out.host_env);
    if (!lines) {
      return tl::unexpected(lines.error());
    }
    if (*lines) {
      out.host_env_found = true;
      Layer file{Source::host_env, {}};
      for (auto& line : **lines) {
        file.settings.push_back(Setting{std::move(line.key), std::move(line.value),
                                        fmt::format("{}:{}", out.host_env.string(), line.line)});
      }
      layers.push_back(std::move(file));
    }
    if (input.console_override) {
      out.console = *input.console_override;
    } else {
      const auto file = std::filesystem::path(config_dir) / kConsoleSettingsFile;
      auto text = read_small_file(file, kMaxConsoleSettingsBytes);
      if (text) {
        auto parsed = parse_console_settings(*text, file.string());
        if (!parsed) {
          return tl::unexpected(parsed.error());
        }
        out.console = std::move(*parsed);
      } else if (text.error().code != Errc::not_found) {
        return tl::unexpected(text.error());
      }
    }
    layers.push_back(Layer{Source::console, out.console});
  }

  auto loaded = load<HostSettings>(kHostKeys, layers);
  if (!loaded) {
    return tl::unexpected(loaded.error());
  }
  if (loaded->settings.state_dir.empty()) {
    return fail(Errc::config_invalid,
                "cannot tell where the state dir is: HOME and XDG_STATE_HOME are not set; set "
                "PUNKTFUNK_STATE_DIR");
  }
  out.settings = std::move(loaded->settings);
  out.effective = std::move(loaded->effective);
  out.warnings = std::move(loaded->warnings);
  return out;
}

std::string render_host_env_example() {
  std::string out =
      "# host.env: settings of punktfunk-host, one KEY=VALUE per line.\n"
      "#\n"
      "# Copy this file to host.env in the config dir (punktfunk-host config show\n"
      "# prints where that is) and uncomment what you change. Precedence:\n"
      "# command line (--set KEY=VALUE) > environment > host.env > built-in default.\n"
      "# On/off keys take 1/true/on/yes or 0/false/off/no. Values may be \"double\"\n"
      "# or 'single' quoted; there are no comments after a value. systemd reads\n"
      "# this file as the service's EnvironmentFile.\n"
      "#\n"
      "# Generated by 'punktfunk-host config example'; a test keeps it in sync.\n";
  for (const auto& key : kHostKeys) {
    out += "\n";
    append_wrapped(out, fmt::format("{}: {}", key.info.name, key.info.doc), "# ");
    append_wrapped(out, fmt::format("Accepted: {}.", key.info.accepted), "# ");
    if (key.info.scope == Scope::process) {
      out += "# Environment or command line only; it has no effect in host.env.\n";
      out += fmt::format("#{}=\n", key.info.name);
    } else {
      out += fmt::format("#{}={}\n", key.info.name, key.info.fallback);
    }
  }
  return out;
}

}  // namespace pf::config
