// GameStream's RTSP listener (TCP 48010): one request per connection, the
// answer, then close (clients read to the end). Plain or encrypted: a
// connection whose first byte has the top bit set carries an encrypted
// message (BE32 0x80000000 | length, BE32 sequence, tag[16], AES-128-GCM of
// the request; the answer goes back the same way with 'H','R' in its IV).
// One thread, one connection at a time, each bounded by a deadline and the
// request size limits of pf/gamestream/rtsp.hpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pf/core/clock.hpp"
#include "pf/core/log.hpp"
#include "pf/core/result.hpp"
#include "pf/core/unique.hpp"
#include "pf/gamestream/cipher.hpp"
#include "pf/gamestream/rtsp.hpp"

namespace pf::gshost {

/// What a request is answered with, found for the address it came from.
struct RtspRoute {
  /// The sessions launched from this address that still take RTSP, newest first.
  std::function<std::vector<std::shared_ptr<class GsSession>>(const std::string& address)> sessions_for;
};

class RtspServer {
 public:
  [[nodiscard]] static Result<std::unique_ptr<RtspServer>> start(const std::string& bind, std::uint16_t port,
                                                                 RtspRoute route);
  ~RtspServer();
  RtspServer(const RtspServer&) = delete;
  RtspServer& operator=(const RtspServer&) = delete;
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  /// Connections answered with nothing or an error (malformed, oversized,
  /// too slow, no session): counted; the log says so at most every 10 s.
  [[nodiscard]] std::uint64_t refused() const noexcept { return refused_count_.load(std::memory_order_relaxed); }

 private:
  RtspServer(UniqueFd listener, std::uint16_t port, RtspRoute route);
  void run(const std::stop_token& stop);
  void serve(int fd, const std::string& address);
  template <typename... Args>
  void refuse(fmt::format_string<Args...> format, Args&&... args) {
    refused_count_.fetch_add(1, std::memory_order_relaxed);
    refused_(steady_clock().now(), format, std::forward<Args>(args)...);
  }

  UniqueFd listener_;
  std::uint16_t port_ = 0;
  RtspRoute route_;
  log::RateLimitedLog refused_;               // the RTSP thread only
  std::atomic<std::uint64_t> refused_count_{0};
  std::jthread thread_;
};

}  // namespace pf::gshost
