#include "pf/net/tcp.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace pf::net {
namespace {

void set_nodelay(int fd) {
  const int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int poll_ms(Nanos timeout) {
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
  return static_cast<int>(std::clamp<std::int64_t>(ms, 0, 60'000));
}

}  // namespace

Result<UniqueFd> tcp_listen(const Address& local, int backlog) {
  UniqueFd fd(::socket(local.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    return fail_errno(errno, "tcp socket");
  }
  const int one = 1;
  (void)setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd.get(), local.get(), local.length()) != 0) {
    return fail_errno(errno, "tcp bind " + local.to_string());
  }
  if (::listen(fd.get(), backlog) != 0) {
    return fail_errno(errno, "tcp listen " + local.to_string());
  }
  return fd;
}

Result<Address> bound_address(int fd) {
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
    return fail_errno(errno, "getsockname");
  }
  return Address::from(reinterpret_cast<sockaddr*>(&bound), length);
}

Result<Accepted> tcp_accept(int listen_fd) {
  sockaddr_storage peer{};
  socklen_t length = sizeof(peer);
  for (;;) {
    UniqueFd fd(::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &length,
                          SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (fd) {
      set_nodelay(fd.get());
      return Accepted{std::move(fd), Address::from(reinterpret_cast<sockaddr*>(&peer), length)};
    }
    if (errno == EINTR || errno == ECONNABORTED) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return fail(Errc::not_found, "no pending connection");
    }
    return fail_errno(errno, "tcp accept");
  }
}

Result<UniqueFd> tcp_connect(const Address& remote, Nanos timeout) {
  UniqueFd fd(::socket(remote.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    return fail_errno(errno, "tcp socket");
  }
  set_nodelay(fd.get());
  if (::connect(fd.get(), remote.get(), remote.length()) != 0) {
    if (errno != EINPROGRESS) {
      return fail_errno(errno, "connect to " + remote.to_string());
    }
    auto ready = wait_fd(fd.get(), POLLOUT, timeout);
    if (!ready) {
      return tl::unexpected(ready.error());
    }
    if (*ready == 0) {
      return fail(Errc::timeout, "connect to {}: no answer", remote.to_string());
    }
    int err = 0;
    socklen_t length = sizeof(err);
    (void)getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &length);
    if (err != 0) {
      return fail_errno(err, "connect to " + remote.to_string());
    }
  }
  return fd;
}

Result<short> wait_fd(int fd, short events, Nanos timeout) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int rc = ::poll(&p, 1, poll_ms(timeout));
    if (rc >= 0) {
      return rc == 0 ? short{0} : p.revents;
    }
    if (errno != EINTR) {
      return fail_errno(errno, "poll");
    }
  }
}

}  // namespace pf::net
