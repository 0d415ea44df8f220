#include "pf/https/listener.hpp"

#include <arpa/inet.h>
#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <mutex>

#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

namespace pf::https {
namespace {

/// Connections wait here for a worker; when `queued` are waiting, the
/// accepting thread waits too (it stops accepting).
class BoundedQueue final : public httplib::TaskQueue {
 public:
  BoundedQueue(std::size_t workers, std::size_t queued, const char* thread_name)
      : max_queued_(queued), thread_name_(thread_name) {
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
    pthread_setname_np(pthread_self(), thread_name_);
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
  const char* thread_name_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable space_;
  std::deque<std::function<void()>> jobs_;
  bool shutdown_ = false;
  std::vector<std::thread> threads_;
};

void set_json_error(httplib::Response& out, int status, std::string_view message) {
  out.status = status;
  out.set_content(nlohmann::json{{"error", message}, {"status", status}}.dump(), "application/json");
}

int verify_any(int, X509_STORE_CTX*) {
  return 1;  // any client certificate is accepted here; the handler decides what it is worth
}

void configure(httplib::Server& server, const ListenerLimits& limits, HttpHandler handler) {
  const auto workers = limits.workers;
  const auto queued = limits.queued;
  const char* name = limits.worker_thread;
  server.new_task_queue = [workers, queued, name] { return new BoundedQueue(workers, queued, name); };
  server.set_payload_max_length(limits.max_body_bytes);
  server.set_read_timeout(limits.timeout);
  server.set_write_timeout(limits.timeout);
  server.set_keep_alive_timeout(limits.timeout.count());
  server.set_keep_alive_max_count(100);
  // Headers and body leave in separate writes: without TCP_NODELAY a
  // keep-alive answer waits for the peer's delayed ACK (~40 ms).
  server.set_tcp_nodelay(true);
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Patch(".*", handler);
  server.Delete(".*", handler);
  const std::size_t max_body = limits.max_body_bytes;
  server.set_error_handler([max_body](const httplib::Request&, httplib::Response& out) {
    // What the listener answers itself (400, 413, …) carries the same
    // guards as a handler's answer: it never reached a handler to set them.
    if (!out.has_header("Content-Security-Policy")) {
      out.set_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
      out.set_header("X-Content-Type-Options", "nosniff");
      out.set_header("Referrer-Policy", "no-referrer");
      out.set_header("X-Frame-Options", "DENY");
      out.set_header("Cache-Control", "no-store");
    }
    if (out.body.empty()) {
      const std::string message =
          out.status == 413 ? fmt::format("the body is over {} bytes", max_body) : fmt::format("HTTP {}", out.status);
      set_json_error(out, out.status, message);
    }
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& out, std::exception_ptr) {
    set_json_error(out, 500, "internal error");
  });
}

}  // namespace

Result<std::unique_ptr<httplib::SSLServer>> make_https_server(const tls::Identity& identity,
                                                              const ListenerLimits& limits,
                                                              bool ask_client_certificate, HttpHandler handler) {
  const tls::Identity* id = &identity;
  auto server = std::make_unique<httplib::SSLServer>([id, ask_client_certificate](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    if (ask_client_certificate) {
      SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, verify_any);
    }
    return SSL_CTX_use_certificate(&ctx, id->certificate.get()) == 1 &&
           SSL_CTX_use_PrivateKey(&ctx, id->key.get()) == 1 && SSL_CTX_check_private_key(&ctx) == 1;
  });
  if (!server->is_valid()) {
    return fail(Errc::io, "TLS setup failed");
  }
  configure(*server, limits, std::move(handler));
  return server;
}

std::unique_ptr<httplib::Server> make_http_server(const ListenerLimits& limits, HttpHandler handler) {
  auto server = std::make_unique<httplib::Server>();
  configure(*server, limits, std::move(handler));
  return server;
}

Result<std::uint16_t> listen_in_thread(httplib::Server& server, const std::string& bind, std::uint16_t port,
                                       const char* thread_name, std::jthread& thread) {
  int bound = port;
  if (port == 0) {
    bound = server.bind_to_any_port(bind);
  } else if (!server.bind_to_port(bind, port)) {
    bound = -1;
  }
  if (bound <= 0) {
    return fail(Errc::io, "cannot listen on {}:{} (in use by another program?)", bind, port);
  }
  thread = std::jthread([srv = &server, thread_name] {
    pthread_setname_np(pthread_self(), thread_name);
    srv->listen_after_bind();
  });
  // stop() is a no-op until the loop runs: wait for it so a destructor cannot hang.
  for (int i = 0; i < 400 && !server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return static_cast<std::uint16_t>(bound);
}

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

std::string local_url(const std::string& bind, std::uint16_t port) {
  if (bind == "0.0.0.0" || bind.starts_with("127.")) {
    return fmt::format("https://127.0.0.1:{}", port);
  }
  if (bind == "::" || bind == "::1") {
    return fmt::format("https://[::1]:{}", port);
  }
  return bind.find(':') != std::string::npos ? fmt::format("https://[{}]:{}", bind, port)
                                             : fmt::format("https://{}:{}", bind, port);
}

}  // namespace pf::https
