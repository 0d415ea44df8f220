#include "pf/agentlink/channel.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "pf/agentlink/protocol.hpp"

namespace pf::agentlink {

Result<std::pair<Channel, Channel>> Channel::pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    return fail_errno(errno, "socketpair");
  }
  return std::make_pair(Channel(UniqueFd(fds[0])), Channel(UniqueFd(fds[1])));
}

Status Channel::send(Bytes datagram, std::span<const int> fds) const {
  if (fds.size() > kMaxFdsPerMessage) {
    return fail(Errc::invalid_argument, "at most {} descriptors per message", kMaxFdsPerMessage);
  }
  iovec iov{const_cast<std::uint8_t*>(datagram.data()), datagram.size()};
  alignas(cmsghdr) std::uint8_t control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    const ssize_t n = ::sendmsg(socket_.get(), &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      return ok();
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EPIPE || errno == ECONNRESET) {
      return fail(Errc::closed, "control peer has gone");
    }
    return fail_errno(errno, "sendmsg on the control channel");
  }
}

Result<Channel::Received> Channel::receive(Nanos timeout) const {
  pollfd p{socket_.get(), POLLIN | POLLRDHUP, 0};
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
  int rc = 0;
  do {
    rc = ::poll(&p, 1, static_cast<int>(std::clamp<std::int64_t>(ms, 0, 3'600'000)));
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    return fail_errno(errno, "poll on the control channel");
  }
  if (rc == 0) {
    return fail(Errc::timeout, "no control message within {} ms", ms);
  }
  Received out;
  out.bytes.resize(kMaxDatagramBytes + 1);  // one spare byte: MSG_TRUNC is reported too
  iovec iov{out.bytes.data(), out.bytes.size()};
  alignas(cmsghdr) std::uint8_t control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n = 0;
  do {
    n = ::recvmsg(socket_.get(), &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == ECONNRESET) {
      return fail(Errc::closed, "control peer has gone");
    }
    return fail_errno(errno, "recvmsg on the control channel");
  }
  // Adopt every received descriptor first, so no error path leaks one.
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < count; ++i) {
        int fd = -1;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        out.fds.emplace_back(fd);
      }
    }
  }
  // A zero-length datagram also reads as 0 bytes; only a hang-up is the end.
  if (n == 0 && out.fds.empty() && (p.revents & (POLLHUP | POLLRDHUP)) != 0) {
    return fail(Errc::closed, "control peer has gone");
  }
  if ((msg.msg_flags & MSG_CTRUNC) != 0) {
    return fail(Errc::overflow, "control message carried more than {} descriptors",
                kMaxFdsPerMessage);
  }
  if ((msg.msg_flags & MSG_TRUNC) != 0 || static_cast<std::size_t>(n) > kMaxDatagramBytes) {
    return fail(Errc::overflow, "control datagram larger than {} bytes", kMaxDatagramBytes);
  }
  out.bytes.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace pf::agentlink
