#include "pf/mgmt/https_server.hpp"

#include <httplib.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pf/core/log.hpp"
#include "pf/mgmt/event_bus.hpp"
#include "pf/https/listener.hpp"
#include "pf/tls/identity.hpp"

namespace pf::mgmt {
namespace {

const log::Logger kLog{"mgmt"};

std::string sse_frame(const Event& e) {
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", e.id, e.type, e.data);
}

}  // namespace

struct HttpsServer::Impl {
  tls::Identity identity;
  std::unique_ptr<httplib::SSLServer> server;
  const Router* router = nullptr;
  Token token;
  PairedCheck paired;
  ApiCounters* counters = nullptr;
  std::string bind;
  log::RateLimitedLog refused{kLog, log::Level::warn, std::chrono::seconds(10), "refused management requests"};

  void handle(const httplib::Request& in, httplib::Response& out);
  Lane lane_of(const httplib::Request& in, Request& request);
};

Lane HttpsServer::Impl::lane_of(const httplib::Request& in, Request& request) {
  std::string& why = request.refused;
  const auto auth = in.get_header_value("Authorization");
  if (!auth.empty()) {
    const bool local = https::is_loopback(in.remote_addr);
    const bool good = token.matches(bearer_token(auth));  // always compared, local or not
    request.token_refused = !local || !good;
    if (!local) {
      counters->refused_remote_admin.fetch_add(1, std::memory_order_relaxed);
      why = "admin API is loopback-only";
      refused(steady_clock().now(), "bearer token from non-loopback peer {} refused: {}", in.remote_addr, why);
      return Lane::none;
    }
    if (!good) {
      why = "wrong token";
      refused(steady_clock().now(), "wrong bearer token from {}", in.remote_addr);
      return Lane::none;
    }
    return Lane::admin;
  }
  if (in.ssl != nullptr) {
    X509* cert = SSL_get1_peer_certificate(in.ssl);
    if (cert != nullptr) {
      const std::string fp = tls::fingerprint(*cert);
      X509_free(cert);
      if (paired && paired(fp)) {
        return Lane::client;
      }
      why = "this client certificate is not paired with the host";
    }
  }
  return Lane::none;
}

void HttpsServer::Impl::handle(const httplib::Request& in, httplib::Response& out) {
  counters->requests.fetch_add(1, std::memory_order_relaxed);
  Request request;
  request.method = parse_method(in.method).value_or(Method::unset);
  request.path = in.path;
  request.body = in.body;
  request.lane = lane_of(in, request);
  // The query comes from the target itself: httplib also files form-encoded
  // bodies under params, and a body is never a query.
  const auto q = in.target.find('?');
  auto query = parse_query(q == std::string::npos ? std::string_view{} : std::string_view(in.target).substr(q + 1));
  Response response = error_response(400, query ? "" : query.error().message);
  if (query) {
    request.query = std::move(*query);
    response = router->dispatch(request);
  }
  if (response.status == 401 || response.status == 403) {
    counters->unauthorized.fetch_add(1, std::memory_order_relaxed);
  }
  (response.status < 400 ? counters->status_2xx : response.status < 500 ? counters->status_4xx : counters->status_5xx)
      .fetch_add(1, std::memory_order_relaxed);
  out.status = response.status;
  out.set_header("Cache-Control", "no-store");
  out.set_header("X-Content-Type-Options", "nosniff");
  if (response.events) {
    auto sub = response.events;
    out.set_header("X-Accel-Buffering", "no");
    out.set_chunked_content_provider("text/event-stream", [sub, greeted = false](std::size_t, httplib::DataSink& sink) mutable {
      if (!greeted) {  // first: tells the subscriber it is listening
        greeted = true;
        static constexpr std::string_view kHello = "retry: 2000\n: subscribed\n\n";
        return sink.write(kHello.data(), kHello.size());
      }
      if (auto e = sub->next(std::chrono::seconds(15))) {
        std::string frame;
        if (const auto lost = sub->take_lost(); lost > 0) {
          frame += fmt::format("event: events.lost\ndata: {{\"lost\":{}}}\n\n", lost);
        }
        frame += sse_frame(*e);
        return sink.write(frame.data(), frame.size());
      }
      if (sub->closed()) {
        sink.done();
        return true;
      }
      static constexpr std::string_view kKeepAlive = ": keep-alive\n\n";
      return sink.write(kKeepAlive.data(), kKeepAlive.size());  // false once the client left
    });
    return;
  }
  out.set_content(response.body, response.content_type);
}

HttpsServer::HttpsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<HttpsServer>> HttpsServer::start(HttpsOptions o, const Router& router, Token token,
                                                        PairedCheck paired, ApiCounters& counters) {
  auto identity = tls::load_or_create_identity(o.config_dir, "host", "punktfunk host");
  if (!identity) {
    return tl::unexpected(identity.error());
  }
  auto impl = std::make_unique<Impl>();
  impl->identity = std::move(identity->identity);
  impl->router = &router;
  impl->token = std::move(token);
  impl->paired = std::move(paired);
  impl->counters = &counters;
  impl->bind = o.bind;
  Impl* self = impl.get();
  auto server = https::make_https_server(
      impl->identity,
      {.workers = o.workers, .queued = o.queued, .timeout = o.timeout, .max_body_bytes = kMaxBodyBytes,
       .worker_thread = "pf-mgmt-w"},
      true, [self](const httplib::Request& in, httplib::Response& out) { self->handle(in, out); });
  if (!server) {
    return fail(server.error().code, "management API: {}", server.error().message);
  }
  impl->server = std::move(*server);
  auto& s = *impl->server;
  std::unique_ptr<HttpsServer> out(new HttpsServer(std::move(impl)));
  auto port = https::listen_in_thread(s, o.bind, o.port, "pf-mgmt", out->thread_);
  if (!port) {
    return fail(port.error().code, "management API: {}", port.error().message);
  }
  out->port_ = *port;
  kLog.info("management API on https://{}:{}/api/v1 (admin lane: loopback only)", o.bind, *port);
  return out;
}

HttpsServer::~HttpsServer() {
  if (impl_ && impl_->server) {
    impl_->server->stop();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::string HttpsServer::local_url() const { return https::local_url(impl_->bind, port_); }

}  // namespace pf::mgmt
