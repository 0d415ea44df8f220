// The ciphers GameStream uses, all keyed with the session's AES-128 key
// (/launch's `rikey`), sans-I/O:
//
//   AES-128-GCM   the control stream (12-byte IV with SS_ENC_CONTROL_V2,
//                 else the legacy 16-byte one), encrypted RTSP and video;
//   AES-128-CBC   audio, PKCS#7 padded;
//   AES-128-ECB   the pairing challenges, unpadded.
//
// AesGcm keeps one EVP context per direction with the key schedule set up
// once: sealing and opening allocate nothing. It is not thread-safe (one per
// thread or per stream). Key material is wiped when it is destroyed and
// never appears in a message or log. IVs are the caller's: GameStream
// derives them from sequence numbers, and each stream's IV layout is defined
// where the stream is (control.hpp, the packetizers).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"

struct evp_cipher_ctx_st;

namespace pf::gamestream {

using AesKey = std::array<std::uint8_t, 16>;
using AesBlock = std::array<std::uint8_t, 16>;
inline constexpr std::size_t kAesBlockBytes = 16;
inline constexpr std::size_t kGcmTagBytes = 16;
inline constexpr std::size_t kGcmIvBytes = 12;
inline constexpr std::size_t kGcmLegacyIvBytes = 16;
/// Larger messages are refused (no GameStream packet comes near it).
inline constexpr std::size_t kMaxCipherMessageBytes = 1U << 24;

namespace detail {
struct GcmCtxDeleter {
  void operator()(evp_cipher_ctx_st* ctx) const noexcept;
};
}  // namespace detail

/// AES-128-GCM without associated data, the way every GameStream stream
/// uses it: the tag travels apart from the ciphertext.
class AesGcm {
 public:
  /// io when OpenSSL cannot set up the cipher.
  [[nodiscard]] static Result<AesGcm> create(const AesKey& key);

  AesGcm(AesGcm&&) noexcept = default;
  AesGcm& operator=(AesGcm&&) noexcept = default;
  AesGcm(const AesGcm&) = delete;
  AesGcm& operator=(const AesGcm&) = delete;
  ~AesGcm() = default;

  /// Encrypts `plaintext` into `ciphertext` (the same size; may alias it
  /// exactly) and writes the tag. `iv`: 12 bytes, or 16 (the legacy control
  /// IV). invalid_argument on another IV size or mismatched sizes.
  [[nodiscard]] Status seal(Bytes iv, Bytes plaintext, MutableBytes ciphertext,
                            std::span<std::uint8_t, kGcmTagBytes> tag);

  /// Authenticates and decrypts `ciphertext` into `plaintext` (the same size;
  /// may alias it exactly). malformed when the tag does not authenticate
  /// (forged, corrupted, another key or IV): `plaintext` is then zeroed.
  /// invalid_argument on a bad IV or tag size or mismatched sizes.
  [[nodiscard]] Status open(Bytes iv, Bytes ciphertext, Bytes tag, MutableBytes plaintext);

 private:
  AesGcm() = default;
  std::unique_ptr<evp_cipher_ctx_st, detail::GcmCtxDeleter> encrypt_;
  std::unique_ptr<evp_cipher_ctx_st, detail::GcmCtxDeleter> decrypt_;
  std::size_t encrypt_iv_bytes_ = kGcmIvBytes;  ///< the IV length each context is set to
  std::size_t decrypt_iv_bytes_ = kGcmIvBytes;
};

/// AES-128-CBC with PKCS#7 padding (audio): appends ((n / 16) + 1) * 16
/// bytes to `out`.
[[nodiscard]] Status aes_cbc_encrypt(const AesKey& key, const AesBlock& iv, Bytes plaintext,
                                     std::vector<std::uint8_t>& out);
/// The inverse; malformed when the size is not a positive multiple of 16 or
/// the padding is wrong.
[[nodiscard]] Result<std::vector<std::uint8_t>> aes_cbc_decrypt(const AesKey& key,
                                                                const AesBlock& iv,
                                                                Bytes ciphertext);

/// AES-128-ECB without padding (pairing): invalid_argument unless the size
/// is a multiple of 16.
[[nodiscard]] Result<std::vector<std::uint8_t>> aes_ecb_encrypt(const AesKey& key, Bytes data);
[[nodiscard]] Result<std::vector<std::uint8_t>> aes_ecb_decrypt(const AesKey& key, Bytes data);

}  // namespace pf::gamestream
