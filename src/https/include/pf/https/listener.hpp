// What the management API, the web console and GameStream's nvhttp share
// about serving HTTP(S) with cpp-httplib: the host identity on the TLS
// context, bounded worker queues, and binding + the accepting thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <httplib.h>

#include "pf/core/result.hpp"
#include "pf/tls/identity.hpp"

namespace pf::https {

struct ListenerLimits {
  std::size_t workers = 16;
  std::size_t queued = 64;
  std::chrono::seconds timeout{5};
  std::size_t max_body_bytes = 1 << 20;
  const char* worker_thread = "pf-mgmt-w";  ///< at most 15 characters
};

using HttpHandler = std::function<void(const httplib::Request&, httplib::Response&)>;

/// An SSLServer presenting `identity` (which must outlive it), TLS 1.2 or
/// newer, passing every request of every method to `handler`. Errors
/// httplib answers itself (an oversized body, a bad request line) and
/// exceptions out of `handler` become `{"error", "status"}` JSON.
/// `ask_client_certificate`: clients may present one (any is accepted by
/// the handshake; the handler decides what it is worth). Connections are
/// served by `limits.workers` threads with `limits.queued` more waiting;
/// beyond that the accepting thread stops accepting and the kernel's
/// backlog holds the rest.
[[nodiscard]] Result<std::unique_ptr<httplib::SSLServer>> make_https_server(const tls::Identity& identity,
                                                                            const ListenerLimits& limits,
                                                                            bool ask_client_certificate,
                                                                            HttpHandler handler);

/// The same without TLS (GameStream's plain-HTTP port).
[[nodiscard]] std::unique_ptr<httplib::Server> make_http_server(const ListenerLimits& limits, HttpHandler handler);

/// Binds `bind`:`port` (0: any free port), starts the accepting thread
/// named `thread_name` and waits until it accepts. Returns the port.
[[nodiscard]] Result<std::uint16_t> listen_in_thread(httplib::Server& server, const std::string& bind,
                                                     std::uint16_t port, const char* thread_name,
                                                     std::jthread& thread);

/// True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104.
[[nodiscard]] bool is_loopback(std::string_view address) noexcept;

/// "https://127.0.0.1:47990" for a listener on `bind`:`port`: where a local
/// process reaches it.
[[nodiscard]] std::string local_url(const std::string& bind, std::uint16_t port);

}  // namespace pf::https
