// TCP sockets for the control plane: a listener, accept, connect. Every
// socket is non-blocking, close-on-exec, with TCP_NODELAY (control messages
// are small and latency-bound).
#pragma once

#include <utility>

#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"
#include "pf/core/unique.hpp"
#include "pf/net/address.hpp"

namespace pf::net {

/// Listens on `local` (SO_REUSEADDR). Port 0 picks a free one: bound_port().
[[nodiscard]] Result<UniqueFd> tcp_listen(const Address& local, int backlog = 16);
[[nodiscard]] Result<Address> bound_address(int fd);

struct Accepted {
  UniqueFd fd;
  Address peer;
};
/// One pending connection; not_found when none is waiting.
[[nodiscard]] Result<Accepted> tcp_accept(int listen_fd);

/// Connects within `timeout`.
[[nodiscard]] Result<UniqueFd> tcp_connect(const Address& remote, Nanos timeout);

/// Waits for `events` on `fd` for at most `timeout`; the events that came
/// (0 on timeout), POLLHUP/POLLERR included.
[[nodiscard]] Result<short> wait_fd(int fd, short events, Nanos timeout);

}  // namespace pf::net
