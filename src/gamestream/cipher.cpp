#include "pf/gamestream/cipher.hpp"

#include <algorithm>
#include <cstring>

#include <openssl/evp.h>

namespace pf::gamestream {

void detail::GcmCtxDeleter::operator()(evp_cipher_ctx_st* ctx) const noexcept {
  EVP_CIPHER_CTX_free(ctx);  // cleanses the key schedule
}

namespace {

using CipherCtx = std::unique_ptr<evp_cipher_ctx_st, detail::GcmCtxDeleter>;

enum class Mode : std::uint8_t { unset = 0, encrypt = 1, decrypt = 2 };

[[nodiscard]] bool valid_iv(Bytes iv) noexcept {
  return iv.size() == kGcmIvBytes || iv.size() == kGcmLegacyIvBytes;
}

// A context with `cipher` and the key set up; `padding` for CBC only.
Result<CipherCtx> make_context(const EVP_CIPHER* cipher, const AesKey& key, const std::uint8_t* iv,
                               Mode mode, bool padding) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) {
    return fail(Errc::io, "AES: EVP_CIPHER_CTX_new failed");
  }
  const int ok = mode == Mode::encrypt
                     ? EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.data(), iv)
                     : EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, key.data(), iv);
  if (ok != 1 || EVP_CIPHER_CTX_set_padding(ctx.get(), padding ? 1 : 0) != 1) {
    return fail(Errc::io, "AES: cipher setup failed");
  }
  return ctx;
}

// One whole message through a block-cipher context (CBC or ECB).
Result<std::vector<std::uint8_t>> run_block_cipher(const EVP_CIPHER* cipher, const AesKey& key,
                                                   const std::uint8_t* iv, Mode mode, bool padding,
                                                   Bytes input) {
  if (input.size() > kMaxCipherMessageBytes) {
    return fail(Errc::invalid_argument, "AES: a message of {} bytes is over the limit",
                input.size());
  }
  auto ctx = make_context(cipher, key, iv, mode, padding);
  if (!ctx) {
    return tl::unexpected(ctx.error());
  }
  std::vector<std::uint8_t> out(input.size() + kAesBlockBytes);
  int len = 0;
  int tail = 0;
  const int in_len = static_cast<int>(input.size());
  if (mode == Mode::encrypt) {
    if (EVP_EncryptUpdate(ctx->get(), out.data(), &len, input.data(), in_len) != 1 ||
        EVP_EncryptFinal_ex(ctx->get(), out.data() + len, &tail) != 1) {
      return fail(Errc::io, "AES: encryption failed");
    }
  } else if (EVP_DecryptUpdate(ctx->get(), out.data(), &len, input.data(), in_len) != 1 ||
             EVP_DecryptFinal_ex(ctx->get(), out.data() + len, &tail) != 1) {
    return fail(Errc::malformed, "AES: the ciphertext does not decrypt (wrong key, IV or padding)");
  }
  out.resize(static_cast<std::size_t>(len) + static_cast<std::size_t>(tail));
  return out;
}

}  // namespace

// ---- AES-128-GCM ----------------------------------------------------------

Result<AesGcm> AesGcm::create(const AesKey& key) {
  AesGcm gcm;
  auto enc = make_context(EVP_aes_128_gcm(), key, nullptr, Mode::encrypt, false);
  if (!enc) {
    return tl::unexpected(enc.error());
  }
  auto dec = make_context(EVP_aes_128_gcm(), key, nullptr, Mode::decrypt, false);
  if (!dec) {
    return tl::unexpected(dec.error());
  }
  gcm.encrypt_ = std::move(*enc);
  gcm.decrypt_ = std::move(*dec);
  return gcm;
}

Status AesGcm::seal(Bytes iv, Bytes plaintext, MutableBytes ciphertext,
                    std::span<std::uint8_t, kGcmTagBytes> tag) {
  if (!valid_iv(iv)) {
    return fail(Errc::invalid_argument, "AES-GCM: an IV of {} bytes (12 or 16 expected)",
                iv.size());
  }
  if (ciphertext.size() != plaintext.size() || plaintext.size() > kMaxCipherMessageBytes) {
    return fail(Errc::invalid_argument,
                "AES-GCM: {} bytes of plaintext into {} bytes of ciphertext", plaintext.size(),
                ciphertext.size());
  }
  if (!encrypt_) {
    return fail(Errc::invalid_argument, "AES-GCM: the cipher was moved from");
  }
  EVP_CIPHER_CTX* ctx = encrypt_.get();
  if (iv.size() != encrypt_iv_bytes_) {
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) !=
        1) {
      return fail(Errc::io, "AES-GCM: setting a {}-byte IV failed", iv.size());
    }
    encrypt_iv_bytes_ = iv.size();
  }
  int len = 0;
  int tail = 0;
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv.data()) != 1 ||
      EVP_EncryptUpdate(ctx, ciphertext.data(), &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx, ciphertext.data() + len, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagBytes), tag.data()) !=
          1) {
    return fail(Errc::io, "AES-GCM: encryption failed");
  }
  return ok();
}

Status AesGcm::open(Bytes iv, Bytes ciphertext, Bytes tag, MutableBytes plaintext) {
  if (!valid_iv(iv)) {
    return fail(Errc::invalid_argument, "AES-GCM: an IV of {} bytes (12 or 16 expected)",
                iv.size());
  }
  if (tag.size() != kGcmTagBytes) {
    return fail(Errc::invalid_argument, "AES-GCM: a tag of {} bytes (16 expected)", tag.size());
  }
  if (plaintext.size() != ciphertext.size() || ciphertext.size() > kMaxCipherMessageBytes) {
    return fail(Errc::invalid_argument,
                "AES-GCM: {} bytes of ciphertext into {} bytes of plaintext", ciphertext.size(),
                plaintext.size());
  }
  if (!decrypt_) {
    return fail(Errc::invalid_argument, "AES-GCM: the cipher was moved from");
  }
  EVP_CIPHER_CTX* ctx = decrypt_.get();
  if (iv.size() != decrypt_iv_bytes_) {
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) !=
        1) {
      return fail(Errc::io, "AES-GCM: setting a {}-byte IV failed", iv.size());
    }
    decrypt_iv_bytes_ = iv.size();
  }
  // OpenSSL wants a mutable tag, and the tag may sit in the buffer being
  // decrypted in place.
  std::array<std::uint8_t, kGcmTagBytes> expected{};
  std::memcpy(expected.data(), tag.data(), kGcmTagBytes);
  int len = 0;
  int tail = 0;
  const bool authentic =
      EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, iv.data()) == 1 &&
      EVP_DecryptUpdate(ctx, plaintext.data(), &len, ciphertext.data(),
                        static_cast<int>(ciphertext.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagBytes),
                          expected.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx, plaintext.data() + len, &tail) == 1;
  if (!authentic) {
    std::fill(plaintext.begin(), plaintext.end(), std::uint8_t{0});
    return fail(Errc::malformed, "AES-GCM: the message does not authenticate");
  }
  return ok();
}

// ---- AES-128-CBC and -ECB ------------------------------------------------

Status aes_cbc_encrypt(const AesKey& key, const AesBlock& iv, Bytes plaintext,
                       std::vector<std::uint8_t>& out) {
  auto sealed = run_block_cipher(EVP_aes_128_cbc(), key, iv.data(), Mode::encrypt, true, plaintext);
  if (!sealed) {
    return tl::unexpected(sealed.error());
  }
  out.insert(out.end(), sealed->begin(), sealed->end());
  return ok();
}

Result<std::vector<std::uint8_t>> aes_cbc_decrypt(const AesKey& key, const AesBlock& iv,
                                                  Bytes ciphertext) {
  if (ciphertext.empty() || ciphertext.size() % kAesBlockBytes != 0) {
    return fail(Errc::malformed, "AES-CBC: {} bytes is not a whole number of blocks",
                ciphertext.size());
  }
  return run_block_cipher(EVP_aes_128_cbc(), key, iv.data(), Mode::decrypt, true, ciphertext);
}

Result<std::vector<std::uint8_t>> aes_ecb_encrypt(const AesKey& key, Bytes data) {
  if (data.size() % kAesBlockBytes != 0) {
    return fail(Errc::invalid_argument, "AES-ECB: {} bytes is not a whole number of blocks",
                data.size());
  }
  return run_block_cipher(EVP_aes_128_ecb(), key, nullptr, Mode::encrypt, false, data);
}

Result<std::vector<std::uint8_t>> aes_ecb_decrypt(const AesKey& key, Bytes data) {
  if (data.size() % kAesBlockBytes != 0) {
    return fail(Errc::invalid_argument, "AES-ECB: {} bytes is not a whole number of blocks",
                data.size());
  }
  return run_block_cipher(EVP_aes_128_ecb(), key, nullptr, Mode::decrypt, false, data);
}

}  // namespace pf::gamestream
