// A Unix-domain SOCK_SEQPACKET endpoint that carries datagrams and file
// descriptors (SCM_RIGHTS). Message boundaries are kept by the kernel.
//
// Descriptor ownership: send() borrows the descriptors (the kernel gives the
// peer its own copies; the sender still closes its originals). receive()
// hands every received descriptor back as a UniqueFd, so each one is closed
// exactly once whether or not the receiver adopts it.
#pragma once

#include <span>
#include <utility>
#include <vector>

#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/core/unique.hpp"

namespace pf::agentlink {

class Channel {
 public:
  explicit Channel(UniqueFd socket) noexcept : socket_(std::move(socket)) {}

  /// A connected pair (close-on-exec).
  [[nodiscard]] static Result<std::pair<Channel, Channel>> pair();

  /// Sends one datagram with up to kMaxFdsPerMessage descriptors.
  [[nodiscard]] Status send(Bytes datagram, std::span<const int> fds = {}) const;

  struct Received {
    std::vector<std::uint8_t> bytes;
    std::vector<UniqueFd> fds;
  };
  /// Waits up to `timeout` for one datagram. Errc::timeout when none came,
  /// Errc::closed when the peer has gone, Errc::overflow when the datagram
  /// or its descriptors were cut off (whatever did arrive is closed).
  [[nodiscard]] Result<Received> receive(Nanos timeout) const;

  [[nodiscard]] int fd() const noexcept { return socket_.get(); }
  /// Gives up the socket (e.g. to hand it to a child process).
  [[nodiscard]] UniqueFd release() noexcept { return std::move(socket_); }

 private:
  UniqueFd socket_;
};

}  // namespace pf::agentlink
