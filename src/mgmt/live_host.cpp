#include "pf/mgmt/live_host.hpp"

#include <unistd.h>

#include <fstream>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "pf/core/build_info.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"
#include "pf/encode/nvenc.hpp"
#include "pf/gshost/gamestream_host.hpp"
#include "pf/pairing/admin_protocol.hpp"
#include "pf/pairing/trust_store.hpp"
#include "pf/vdisplay/apps.hpp"
#include "pf/vdisplay/gpu_inventory.hpp"
#include "pf/vdisplay/policy.hpp"

namespace pf::mgmt {
namespace {

/// SHA-256 of the running executable, as hex: which build answers (a
/// deploy checks it changed). Empty if the file cannot be read.
std::string executable_sha256() {
  std::ifstream in("/proc/self/exe", std::ios::binary);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!in || ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx);
    return {};
  }
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    EVP_DigestUpdate(ctx, buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  unsigned char digest[32];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, digest, &n);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  for (unsigned i = 0; i < n; ++i) {
    hex += fmt::format("{:02x}", digest[i]);
  }
  return hex;
}

using nlohmann::json;
const log::Logger kLog{"mgmt"};

constexpr std::array<std::string_view, session::kStageCount> kStageNames{
    "capture_wait", "convert", "encode", "packetize", "send", "host"};

std::string_view state_name(session::SessionState s) {
  switch (s) {
    case session::SessionState::handshaking: return "handshaking";
    case session::SessionState::streaming: return "streaming";
    case session::SessionState::ended: return "ended";
    case session::SessionState::unset: break;
  }
  return "unset";
}

std::string_view state_name(vdisplay::DisplayState s) {
  switch (s) {
    case vdisplay::DisplayState::active: return "active";
    case vdisplay::DisplayState::lingering: return "lingering";
    case vdisplay::DisplayState::pinned: return "pinned";
    case vdisplay::DisplayState::unset: break;
  }
  return "unset";
}

std::int64_t ms(Nanos n) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(n).count();
}

json stages_json(const session::StageQuantiles& q) {
  json out = json::object();
  for (std::size_t i = 0; i < session::kStageCount; ++i) {
    out[std::string(kStageNames[i])] = {{"p50_us", q[i].p50_us}, {"p99_us", q[i].p99_us}};
  }
  return out;
}

json window_stages(const control::HostStats& w) {
  return {{"capture_wait", {{"p50_us", w.capture_wait_p50_us}, {"p99_us", w.capture_wait_p99_us}}},
          {"convert", {{"p50_us", w.convert_p50_us}, {"p99_us", w.convert_p99_us}}},
          {"encode", {{"p50_us", w.encode_p50_us}, {"p99_us", w.encode_p99_us}}},
          {"packetize", {{"p50_us", w.packetize_p50_us}, {"p99_us", w.packetize_p99_us}}},
          {"send", {{"p50_us", w.send_p50_us}, {"p99_us", w.send_p99_us}}},
          {"host", {{"p50_us", w.host_p50_us}, {"p99_us", w.host_p99_us}}}};
}

json session_json(const session::SessionInfo& s) {
  const auto& i = s.input;
  return {{"id", s.id},
          {"state", state_name(s.state)},
          {"peer", s.peer},
          {"client", s.client_name},
          {"fingerprint", s.fingerprint},
          {"access", s.access},
          {"mode", s.mode.width == 0 ? "" : vdisplay::to_string(s.mode)},
          {"display", s.display},
          {"bitrate_kbps", s.bitrate_kbps},
          {"encoder", s.encoder},
          {"fec_pct", s.fec_pct},
          {"started_unix_ms", s.started_unix_ms},
          {"video",
           {{"frames", s.video.frames},
            {"keyframes", s.video.keyframes},
            {"invalidations", s.video.invalidations},
            {"idr_fallbacks", s.video.idr_fallbacks},
            {"datagrams", s.video.datagrams},
            {"bytes", s.video.bytes},
            {"send_dropped", s.video.send_dropped}}},
          {"client_loss",
           {{"frames_lost", s.client_frames_lost},
            {"frames_recovered", s.client_frames_recovered},
            {"loss_ppm", s.client_loss_ppm}}},
          {"input",
           {{"received", i.received},
            {"injected", i.injected},
            {"denied", i.denied},
            {"unsupported", i.unsupported},
            {"malformed", i.malformed},
            {"failed", i.failed}}},
          {"stages", stages_json(s.stages)},
          {"rejected", {{"control", s.control_rejected}, {"datagrams", s.datagrams_rejected}}},
          {"end_reason", s.end_reason}};
}

json client_json(const pairing::PairedClient& c, std::int64_t now) {
  return {{"fingerprint", c.fingerprint},
          {"name", c.name},
          {"access", pairing::to_string(c.access)},
          {"paired_at", c.paired_at},
          {"last_seen", c.last_seen},
          {"expires_at", c.expires_at},
          {"expired", pairing::expired(c, now)},
          {"protocol", pairing::to_string(c.protocol)}};
}

json app_json(const vdisplay::AppEntry& a) {
  return {{"id", a.id},           {"name", a.name},
          {"command", a.command}, {"working_dir", a.working_dir},
          {"env", a.env},         {"builtin", a.id == vdisplay::kDesktopAppId}};
}

Error invalid(const Error& e) {
  return Error{Errc::malformed, e.message};
}

}  // namespace

LiveHost::LiveHost(LiveHostParts parts) : p_(std::move(parts)), gpus_(vdisplay::discover_gpus()) {
  if (auto driver = encode::load_nvenc_driver(); !driver) {
    nvenc_unavailable_ = driver.error().message;
  }
}

void LiveHost::emit(std::string type, const json& data) const {
  if (p_.events) {
    p_.events(std::move(type), data.dump(-1, ' ', false, json::error_handler_t::replace));
  }
}

json LiveHost::host() {
  char name[256] = {};
  (void)::gethostname(name, sizeof(name) - 1);
  json encoders = json::array();
  encoders.push_back(
      {{"name", "x264"}, {"codec", "h264"}, {"kind", "software"}, {"available", true}});
  encoders.push_back(
      {{"name", "x265"}, {"codec", "hevc"}, {"kind", "software"}, {"available", true}});
  for (const char* codec : {"h264", "hevc"}) {
    json e{{"name", "nvenc"},
           {"codec", codec},
           {"kind", "hardware"},
           {"available", nvenc_unavailable_.empty()}};
    if (!nvenc_unavailable_.empty()) {
      e["why"] = nvenc_unavailable_;
    }
    encoders.push_back(e);
  }
  encoders.push_back(
      {{"name", "av1"},
       {"codec", "av1"},
       {"kind", "software"},
       {"available", false},
       {"why", "no AV1 encoder in this build (Debian 12's SVT-AV1 1.4 is not fitted yet)"}});
  return {{"name", name},
          {"fingerprint", p_.server->fingerprint()},
          {"version", build_info::version},
          {"revision", build_info::revision},
          {"build_type", build_info::build_type},
          {"executable_sha256", [] {
             static const std::string digest = executable_sha256();  // once: the file is large
             return digest;
           }()},
          {"os", "linux"},
          {"codecs", {"h264", "hevc"}},
          {"encoders", encoders},
          {"display_backend", vdisplay::to_string(p_.backend)},
          {"ports", {{"native", p_.server->address().port()}, {"management", p_.mgmt_port}}},
          {"gpus", gpus()}};
}

json LiveHost::status() {
  json active = json::array();
  for (const auto& s : p_.server->sessions()) {
    if (s.state != session::SessionState::ended) {
      active.push_back({{"id", s.id},
                        {"state", state_name(s.state)},
                        {"client", s.client_name},
                        {"mode", s.mode.width == 0 ? "" : vdisplay::to_string(s.mode)},
                        {"display", s.display},
                        {"frames", s.video.frames}});
    }
  }
  auto& pairing = p_.server->pairing();
  const auto clients = pairing.store().load();
  const auto c = p_.server->counters();
  const auto pc = pairing.counters();
  return {{"sessions", active},
          {"displays", display_state()},
          {"pairing",
           {{"armed", pairing.window().armed},
            {"pending", pairing.pending().size()},
            {"clients", clients ? clients->size() : 0}}},
          {"counters",
           {{"connections", c.accepted},
            {"refused_busy", c.refused_busy},
            {"sessions_started", c.sessions_started},
            {"sessions_ended", c.sessions_ended},
            {"paired", pc.paired},
            {"pairing_failed", pc.failed}}},
          {"agent_running", p_.displays->wait_agent_running(Nanos{0})}};
}

json LiveHost::sessions() {
  json out = json::array();
  for (const auto& s : p_.server->sessions()) {
    out.push_back(session_json(s));
  }
  return json{{"sessions", out}};
}

Status LiveHost::end_session(std::uint64_t id) {
  return p_.server->command(id, {.stop = true});
}
Status LiveHost::request_keyframe(std::uint64_t id) {
  return p_.server->command(id, {.keyframe = true});
}
Status LiveHost::set_bitrate(std::uint64_t id, std::uint32_t kbps) {
  return p_.server->command(id, {.bitrate_kbps = kbps});
}

json LiveHost::display_state() {
  const TimePoint now = steady_clock().now();
  json out = json::array();
  for (const auto& v : p_.displays->snapshot()) {
    json d{
        {"display", v.display},         {"client", v.client}, {"mode", vdisplay::to_string(v.mode)},
        {"state", state_name(v.state)}, {"sessions", v.refs}, {"generation", v.generation}};
    if (v.linger_until) {
      d["expires_in_ms"] = std::max<std::int64_t>(ms(*v.linger_until - now), 0);
    }
    out.push_back(std::move(d));
  }
  return out;
}

json LiveHost::display_settings() {
  return json::parse(vdisplay::render_display_settings(p_.displays->settings()));
}

Result<json> LiveHost::apply_display_settings(vdisplay::DisplaySettings settings) {
  const auto file = p_.config.settings.config_dir / vdisplay::kDisplaySettingsFile;
  if (auto saved = vdisplay::save_display_settings(file, settings); !saved) {
    return tl::unexpected(saved.error());
  }
  const auto gpu =
      vdisplay::choose_render_gpu(settings.render_gpu, p_.config.settings.render_gpu, gpus_);
  p_.displays->update_settings(settings, gpu);
  json out = json::parse(vdisplay::render_display_settings(settings));
  emit("display.settings_changed", out);
  return out;
}

Result<json> LiveHost::put_display_settings(std::string_view document) {
  auto parsed = vdisplay::parse_display_settings(document);
  if (!parsed) {
    return tl::unexpected(invalid(parsed.error()));
  }
  const MutexLock lock(files_mutex_);
  return apply_display_settings(std::move(*parsed));
}

Result<json> LiveHost::release_displays() {
  auto n = p_.displays->release_kept();
  if (!n) {
    return tl::unexpected(n.error());
  }
  return json{{"released", *n}};
}

json LiveHost::pairing() {
  return pairing::window_json(p_.server->pairing().window());
}

Result<json> LiveHost::arm_pairing(const json& body) {
  pairing::ArmOptions o;
  o.ttl = std::chrono::seconds(body.value("ttl_s", 120));
  o.access = *pairing::parse_access(body.value("access", std::string("full")));
  if (body.contains("for")) {
    const auto fp = pairing::normalize_fingerprint(body.at("for").get<std::string>());
    if (!fp) {
      return fail(Errc::malformed, "'for' is not a certificate fingerprint (64 hex digits)");
    }
    o.for_fingerprint = *fp;
  }
  auto armed = p_.server->pairing().arm(std::move(o));
  if (!armed) {
    return tl::unexpected(armed.error());
  }
  return pairing::window_json(*armed);
}

json LiveHost::disarm_pairing() {
  p_.server->pairing().disarm();
  return pairing();
}

json LiveHost::pending() {
  return pairing::pending_json(p_.server->pairing().pending());
}

Status LiveHost::approve(std::uint64_t id, std::string_view access) {
  return p_.server->pairing().approve(id, *pairing::parse_access(access));
}

Status LiveHost::deny(std::uint64_t id) {
  return p_.server->pairing().deny(id);
}

json LiveHost::gamestream() {
  if (p_.gamestream == nullptr) {
    return {{"enabled", false}};
  }
  return gshost::status_json(*p_.gamestream);
}

Status LiveHost::gamestream_pin(std::string_view pin) {
  if (p_.gamestream == nullptr) {
    return fail(Errc::not_found, "GameStream is off on this host (PUNKTFUNK_GAMESTREAM=on or `serve --gamestream`)");
  }
  return p_.gamestream->submit_pin(pin);
}

Result<json> LiveHost::clients() {
  auto list = p_.server->pairing().store().load();
  if (!list) {
    return tl::unexpected(list.error());
  }
  const auto now = pairing::unix_now();
  json out = json::array();
  for (const auto& c : *list) {
    out.push_back(client_json(c, now));
  }
  return json{{"clients", out}};
}

Result<json> LiveHost::update_client(std::string_view key, const json& body) {
  std::optional<pairing::Access> access;
  if (body.contains("access")) {
    access = pairing::parse_access(body.at("access").get<std::string>());
  }
  std::optional<std::int64_t> expires_at;
  if (body.contains("expires")) {
    const auto seconds = pairing::parse_expiry(body.at("expires").get<std::string>());
    if (!seconds) {
      return fail(Errc::malformed,
                  "'expires' must be a duration from now (90s, 30m, 12h, 7d) or \"never\"");
    }
    expires_at = *seconds == 0 ? 0 : pairing::unix_now() + *seconds;
  }
  auto changed = p_.server->pairing().store().change(key, access, expires_at);
  if (!changed) {
    return tl::unexpected(changed.error());
  }
  json out = client_json(*changed, pairing::unix_now());
  emit("client.updated", out);
  return out;
}

Status LiveHost::unpair(std::string_view key) {
  auto removed = p_.server->pairing().store().remove(key);
  if (!removed) {
    return tl::unexpected(removed.error());
  }
  kLog.info("unpaired client '{}' through the management API", removed->name);
  emit("client.unpaired", json{{"fingerprint", removed->fingerprint}, {"name", removed->name}});
  return ok();
}

json LiveHost::gpus() {
  const auto settings = p_.displays->settings();
  const auto choice =
      vdisplay::choose_render_gpu(settings.render_gpu, p_.config.settings.render_gpu, gpus_);
  json list = json::array();
  for (const auto& g : gpus_) {
    list.push_back({{"id", g.id}, {"name", g.name}, {"memory_bytes", g.memory_bytes}});
  }
  return {{"gpus", list},
          {"preference", settings.render_gpu},
          {"environment", p_.config.settings.render_gpu},
          {"selected", {{"name", choice.name}, {"reason", choice.reason}}}};
}

Result<json> LiveHost::set_gpu_preference(std::string_view gpu) {
  const MutexLock lock(files_mutex_);
  auto settings = p_.displays->settings();
  settings.render_gpu = std::string(gpu);
  auto applied = apply_display_settings(std::move(settings));
  if (!applied) {
    return tl::unexpected(applied.error());
  }
  return gpus();
}

Result<json> LiveHost::apps() {
  auto catalog = vdisplay::load_apps(p_.config.settings.config_dir / vdisplay::kAppsFile);
  if (!catalog) {
    return tl::unexpected(catalog.error());
  }
  json list = json::array();
  for (const auto& a : catalog->entries()) {
    list.push_back(app_json(a));
  }
  return json{{"apps", list}};
}

Result<json> LiveHost::put_app(std::string_view id, const json& body, bool create) {
  const auto file = p_.config.settings.config_dir / vdisplay::kAppsFile;
  const MutexLock lock(files_mutex_);
  auto catalog = vdisplay::load_apps(file);
  if (!catalog) {
    return tl::unexpected(catalog.error());
  }
  // Edit the document and let the catalog's strict parser judge the result.
  json doc = json::parse(vdisplay::render_apps(*catalog));
  auto& list = doc["apps"];
  const auto it = std::find_if(list.begin(), list.end(),
                               [&](const json& a) { return a.value("id", "") == id; });
  if (id == vdisplay::kDesktopAppId) {
    return fail(Errc::refused, "\"desktop\" is built in and cannot be changed");
  }
  if (create && it != list.end()) {
    return fail(Errc::refused, "an app '{}' exists already; PUT /apps/{} replaces it", id, id);
  }
  if (!create && it == list.end()) {
    return fail(Errc::not_found, "no app '{}'", id);
  }
  json entry = body;
  entry["id"] = id;
  if (it != list.end()) {
    *it = entry;
  } else {
    list.push_back(entry);
  }
  auto parsed = vdisplay::parse_apps(doc.dump());
  if (!parsed) {
    return tl::unexpected(invalid(parsed.error()));
  }
  if (auto saved = write_file_atomic(file, vdisplay::render_apps(*parsed), 0600); !saved) {
    return tl::unexpected(saved.error());
  }
  const auto* app = parsed->find(id);
  kLog.info("app '{}' {} through the management API", id, create ? "added" : "replaced");
  emit(create ? "app.added" : "app.changed", json{{"id", id}});
  return app_json(*app);
}

Status LiveHost::remove_app(std::string_view id) {
  const auto file = p_.config.settings.config_dir / vdisplay::kAppsFile;
  const MutexLock lock(files_mutex_);
  auto catalog = vdisplay::load_apps(file);
  if (!catalog) {
    return tl::unexpected(catalog.error());
  }
  if (id == vdisplay::kDesktopAppId) {
    return fail(Errc::refused, "\"desktop\" is built in and cannot be removed");
  }
  json doc = json::parse(vdisplay::render_apps(*catalog));
  auto& list = doc["apps"];
  const auto before = list.size();
  list.erase(std::remove_if(list.begin(), list.end(),
                            [&](const json& a) { return a.value("id", "") == id; }),
             list.end());
  if (list.size() == before) {
    return fail(Errc::not_found, "no app '{}'", id);
  }
  auto parsed = vdisplay::parse_apps(doc.dump());
  if (!parsed) {
    return tl::unexpected(parsed.error());
  }
  if (auto saved = write_file_atomic(file, vdisplay::render_apps(*parsed), 0600); !saved) {
    return saved;
  }
  emit("app.removed", json{{"id", id}});
  return ok();
}

json LiveHost::settings() {
  // What the host runs with (read at its start) and what the console has
  // saved since; a change applies at the next start.
  json keys = json::array();
  std::vector<config::Setting> console;
  if (auto text = read_small_file(p_.config.settings.config_dir / config::kConsoleSettingsFile,
                                  config::kMaxConsoleSettingsBytes)) {
    if (auto parsed = config::parse_console_settings(*text, "settings.json")) {
      console = std::move(*parsed);
    }
  }
  for (const auto& key : config::host_keys()) {
    const auto& info = key.info;
    json k{{"key", info.name},
           {"doc", info.doc},
           {"accepted", info.accepted},
           {"default", info.fallback},
           {"editable", info.scope == config::Scope::anywhere && !info.secret}};
    for (const auto& e : p_.config.effective) {
      if (e.key == info.name) {
        k["value"] = e.value;
        k["source"] = config::to_string(e.source);
      }
    }
    for (const auto& c : console) {
      if (c.key == info.name) {
        k["console"] = info.secret ? std::string(config::kHiddenValue) : c.value;
      }
    }
    keys.push_back(std::move(k));
  }
  return {{"settings", keys}, {"applies", "at the next start"}};
}

Result<json> LiveHost::patch_settings(const json& body) {
  const auto file = p_.config.settings.config_dir / config::kConsoleSettingsFile;
  const MutexLock lock(files_mutex_);
  std::vector<config::Setting> console;
  if (auto text = read_small_file(file, config::kMaxConsoleSettingsBytes)) {
    auto parsed = config::parse_console_settings(*text, file.string());
    if (!parsed) {
      return tl::unexpected(parsed.error());
    }
    console = std::move(*parsed);
  }
  for (const auto& [raw, value] : body.items()) {
    const std::string key = config::normalize_key(raw);
    const auto spec = std::find_if(config::host_keys().begin(), config::host_keys().end(),
                                   [&](const auto& k) { return k.info.name == key; });
    if (spec == config::host_keys().end()) {
      return fail(Errc::malformed, "unknown setting '{}'", raw);
    }
    if (spec->info.scope != config::Scope::anywhere || spec->info.secret) {
      return fail(Errc::refused,
                  "{} cannot be set from the console; set it in the environment or host.env", key);
    }
    if (!value.is_null() && !value.is_string()) {
      return fail(Errc::malformed, "setting '{}' must be a string, or null to remove it", raw);
    }
    std::erase_if(console, [&](const config::Setting& s) { return s.key == key; });
    if (value.is_string()) {
      console.push_back(config::Setting{key, value.get<std::string>(), "settings.json"});
    }
  }
  // Each value as the next start will judge it.
  for (const auto& s : console) {
    const auto& k = *std::find_if(config::host_keys().begin(), config::host_keys().end(),
                                  [&](const auto& x) { return x.info.name == s.key; });
    config::HostSettings scratch;
    if (auto st = k.apply(s.value, scratch); !st) {
      return fail(Errc::malformed, "{}",
                  config::describe_invalid(k.info, s.value, "the request", st.error()));
    }
  }
  if (auto st = write_file_atomic(file, config::render_console_settings(console), 0600); !st) {
    return tl::unexpected(st.error());
  }
  kLog.info("console settings changed ({} keys); they apply at the next start", console.size());
  emit("settings.changed", json{{"keys", body.size()}});
  return settings();
}

json LiveHost::stats_sample() {
  const TimePoint now = steady_clock().now();
  const MutexLock lock(stats_mutex_);
  std::vector<Previous> next;
  json sessions = json::array();
  for (const auto& s : p_.server->sessions()) {
    if (s.state != session::SessionState::streaming) {
      continue;
    }
    const auto prev = std::find_if(previous_.begin(), previous_.end(),
                                   [&](const Previous& p) { return p.id == s.id; });
    double fps = 0;
    double kbps = 0;
    std::uint64_t dropped = 0;
    if (prev != previous_.end() && now > prev->at) {
      const double secs = std::chrono::duration<double>(now - prev->at).count();
      fps = static_cast<double>(s.video.frames - prev->frames) / secs;
      kbps = static_cast<double>(s.video.bytes - prev->bytes) * 8.0 / 1000.0 / secs;
      dropped = s.video.send_dropped - prev->dropped;
    }
    next.push_back(Previous{s.id, s.video.frames, s.video.bytes, s.video.send_dropped, now});
    sessions.push_back({{"id", s.id},
                        {"client", s.client_name},
                        {"mode", vdisplay::to_string(s.mode)},
                        {"fps", std::round(fps * 10) / 10},
                        {"bitrate_kbps", std::round(kbps)},
                        {"target_kbps", s.bitrate_kbps},
                        {"dropped", dropped},
                        {"fec_pct", s.fec_pct},
                        {"frames_lost", s.client_frames_lost},
                        {"fec_recovered", s.client_frames_recovered},
                        {"loss_ppm", s.client_loss_ppm},
                        {"stages", window_stages(s.window)}});
  }
  previous_ = std::move(next);
  return json{{"sessions", sessions}};
}

void LiveHost::metrics(PromWriter& w) {
  const auto sessions = p_.server->sessions();
  const auto c = p_.server->counters();
  const auto pc = p_.server->pairing().counters();
  std::size_t streaming = 0;
  for (const auto& s : sessions) {
    streaming += s.state == session::SessionState::streaming ? 1 : 0;
  }
  w.family("punktfunk_up", "gauge", "1 while the host runs");
  w.sample("punktfunk_up", 1, {{"version", build_info::version}});
  w.family("punktfunk_sessions", "gauge", "Sessions streaming now");
  w.sample("punktfunk_sessions", static_cast<double>(streaming));
  w.family("punktfunk_connections_total", "counter", "Control connections accepted");
  w.sample("punktfunk_connections_total", static_cast<double>(c.accepted));
  w.family("punktfunk_connections_refused_total", "counter", "Control connections refused as busy");
  w.sample("punktfunk_connections_refused_total", static_cast<double>(c.refused_busy));
  w.family("punktfunk_sessions_started_total", "counter", "Sessions started");
  w.sample("punktfunk_sessions_started_total", static_cast<double>(c.sessions_started));
  w.family("punktfunk_sessions_ended_total", "counter", "Sessions ended");
  w.sample("punktfunk_sessions_ended_total", static_cast<double>(c.sessions_ended));
  std::size_t by_state[4] = {};
  for (const auto& v : p_.displays->snapshot()) {
    ++by_state[static_cast<std::size_t>(v.state) & 3];
  }
  w.family("punktfunk_displays", "gauge", "Virtual displays by state");
  for (const auto state : {vdisplay::DisplayState::active, vdisplay::DisplayState::lingering,
                           vdisplay::DisplayState::pinned}) {
    w.sample("punktfunk_displays", static_cast<double>(by_state[static_cast<std::size_t>(state)]),
             {{"state", state_name(state)}});
  }
  w.family("punktfunk_pairing_total", "counter", "Pairing outcomes");
  w.sample("punktfunk_pairing_total", static_cast<double>(pc.paired), {{"outcome", "paired"}});
  w.sample("punktfunk_pairing_total", static_cast<double>(pc.failed), {{"outcome", "failed"}});
  w.sample("punktfunk_pairing_total", static_cast<double>(pc.lockouts), {{"outcome", "locked"}});
  w.sample("punktfunk_pairing_total", static_cast<double>(pc.approved), {{"outcome", "approved"}});
  w.sample("punktfunk_pairing_total", static_cast<double>(pc.denied), {{"outcome", "denied"}});
  // Per streaming session.
  const auto per_session = [&](std::string_view name, std::string_view type, std::string_view help,
                               auto value) {
    w.family(name, type, help);
    for (const auto& s : sessions) {
      if (s.state == session::SessionState::streaming) {
        const std::string id = std::to_string(s.id);
        w.sample(name, static_cast<double>(value(s)), {{"session", id}, {"client", s.client_name}});
      }
    }
  };
  per_session("punktfunk_session_frames_total", "counter", "Frames sent",
              [](const auto& s) { return s.video.frames; });
  per_session("punktfunk_session_bytes_total", "counter", "Video bytes sent",
              [](const auto& s) { return s.video.bytes; });
  per_session("punktfunk_session_keyframes_total", "counter", "Keyframes sent",
              [](const auto& s) { return s.video.keyframes; });
  per_session("punktfunk_session_send_dropped_total", "counter", "Datagrams the kernel refused",
              [](const auto& s) { return s.video.send_dropped; });
  per_session("punktfunk_session_fec_recovered_total", "counter",
              "Frames the client rebuilt with FEC",
              [](const auto& s) { return s.client_frames_recovered; });
  per_session("punktfunk_session_input_events_total", "counter", "Input events received",
              [](const auto& s) { return s.input.received; });
  per_session("punktfunk_session_host_latency_p50_seconds", "gauge",
              "Capture to sent, median of the last second",
              [](const auto& s) { return s.window.host_p50_us / 1e6; });
  per_session("punktfunk_session_host_latency_p99_seconds", "gauge",
              "Capture to sent, p99 of the last second",
              [](const auto& s) { return s.window.host_p99_us / 1e6; });
}

}  // namespace pf::mgmt
