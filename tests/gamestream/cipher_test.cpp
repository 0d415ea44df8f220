// GameStream's ciphers against published known-answer vectors: AES-128-GCM
// (test case 3 of the GCM specification, McGrew & Viega), AES-128-CBC and
// -ECB (NIST SP 800-38A, F.2.1 and F.1.1), plus the legacy 16-byte GCM IV
// the control stream uses without SS_ENC_CONTROL_V2.
#include "pf/gamestream/cipher.hpp"

#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace pf::gamestream {
namespace {

std::vector<std::uint8_t> hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  const auto nibble = [](char c) {
    return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  };
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(nibble(text[i]) << 4 | nibble(text[i + 1])));
  }
  return out;
}

AesKey key_of(std::string_view text) {
  AesKey key{};
  const auto bytes = hex(text);
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return key;
}

const AesKey kGcmKey = key_of("feffe9928665731c6d6a8f9467308308");
const std::vector<std::uint8_t> kGcmIv = hex("cafebabefacedbaddecaf888");
const std::vector<std::uint8_t> kGcmPlain =
    hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
const std::vector<std::uint8_t> kGcmCipher =
    hex("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
        "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985");
const std::vector<std::uint8_t> kGcmTag = hex("4d5c2af327cd64a62cf35abd2ba6fab4");

TEST(GameStreamCipher, GcmSealsTheSpecificationsTestCase) {
  auto gcm = AesGcm::create(kGcmKey);
  ASSERT_TRUE(gcm) << gcm.error().message;
  std::vector<std::uint8_t> ciphertext(kGcmPlain.size());
  std::array<std::uint8_t, kGcmTagBytes> tag{};
  ASSERT_TRUE(gcm->seal(kGcmIv, kGcmPlain, ciphertext, tag));
  EXPECT_EQ(ciphertext, kGcmCipher);
  EXPECT_EQ(std::vector<std::uint8_t>(tag.begin(), tag.end()), kGcmTag);

  std::vector<std::uint8_t> plaintext(kGcmCipher.size());
  const auto opened = gcm->open(kGcmIv, kGcmCipher, kGcmTag, plaintext);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(plaintext, kGcmPlain);
}

TEST(GameStreamCipher, GcmRefusesATamperedMessageAndZeroesTheOutput) {
  auto gcm = AesGcm::create(kGcmKey);
  ASSERT_TRUE(gcm);
  std::vector<std::uint8_t> plaintext(kGcmCipher.size(), 0xAA);

  auto flipped = kGcmCipher;
  flipped[10] ^= 0x01;
  auto st = gcm->open(kGcmIv, flipped, kGcmTag, plaintext);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::malformed);
  EXPECT_EQ(plaintext, std::vector<std::uint8_t>(plaintext.size(), 0));

  auto bad_tag = kGcmTag;
  bad_tag[15] ^= 0x80;
  EXPECT_FALSE(gcm->open(kGcmIv, kGcmCipher, bad_tag, plaintext));
  auto other_iv = kGcmIv;
  other_iv[0] ^= 0x01;
  EXPECT_FALSE(gcm->open(other_iv, kGcmCipher, kGcmTag, plaintext));
  // The context is still good after failures.
  EXPECT_TRUE(gcm->open(kGcmIv, kGcmCipher, kGcmTag, plaintext));
  EXPECT_EQ(plaintext, kGcmPlain);
}

TEST(GameStreamCipher, GcmTakesTheLegacySixteenByteIvAndSwitchesBack) {
  auto gcm = AesGcm::create(key_of("000102030405060708090a0b0c0d0e0f"));
  ASSERT_TRUE(gcm);
  // The legacy control IV: only byte 0 (seq & 0xFF) set.
  std::array<std::uint8_t, 16> iv16{};
  iv16[0] = 7;
  const std::vector<std::uint8_t> plain = {0x02, 0x03, 0x02, 0x00, 0x00, 0x00};
  std::vector<std::uint8_t> sealed(plain.size());
  std::array<std::uint8_t, kGcmTagBytes> tag{};
  ASSERT_TRUE(gcm->seal(iv16, plain, sealed, tag));
  // Regression value (GHASH-derived J0 for a 16-byte IV, not the 12-byte form).
  EXPECT_EQ(sealed, hex("333ec0e24a48"));
  EXPECT_EQ(std::vector<std::uint8_t>(tag.begin(), tag.end()),
            hex("a654ff3114122bdd1fcb7419f691bcc8"));

  // A 12-byte IV with the same first bytes is a different IV.
  std::array<std::uint8_t, 12> iv12{};
  iv12[0] = 7;
  std::vector<std::uint8_t> out(plain.size());
  EXPECT_FALSE(gcm->open(iv12, sealed, tag, out));
  ASSERT_TRUE(gcm->open(iv16, sealed, tag, out));
  EXPECT_EQ(out, plain);

  // And back to 12 bytes: the specification's vector still comes out.
  auto spec = AesGcm::create(kGcmKey);
  ASSERT_TRUE(spec);
  std::vector<std::uint8_t> c(kGcmPlain.size());
  ASSERT_TRUE(spec->seal(iv16, kGcmPlain, c, tag));
  ASSERT_TRUE(spec->seal(kGcmIv, kGcmPlain, c, tag));
  EXPECT_EQ(c, kGcmCipher);
}

TEST(GameStreamCipher, GcmSealsInPlaceAndRefusesBadArguments) {
  auto gcm = AesGcm::create(kGcmKey);
  ASSERT_TRUE(gcm);
  auto buffer = kGcmPlain;
  std::array<std::uint8_t, kGcmTagBytes> tag{};
  ASSERT_TRUE(gcm->seal(kGcmIv, buffer, buffer, tag));
  EXPECT_EQ(buffer, kGcmCipher);
  ASSERT_TRUE(gcm->open(kGcmIv, buffer, tag, buffer));
  EXPECT_EQ(buffer, kGcmPlain);

  std::vector<std::uint8_t> short_out(kGcmPlain.size() - 1);
  EXPECT_EQ(gcm->seal(kGcmIv, kGcmPlain, short_out, tag).error().code, Errc::invalid_argument);
  const std::vector<std::uint8_t> iv8(8);
  EXPECT_EQ(gcm->seal(iv8, kGcmPlain, buffer, tag).error().code, Errc::invalid_argument);
  EXPECT_EQ(gcm->open(kGcmIv, kGcmCipher, Bytes(kGcmTag).first(12), buffer).error().code,
            Errc::invalid_argument);

  // Empty messages still carry a tag.
  ASSERT_TRUE(gcm->seal(kGcmIv, {}, {}, tag));
  EXPECT_TRUE(gcm->open(kGcmIv, {}, tag, {}));
}

TEST(GameStreamCipher, AMovedCipherStillWorks) {
  auto gcm = AesGcm::create(kGcmKey);
  ASSERT_TRUE(gcm);
  AesGcm moved = std::move(*gcm);
  std::vector<std::uint8_t> c(kGcmPlain.size());
  std::array<std::uint8_t, kGcmTagBytes> tag{};
  ASSERT_TRUE(moved.seal(kGcmIv, kGcmPlain, c, tag));
  EXPECT_EQ(c, kGcmCipher);
}

const AesKey kNistKey = key_of("2b7e151628aed2a6abf7158809cf4f3c");
const std::vector<std::uint8_t> kNistBlock = hex("6bc1bee22e409f96e93d7e117393172a");

TEST(GameStreamCipher, CbcMatchesSp800_38aAndPadsAWholeBlock) {
  AesBlock iv{};
  for (std::size_t i = 0; i < iv.size(); ++i) {
    iv[i] = static_cast<std::uint8_t>(i);
  }
  std::vector<std::uint8_t> out = {0xEE};  // appended to, not replaced
  ASSERT_TRUE(aes_cbc_encrypt(kNistKey, iv, kNistBlock, out));
  ASSERT_EQ(out.size(), 1 + 32U) << "16 bytes in: a whole block of padding";
  EXPECT_EQ(std::vector<std::uint8_t>(out.begin() + 1, out.begin() + 17),
            hex("7649abac8119b246cee98e9b12e9197d"));
  EXPECT_EQ(std::vector<std::uint8_t>(out.begin() + 17, out.end()),
            hex("8964e0b149c10b7b682e6e39aaeb731c"));

  const auto back = aes_cbc_decrypt(kNistKey, iv, Bytes(out).subspan(1));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, kNistBlock);

  for (std::size_t n : {0U, 1U, 15U, 17U, 100U}) {
    std::vector<std::uint8_t> plain(n, 0x5A);
    std::vector<std::uint8_t> sealed;
    ASSERT_TRUE(aes_cbc_encrypt(kNistKey, iv, plain, sealed));
    EXPECT_EQ(sealed.size(), (n / 16 + 1) * 16) << n;
    const auto opened = aes_cbc_decrypt(kNistKey, iv, sealed);
    ASSERT_TRUE(opened) << n;
    EXPECT_EQ(*opened, plain);
  }
}

TEST(GameStreamCipher, CbcRefusesBadLengthsAndPadding) {
  const AesBlock iv{};
  EXPECT_EQ(aes_cbc_decrypt(kNistKey, iv, {}).error().code, Errc::malformed);
  EXPECT_EQ(aes_cbc_decrypt(kNistKey, iv, std::vector<std::uint8_t>(17)).error().code,
            Errc::malformed);
  // A block that decrypts to anything but valid padding (another key).
  std::vector<std::uint8_t> sealed;
  ASSERT_TRUE(aes_cbc_encrypt(kNistKey, iv, kNistBlock, sealed));
  const auto wrong = aes_cbc_decrypt(key_of("000102030405060708090a0b0c0d0e0f"), iv, sealed);
  if (wrong) {  // a 1-in-256 chance the garbage ends in 0x01
    EXPECT_NE(*wrong, kNistBlock);
  } else {
    EXPECT_EQ(wrong.error().code, Errc::malformed);
  }
}

TEST(GameStreamCipher, EcbMatchesSp800_38aWithoutPadding) {
  const auto sealed = aes_ecb_encrypt(kNistKey, kNistBlock);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(*sealed, hex("3ad77bb40d7a3660a89ecaf32466ef97"));
  const auto back = aes_ecb_decrypt(kNistKey, *sealed);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, kNistBlock);
  EXPECT_EQ(aes_ecb_encrypt(kNistKey, std::vector<std::uint8_t>(20)).error().code,
            Errc::invalid_argument);
  EXPECT_EQ(aes_ecb_decrypt(kNistKey, std::vector<std::uint8_t>(1)).error().code,
            Errc::invalid_argument);
  const auto empty = aes_ecb_encrypt(kNistKey, {});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace pf::gamestream
