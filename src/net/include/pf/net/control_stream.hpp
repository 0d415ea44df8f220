// The control plane's connection: a TLS 1.3 endpoint (pf_tls) over a
// non-blocking TCP socket, cut into control messages (pf_control).
//
// One owner thread calls everything. Reads never block (read_available()
// after poll() says the fd is readable); writes wait for the socket at most
// the given timeout, so a peer that stops reading ends its own connection
// instead of stalling the owner forever.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pf/control/messages.hpp"
#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"
#include "pf/core/unique.hpp"
#include "pf/net/address.hpp"
#include "pf/tls/endpoint.hpp"

namespace pf::net {

class ControlStream {
 public:
  ControlStream(UniqueFd fd, tls::Endpoint endpoint, Address peer);

  /// A client's connection: TCP connect and the TLS handshake (as
  /// `identity`, accepting only a host with `pinned_fingerprint`; empty
  /// accepts any), each within `timeout`.
  [[nodiscard]] static Result<ControlStream> connect(const Address& host, const tls::Identity& identity,
                                                     const std::string& pinned_fingerprint, Nanos timeout);

  /// Runs the TLS handshake. Errors: timeout, closed (the peer hung up),
  /// refused (TLS failed: the message says why, e.g. a pin mismatch).
  [[nodiscard]] Status handshake(Nanos timeout);

  /// Encodes, encrypts and writes one message, waiting at most `timeout`
  /// for the socket to take it.
  [[nodiscard]] Status send(const control::Message& message, Nanos timeout = std::chrono::seconds(2));

  /// Writes bytes that are already framed as control messages (tests use it
  /// to send what encode() would refuse to produce).
  [[nodiscard]] Status send_bytes(Bytes framed, Nanos timeout = std::chrono::seconds(2));

  /// Takes what the socket has without blocking. closed: the peer is gone
  /// (EOF, reset, TLS close or failure) — messages already decoded remain.
  [[nodiscard]] Status read_available();
  /// The next complete message (drain until need_more after each read).
  [[nodiscard]] control::StreamDecoder::Next next() { return decoder_.next(); }

  /// Waits up to `timeout` for one message (skipping what this version
  /// cannot use). Errors: timeout, closed, malformed (broken framing).
  [[nodiscard]] Result<control::Message> receive(Nanos timeout);

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  [[nodiscard]] const Address& peer() const noexcept { return peer_; }
  [[nodiscard]] const std::string& peer_fingerprint() const noexcept { return tls_.peer_fingerprint(); }
  [[nodiscard]] const control::StreamDecoder& decoder() const noexcept { return decoder_; }

 private:
  [[nodiscard]] Status flush(Nanos timeout);
  [[nodiscard]] Status pull();  // socket → TLS, non-blocking
  void drain();                 // TLS → message decoder

  UniqueFd fd_;
  tls::Endpoint tls_;
  Address peer_;
  control::StreamDecoder decoder_;
  std::vector<std::uint8_t> frame_;  // one encoded message
  bool eof_ = false;
};

}  // namespace pf::net
