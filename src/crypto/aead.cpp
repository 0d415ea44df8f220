#include "pf/crypto/aead.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace pf::crypto {

void detail::CipherCtxDeleter::operator()(evp_cipher_ctx_st* ctx) const noexcept {
  EVP_CIPHER_CTX_free(ctx);  // cleanses the key schedule
}

namespace {

using CipherCtx = std::unique_ptr<evp_cipher_ctx_st, detail::CipherCtxDeleter>;

[[nodiscard]] bool all_zero(std::span<const std::uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

// A cipher context with the key schedule set up, for encrypting or decrypting.
Result<CipherCtx> make_context(const SessionKey& key, Direction direction, bool encrypt,
                               std::array<std::uint8_t, kNonceBytes>& nonce) {
  if (all_zero(key.key)) {
    return fail(Errc::invalid_argument, "AES-GCM: the all-zero key is refused");
  }
  if (direction != Direction::host_to_client && direction != Direction::client_to_host &&
      direction != Direction::host_to_client_audio) {
    return fail(Errc::invalid_argument, "AES-GCM: direction must be set");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) {
    return fail(Errc::io, "AES-GCM: EVP_CIPHER_CTX_new failed");
  }
  const int ok = encrypt ? EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, key.key.data(), nullptr)
                         : EVP_DecryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, key.key.data(), nullptr);
  if (ok != 1 || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) != 1) {
    return fail(Errc::io, "AES-GCM: cipher setup failed");
  }
  nonce.fill(0);
  std::memcpy(nonce.data(), key.salt.data(), kSaltBytes);
  nonce[kSaltBytes] = static_cast<std::uint8_t>(direction);
  return ctx;
}

void put_sequence(std::array<std::uint8_t, kNonceBytes>& nonce, std::uint64_t sequence) noexcept {
  for (std::size_t i = 0; i < 7; ++i) {
    nonce[kNonceBytes - 1 - i] = static_cast<std::uint8_t>(sequence >> (8 * i));
  }
}

[[nodiscard]] bool fits_int(std::size_t n) noexcept { return n <= static_cast<std::size_t>(INT_MAX); }

}  // namespace

Result<SessionKey> generate_session_key() {
  SessionKey key;
  do {
    if (RAND_bytes(key.key.data(), kKeyBytes) != 1 || RAND_bytes(key.salt.data(), kSaltBytes) != 1) {
      return fail(Errc::io, "AES-GCM: the random generator failed");
    }
  } while (all_zero(key.key));
  return key;
}

// ---- Sealer -------------------------------------------------------------

Result<Sealer> Sealer::create(const SessionKey& key, Direction direction, std::uint64_t max_sequence) {
  Sealer sealer;
  auto ctx = make_context(key, direction, /*encrypt=*/true, sealer.nonce_);
  if (!ctx) {
    return tl::unexpected(ctx.error());
  }
  sealer.ctx_ = std::move(*ctx);
  sealer.max_sequence_ = std::min(max_sequence, kMaxSequence);
  return sealer;
}

std::uint64_t Sealer::remaining() const noexcept {
  return next_sequence_ > max_sequence_ ? 0 : max_sequence_ - next_sequence_ + 1;
}

Status Sealer::seal(std::uint64_t sequence, Bytes aad, Bytes plaintext, MutableBytes out) {
  if (sequence > max_sequence_) {
    return fail(Errc::limit_reached, "AES-GCM: sequence space exhausted; rekey or end the session");
  }
  if (sequence < next_sequence_) {
    return fail(Errc::invalid_argument, "AES-GCM: sequence {} was already used", sequence);
  }
  if (out.size() < plaintext.size() + kTagBytes || !fits_int(plaintext.size()) || !fits_int(aad.size())) {
    return fail(Errc::invalid_argument, "AES-GCM: output of {} bytes cannot hold {} + tag",
                out.size(), plaintext.size());
  }
  put_sequence(nonce_, sequence);
  EVP_CIPHER_CTX* ctx = ctx_.get();
  int len = 0;
  int tail = 0;
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce_.data()) != 1 ||
      EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx, out.data(), &len, plaintext.data(), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx, out.data() + len, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, out.data() + plaintext.size()) != 1) {
    return fail(Errc::io, "AES-GCM: encryption failed");
  }
  next_sequence_ = sequence + 1;
  return ok();
}

// ---- Opener -------------------------------------------------------------

Result<Opener> Opener::create(const SessionKey& key, Direction direction, std::size_t window_packets) {
  Opener opener;
  auto ctx = make_context(key, direction, /*encrypt=*/false, opener.nonce_);
  if (!ctx) {
    return tl::unexpected(ctx.error());
  }
  opener.ctx_ = std::move(*ctx);
  opener.window_ = ReplayWindow(std::max(window_packets, kDefaultReplayWindow));
  return opener;
}

OpenOutcome Opener::open(std::uint64_t sequence, Bytes aad, Bytes sealed, MutableBytes plaintext) noexcept {
  const auto refuse = [&](OpenOutcome outcome, std::uint64_t& counter) {
    ++counter;
    std::fill(plaintext.begin(), plaintext.end(), std::uint8_t{0});
    return outcome;
  };
  if (sealed.size() < kTagBytes) {
    return refuse(OpenOutcome::auth_failed, counters_.auth_failed);
  }
  const std::size_t body = sealed.size() - kTagBytes;
  if (sequence > kMaxSequence || plaintext.size() < body || !fits_int(body) || !fits_int(aad.size())) {
    return refuse(OpenOutcome::malformed, counters_.malformed);
  }
  switch (window_.check(sequence)) {
    case ReplayWindow::Verdict::fresh:
      break;
    case ReplayWindow::Verdict::replayed:
      return refuse(OpenOutcome::replayed, counters_.replayed);
    case ReplayWindow::Verdict::too_old:
    case ReplayWindow::Verdict::unset:
      return refuse(OpenOutcome::too_old, counters_.too_old);
  }
  put_sequence(nonce_, sequence);
  EVP_CIPHER_CTX* ctx = ctx_.get();
  // The tag is copied out first: decrypting in place overwrites nothing past
  // the body, but OpenSSL wants a mutable tag pointer.
  std::array<std::uint8_t, kTagBytes> tag{};
  std::memcpy(tag.data(), sealed.data() + body, kTagBytes);
  int len = 0;
  int tail = 0;
  const bool authentic =
      EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce_.data()) == 1 &&
      EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx, plaintext.data(), &len, sealed.data(), static_cast<int>(body)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx, plaintext.data() + len, &tail) == 1;
  if (!authentic) {
    return refuse(OpenOutcome::auth_failed, counters_.auth_failed);
  }
  window_.accept(sequence);
  ++counters_.opened;
  return OpenOutcome::opened;
}

}  // namespace pf::crypto
