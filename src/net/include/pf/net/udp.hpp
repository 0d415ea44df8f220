// UDP for the data plane: one socket per session end, batched sends
// (sendmmsg, and UDP GSO where the kernel offers it: runs of equal-sized
// datagrams go down as one super-packet the kernel cuts up) and batched,
// non-blocking receives (recvmmsg).
//
// Threads: a UdpSocket may be shared by one sending and one receiving
// thread; each keeps its own UdpSender / UdpReceiver (the batch scratch).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <span>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/core/unique.hpp"
#include "pf/net/address.hpp"

namespace pf::net {

struct UdpOptions {
  std::size_t send_buffer_bytes = 0;     ///< 0 = the system default
  std::size_t receive_buffer_bytes = 0;  ///< 0 = the system default
  std::uint8_t dscp = 0;                 ///< 0 = unmarked; 46 = EF, 34 = AF41
};

/// Socket buffer bytes for a stream: a quarter second of it, at least
/// 1 MiB, at most 32 MiB (a keyframe burst must not overflow it).
[[nodiscard]] std::size_t buffer_bytes_for(std::uint64_t bitrate_bps) noexcept;

class UdpSocket {
 public:
  /// Binds `local` (port 0: an ephemeral port). Buffer sizes the kernel
  /// caps lower are not an error (effective_*() say what was granted).
  [[nodiscard]] static Result<UdpSocket> open(const Address& local, const UdpOptions& options = {});

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  [[nodiscard]] const Address& local() const noexcept { return local_; }
  [[nodiscard]] std::size_t effective_send_buffer() const noexcept { return send_buffer_; }
  [[nodiscard]] std::size_t effective_receive_buffer() const noexcept { return receive_buffer_; }

 private:
  UniqueFd fd_;
  Address local_;
  std::size_t send_buffer_ = 0;
  std::size_t receive_buffer_ = 0;
};

struct SendCounters {
  std::uint64_t datagrams = 0;
  std::uint64_t syscalls = 0;
  std::uint64_t gso_messages = 0;  ///< messages the kernel segmented
  std::uint64_t dropped = 0;       ///< refused by the kernel (buffer full, unreachable), counted not retried
};

class UdpSender {
 public:
  /// `use_gso` false never tries GSO; true tries it and falls back to plain
  /// sendmmsg for good the first time the kernel refuses it.
  explicit UdpSender(bool use_gso = true);

  /// Sends every datagram to `to` (blocking while the socket buffer is
  /// full). Returns how many the kernel took; the rest are counted dropped.
  std::size_t send(const UdpSocket& socket, std::span<const Bytes> datagrams, const Address& to) noexcept;

  [[nodiscard]] const SendCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] bool gso_active() const noexcept { return gso_; }

 private:
  std::size_t send_messages(const UdpSocket& socket, std::size_t count) noexcept;

  bool gso_;
  SendCounters counters_;
  std::vector<mmsghdr> messages_;
  std::vector<iovec> iov_;
  std::vector<std::uint8_t> control_;
  std::vector<std::uint32_t> datagrams_per_message_;
};

class UdpReceiver {
 public:
  explicit UdpReceiver(std::size_t batch = 32, std::size_t max_datagram_bytes = 9216);

  /// Takes what is queued (up to the batch) without blocking; 0 when none.
  /// Datagrams larger than max_datagram_bytes are truncated and skipped.
  [[nodiscard]] Result<std::size_t> receive(const UdpSocket& socket) noexcept;

  [[nodiscard]] Bytes datagram(std::size_t i) const noexcept;
  [[nodiscard]] Address from(std::size_t i) const noexcept;
  [[nodiscard]] std::uint64_t truncated() const noexcept { return truncated_; }

 private:
  std::size_t max_bytes_;
  std::vector<std::uint8_t> buffer_;
  std::vector<iovec> iov_;
  std::vector<mmsghdr> messages_;
  std::vector<sockaddr_storage> addresses_;
  std::uint64_t truncated_ = 0;
};

}  // namespace pf::net
