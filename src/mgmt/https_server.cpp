#include "pf/mgmt/https_server.hpp"

#include <arpa/inet.h>
#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <mutex>

#include <httplib.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pf/core/log.hpp"
#include "pf/mgmt/event_bus.hpp"
#include "pf/tls/identity.hpp"

namespace pf::mgmt {
namespace {

const log::Logger kLog{"mgmt"};

/// Connections wait here for a worker; when `queued` are waiting, the
/// accepting thread waits too (it stops accepting).
class BoundedQueue final : public httplib::TaskQueue {
 public:
  BoundedQueue(std::size_t workers, std::size_t queued) : max_queued_(queued) {
    for (std::size_t i = 0; i < workers; ++i) {
      threads_.emplace_back([this] { work(); });
    }
  }
  ~BoundedQueue() override = default;

  void enqueue(std::function<void()> fn) override {
    {
      std::unique_lock lock(mutex_);
      space_.wait(lock, [&] { return jobs_.size() < max_queued_ || shutdown_; });
      jobs_.push_back(std::move(fn));
    }
    ready_.notify_one();
  }

  void shutdown() override {
    {
      const std::lock_guard lock(mutex_);
      shutdown_ = true;
    }
    ready_.notify_all();
    space_.notify_all();
    for (auto& t : threads_) {
      t.join();
    }
  }

 private:
  void work() {
    pthread_setname_np(pthread_self(), "pf-mgmt-w");
    while (true) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !jobs_.empty() || shutdown_; });
        if (jobs_.empty()) {
          return;  // shut down, nothing left
        }
        fn = std::move(jobs_.front());
        jobs_.pop_front();
      }
      space_.notify_one();
      fn();
    }
  }

  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable space_;
  std::deque<std::function<void()>> jobs_;
  bool shutdown_ = false;
  std::vector<std::thread> threads_;
};

int verify_any(int, X509_STORE_CTX*) {
  return 1;  // any client certificate is accepted here; its fingerprint decides the lane
}

std::string sse_frame(const Event& e) {
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", e.id, e.type, e.data);
}

}  // namespace

bool is_loopback(std::string_view address) noexcept {
  const std::string text(address);
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) {
      return true;
    }
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

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
    const bool local = is_loopback(in.remote_addr);
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
  impl->server = std::make_unique<httplib::SSLServer>([self](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, verify_any);
    return SSL_CTX_use_certificate(&ctx, self->identity.certificate.get()) == 1 &&
           SSL_CTX_use_PrivateKey(&ctx, self->identity.key.get()) == 1 && SSL_CTX_check_private_key(&ctx) == 1;
  });
  auto& s = *impl->server;
  if (!s.is_valid()) {
    return fail(Errc::io, "management API: TLS setup failed");
  }
  const auto workers = o.workers;
  const auto queued = o.queued;
  s.new_task_queue = [workers, queued] { return new BoundedQueue(workers, queued); };
  s.set_payload_max_length(kMaxBodyBytes);
  s.set_read_timeout(o.timeout);
  s.set_write_timeout(o.timeout);
  s.set_keep_alive_timeout(o.timeout.count());
  s.set_keep_alive_max_count(100);
  const auto handler = [self](const httplib::Request& in, httplib::Response& out) { self->handle(in, out); };
  s.Get(".*", handler);
  s.Post(".*", handler);
  s.Put(".*", handler);
  s.Patch(".*", handler);
  s.Delete(".*", handler);
  s.set_error_handler([](const httplib::Request&, httplib::Response& out) {
    if (!out.body.empty()) {
      return;
    }
    const std::string message = out.status == 413 ? fmt::format("the body is over {} bytes", kMaxBodyBytes)
                                                   : fmt::format("HTTP {}", out.status);
    const Response r = error_response(out.status, message);
    out.set_content(r.body, r.content_type);
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& out, std::exception_ptr) {
    const Response r = error_response(500, "internal error");
    out.status = 500;
    out.set_content(r.body, r.content_type);
  });
  int port = o.port;
  if (o.port == 0) {
    port = s.bind_to_any_port(o.bind);
  } else if (!s.bind_to_port(o.bind, o.port)) {
    port = -1;
  }
  if (port <= 0) {
    return fail(Errc::io, "management API: cannot listen on {}:{} (in use by another program?)", o.bind, o.port);
  }
  std::unique_ptr<HttpsServer> out(new HttpsServer(std::move(impl)));
  out->port_ = static_cast<std::uint16_t>(port);
  out->thread_ = std::jthread([srv = &s] {
    pthread_setname_np(pthread_self(), "pf-mgmt");
    srv->listen_after_bind();
  });
  // stop() is a no-op until the loop runs: wait for it so the destructor cannot hang.
  for (int i = 0; i < 400 && !s.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kLog.info("management API on https://{}:{}/api/v1 (admin lane: loopback only)", o.bind, port);
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

std::string HttpsServer::local_url() const {
  const std::string& b = impl_->bind;
  if (b == "0.0.0.0" || b.starts_with("127.")) {
    return fmt::format("https://127.0.0.1:{}", port_);
  }
  if (b == "::" || b == "::1") {
    return fmt::format("https://[::1]:{}", port_);
  }
  return b.find(':') != std::string::npos ? fmt::format("https://[{}]:{}", b, port_)
                                          : fmt::format("https://{}:{}", b, port_);
}

}  // namespace pf::mgmt
