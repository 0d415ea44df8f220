// The management API's HTTPS listener (cpp-httplib over OpenSSL, the host
// certificate). It decides each request's lane and hands it to the Router:
//
//   Authorization: Bearer <token>  from a loopback peer → admin; from any
//                                  other peer → refused ("admin API is
//                                  loopback-only"), whatever the token
//   a TLS client certificate whose fingerprint is paired (not expired)
//                                  → client (read-only allow-list)
//   nothing                        → public routes only (/health)
//
// Bounds: bodies ≤ 1 MiB (413), 5 s read/write timeouts, keep-alive ≤ 100
// requests, `workers` connections served at once and `queued` more waiting
// for a worker; beyond that the listener stops accepting (the kernel's
// backlog holds the rest). Event streams hold a worker each and are capped
// by the EventBus.
//
// Threads: `pf-mgmt` (owned) accepts; `pf-mgmt-w` workers (owned) serve.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "pf/core/result.hpp"
#include "pf/mgmt/api.hpp"
#include "pf/mgmt/router.hpp"
#include "pf/mgmt/token.hpp"

namespace pf::mgmt {

struct HttpsOptions {
  std::string bind = "0.0.0.0";
  std::uint16_t port = 47990;  ///< 0: any free port
  std::filesystem::path config_dir;  ///< the host identity (host-cert.pem, host-key.pem)
  std::size_t workers = 16;
  std::size_t queued = 64;
  std::chrono::seconds timeout{5};
};

/// Whether a certificate fingerprint belongs to a paired client now.
using PairedCheck = std::function<bool(std::string_view fingerprint)>;

class HttpsServer {
 public:
  /// `router` and `counters` must outlive the server.
  [[nodiscard]] static Result<std::unique_ptr<HttpsServer>> start(HttpsOptions options, const Router& router,
                                                                   Token token, PairedCheck paired,
                                                                   ApiCounters& counters);
  ~HttpsServer();  // stops accepting, finishes requests in progress, joins
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  /// "https://127.0.0.1:47990": where a local process reaches the API.
  [[nodiscard]] std::string local_url() const;

 private:
  struct Impl;
  explicit HttpsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
  std::jthread thread_;
};

}  // namespace pf::mgmt
