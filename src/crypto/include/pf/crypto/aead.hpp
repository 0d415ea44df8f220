// AES-128-GCM sealing of datagrams, one Sealer per sending direction and one
// Opener per receiving direction of a session.
//
// Nonce (12 bytes) = salt (4) ‖ direction (1) ‖ sequence (7, big-endian).
// The session's key and salt are shared by both directions; the direction
// byte keeps their nonce spaces disjoint. A sequence number is used at most
// once per direction: the Sealer refuses anything not above the last one it
// sealed, and refuses past max_sequence (2^56 − 1 unless configured lower):
// then the session must rekey or end.
//
// The caller authenticates its packet header as associated data; the header
// carries the sequence number in the clear, so the receiver learns it
// before opening.
//
// Both objects keep one EVP_CIPHER_CTX with the key schedule set up once;
// sealing and opening a packet allocate nothing. Not thread-safe: one per
// thread. Key material is wiped when they are destroyed and never appears in
// a message or log.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/crypto/replay.hpp"

struct evp_cipher_ctx_st;

namespace pf::crypto {

inline constexpr std::size_t kKeyBytes = 16;
inline constexpr std::size_t kSaltBytes = 4;
inline constexpr std::size_t kNonceBytes = 12;
inline constexpr std::size_t kTagBytes = 16;
inline constexpr std::uint64_t kMaxSequence = (std::uint64_t{1} << 56) - 1;

/// On the wire (the nonce's fifth byte); zero is never valid.
enum class Direction : std::uint8_t {
  unset = 0,
  host_to_client = 1,
  client_to_host = 2,
  host_to_client_audio = 3,  ///< the audio stream: its own sequence space, sealed on its own thread
};

struct SessionKey {
  std::array<std::uint8_t, kKeyBytes> key{};
  std::array<std::uint8_t, kSaltBytes> salt{};
};

/// A fresh key and salt from the OS's CSPRNG (OpenSSL RAND_bytes).
[[nodiscard]] Result<SessionKey> generate_session_key();

namespace detail {
struct CipherCtxDeleter {
  void operator()(evp_cipher_ctx_st* ctx) const noexcept;
};
}  // namespace detail

class Sealer {
 public:
  /// Fails on an all-zero key, Direction::unset, or an OpenSSL error.
  [[nodiscard]] static Result<Sealer> create(const SessionKey& key, Direction direction,
                                             std::uint64_t max_sequence = kMaxSequence);

  /// Writes ciphertext ‖ tag (plaintext.size() + kTagBytes bytes) to `out`,
  /// authenticating `aad`. `out` may alias `plaintext` exactly (in place).
  /// Errors: invalid_argument (sequence not above the last one sealed, or
  /// `out` too small), limit_reached (sequence beyond max_sequence: rekey).
  [[nodiscard]] Status seal(std::uint64_t sequence, Bytes aad, Bytes plaintext, MutableBytes out);

  /// The sequence numbers left before max_sequence.
  [[nodiscard]] std::uint64_t remaining() const noexcept;

 private:
  Sealer() = default;
  std::unique_ptr<evp_cipher_ctx_st, detail::CipherCtxDeleter> ctx_;
  std::array<std::uint8_t, kNonceBytes> nonce_{};
  std::uint64_t max_sequence_ = kMaxSequence;
  std::uint64_t next_sequence_ = 0;  ///< the lowest sequence number still allowed
};

/// What opening one datagram came to. Every value except `opened` means the
/// datagram was dropped and counted; none tears the session down.
enum class OpenOutcome : std::uint8_t {
  unset = 0,
  opened = 1,
  auth_failed = 2,  ///< forged, corrupted, wrong key, or truncated below the tag
  replayed = 3,     ///< this sequence number was already accepted
  too_old = 4,      ///< below the replay window
  malformed = 5,    ///< output buffer too small or sequence out of range
};

struct OpenCounters {
  std::uint64_t opened = 0;
  std::uint64_t auth_failed = 0;
  std::uint64_t replayed = 0;
  std::uint64_t too_old = 0;
  std::uint64_t malformed = 0;
};

class Opener {
 public:
  /// `direction` is the sender's. window_packets ≥ 2^17 (rounded up to a power of two).
  [[nodiscard]] static Result<Opener> create(const SessionKey& key, Direction direction,
                                             std::size_t window_packets = kDefaultReplayWindow);

  /// Authenticates `aad` and decrypts `sealed` (ciphertext ‖ tag) into
  /// `plaintext` (at least sealed.size() − kTagBytes bytes; may alias
  /// `sealed` exactly). A replayed or too-old sequence is refused before any
  /// decryption; a sequence enters the replay window only once it has
  /// authenticated. On any outcome but `opened` the plaintext bytes are zero.
  [[nodiscard]] OpenOutcome open(std::uint64_t sequence, Bytes aad, Bytes sealed,
                                 MutableBytes plaintext) noexcept;

  [[nodiscard]] const OpenCounters& counters() const noexcept { return counters_; }

 private:
  Opener() = default;
  std::unique_ptr<evp_cipher_ctx_st, detail::CipherCtxDeleter> ctx_;
  std::array<std::uint8_t, kNonceBytes> nonce_{};
  ReplayWindow window_;
  OpenCounters counters_;
};

}  // namespace pf::crypto
