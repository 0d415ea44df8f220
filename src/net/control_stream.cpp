#include "pf/net/control_stream.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "pf/net/tcp.hpp"

namespace pf::net {

ControlStream::ControlStream(UniqueFd fd, tls::Endpoint endpoint, Address peer)
    : fd_(std::move(fd)), tls_(std::move(endpoint)), peer_(std::move(peer)) {}

Result<ControlStream> ControlStream::connect(const Address& host, const tls::Identity& identity,
                                             const std::string& pinned_fingerprint, Nanos timeout) {
  auto fd = tcp_connect(host, timeout);
  if (!fd) {
    return tl::unexpected(fd.error());
  }
  auto endpoint = tls::Endpoint::client(identity, pinned_fingerprint);
  if (!endpoint) {
    return tl::unexpected(endpoint.error());
  }
  ControlStream stream(std::move(*fd), std::move(*endpoint), host);
  if (auto shaken = stream.handshake(timeout); !shaken) {
    return tl::unexpected(shaken.error());
  }
  return stream;
}

Status ControlStream::pull() {
  std::array<std::uint8_t, 16 * 1024> buffer{};
  for (;;) {
    const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n > 0) {
      tls_.receive(Bytes(buffer.data(), static_cast<std::size_t>(n)));
      continue;
    }
    if (n == 0) {
      eof_ = true;
      return {};
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return {};
    }
    if (errno == ECONNRESET || errno == EPIPE) {
      eof_ = true;
      return {};
    }
    return fail_errno(errno, "control read");
  }
}

Status ControlStream::flush(Nanos timeout) {
  auto& out = tls_.outgoing();
  std::size_t done = 0;
  const TimePoint deadline = steady_clock().now() + timeout;
  while (done < out.size()) {
    const ssize_t n = ::send(fd_.get(), out.data() + done, out.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const TimePoint now = steady_clock().now();
      if (now >= deadline) {
        return fail(Errc::timeout, "control write to {}: the peer is not reading", peer_.to_string());
      }
      auto ready = wait_fd(fd_.get(), POLLOUT, deadline - now);
      if (!ready) {
        return tl::unexpected(ready.error());
      }
      continue;
    }
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
      return fail(Errc::closed, "control connection to {} closed", peer_.to_string());
    }
    return fail_errno(errno, "control write");
  }
  out.clear();
  return {};
}

Status ControlStream::handshake(Nanos timeout) {
  const TimePoint deadline = steady_clock().now() + timeout;
  for (;;) {
    const tls::State state = tls_.progress();
    if (auto flushed = flush(timeout); !flushed) {
      return flushed;
    }
    if (state == tls::State::established) {
      drain();  // the peer's first message may have come with its last handshake bytes
      return {};
    }
    if (state == tls::State::failed) {
      return fail(Errc::refused, "TLS handshake with {} failed: {}", peer_.to_string(), tls_.error());
    }
    if (state == tls::State::closed || eof_) {
      return fail(Errc::closed, "{} closed the connection during the TLS handshake", peer_.to_string());
    }
    const TimePoint now = steady_clock().now();
    if (now >= deadline) {
      return fail(Errc::timeout, "TLS handshake with {} timed out", peer_.to_string());
    }
    auto ready = wait_fd(fd_.get(), POLLIN, deadline - now);
    if (!ready) {
      return tl::unexpected(ready.error());
    }
    if (auto pulled = pull(); !pulled) {
      return pulled;
    }
  }
}

Status ControlStream::send(const control::Message& message, Nanos timeout) {
  frame_.clear();
  if (auto encoded = control::encode(message, frame_); !encoded) {
    return encoded;
  }
  if (auto written = tls_.write(frame_); !written) {
    return written;
  }
  return flush(timeout);
}

void ControlStream::drain() {
  std::array<std::uint8_t, 16 * 1024> plain{};
  for (;;) {
    const std::size_t n = tls_.read(plain);
    if (n == 0) {
      return;
    }
    decoder_.feed(Bytes(plain.data(), n));
  }
}

Status ControlStream::send_bytes(Bytes framed, Nanos timeout) {
  if (auto written = tls_.write(framed); !written) {
    return written;
  }
  return flush(timeout);
}

Status ControlStream::read_available() {
  if (auto pulled = pull(); !pulled) {
    return pulled;
  }
  drain();
  // TLS may have something to say back (alerts, key updates).
  if (!tls_.outgoing().empty()) {
    (void)flush(std::chrono::milliseconds(100));
  }
  if (eof_ || tls_.state() == tls::State::closed || tls_.state() == tls::State::failed) {
    return fail(Errc::closed, "{} closed the control connection", peer_.to_string());
  }
  return {};
}

Result<control::Message> ControlStream::receive(Nanos timeout) {
  const TimePoint deadline = steady_clock().now() + timeout;
  std::optional<Error> closed;
  for (;;) {
    auto next = decoder_.next();
    switch (next.outcome) {
      case control::StreamDecoder::Outcome::message:
        return std::move(next.message.message);
      case control::StreamDecoder::Outcome::fatal:
        return fail(Errc::malformed, "{} sent a broken control stream", peer_.to_string());
      case control::StreamDecoder::Outcome::skipped:
        continue;
      case control::StreamDecoder::Outcome::need_more:
      case control::StreamDecoder::Outcome::unset:
        break;
    }
    if (closed) {
      return tl::unexpected(*closed);  // messages decoded before the close were returned first
    }
    const TimePoint now = steady_clock().now();
    if (now >= deadline) {
      return fail(Errc::timeout, "no message from {} in time", peer_.to_string());
    }
    auto ready = wait_fd(fd_.get(), POLLIN, deadline - now);
    if (!ready) {
      return tl::unexpected(ready.error());
    }
    if (*ready != 0) {
      if (auto read = read_available(); !read) {
        closed = read.error();
      }
    }
  }
}

}  // namespace pf::net
