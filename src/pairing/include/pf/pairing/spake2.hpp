// SPAKE2 over ristretto255 (libsodium), for PIN pairing, sans-I/O.
//
// Both identities are certificate fingerprints: the client's (A) and the
// host's (B), each as the side saw it in the TLS handshake that carries the
// exchange. A man in the middle terminates TLS with certificates of its own,
// so the two ends compute different transcripts and key confirmation fails
// even when the PIN is right.
//
//   w  = scalar(SHA-512("punktfunk/pair/v1 w" ‖ pin ‖ idA ‖ idB))
//   A → B:  X = x·G + w·M           B → A:  Y = y·G + w·N, confirm_B
//   K  = x·(Y − w·N) = y·(X − w·M)
//   TT = context ‖ idA ‖ idB ‖ X ‖ Y ‖ K ‖ w   (each length-prefixed)
//   Ka = SHA-512(TT)[32..64), KcA/KcB = HMAC-SHA256(Ka, direction label)
//   confirm_A = HMAC-SHA256(KcA, "client confirms" ‖ TT)
//   confirm_B = HMAC-SHA256(KcB, "host confirms" ‖ TT)
//
// M and N are points hashed from fixed strings (no one knows their
// discrete logarithms). Each exchange draws a fresh random scalar, so a
// recorded transcript replayed later meets a different key. Points from
// the peer are validated; confirmations are compared in constant time.
// Secrets are wiped when the object goes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"

namespace pf::pairing {

inline constexpr std::size_t kElementBytes = 32;
inline constexpr std::size_t kConfirmBytes = 32;
using Element = std::array<std::uint8_t, kElementBytes>;
using Confirm = std::array<std::uint8_t, kConfirmBytes>;

enum class Spake2Role : std::uint8_t { unset = 0, client = 1, host = 2 };

class Spake2 {
 public:
  /// `client_id` and `host_id` are the two certificate fingerprints.
  [[nodiscard]] static Result<Spake2> start(Spake2Role role, std::string_view pin, std::string_view client_id,
                                            std::string_view host_id);
  Spake2(Spake2&& other) noexcept;
  Spake2& operator=(Spake2&& other) noexcept;
  Spake2(const Spake2&) = delete;
  Spake2& operator=(const Spake2&) = delete;
  ~Spake2();

  /// This side's public element (X for the client, Y for the host).
  [[nodiscard]] const Element& element() const noexcept { return mine_; }

  /// Takes the peer's element; derives the confirmation keys. malformed if
  /// it is not a valid point or yields the identity.
  [[nodiscard]] Status finish(const Element& peer);

  /// This side's key confirmation (after finish()).
  [[nodiscard]] Confirm confirmation() const;
  /// Whether `peer` is the other side's confirmation (constant time).
  [[nodiscard]] bool verify(const Confirm& peer) const;

 private:
  Spake2() = default;
  void wipe() noexcept;

  Spake2Role role_ = Spake2Role::unset;
  std::array<std::uint8_t, 32> scalar_{};  // x or y
  std::array<std::uint8_t, 32> w_{};
  Element mine_{};
  std::string client_id_;
  std::string host_id_;
  std::array<std::uint8_t, 32> client_key_{};  // KcA
  std::array<std::uint8_t, 32> host_key_{};    // KcB
  std::array<std::uint8_t, 64> transcript_hash_{};
  bool finished_ = false;
};

/// A fresh PIN of `digits` decimal digits, uniformly drawn.
[[nodiscard]] std::string random_pin(std::size_t digits = 4);

/// Whether `pin` is 4 to 8 decimal digits.
[[nodiscard]] bool valid_pin(std::string_view pin) noexcept;

}  // namespace pf::pairing
