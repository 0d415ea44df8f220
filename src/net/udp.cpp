#include "pf/net/udp.hpp"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103  // linux/udp.h; glibc 2.36's netinet/udp.h lacks it
#endif

namespace pf::net {
namespace {

constexpr std::size_t kMaxMessages = 64;       // per sendmmsg call
constexpr std::size_t kMaxGsoSegments = 64;    // the kernel's UDP_MAX_SEGMENTS floor
constexpr std::size_t kMaxGsoBytes = 65'000;   // under the 64 KiB IP datagram
constexpr std::size_t kControlBytes = CMSG_SPACE(sizeof(std::uint16_t));

std::size_t socket_size(int fd, int option) {
  int value = 0;
  socklen_t length = sizeof(value);
  if (getsockopt(fd, SOL_SOCKET, option, &value, &length) != 0 || value < 0) {
    return 0;
  }
  return static_cast<std::size_t>(value);
}

void set_buffer(int fd, int option, int force_option, std::size_t bytes) {
  const int value = static_cast<int>(std::min<std::size_t>(bytes, 1U << 30));
  // The FORCE variant passes rmem_max/wmem_max when we may (CAP_NET_ADMIN);
  // otherwise the plain one, capped by the kernel.
  if (setsockopt(fd, SOL_SOCKET, force_option, &value, sizeof(value)) != 0) {
    (void)setsockopt(fd, SOL_SOCKET, option, &value, sizeof(value));
  }
}

}  // namespace

std::size_t buffer_bytes_for(std::uint64_t bitrate_bps) noexcept {
  const std::uint64_t quarter_second = bitrate_bps / 8 / 4;
  return static_cast<std::size_t>(std::clamp<std::uint64_t>(quarter_second, 1U << 20, 32U << 20));
}

Result<UdpSocket> UdpSocket::open(const Address& local, const UdpOptions& options) {
  UdpSocket s;
  s.fd_ = UniqueFd(::socket(local.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s.fd_) {
    return fail_errno(errno, "udp socket");
  }
  const int fd = s.fd_.get();
  if (options.send_buffer_bytes != 0) {
    set_buffer(fd, SO_SNDBUF, SO_SNDBUFFORCE, options.send_buffer_bytes);
  }
  if (options.receive_buffer_bytes != 0) {
    set_buffer(fd, SO_RCVBUF, SO_RCVBUFFORCE, options.receive_buffer_bytes);
  }
  if (options.dscp != 0) {
    const int tos = (options.dscp & 0x3F) << 2;
    const int rc = local.family() == AF_INET6
                       ? setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos))
                       : setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
    if (rc != 0) {
      return fail_errno(errno, "udp socket: DSCP");
    }
  }
  if (::bind(fd, local.get(), local.length()) != 0) {
    return fail_errno(errno, "udp bind " + local.to_string());
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
    return fail_errno(errno, "udp getsockname");
  }
  s.local_ = Address::from(reinterpret_cast<sockaddr*>(&bound), length);
  s.send_buffer_ = socket_size(fd, SO_SNDBUF);
  s.receive_buffer_ = socket_size(fd, SO_RCVBUF);
  return s;
}

UdpSender::UdpSender(bool use_gso)
    : gso_(use_gso),
      messages_(kMaxMessages),
      iov_(kMaxMessages * kMaxGsoSegments),
      control_(kMaxMessages * kControlBytes),
      datagrams_per_message_(kMaxMessages) {}

std::size_t UdpSender::send(const UdpSocket& socket, std::span<const Bytes> datagrams,
                            const Address& to) noexcept {
  std::size_t sent = 0;
  std::size_t next = 0;
  while (next < datagrams.size()) {
    // Fill up to kMaxMessages messages; with GSO a message is a run of
    // equal-sized datagrams (its last may be shorter, and ends the run).
    std::size_t count = 0;
    std::size_t iov_used = 0;
    while (count < kMaxMessages && next < datagrams.size()) {
      mmsghdr& m = messages_[count];
      m = {};
      m.msg_hdr.msg_name = const_cast<sockaddr*>(to.get());
      m.msg_hdr.msg_namelen = to.length();
      m.msg_hdr.msg_iov = &iov_[iov_used];
      const std::size_t segment = datagrams[next].size();
      std::size_t run = 0;
      std::size_t bytes = 0;
      while (next + run < datagrams.size() && run < (gso_ ? kMaxGsoSegments : 1)) {
        const std::size_t size = datagrams[next + run].size();
        if (size > segment || bytes + size > kMaxGsoBytes) {
          break;
        }
        iov_[iov_used + run] = {const_cast<std::uint8_t*>(datagrams[next + run].data()), size};
        bytes += size;
        ++run;
        if (size < segment) {
          break;  // a shorter datagram can only be a run's last
        }
      }
      m.msg_hdr.msg_iovlen = run;
      if (run > 1) {
        std::uint8_t* control = &control_[count * kControlBytes];
        std::memset(control, 0, kControlBytes);
        m.msg_hdr.msg_control = control;
        m.msg_hdr.msg_controllen = kControlBytes;
        cmsghdr* c = CMSG_FIRSTHDR(&m.msg_hdr);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
        const auto gso_size = static_cast<std::uint16_t>(segment);
        std::memcpy(CMSG_DATA(c), &gso_size, sizeof(gso_size));
      }
      datagrams_per_message_[count] = static_cast<std::uint32_t>(run);
      iov_used += run;
      next += run;
      ++count;
    }
    sent += send_messages(socket, count);
  }
  return sent;
}

std::size_t UdpSender::send_messages(const UdpSocket& socket, std::size_t count) noexcept {
  std::size_t sent = 0;
  std::size_t first = 0;
  while (first < count) {
    const int rc = ::sendmmsg(socket.fd(), &messages_[first], static_cast<unsigned>(count - first), 0);
    ++counters_.syscalls;
    if (rc < 0) {
      if (errno == EINTR) {
        continue;
      }
      const bool gso_message = datagrams_per_message_[first] > 1;
      if (gso_message && (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT)) {
        // The path cannot segment (no checksum offload, or an old kernel):
        // send this message's datagrams one by one, and never try GSO again.
        gso_ = false;
        mmsghdr& m = messages_[first];
        for (std::size_t i = 0; i < m.msg_hdr.msg_iovlen; ++i) {
          msghdr one{};
          one.msg_name = m.msg_hdr.msg_name;
          one.msg_namelen = m.msg_hdr.msg_namelen;
          one.msg_iov = &m.msg_hdr.msg_iov[i];
          one.msg_iovlen = 1;
          ++counters_.syscalls;
          if (::sendmsg(socket.fd(), &one, 0) >= 0) {
            ++sent;
            ++counters_.datagrams;
          } else {
            ++counters_.dropped;
          }
        }
      } else {
        counters_.dropped += datagrams_per_message_[first];
      }
      ++first;
      continue;
    }
    for (int i = 0; i < rc; ++i) {
      const std::uint32_t n = datagrams_per_message_[first + static_cast<std::size_t>(i)];
      sent += n;
      counters_.datagrams += n;
      counters_.gso_messages += n > 1 ? 1U : 0U;
    }
    first += static_cast<std::size_t>(rc);
  }
  return sent;
}

UdpReceiver::UdpReceiver(std::size_t batch, std::size_t max_datagram_bytes)
    : max_bytes_(max_datagram_bytes),
      buffer_(batch * (max_datagram_bytes + 1)),
      iov_(batch),
      messages_(batch),
      addresses_(batch) {}

Result<std::size_t> UdpReceiver::receive(const UdpSocket& socket) noexcept {
  const std::size_t slot = max_bytes_ + 1;  // one spare byte tells an oversize datagram
  for (std::size_t i = 0; i < messages_.size(); ++i) {
    iov_[i] = {&buffer_[i * slot], slot};
    messages_[i] = {};
    messages_[i].msg_hdr.msg_iov = &iov_[i];
    messages_[i].msg_hdr.msg_iovlen = 1;
    messages_[i].msg_hdr.msg_name = &addresses_[i];
    messages_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
  }
  for (;;) {
    const int rc = ::recvmmsg(socket.fd(), messages_.data(), static_cast<unsigned>(messages_.size()),
                              MSG_DONTWAIT, nullptr);
    if (rc >= 0) {
      for (int i = 0; i < rc; ++i) {
        auto& m = messages_[static_cast<std::size_t>(i)];
        if ((m.msg_hdr.msg_flags & MSG_TRUNC) != 0 || m.msg_len > max_bytes_) {
          ++truncated_;
          m.msg_len = 0;
        }
      }
      return static_cast<std::size_t>(rc);
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return std::size_t{0};
    }
    if (errno == ECONNREFUSED) {
      continue;  // an ICMP error for an earlier send; nothing to read
    }
    return fail_errno(errno, "udp receive");
  }
}

Bytes UdpReceiver::datagram(std::size_t i) const noexcept {
  return Bytes(&buffer_[i * (max_bytes_ + 1)], messages_[i].msg_len);
}

Address UdpReceiver::from(std::size_t i) const noexcept {
  return Address::from(reinterpret_cast<const sockaddr*>(&addresses_[i]), messages_[i].msg_hdr.msg_namelen);
}

}  // namespace pf::net
