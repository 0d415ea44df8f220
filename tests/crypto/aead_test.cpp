// AES-128-GCM sealing and the replay window: round trips, the nonce layout
// checked against a bare EVP call, and every kind of bad packet refused and
// counted without disturbing the packets that follow.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <numeric>
#include <vector>

#include "pf/crypto/aead.hpp"
#include "pf/crypto/replay.hpp"

namespace pf::crypto {
namespace {

SessionKey test_key() {
  SessionKey k;
  std::iota(k.key.begin(), k.key.end(), std::uint8_t{1});
  k.salt = {0xA1, 0xB2, 0xC3, 0xD4};
  return k;
}

struct Pair {
  Sealer sealer;
  Opener opener;
};

Pair make_pair(std::uint64_t max_sequence = kMaxSequence) {
  auto s = Sealer::create(test_key(), Direction::host_to_client, max_sequence);
  auto o = Opener::create(test_key(), Direction::host_to_client);
  EXPECT_TRUE(s && o);
  return {std::move(*s), std::move(*o)};
}

struct Packet {
  std::vector<std::uint8_t> header, sealed;
};

Packet seal(Sealer& sealer, std::uint64_t seq, std::size_t bytes = 100) {
  Packet p;
  p.header.assign(40, static_cast<std::uint8_t>(seq));
  std::vector<std::uint8_t> plain(bytes);
  std::iota(plain.begin(), plain.end(), static_cast<std::uint8_t>(seq));
  p.sealed.resize(bytes + kTagBytes);
  const Status st = sealer.seal(seq, p.header, plain, p.sealed);
  EXPECT_TRUE(st.has_value()) << (st ? "" : st.error().message);
  return p;
}

OpenOutcome open(Opener& opener, std::uint64_t seq, const Packet& p) {
  std::vector<std::uint8_t> plain(p.sealed.size());
  return opener.open(seq, p.header, p.sealed, plain);
}

TEST(Aead, RoundTripInPlace) {
  auto [sealer, opener] = make_pair();
  std::vector<std::uint8_t> header(40, 7);
  std::vector<std::uint8_t> buf(1408 + kTagBytes);
  std::iota(buf.begin(), buf.begin() + 1408, std::uint8_t{0});
  const std::vector<std::uint8_t> original(buf.begin(), buf.begin() + 1408);
  ASSERT_TRUE(sealer.seal(0, header, Bytes(buf).first(1408), buf).has_value());
  EXPECT_NE(std::vector<std::uint8_t>(buf.begin(), buf.begin() + 1408), original);
  ASSERT_EQ(opener.open(0, header, buf, buf), OpenOutcome::opened);
  EXPECT_EQ(std::vector<std::uint8_t>(buf.begin(), buf.begin() + 1408), original);
  EXPECT_EQ(opener.counters().opened, 1U);
}

TEST(Aead, NonceIsSaltDirectionAndBigEndianSequence) {
  auto [sealer, opener] = make_pair();
  const std::uint64_t seq = 0x0102030405060708ULL & kMaxSequence;
  const Packet p = seal(sealer, seq, 64);
  // Decrypt with a bare EVP call and the nonce spelled out.
  const std::uint8_t nonce[12] = {0xA1, 0xB2, 0xC3, 0xD4, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  std::vector<std::uint8_t> plain(64);
  std::vector<std::uint8_t> tag(p.sealed.end() - kTagBytes, p.sealed.end());
  int len = 0;
  ASSERT_EQ(EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, test_key().key.data(), nonce), 1);
  ASSERT_EQ(EVP_DecryptUpdate(ctx, nullptr, &len, p.header.data(), 40), 1);
  ASSERT_EQ(EVP_DecryptUpdate(ctx, plain.data(), &len, p.sealed.data(), 64), 1);
  ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data()), 1);
  EXPECT_EQ(EVP_DecryptFinal_ex(ctx, plain.data() + len, &len), 1);
  EVP_CIPHER_CTX_free(ctx);
  EXPECT_EQ(plain[0], static_cast<std::uint8_t>(seq));
}

TEST(Aead, TamperedAndTruncatedPacketsAreRefusedAndCounted) {
  auto [sealer, opener] = make_pair();
  Packet header_flip = seal(sealer, 1);
  header_flip.header[3] ^= 1;
  EXPECT_EQ(open(opener, 1, header_flip), OpenOutcome::auth_failed);
  Packet body_flip = seal(sealer, 2);
  body_flip.sealed[10] ^= 0x80;
  EXPECT_EQ(open(opener, 2, body_flip), OpenOutcome::auth_failed);
  Packet tag_flip = seal(sealer, 3);
  tag_flip.sealed.back() ^= 1;
  EXPECT_EQ(open(opener, 3, tag_flip), OpenOutcome::auth_failed);
  Packet truncated = seal(sealer, 4);
  truncated.sealed.resize(truncated.sealed.size() - 1);
  EXPECT_EQ(open(opener, 4, truncated), OpenOutcome::auth_failed);
  Packet tiny = seal(sealer, 5);
  tiny.sealed.resize(kTagBytes - 1);
  EXPECT_EQ(open(opener, 5, tiny), OpenOutcome::auth_failed);
  // The wrong sequence number (a rewritten header field) does not authenticate either.
  const Packet moved = seal(sealer, 6);
  EXPECT_EQ(open(opener, 7, moved), OpenOutcome::auth_failed);
  EXPECT_EQ(opener.counters().auth_failed, 6U);
  // None of the failures entered the window: the genuine packets still open.
  EXPECT_EQ(open(opener, 6, moved), OpenOutcome::opened);
  EXPECT_EQ(open(opener, 1, seal(sealer, 8)), OpenOutcome::auth_failed) << "seq 1 under another header";
}

TEST(Aead, ReplayedAndTooOldPacketsAreRefusedAndCounted) {
  auto [sealer, opener] = make_pair();
  const Packet first = seal(sealer, 10);
  ASSERT_EQ(open(opener, 10, first), OpenOutcome::opened);
  EXPECT_EQ(open(opener, 10, first), OpenOutcome::replayed);
  const Packet far = seal(sealer, 10 + kDefaultReplayWindow + 5);
  ASSERT_EQ(open(opener, 10 + kDefaultReplayWindow + 5, far), OpenOutcome::opened);
  const Packet late = seal(sealer, 10 + kDefaultReplayWindow + 6);
  EXPECT_EQ(open(opener, 10, first), OpenOutcome::too_old);
  EXPECT_EQ(opener.counters().replayed, 1U);
  EXPECT_EQ(opener.counters().too_old, 1U);
  EXPECT_EQ(open(opener, 10 + kDefaultReplayWindow + 6, late), OpenOutcome::opened);
}

TEST(Aead, ForgedPacketsCannotMoveTheWindow) {
  auto [sealer, opener] = make_pair();
  const Packet genuine = seal(sealer, 5);
  Packet forged = genuine;
  forged.sealed[0] ^= 1;
  EXPECT_EQ(open(opener, 1'000'000'000, forged), OpenOutcome::auth_failed);
  EXPECT_EQ(open(opener, 5, genuine), OpenOutcome::opened);
}

TEST(Aead, DirectionsHaveDisjointNonces) {
  auto host = Sealer::create(test_key(), Direction::host_to_client);
  auto client_view = Opener::create(test_key(), Direction::client_to_host);
  ASSERT_TRUE(host && client_view);
  EXPECT_EQ(open(*client_view, 0, seal(*host, 0)), OpenOutcome::auth_failed);
}

TEST(Aead, SequenceNumbersAreNeverReusedAndRunOut) {
  auto [sealer, opener] = make_pair(/*max_sequence=*/9);
  EXPECT_EQ(sealer.remaining(), 10U);
  std::vector<std::uint8_t> header(40), plain(16), out(32);
  ASSERT_TRUE(sealer.seal(5, header, plain, out).has_value());
  EXPECT_EQ(sealer.remaining(), 4U);
  const Status reuse = sealer.seal(5, header, plain, out);
  ASSERT_FALSE(reuse.has_value());
  EXPECT_EQ(reuse.error().code, Errc::invalid_argument);
  EXPECT_FALSE(sealer.seal(4, header, plain, out).has_value());
  ASSERT_TRUE(sealer.seal(9, header, plain, out).has_value());
  EXPECT_EQ(sealer.remaining(), 0U);
  const Status exhausted = sealer.seal(10, header, plain, out);
  ASSERT_FALSE(exhausted.has_value());
  EXPECT_EQ(exhausted.error().code, Errc::limit_reached);
  std::vector<std::uint8_t> small(20);
  EXPECT_FALSE(make_pair().sealer.seal(0, header, plain, small).has_value()) << "no room for the tag";
}

TEST(Aead, BadKeysAndDirectionsAreRefused) {
  SessionKey zero;
  EXPECT_FALSE(Sealer::create(zero, Direction::host_to_client).has_value());
  EXPECT_FALSE(Opener::create(zero, Direction::host_to_client).has_value());
  EXPECT_FALSE(Sealer::create(test_key(), Direction::unset).has_value());
  auto generated = generate_session_key();
  ASSERT_TRUE(generated.has_value());
  EXPECT_NE(generated->key, SessionKey{}.key);
  EXPECT_NE(generated->key, generate_session_key()->key);
}

TEST(ReplayWindow, TracksExactlyItsSize) {
  ReplayWindow w(1 << 17);
  EXPECT_EQ(w.size(), std::size_t{1} << 17);
  EXPECT_EQ(w.check(0), ReplayWindow::Verdict::fresh);
  w.accept(1'000'000);
  EXPECT_EQ(w.check(1'000'000), ReplayWindow::Verdict::replayed);
  EXPECT_EQ(w.check(1'000'000 - (1 << 17) + 1), ReplayWindow::Verdict::fresh);
  EXPECT_EQ(w.check(1'000'000 - (1 << 17)), ReplayWindow::Verdict::too_old);
  EXPECT_EQ(w.check(999'999), ReplayWindow::Verdict::fresh);
  w.accept(999'999);
  EXPECT_EQ(w.check(999'999), ReplayWindow::Verdict::replayed);
}

TEST(ReplayWindow, SlidingForgetsOnlyWhatLeftTheWindow) {
  ReplayWindow w(256);
  for (std::uint64_t s = 0; s < 1000; s += 3) {
    w.accept(s);
  }
  for (std::uint64_t s = 1000 - 255; s < 1000; ++s) {
    const auto expect = s % 3 == 0 ? ReplayWindow::Verdict::replayed : ReplayWindow::Verdict::fresh;
    ASSERT_EQ(w.check(s), expect) << s;
  }
  // Jumps of every size clear the bits they pass over and keep the rest.
  for (std::uint64_t jump : {1U, 63U, 64U, 65U, 130U, 255U, 256U, 257U, 10'000U}) {
    ReplayWindow v(256);
    for (std::uint64_t s = 0; s < 256; ++s) {
      v.accept(s);
    }
    v.accept(255 + jump);
    for (std::uint64_t s = 255 + jump >= 255 ? 255 + jump - 255 : 0; s <= 255 + jump; ++s) {
      const bool seen = s <= 255 || s == 255 + jump;
      ASSERT_EQ(v.check(s), seen ? ReplayWindow::Verdict::replayed : ReplayWindow::Verdict::fresh)
          << "jump " << jump << " seq " << s;
    }
  }
}

}  // namespace
}  // namespace pf::crypto
