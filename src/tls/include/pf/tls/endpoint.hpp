// One end of a TLS 1.3 connection, sans-I/O: ciphertext in from the
// network, ciphertext out to send, plaintext in and out for the caller. The
// socket and the thread belong to whoever holds it.
//
// Both ends present a certificate (mutual TLS); neither trusts a CA. Trust
// is the peer's certificate fingerprint: a client pins the host's (or, in a
// development mode, accepts the first it sees), and a host learns the
// client's and decides by it (pairing). TLS 1.3 only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/tls/identity.hpp"

namespace pf::tls {

enum class Role : std::uint8_t { unset = 0, server = 1, client = 2 };

/// Where the handshake stands.
enum class State : std::uint8_t {
  unset = 0,
  handshaking = 1,  ///< feed what the peer sent, send outgoing()
  established = 2,  ///< application data flows
  failed = 3,       ///< the connection is unusable; error() says why
  closed = 4,       ///< the peer closed cleanly
};

class Endpoint {
 public:
  /// A server: requires a client certificate (any; the caller judges its
  /// fingerprint once established).
  [[nodiscard]] static Result<Endpoint> server(const Identity& identity);
  /// A client that accepts only a host whose certificate has
  /// `pinned_fingerprint`; empty accepts any (trust on first use: the caller
  /// must record peer_fingerprint()).
  [[nodiscard]] static Result<Endpoint> client(const Identity& identity, std::string pinned_fingerprint);

  Endpoint(Endpoint&&) noexcept;
  Endpoint& operator=(Endpoint&&) noexcept;
  ~Endpoint();

  /// Ciphertext from the peer.
  void receive(Bytes ciphertext);
  /// Ciphertext to send to the peer; the caller drains (clears) it.
  [[nodiscard]] std::vector<std::uint8_t>& outgoing() noexcept;

  /// Advances the handshake with what has been received.
  State progress();
  [[nodiscard]] State state() const noexcept;
  /// Why the state is failed (never secrets).
  [[nodiscard]] const std::string& error() const noexcept;
  /// The negotiated protocol ("TLSv1.3"), for logs and tests.
  [[nodiscard]] std::string_view protocol() const noexcept;
  /// The peer certificate's SHA-256 fingerprint once established.
  [[nodiscard]] const std::string& peer_fingerprint() const noexcept;

  /// Queues application data (established only).
  [[nodiscard]] Status write(Bytes plaintext);
  /// Reads decrypted application data into `out`; 0 when none is ready.
  [[nodiscard]] std::size_t read(MutableBytes out);

 private:
  struct Impl;
  explicit Endpoint(std::unique_ptr<Impl> impl);
  [[nodiscard]] static Result<Endpoint> open(Role role, const Identity& identity, std::string pinned);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pf::tls
