#include "pf/console/console_server.hpp"

#include <charconv>
#include <set>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pf/console/password.hpp"
#include "pf/console/session_cookie.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"
#include "pf/core/thread_annotations.hpp"
#include "pf/https/listener.hpp"
#include "pf/mgmt/token.hpp"
#include "pf/tls/identity.hpp"

namespace pf::console {
namespace {

using nlohmann::json;

const log::Logger kLog{"console"};

constexpr std::string_view kDefaultEndpoint = "https://127.0.0.1:47990";
constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
constexpr std::string_view kNoPassword =
    "no console password is set: run `punktfunk-host web setup` on the host (it prints a new password once)";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void set_json(httplib::Response& out, int status, const json& body) {
  out.status = status;
  out.set_content(body.dump(), "application/json");
}
void set_error(httplib::Response& out, int status, std::string_view message, json extra = json::object()) {
  extra["error"] = message;
  extra["status"] = status;
  set_json(out, status, extra);
}

/// A minimal page for browsers (no script, no style: the CSP allows neither inline).
void set_page(httplib::Response& out, int status, std::string_view title, std::string_view text) {
  std::string escaped;
  for (const char c : text) {
    switch (c) {
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '&': escaped += "&amp;"; break;
      default: escaped += c;
    }
  }
  out.status = status;
  out.set_content(
      fmt::format("<!doctype html><title>punktfunk console</title><h1>{}</h1><p>{}</p>", title, escaped),
      "text/html; charset=utf-8");
}

std::string content_type_of(const std::filesystem::path& file) {
  static const std::map<std::string, std::string> kTypes{
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
      {".png", "image/png"},                 {".ico", "image/x-icon"},
      {".json", "application/json"},         {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"}, {".webmanifest", "application/manifest+json"}};
  const auto it = kTypes.find(file.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

/// A request path that may name a file under the web root: segments of
/// [A-Za-z0-9._-], none starting with a dot.
bool safe_asset_path(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.size() > 256) {
    return false;
  }
  bool segment_start = true;
  for (const char c : path.substr(1)) {
    if (c == '/') {
      if (segment_start) {
        return false;  // empty segment
      }
      segment_start = true;
      continue;
    }
    if (segment_start && c == '.') {
      return false;  // ".", "..", hidden files
    }
    segment_start = false;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

/// Pins the management API's certificate: the handshake succeeds only
/// against the host's own certificate.
int pinned_certificate(X509_STORE_CTX* store, void* arg) {
  const auto* expected = static_cast<const std::string*>(arg);
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  return leaf != nullptr && tls::fingerprints_equal(tls::fingerprint(*leaf), *expected) ? 1 : 0;
}

}  // namespace

Result<std::string> parse_login(std::string_view body) {
  const auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(Errc::malformed, "the body must be a JSON object {{\"password\": \"...\"}}");
  }
  for (const auto& [key, value] : j.items()) {
    if (key != "password") {
      return fail(Errc::malformed, "unknown field '{}'", key);
    }
    if (!value.is_string()) {
      return fail(Errc::malformed, "'password' must be a string");
    }
  }
  if (!j.contains("password")) {
    return fail(Errc::malformed, "'password' is missing");
  }
  return j.at("password").get<std::string>();
}

Result<PasswordChange> parse_password_change(std::string_view body) {
  const auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(Errc::malformed, "the body must be a JSON object {{\"current\": \"...\", \"new\": \"...\"}}");
  }
  for (const auto& [key, value] : j.items()) {
    if (key != "current" && key != "new") {
      return fail(Errc::malformed, "unknown field '{}'", key);
    }
    if (!value.is_string()) {
      return fail(Errc::malformed, "'{}' must be a string", key);
    }
  }
  if (!j.contains("current") || !j.contains("new")) {
    return fail(Errc::malformed, "'current' and 'new' are both needed");
  }
  return PasswordChange{j.at("current").get<std::string>(), j.at("new").get<std::string>()};
}

bool needs_confirmation(std::string_view method, std::string_view path) noexcept {
  if (method == "GET" || method == "HEAD") {
    return false;
  }
  const bool apps = path == "/api/v1/apps" || path.starts_with("/api/v1/apps/");
  const bool unpair = method == "DELETE" && path.starts_with("/api/v1/clients/");
  return apps || unpair;
}

Result<LocalEndpoint> parse_local_endpoint(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) {
    return fail(Errc::malformed, "not an https:// URL");
  }
  url.remove_prefix(kScheme.size());
  if (const auto slash = url.find('/'); slash != std::string_view::npos) {
    url = url.substr(0, slash);
  }
  std::string_view host;
  std::string_view port;
  if (url.starts_with('[')) {
    const auto close = url.find(']');
    if (close == std::string_view::npos || close + 1 >= url.size() || url[close + 1] != ':') {
      return fail(Errc::malformed, "expected [address]:port");
    }
    host = url.substr(1, close - 1);
    port = url.substr(close + 2);
  } else {
    const auto colon = url.rfind(':');
    if (colon == std::string_view::npos) {
      return fail(Errc::malformed, "expected address:port");
    }
    host = url.substr(0, colon);
    port = url.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
    return fail(Errc::malformed, "bad port '{}'", port);
  }
  if (!https::is_loopback(host)) {
    return fail(Errc::refused, "'{}' is not a loopback address: the console sends the token only on this machine",
                host);
  }
  return LocalEndpoint{std::string(host), static_cast<std::uint16_t>(value)};
}

struct ConsoleServer::Impl {
  ConsoleOptions options;
  tls::Identity identity;
  std::unique_ptr<CookieSealer> sealer;
  std::unique_ptr<SessionEpoch> epoch;
  LoginThrottle throttle;
  ConsoleCounters counters;
  std::unique_ptr<httplib::SSLServer> server;
  std::jthread thread;
  std::uint16_t port = 0;
  std::atomic<std::size_t> streams{0};
  std::atomic<bool> stopping{false};
  Mutex pool_mutex;
  std::string pool_url PF_GUARDED_BY(pool_mutex);
  std::vector<std::unique_ptr<httplib::SSLClient>> pool PF_GUARDED_BY(pool_mutex);
  Mutex stream_mutex;
  std::set<httplib::SSLClient*> stream_clients PF_GUARDED_BY(stream_mutex);  ///< stopped by stop()
  log::RateLimitedLog refusals{kLog, log::Level::warn, std::chrono::seconds(10), "refused console requests"};
  log::RateLimitedLog upstream{kLog, log::Level::warn, std::chrono::seconds(10), "failed management API calls"};

  explicit Impl(ConsoleOptions o) : options(std::move(o)), throttle(options.throttle) {}

  void handle(const httplib::Request& in, httplib::Response& out);
  void handle_auth(const httplib::Request& in, httplib::Response& out, const std::string& stored);
  void proxy(const httplib::Request& in, httplib::Response& out);
  /// A client for the API that accepts only the host certificate.
  [[nodiscard]] std::unique_ptr<httplib::SSLClient> upstream_client(const LocalEndpoint& endpoint);
  /// Keep-alive connections to the API, reused while its address stays
  /// the same: a request then costs no TLS handshake.
  [[nodiscard]] std::unique_ptr<httplib::SSLClient> take_client(const std::string& url, const LocalEndpoint& endpoint)
      PF_EXCLUDES(pool_mutex);
  void give_back(const std::string& url, std::unique_ptr<httplib::SSLClient> client) PF_EXCLUDES(pool_mutex);
  void serve_file(const httplib::Request& in, httplib::Response& out);

  [[nodiscard]] bool signed_in(const httplib::Request& in) const;
  /// A password attempt through the throttle; answers the refusal itself.
  [[nodiscard]] bool password_right(const httplib::Request& in, httplib::Response& out, const std::string& stored,
                                    std::string_view password, std::string_view what);
  void set_session_cookie(httplib::Response& out);
  [[nodiscard]] bool same_origin(const httplib::Request& in) const;
};

bool ConsoleServer::Impl::signed_in(const httplib::Request& in) const {
  const std::string header = in.get_header_value("Cookie");
  const auto value = cookie_value(header, kCookieName);
  if (value.empty()) {
    return false;
  }
  const auto claims = sealer->open(value);
  return claims && claims_valid(*claims, epoch->current(), unix_now());
}

bool ConsoleServer::Impl::same_origin(const httplib::Request& in) const {
  const std::string origin = in.get_header_value("Origin");
  if (!origin.empty()) {
    return origin == "https://" + in.get_header_value("Host");
  }
  return in.get_header_value("Sec-Fetch-Site") == "same-origin";
}

bool ConsoleServer::Impl::password_right(const httplib::Request& in, httplib::Response& out, const std::string& stored,
                                         std::string_view password, std::string_view what) {
  const auto verdict = throttle.attempt(in.remote_addr, steady_clock().now());
  if (!verdict.allowed) {
    counters.throttled.fetch_add(1, std::memory_order_relaxed);
    const auto wait = verdict.retry_after.count();
    refusals(steady_clock().now(), "{} from {} throttled for {} s", what, in.remote_addr, wait);
    out.set_header("Retry-After", std::to_string(wait));
    set_error(out, 429, fmt::format("too many attempts: try again in {} s", wait), {{"retry_after_s", wait}});
    return false;
  }
  if (verify_password(stored, password)) {
    throttle.succeeded(in.remote_addr);
    return true;
  }
  counters.wrong_passwords.fetch_add(1, std::memory_order_relaxed);
  refusals(steady_clock().now(), "{} from {}: wrong password", what, in.remote_addr);
  return false;
}

void ConsoleServer::Impl::set_session_cookie(httplib::Response& out) {
  const std::int64_t now = unix_now();
  auto sealed = sealer->seal({epoch->current(), now, now + kSessionLifetime.count()});
  if (!sealed) {
    set_error(out, 500, "could not seal a session cookie");
    return;
  }
  out.set_header("Set-Cookie", fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; Secure; SameSite=Strict",
                                           kCookieName, *sealed, kSessionLifetime.count()));
  set_json(out, 200, {{"signed_in", true}, {"expires_unix", now + kSessionLifetime.count()}});
}

void ConsoleServer::Impl::handle(const httplib::Request& in, httplib::Response& out) {
  counters.requests.fetch_add(1, std::memory_order_relaxed);
  out.set_header("Content-Security-Policy", std::string(kCsp));
  out.set_header("X-Content-Type-Options", "nosniff");
  out.set_header("Referrer-Policy", "no-referrer");
  out.set_header("X-Frame-Options", "DENY");
  out.set_header("Cache-Control", "no-store");
  const std::string& path = in.path;
  const bool api = path.starts_with("/api/");
  const bool auth = path.starts_with("/auth/");

  auto stored = read_password_file(options.config_dir);
  if (!stored || !*stored) {  // fails closed
    const std::string why = stored ? std::string(kNoPassword) : stored.error().message;
    if (api || auth) {
      set_error(out, 503, why);
    } else {
      set_page(out, 503, "The console is locked", why);
    }
    return;
  }
  const bool reads = in.method == "GET" || in.method == "HEAD";
  if (!reads && !same_origin(in)) {
    counters.cross_origin.fetch_add(1, std::memory_order_relaxed);
    refusals(steady_clock().now(), "{} {} from another origin ('{}') refused", in.method, path,
             in.get_header_value("Origin"));
    set_error(out, 403, "refused: the request did not come from the console's own page");
    return;
  }
  if (auth) {
    handle_auth(in, out, **stored);
  } else if (api) {
    if (!signed_in(in)) {
      counters.signed_out.fetch_add(1, std::memory_order_relaxed);
      set_error(out, 401, "sign in first", {{"signed_in", false}});
      return;
    }
    if (needs_confirmation(in.method, path)) {
      const std::string confirm = in.get_header_value("X-Confirm-Password");
      if (confirm.empty()) {
        set_error(out, 403, "re-enter the password to confirm this", {{"confirm_required", true}});
        return;
      }
      if (!password_right(in, out, **stored, confirm, "confirmation")) {
        if (out.status != 429) {
          set_error(out, 403, "wrong password", {{"confirm_required", true}});
        }
        return;
      }
    }
    proxy(in, out);
  } else if (reads) {
    serve_file(in, out);
  } else {
    set_error(out, 405, fmt::format("{} is not allowed here", in.method));
  }
}

void ConsoleServer::Impl::handle_auth(const httplib::Request& in, httplib::Response& out, const std::string& stored) {
  const std::string& path = in.path;
  if (path == "/auth/session") {
    if (in.method != "GET") {
      set_error(out, 405, "use GET");
      return;
    }
    const std::string header = in.get_header_value("Cookie");
    const auto value = cookie_value(header, kCookieName);
    const auto claims = value.empty() ? std::nullopt : sealer->open(value);
    const bool valid = claims && claims_valid(*claims, epoch->current(), unix_now());
    set_json(out, 200, {{"signed_in", valid}, {"expires_unix", valid ? claims->expires_unix : 0}});
    return;
  }
  if (in.method != "POST") {
    set_error(out, path == "/auth/login" || path == "/auth/logout" || path == "/auth/password" ? 405 : 404,
              "not found or not allowed");
    return;
  }
  if (path == "/auth/login") {
    auto password = parse_login(in.body);
    if (!password) {
      counters.malformed.fetch_add(1, std::memory_order_relaxed);
      set_error(out, 400, password.error().message);
      return;
    }
    if (!password_right(in, out, stored, *password, "sign-in")) {
      if (out.status != 429) {
        set_error(out, 401, "wrong password");
      }
      return;
    }
    counters.logins.fetch_add(1, std::memory_order_relaxed);
    kLog.info("console: signed in from {}", in.remote_addr);
    set_session_cookie(out);
    return;
  }
  if (!signed_in(in)) {
    counters.signed_out.fetch_add(1, std::memory_order_relaxed);
    set_error(out, 401, "sign in first", {{"signed_in", false}});
    return;
  }
  if (path == "/auth/logout") {
    if (auto bumped = epoch->bump(); !bumped) {
      set_error(out, 500, bumped.error().message);
      return;
    }
    kLog.info("console: signed out from {}; every console session ended", in.remote_addr);
    out.set_header("Set-Cookie",
                   fmt::format("{}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict", kCookieName));
    set_json(out, 200, {{"signed_in", false}});
    return;
  }
  if (path == "/auth/password") {
    auto change = parse_password_change(in.body);
    if (!change) {
      counters.malformed.fetch_add(1, std::memory_order_relaxed);
      set_error(out, 400, change.error().message);
      return;
    }
    if (auto good = check_new_password(change->next); !good) {
      set_error(out, 400, good.error().message);
      return;
    }
    if (!password_right(in, out, stored, change->current, "password change")) {
      if (out.status != 429) {
        set_error(out, 401, "the current password is wrong");
      }
      return;
    }
    if (auto written = write_password_file(options.config_dir, change->next); !written) {
      set_error(out, 500, written.error().message);
      return;
    }
    if (auto bumped = epoch->bump(); !bumped) {
      set_error(out, 500, bumped.error().message);
      return;
    }
    kLog.info("console: password changed from {}; other console sessions ended", in.remote_addr);
    set_session_cookie(out);
    return;
  }
  set_error(out, 404, "not found");
}

std::unique_ptr<httplib::SSLClient> ConsoleServer::Impl::upstream_client(const LocalEndpoint& endpoint) {
  auto client = std::make_unique<httplib::SSLClient>(endpoint.host, endpoint.port);
  client->enable_server_certificate_verification(false);  // replaced by the pin below
  SSL_CTX* ctx = client->ssl_context();
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, pinned_certificate, &identity.fingerprint);
  client->set_url_encode(false);  // the target goes on as the browser sent it
  client->set_tcp_nodelay(true);
  client->set_keep_alive(true);
  client->set_connection_timeout(3);
  client->set_write_timeout(5);
  return client;
}

std::unique_ptr<httplib::SSLClient> ConsoleServer::Impl::take_client(const std::string& url,
                                                                     const LocalEndpoint& endpoint) {
  {
    const MutexLock lock(pool_mutex);
    if (pool_url == url && !pool.empty()) {
      auto client = std::move(pool.back());
      pool.pop_back();
      return client;
    }
  }
  return upstream_client(endpoint);
}

void ConsoleServer::Impl::give_back(const std::string& url, std::unique_ptr<httplib::SSLClient> client) {
  constexpr std::size_t kIdle = 4;
  const MutexLock lock(pool_mutex);
  if (pool_url != url) {
    pool.clear();  // the host moved: its old connections are useless
    pool_url = url;
  }
  if (pool.size() < kIdle) {
    pool.push_back(std::move(client));
  }
}

void ConsoleServer::Impl::proxy(const httplib::Request& in, httplib::Response& out) {
  const auto fail_upstream = [&](std::string message) {
    counters.upstream_failed.fetch_add(1, std::memory_order_relaxed);
    upstream(steady_clock().now(), "management API call {} {} failed: {}", in.method, in.path, message);
    set_error(out, 502, message);
  };
  auto endpoint_text = read_small_file(options.config_dir / mgmt::kEndpointFile, 256);
  std::string url = endpoint_text ? *endpoint_text : std::string(kDefaultEndpoint);
  while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) {
    url.pop_back();
  }
  auto endpoint = parse_local_endpoint(url);
  if (!endpoint) {
    fail_upstream(fmt::format("the management API's address '{}' is unusable: {}", url, endpoint.error().message));
    return;
  }
  auto token = mgmt::read_token(options.config_dir, options.mgmt_token);
  if (!token) {
    fail_upstream(fmt::format("the console cannot read the management token: {}", token.error().message));
    return;
  }
  httplib::Headers headers{{"Authorization", "Bearer " + token->secret}};
  for (const char* name : {"Content-Type", "Accept", "Last-Event-ID"}) {
    if (in.has_header(name)) {
      headers.emplace(name, in.get_header_value(name));
    }
  }
  counters.proxied.fetch_add(1, std::memory_order_relaxed);
  if (in.method == "GET" && in.path == "/api/v1/events") {
    if (streams.fetch_add(1) >= options.max_event_streams) {
      streams.fetch_sub(1);
      set_error(out, 503, fmt::format("at most {} consoles may follow events at once", options.max_event_streams));
      return;
    }
    std::shared_ptr<httplib::SSLClient> client = upstream_client(*endpoint);
    client->set_read_timeout(60);  // the API sends a keep-alive every 15 s
    out.set_header("X-Accel-Buffering", "no");
    const std::string target = in.target;
    out.set_chunked_content_provider(
        "text/event-stream",
        [this, client, headers, target](std::size_t, httplib::DataSink& sink) {
          {
            const MutexLock lock(stream_mutex);
            if (stopping.load()) {
              sink.done();
              return true;
            }
            stream_clients.insert(client.get());
          }
          int status = 0;
          const auto result = client->Get(
              target, headers,
              [&](const httplib::Response& r) {
                status = r.status;
                return r.status == 200;
              },
              [&](const char* data, std::size_t n) { return !stopping.load() && sink.write(data, n); });
          if (status != 200 && !stopping.load()) {
            const std::string why = status == 401 ? "the host refused the console's management token"
                                                  : "the host's event stream ended";
            const std::string frame = fmt::format("event: console.error\ndata: {}\n\n", json{{"error", why}}.dump());
            sink.write(frame.data(), frame.size());
          }
          (void)result;
          {
            const MutexLock lock(stream_mutex);
            stream_clients.erase(client.get());
          }
          sink.done();
          return true;
        },
        [this](bool) { streams.fetch_sub(1); });
    return;
  }
  auto client = take_client(url, *endpoint);
  client->set_read_timeout(30);
  httplib::Request request;
  request.method = in.method;
  request.path = in.target;
  request.headers = std::move(headers);
  request.body = in.body;
  const auto result = client->send(request);
  if (!result) {
    fail_upstream(fmt::format("the host's management API does not answer at {} ({}): is the host running?", url,
                              httplib::to_string(result.error())));
    return;
  }
  if (result->status == 401) {  // never a sign-in loop: the console's own credential is at fault
    fail_upstream("the host refused the console's management token: does mgmt-token match the running host's?");
    return;
  }
  give_back(url, std::move(client));
  out.status = result->status;
  const std::string type = result->get_header_value("Content-Type");
  out.set_content(result->body, type.empty() ? "application/json" : type);
}

void ConsoleServer::Impl::serve_file(const httplib::Request& in, httplib::Response& out) {
  std::string path = in.path == "/" ? "/index.html" : in.path;
  if (!safe_asset_path(path)) {
    counters.malformed.fetch_add(1, std::memory_order_relaxed);
    set_error(out, 404, "not found");
    return;
  }
  const auto file = options.web_root / path.substr(1);
  auto content = read_small_file(file, 16U << 20);
  if (!content) {
    if (path == "/index.html") {
      set_page(out, 500, "The console's pages are missing",
               fmt::format("No {}: build them with scripts/build-web.sh.", file.string()));
      return;
    }
    set_error(out, 404, "not found");
    return;
  }
  if (path.starts_with("/assets/")) {  // content-hashed names: never change
    out.set_header("Cache-Control", "public, max-age=31536000, immutable");
  }
  out.status = 200;
  out.set_content(std::move(*content), content_type_of(file));
}

ConsoleServer::ConsoleServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<ConsoleServer>> ConsoleServer::start(ConsoleOptions o) {
  auto identity = tls::load_or_create_identity(o.config_dir, "host", "punktfunk host");
  if (!identity) {
    return tl::unexpected(identity.error());
  }
  auto sealer = CookieSealer::load_or_create(o.config_dir);
  if (!sealer) {
    return tl::unexpected(sealer.error());
  }
  auto epoch = SessionEpoch::load(o.config_dir);
  if (!epoch) {
    return tl::unexpected(epoch.error());
  }
  auto impl = std::make_unique<Impl>(std::move(o));
  impl->identity = std::move(identity->identity);
  impl->sealer = std::make_unique<CookieSealer>(*sealer);
  impl->epoch = std::move(*epoch);
  Impl* self = impl.get();
  auto server = https::make_https_server(
      impl->identity,
      {.workers = 16, .queued = 32, .timeout = std::chrono::seconds(5), .max_body_bytes = 1 << 20,
       .worker_thread = "pf-web-w"},
      false, [self](const httplib::Request& in, httplib::Response& out) { self->handle(in, out); });
  if (!server) {
    return fail(server.error().code, "web console: {}", server.error().message);
  }
  impl->server = std::move(*server);
  auto& s = *impl->server;
  std::unique_ptr<ConsoleServer> out(new ConsoleServer(std::move(impl)));
  Impl& i = *out->impl_;
  auto port = https::listen_in_thread(s, i.options.bind, i.options.port, "pf-web", i.thread);
  if (!port) {
    return fail(port.error().code, "web console: {}", port.error().message);
  }
  i.port = *port;
  kLog.info("console on https://{}:{}/ (pages from {})", i.options.bind, i.port, i.options.web_root.string());
  return out;
}

void ConsoleServer::stop() {
  {
    const MutexLock lock(impl_->stream_mutex);
    impl_->stopping.store(true);
    for (auto* c : impl_->stream_clients) {
      c->stop();  // ends the blocked upstream read
    }
  }
  if (impl_->server) {
    impl_->server->stop();
  }
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
}

ConsoleServer::~ConsoleServer() {
  if (impl_) {
    stop();
  }
}

std::uint16_t ConsoleServer::port() const noexcept { return impl_->port; }
const ConsoleCounters& ConsoleServer::counters() const noexcept { return impl_->counters; }

}  // namespace pf::console
