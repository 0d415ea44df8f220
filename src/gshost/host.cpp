// The GameStream host: nvhttp (pairing, apps, launch), the listeners, and
// the sessions by client certificate. See gamestream_host.hpp.
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "control_host.hpp"
#include "gs_session.hpp"
#include "pf/config/values.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"
#include "pf/core/text.hpp"
#include "pf/gamestream/identity.hpp"
#include "pf/gamestream/nvhttp.hpp"
#include "pf/gamestream/pairing.hpp"
#include "pf/gshost/gamestream_host.hpp"
#include "pf/https/listener.hpp"
#include "pf/pairing/pairing_service.hpp"
#include "pf/vdisplay/apps.hpp"
#include "pf/vdisplay/display_service.hpp"
#include "rtsp_server.hpp"

namespace pf::gshost {
namespace {

const log::Logger kLog{"gamestream"};
/// GameStream session ids count from here, so they never meet the native
/// protocol's (both name the session's sound sink).
constexpr std::uint64_t kFirstSessionId = 1'000'001;
constexpr std::size_t kMaxQueryBytes = 16 * 1024;
/// A launch whose RTSP has not reached PLAY by then was abandoned by its client.
constexpr Nanos kLaunchToPlay = std::chrono::seconds(30);

/// The number Moonlight knows an app by: stable across restarts and edits
/// of other entries (FNV-1a of its id, 31 bits, never 0).
std::uint32_t app_number(std::string_view id) {
  std::uint32_t h = 2166136261U;
  for (const char c : id) {
    h = (h ^ static_cast<std::uint8_t>(c)) * 16777619U;
  }
  h &= 0x7fffffffU;
  return h == 0 ? 1 : h;
}

gamestream::XmlReply error_reply(int status, std::string message) {
  gamestream::XmlReply r;
  r.status_code = status;
  r.status_message = std::move(message);
  return r;
}

/// A query parameter's value; empty when it is absent.
std::string query_value(const std::map<std::string, std::string>& query, const char* name) {
  const auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

/// "::ffff:10.0.0.2" → "10.0.0.2".
std::string plain_ipv4(std::string address) {
  if (address.starts_with("::ffff:") && address.find('.') != std::string::npos) {
    address.erase(0, 7);
  }
  return address;
}

void append_chunk(std::string& png, std::string_view type, std::string_view data) {
  const auto put32 = [&](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      png.push_back(static_cast<char>((v >> shift) & 0xffU));
    }
  };
  put32(static_cast<std::uint32_t>(data.size()));
  const std::size_t start = png.size();
  png.append(type);
  png.append(data);
  put32(static_cast<std::uint32_t>(
      ::crc32(0, reinterpret_cast<const Bytef*>(png.data() + start), static_cast<uInt>(png.size() - start))));
}

/// The box art every app gets (apps.json has no pictures): a 130×180 PNG
/// in one colour.
std::string default_box_art() {
  constexpr std::uint32_t kWidth = 130;
  constexpr std::uint32_t kHeight = 180;
  std::string raw;
  for (std::uint32_t y = 0; y < kHeight; ++y) {
    raw.push_back('\0');  // filter: none
    for (std::uint32_t x = 0; x < kWidth; ++x) {
      raw.append({'\x26', '\x3a', '\x5c'});
    }
  }
  std::string packed(::compressBound(static_cast<uLong>(raw.size())), '\0');
  uLongf packed_size = packed.size();
  ::compress(reinterpret_cast<Bytef*>(packed.data()), &packed_size, reinterpret_cast<const Bytef*>(raw.data()),
             static_cast<uLong>(raw.size()));
  packed.resize(packed_size);
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string header;
  for (const std::uint32_t v : {kWidth, kHeight}) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      header.push_back(static_cast<char>((v >> shift) & 0xffU));
    }
  }
  header.append({'\x08', '\x02', '\0', '\0', '\0'});  // 8-bit RGB
  append_chunk(png, "IHDR", header);
  append_chunk(png, "IDAT", packed);
  append_chunk(png, "IEND", "");
  return png;
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') {
    return "punktfunk";
  }
  return name;
}

}  // namespace

struct GameStreamHost::Impl {
  Impl(GameStreamConfig c, vdisplay::DisplayService& d, pairing::PairingService& p)
      : config(std::move(c)), displays(d), trust(p) {}
  ~Impl();

  void handle(const httplib::Request& in, httplib::Response& out, bool tls);
  gamestream::XmlReply pair(const httplib::Request& in, const std::map<std::string, std::string>& query, bool tls,
                            const std::optional<pairing::PairedClient>& client);
  gamestream::XmlReply pair_begin(const std::map<std::string, std::string>& query, const std::string& address);
  gamestream::XmlReply launch(const httplib::Request& in, const std::map<std::string, std::string>& query,
                              const pairing::PairedClient& client, bool resume);
  gamestream::XmlReply cancel(const pairing::PairedClient& client);
  /// Every answer is HTTP 200 (clients treat any other status as a
  /// transport failure); refusals are counted.
  void reply(httplib::Response& out, const gamestream::XmlReply& xml) {
    if (xml.status_code >= 400) {
      nvhttp_refused.fetch_add(1, std::memory_order_relaxed);
    }
    out.status = 200;
    out.set_header("Connection", "close");
    out.set_content(gamestream::render(xml), "application/xml");
  }
  /// The session the control connect data names (nullptr: none).
  [[nodiscard]] std::shared_ptr<GsSession> by_connect_data(std::uint32_t data) const {
    const MutexLock lock(mutex);
    for (const auto& [fp, c] : clients) {
      if (c.session && c.session->connect_data() == data) {
        return c.session;
      }
    }
    return nullptr;
  }
  void publish(std::string type, std::string data) const {
    if (config.events) {
      config.events(std::move(type), std::move(data));
    }
  }

  GameStreamConfig config;
  vdisplay::DisplayService& displays;
  pairing::PairingService& trust;
  gamestream::Identity identity;
  tls::Identity tls_identity;  // the same certificate and key, for the TLS listener
  std::string unique_id;
  std::string box_art;
  Ports ports;

  mutable Mutex mutex;
  std::condition_variable_any pin_arrived;
  struct Pairing {
    std::uint64_t id = 0;
    gamestream::PairingSession session;
    std::string address;
    std::string device_name;
    std::optional<std::string> pin;
  };
  std::optional<Pairing> pairing PF_GUARDED_BY(mutex);
  std::uint64_t pairings PF_GUARDED_BY(mutex) = 0;
  bool stopping PF_GUARDED_BY(mutex) = false;
  struct Client {
    std::uint32_t app_id = 0;  ///< currentgame: launched and not cancelled
    std::shared_ptr<GsSession> session;
  };
  std::map<std::string, Client> clients PF_GUARDED_BY(mutex);  // by certificate fingerprint
  std::uint64_t next_session_id PF_GUARDED_BY(mutex) = kFirstSessionId;

  std::atomic<std::uint64_t> nvhttp_refused{0};
  std::unique_ptr<ControlHost> control;
  std::unique_ptr<RtspServer> rtsp;
  std::unique_ptr<httplib::Server> http;
  std::unique_ptr<httplib::SSLServer> https_server;
  std::jthread http_thread;
  std::jthread https_thread;
};

GameStreamHost::Impl::~Impl() {
  // Listeners first (no new requests or connections), then the sessions
  // (each says goodbye through the control host), then the control host.
  for (httplib::Server* s : {http.get(), static_cast<httplib::Server*>(https_server.get())}) {
    if (s != nullptr) {
      s->stop();
    }
  }
  {
    const MutexLock lock(mutex);
    stopping = true;
  }
  pin_arrived.notify_all();
  if (http_thread.joinable()) {
    http_thread.join();
  }
  if (https_thread.joinable()) {
    https_thread.join();
  }
  rtsp.reset();
  std::vector<std::shared_ptr<GsSession>> sessions;
  {
    const MutexLock lock(mutex);
    for (auto& [fp, c] : clients) {
      if (c.session) {
        sessions.push_back(std::move(c.session));
      }
    }
    clients.clear();
  }
  for (auto& s : sessions) {
    s->stop(SessionEnd::shutdown);
  }
  sessions.clear();  // joins each session's thread
  control.reset();
}

GameStreamHost::GameStreamHost(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GameStreamHost::~GameStreamHost() = default;

Result<std::unique_ptr<GameStreamHost>> GameStreamHost::start(GameStreamConfig config,
                                                              vdisplay::DisplayService& displays,
                                                              pairing::PairingService& pairing) {
  auto loaded = gamestream::load_or_create_identity(config.config_dir);
  if (!loaded) {
    return tl::unexpected(loaded.error());
  }
  auto impl = std::make_unique<Impl>(std::move(config), displays, pairing);
  Impl& i = *impl;
  i.identity = std::move(loaded->identity);
  X509_up_ref(i.identity.certificate.get());
  EVP_PKEY_up_ref(i.identity.key.get());
  i.tls_identity.certificate.reset(i.identity.certificate.get());
  i.tls_identity.key.reset(i.identity.key.get());
  i.tls_identity.fingerprint = i.identity.fingerprint;
  i.unique_id = i.identity.fingerprint.substr(0, 16);
  i.box_art = default_box_art();
  if (i.config.hostname.empty()) {
    i.config.hostname = host_name();
  }
  const std::uint16_t base = i.config.http_port;
  const auto at = [base](int offset) -> std::uint16_t {
    return base == 0 ? 0 : static_cast<std::uint16_t>(base + offset);
  };

  auto control = ControlHost::start(
      i.config.bind, at(10), i.config.max_sessions * 2 + 4,
      {.on_connect =
           [&i](std::uint32_t data, const std::string& address) {
             const auto session = i.by_connect_data(data);
             return session && !session->ended() && session->control_connected(address);
           },
       .on_packet =
           [&i](std::uint32_t data, Bytes packet) {
             if (const auto session = i.by_connect_data(data)) {
               session->control_packet(packet);
             }
           },
       .on_disconnect =
           [&i](std::uint32_t data) {
             if (const auto session = i.by_connect_data(data)) {
               session->control_disconnected();
             }
           }});
  if (!control) {
    return tl::unexpected(control.error());
  }
  i.control = std::move(*control);
  i.ports.control = i.control->port();
  i.ports.video = at(9);
  i.ports.audio = at(11);

  auto rtsp = RtspServer::start(i.config.bind, at(21), {.sessions_for = [&i](const std::string& address) {
                                  std::vector<std::shared_ptr<GsSession>> out;
                                  const MutexLock lock(i.mutex);
                                  for (auto& [fp, c] : i.clients) {
                                    if (c.session && !c.session->ended() && !c.session->rtsp_done() &&
                                        c.session->launch().address == address) {
                                      out.push_back(c.session);
                                    }
                                  }
                                  std::sort(out.begin(), out.end(),
                                            [](const auto& a, const auto& b) { return a->id() > b->id(); });
                                  return out;
                                }});
  if (!rtsp) {
    return tl::unexpected(rtsp.error());
  }
  i.rtsp = std::move(*rtsp);
  i.ports.rtsp = i.rtsp->port();

  const https::ListenerLimits limits{.workers = 8,
                                     .queued = 32,
                                     .timeout = std::chrono::seconds(10),
                                     .max_body_bytes = 4096,
                                     .worker_thread = "pf-gs-w"};
  Impl* self = &i;
  i.http = https::make_http_server(limits, [self](const httplib::Request& in, httplib::Response& out) {
    self->handle(in, out, false);
  });
  auto secure = https::make_https_server(i.tls_identity, limits, true,
                                         [self](const httplib::Request& in, httplib::Response& out) {
                                           self->handle(in, out, true);
                                         });
  if (!secure) {
    return tl::unexpected(secure.error());
  }
  i.https_server = std::move(*secure);
  auto https_port = https::listen_in_thread(*i.https_server, i.config.bind, at(-5), "pf-gs-https", i.https_thread);
  if (!https_port) {
    return fail(https_port.error().code, "GameStream HTTPS: {}", https_port.error().message);
  }
  i.ports.https = *https_port;
  auto http_port = https::listen_in_thread(*i.http, i.config.bind, base, "pf-gs-http", i.http_thread);
  if (!http_port) {
    return fail(http_port.error().code, "GameStream HTTP: {}", http_port.error().message);
  }
  i.ports.http = *http_port;
  kLog.warn("GameStream is on (HTTP {}, HTTPS {}, RTSP {}, control {}): for trusted networks only, since "
            "Moonlight's PIN pairing runs over plain HTTP",
            i.ports.http, i.ports.https, i.ports.rtsp, i.ports.control);
  return std::unique_ptr<GameStreamHost>(new GameStreamHost(std::move(impl)));
}

Ports GameStreamHost::ports() const noexcept { return impl_->ports; }
std::string GameStreamHost::fingerprint() const { return impl_->identity.fingerprint; }

nlohmann::json GameStreamHost::refused() const {
  return {{"nvhttp", impl_->nvhttp_refused.load(std::memory_order_relaxed)},
          {"rtsp", impl_->rtsp->refused()},
          {"control", impl_->control->counters().refused}};
}

Status GameStreamHost::submit_pin(std::string_view pin) {
  if (!gamestream::is_valid_pin(pin)) {
    return fail(Errc::malformed, "a PIN is four digits");
  }
  Impl& i = *impl_;
  {
    const MutexLock lock(i.mutex);
    if (!i.pairing || i.pairing->pin || i.pairing->session.phase() != gamestream::PairingPhase::await_pin) {
      return fail(Errc::not_found, "no GameStream client is waiting for a PIN");
    }
    i.pairing->pin = std::string(pin);
  }
  i.pin_arrived.notify_all();
  return {};
}

std::optional<PinRequest> GameStreamHost::pin_request() const {
  const Impl& i = *impl_;
  const MutexLock lock(i.mutex);
  if (!i.pairing || i.pairing->pin || i.pairing->session.phase() != gamestream::PairingPhase::await_pin) {
    return std::nullopt;
  }
  return PinRequest{i.pairing->device_name, i.pairing->address, i.pairing->session.client_fingerprint()};
}

void GameStreamHost::on_app_exit(const vdisplay::AppExit& exit) {
  if (exit.end == agentlink::AppEnd::display_removed) {
    return;  // the session closed its display: it is ending already
  }
  std::shared_ptr<GsSession> session;
  {
    const MutexLock lock(impl_->mutex);
    for (auto& [fp, c] : impl_->clients) {
      if (c.session && c.session->holds(exit.lease)) {
        session = c.session;
        c.app_id = 0;  // nothing left to resume
      }
    }
  }
  if (session) {
    kLog.info("session {}: its app {} {}; the session ends", session->id(), exit.app_id, exit.how);
    session->stop(SessionEnd::quit);
  }
}

std::vector<GameStreamSessionInfo> GameStreamHost::sessions() const {
  std::vector<std::shared_ptr<GsSession>> sessions;
  {
    const MutexLock lock(impl_->mutex);
    for (const auto& [fp, c] : impl_->clients) {
      if (c.session) {
        sessions.push_back(c.session);
      }
    }
  }
  std::vector<GameStreamSessionInfo> out;
  for (const auto& s : sessions) {
    out.push_back(s->info());
  }
  return out;
}

nlohmann::json status_json(const GameStreamHost& host) {
  const Ports p = host.ports();
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& i : host.sessions()) {
    sessions.push_back({{"id", i.id},
                        {"state", i.state},
                        {"client_name", i.client_name},
                        {"fingerprint", i.fingerprint},
                        {"address", i.address},
                        {"app", i.app},
                        {"app_id", i.app_id},
                        {"mode", {{"width", i.width}, {"height", i.height}, {"fps", i.fps}}},
                        {"codec", i.codec},
                        {"bitrate_kbps", i.bitrate_kbps},
                        {"encryption", i.encryption},
                        {"frames", i.frames},
                        {"audio_frames", i.audio_frames},
                        {"idr_requests", i.idr_requests},
                        {"invalidations", i.invalidations},
                        {"fec_status_reports", i.fec_status_reports},
                        {"control_rejected", i.control_rejected},
                        {"input",
                         {{"received", i.input.received},
                          {"injected", i.input.injected},
                          {"denied", i.input.denied},
                          {"unsupported", i.input.unsupported},
                          {"malformed", i.input.malformed},
                          {"failed", i.input.failed}}},
                        {"end_reason", i.end_reason}});
  }
  nlohmann::json pin = nullptr;
  if (const auto waiting = host.pin_request()) {
    pin = {{"device_name", waiting->device_name},
           {"address", waiting->address},
           {"fingerprint", waiting->fingerprint}};
  }
  return {{"enabled", true},
          {"fingerprint", host.fingerprint()},
          {"ports",
           {{"http", p.http}, {"https", p.https}, {"rtsp", p.rtsp}, {"control", p.control}, {"video", p.video},
            {"audio", p.audio}}},
          {"pin_request", std::move(pin)},
          {"refused", host.refused()},
          {"sessions", std::move(sessions)}};
}

// --- nvhttp -------------------------------------------------------------------

void GameStreamHost::Impl::handle(const httplib::Request& in, httplib::Response& out, bool tls) {
  const auto mark = in.target.find('?');
  const std::string_view query_text =
      mark == std::string::npos ? std::string_view() : std::string_view(in.target).substr(mark + 1);
  if (query_text.size() > kMaxQueryBytes) {
    return reply(out, error_reply(400, "the query is too long"));
  }
  auto query = parse_query(query_text);
  if (!query) {
    return reply(out, error_reply(400, query.error().message));
  }
  std::optional<pairing::PairedClient> client;
  if (tls) {
    X509* cert = in.ssl != nullptr ? SSL_get1_peer_certificate(in.ssl) : nullptr;
    if (cert != nullptr) {
      const std::string fp = tls::fingerprint(*cert);
      X509_free(cert);
      client = trust.trusted(fp, pairing::Protocol::gamestream);
      if (client && pairing::expired(*client, pairing::unix_now())) {
        client.reset();
      }
    }
    if (!client) {
      // An unknown certificate learns nothing over HTTPS (a PairStatus of 1
      // here would make a client think it is paired); it falls back to HTTP.
      return reply(out, error_reply(401, "The client is not authorized. Certificate verification failed."));
    }
  }
  const std::string& path = in.path;
  if (path == "/serverinfo") {
    gamestream::ServerInfo info;
    info.hostname = config.hostname;
    info.unique_id = unique_id;
    info.https_port = ports.https;
    info.http_port = ports.http;
    info.local_ip = plain_ipv4(in.local_addr);
    if (info.local_ip.find(':') != std::string::npos) {
      info.local_ip = "127.0.0.1";
    }
    info.codec_modes = gamestream::kScmH264 | gamestream::kScmHevc;
    info.hevc = true;
    info.paired = client.has_value();
    if (client) {
      const MutexLock lock(mutex);
      const auto it = clients.find(client->fingerprint);
      if (it != clients.end()) {
        // Busy while the client has an app to come back to: Moonlight
        // resumes only a busy host's current game, else it launches anew.
        info.current_game = it->second.app_id;
        info.busy = it->second.app_id != 0;
      }
    }
    return reply(out, gamestream::serverinfo_reply(info));
  }
  if (path == "/pair") {
    return reply(out, pair(in, *query, tls, client));
  }
  if (path == "/unpair") {
    if (client) {
      if (auto removed = trust.store().remove(client->fingerprint); removed) {
        kLog.info("GameStream client '{}' unpaired itself", client->name);
        publish("client.unpaired", fmt::format(R"("fingerprint":"{}")", client->fingerprint));
      }
      std::shared_ptr<GsSession> session;
      {
        const MutexLock lock(mutex);
        if (auto it = clients.find(client->fingerprint); it != clients.end()) {
          session = std::move(it->second.session);
          clients.erase(it);
        }
      }
      if (session) {
        session->stop(SessionEnd::quit);
      }
    }
    // Without a certificate the request names nobody (its uniqueid is the
    // same for every client): nothing to do. The operator unpairs with
    // `punktfunk-host clients remove`, the API or the console.
    return reply(out, gamestream::XmlReply{});
  }
  // What is left needs a paired certificate; a path that is none of it is
  // unknown to anyone (not "pair first").
  static constexpr std::string_view kPairedOnly[] = {"/applist", "/appasset", "/launch", "/resume", "/cancel"};
  if (std::find(std::begin(kPairedOnly), std::end(kPairedOnly), path) == std::end(kPairedOnly)) {
    return reply(out, error_reply(404, fmt::format("no such request: {}", path)));
  }
  if (!client) {
    return reply(out, error_reply(401, "pair first, then ask over HTTPS"));
  }
  if (path == "/applist") {
    auto catalog = vdisplay::load_apps(config.config_dir / vdisplay::kAppsFile);
    if (!catalog) {
      return reply(out, error_reply(500, catalog.error().message));
    }
    std::vector<gamestream::AppEntry> apps;
    for (const auto& e : catalog->entries()) {
      apps.push_back({app_number(e.id), e.id == vdisplay::kDesktopAppId ? "Desktop" : e.name, false});
    }
    return reply(out, gamestream::applist_reply(apps));
  }
  if (path == "/appasset") {
    out.status = 200;
    out.set_header("Connection", "close");
    out.set_content(box_art, "image/png");
    return;
  }
  if (path == "/launch" || path == "/resume") {
    return reply(out, launch(in, *query, *client, path == "/resume"));
  }
  if (path == "/cancel") {
    return reply(out, cancel(*client));
  }
  return reply(out, error_reply(404, fmt::format("no such request: {}", path)));
}

gamestream::XmlReply GameStreamHost::Impl::pair(const httplib::Request& in,
                                                const std::map<std::string, std::string>& query, bool tls,
                                                const std::optional<pairing::PairedClient>& client) {
  const auto value = [&](const char* name) -> const std::string* {
    const auto it = query.find(name);
    return it == query.end() ? nullptr : &it->second;
  };
  const std::string address = plain_ipv4(in.remote_addr);
  const std::string* phrase = value("phrase");
  if (phrase != nullptr && *phrase == "getservercert") {
    return pair_begin(query, address);
  }
  if (phrase != nullptr && *phrase == "pairchallenge") {
    // Step 5, over HTTPS with the certificate step 4 recorded.
    gamestream::XmlReply r;
    r.fields = {{"paired", tls && client ? "1" : "0"}};
    return r;
  }
  const MutexLock lock(mutex);
  if (!pairing || pairing->address != address) {
    return error_reply(400, "no pairing in progress from this address");
  }
  auto& session = pairing->session;
  if (const auto* challenge = value("clientchallenge")) {
    auto answer = session.client_challenge(*challenge);
    if (!answer) {
      pairing.reset();
    }
    return gamestream::pair_step_reply("challengeresponse", answer);
  }
  if (const auto* response = value("serverchallengeresp")) {
    auto answer = session.server_challenge_response(*response);
    if (!answer) {
      pairing.reset();
    }
    return gamestream::pair_step_reply("pairingsecret", answer);
  }
  if (const auto* secret = value("clientpairingsecret")) {
    auto paired = session.client_pairing_secret(*secret);
    const std::string name = pairing->device_name;
    pairing.reset();
    if (!paired) {
      kLog.info("GameStream pairing with '{}' ({}) failed: {}", name, address, paired.error().message);
      return gamestream::pair_step_reply(paired);
    }
    pairing::PairedClient record{paired->fingerprint, name, pairing::Access::full, pairing::unix_now(), 0, 0,
                                 pairing::Protocol::gamestream};
    if (auto stored = trust.record_paired(record); !stored) {
      kLog.error("cannot record the paired GameStream client: {}", stored.error().message);
      return error_reply(500, "the host could not record the pairing; see its log");
    }
    publish("gamestream.paired", fmt::format(R"("name":"{}","fingerprint":"{}")", name, paired->fingerprint));
    return gamestream::pair_step_reply(paired);
  }
  return error_reply(400, "unknown pairing step");
}

gamestream::XmlReply GameStreamHost::Impl::pair_begin(const std::map<std::string, std::string>& query,
                                                      const std::string& address) {
  const auto find = [&](const char* name) { return query_value(query, name); };
  std::string device = find("devicename");
  if (device.empty() || device.size() > pairing::kMaxClientNameBytes) {
    device = "Moonlight";
  }
  std::uint64_t id = 0;
  {
    const MutexLock lock(mutex);
    gamestream::PairingSession session(identity);
    if (auto began = session.begin(find("salt"), find("clientcert")); !began) {
      return gamestream::pair_step_reply("plaincert", Result<std::string>(tl::unexpected(began.error())));
    }
    if (trust.trusted(session.client_fingerprint(), pairing::Protocol::gamestream)) {
      kLog.info("GameStream client '{}' ({}) pairs again", device, address);
    }
    // A newer request replaces one still waiting: its waiter sees the id change.
    id = ++pairings;
    pairing.emplace(Pairing{id, std::move(session), address, device, std::nullopt});
  }
  pin_arrived.notify_all();
  kLog.info("GameStream client '{}' ({}) asks to pair: enter the PIN it shows with `punktfunk-host gamestream pin "
            "NNNN` (or in the console) within {} s",
            device, address, std::chrono::duration_cast<std::chrono::seconds>(config.pin_wait).count());
  publish("gamestream.pin_requested", fmt::format(R"("name":"{}","address":"{}")", device, address));

  MutexLock lock(mutex);
  const auto ours = [&]() PF_NO_THREAD_SAFETY_ANALYSIS { return pairing && pairing->id == id; };
  pin_arrived.wait_for(mutex, config.pin_wait,
                       [&]() PF_NO_THREAD_SAFETY_ANALYSIS { return stopping || !ours() || pairing->pin.has_value(); });
  if (!ours()) {
    return error_reply(409, "a newer pairing request replaced this one");
  }
  if (!pairing->pin) {
    pairing.reset();
    kLog.info("GameStream pairing with '{}' ({}): no PIN was entered", device, address);
    gamestream::XmlReply r = error_reply(200, "no PIN was entered on the host");
    r.fields = {{"paired", "0"}};
    return r;
  }
  auto answer = pairing->session.accept_pin(*pairing->pin);
  if (!answer) {
    pairing.reset();
  }
  return gamestream::pair_step_reply("plaincert", answer);
}

gamestream::XmlReply GameStreamHost::Impl::launch(const httplib::Request& in,
                                                  const std::map<std::string, std::string>& query,
                                                  const pairing::PairedClient& client, bool resume) {
  const auto find = [&](const char* name) { return query_value(query, name); };
  LaunchRequest launch;
  launch.fingerprint = client.fingerprint;
  launch.client_name = client.name;
  launch.address = plain_ipv4(in.remote_addr);
  launch.access = client.access;
  const auto key = hex_decode("rikey", find("rikey"), launch.key.size(), launch.key.size());
  if (!key) {
    return error_reply(400, key.error().message);
  }
  std::copy(key->begin(), key->end(), launch.key.begin());
  const auto key_id = config::parse_integer(find("rikeyid"), INT32_MIN, UINT32_MAX);
  if (!key_id) {
    return error_reply(400, "rikeyid: " + key_id.error().message);
  }
  launch.key_id = static_cast<std::uint32_t>(*key_id);
  const std::string mode = find("mode");
  if (!mode.empty()) {
    unsigned w = 0, h = 0, fps = 0;
    if (std::sscanf(mode.c_str(), "%ux%ux%u", &w, &h, &fps) != 3) {
      return error_reply(400, "mode must be WIDTHxHEIGHTxFPS");
    }
    launch.width = w;
    launch.height = h;
    launch.fps = fps;
  }
  launch.rtsp_encryption = config::parse_integer(find("corever"), 0, 1'000'000).value_or(0) >= 1;

  auto catalog = vdisplay::load_apps(config.config_dir / vdisplay::kAppsFile);
  if (!catalog) {
    return error_reply(500, catalog.error().message);
  }
  std::uint32_t app_id = 0;
  std::shared_ptr<GsSession> previous;
  {
    const MutexLock lock(mutex);
    auto& slot = clients[client.fingerprint];
    if (resume) {
      app_id = slot.app_id;
      if (app_id == 0) {
        return error_reply(404, "nothing to resume: no app is running for this client");
      }
    } else {
      app_id = static_cast<std::uint32_t>(config::parse_integer(find("appid"), 0, UINT32_MAX).value_or(0));
    }
    const vdisplay::AppEntry* app = nullptr;
    for (const auto& e : catalog->entries()) {
      if (app_number(e.id) == app_id) {
        app = &e;
      }
    }
    if (app == nullptr) {
      return error_reply(404, fmt::format("no app with id {}", app_id));
    }
    launch.app = *app;
    launch.app_id = app_id;
    std::size_t running = 0;
    const TimePoint now = steady_clock().now();
    for (const auto& [fp, c] : clients) {
      if (c.session && !c.session->ended() && c.session->abandoned(now, kLaunchToPlay)) {
        kLog.info("session {}: launched and never played; its slot is free again", c.session->id());
        c.session->stop(SessionEnd::disconnected);  // never played: ends at once, holds nothing
      }
      running += fp != client.fingerprint && c.session && !c.session->ended() ? 1U : 0U;
    }
    if (running >= config.max_sessions) {
      return error_reply(503, fmt::format("the host already runs {} sessions", running));
    }
    std::uint32_t connect_data = 0;
    while (connect_data == 0) {
      const auto bytes = random_bytes(4).value();
      std::memcpy(&connect_data, bytes.data(), 4);
      for (const auto& [fp, c] : clients) {
        if (c.session && c.session->connect_data() == connect_data) {
          connect_data = 0;
        }
      }
    }
    previous = std::move(slot.session);
    slot.app_id = app_id;
    slot.session = std::make_shared<GsSession>(next_session_id++, connect_data, launch,
                                               SessionContext{&config, &displays, control.get(), ports});
  }
  if (previous) {
    previous->stop(SessionEnd::replaced);
  }
  kLog.info("GameStream client '{}' ({}) {} {} at {}x{}@{}", client.name, launch.address,
            resume ? "resumes" : "launches", launch.app.id, launch.width, launch.height, launch.fps);
  std::string local = plain_ipv4(in.local_addr);
  if (local.find(':') != std::string::npos) {
    local = "[" + local + "]";
  }
  gamestream::XmlReply r;
  r.fields = {{resume ? "resume" : "gamesession", "1"},
              {"sessionUrl0", fmt::format("{}://{}:{}", launch.rtsp_encryption ? "rtspenc" : "rtsp", local,
                                          ports.rtsp)}};
  return r;
}

gamestream::XmlReply GameStreamHost::Impl::cancel(const pairing::PairedClient& client) {
  std::shared_ptr<GsSession> session;
  {
    const MutexLock lock(mutex);
    if (auto it = clients.find(client.fingerprint); it != clients.end()) {
      session = it->second.session;
      it->second.app_id = 0;
    }
  }
  kLog.info("GameStream client '{}' quits{}", client.name,
            session ? fmt::format(" session {}", session->id()) : std::string());
  if (session) {
    session->stop(SessionEnd::quit);
  }
  // A session that had ended already (the client dropped) left its display
  // lingering for a resume that will not come: it goes now.
  if (auto released = displays.release_kept(client.fingerprint); !released) {
    kLog.warn("GameStream client '{}': its kept display stays: {}", client.name, released.error().message);
  }
  gamestream::XmlReply r;
  r.fields = {{"cancel", "1"}};
  return r;
}

}  // namespace pf::gshost
