// GameStream's control channel transport: one ENet host (the protocol's
// reliable-UDP layer, Debian's libenet) on UDP 47999 shared by every
// session. A client's ENet connect carries the connect data its RTSP SETUP
// answer gave it, which names its session; the host only moves bytes
// (each ENet packet is one encrypted control message, see
// pf/gamestream/control.hpp) between the peers and the sessions.
//
// Thread: pf-gs-control runs ENet's service loop (every 5 ms at the
// latest) and is the only thread that touches ENet; other threads queue
// packets and disconnects, which it carries out on its next pass. The
// callbacks run on it and must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/core/thread_annotations.hpp"

namespace pf::gshost {

struct ControlEvents {
  /// A peer connected with this connect data from `address`; false refuses it.
  std::function<bool(std::uint32_t connect_data, const std::string& address)> on_connect;
  /// One packet from the session's peer.
  std::function<void(std::uint32_t connect_data, Bytes packet)> on_packet;
  /// The session's peer left or timed out.
  std::function<void(std::uint32_t connect_data)> on_disconnect;
};

class ControlHost {
 public:
  /// Binds `bind`:`port` (IPv4; 0 = any free port) and starts the thread.
  [[nodiscard]] static Result<std::unique_ptr<ControlHost>> start(const std::string& bind, std::uint16_t port,
                                                                  std::size_t max_peers, ControlEvents events);
  ~ControlHost();
  ControlHost(const ControlHost&) = delete;
  ControlHost& operator=(const ControlHost&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  /// Queues a packet for the session's peer (dropped if it has none).
  void send(std::uint32_t connect_data, std::vector<std::uint8_t> packet, bool reliable) PF_EXCLUDES(mutex_);
  /// Queues a graceful disconnect of the session's peer (after what was queued before).
  void disconnect(std::uint32_t connect_data) PF_EXCLUDES(mutex_);

  struct Counters {
    std::uint64_t connects = 0;
    std::uint64_t refused = 0;
    std::uint64_t packets_in = 0;
    std::uint64_t packets_out = 0;
  };
  [[nodiscard]] Counters counters() const PF_EXCLUDES(mutex_);

 private:
  struct Impl;
  struct Outgoing {
    std::uint32_t connect_data = 0;
    std::vector<std::uint8_t> packet;  ///< empty: disconnect
    bool reliable = true;
    bool disconnect = false;
  };
  explicit ControlHost(std::unique_ptr<Impl> impl);
  void run(const std::stop_token& stop);

  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
  mutable Mutex mutex_;
  std::vector<Outgoing> queue_ PF_GUARDED_BY(mutex_);
  Counters counters_ PF_GUARDED_BY(mutex_);
  std::jthread thread_;  // last
};

}  // namespace pf::gshost
