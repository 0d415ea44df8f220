#include "pf/framering/ring.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace pf::framering {
namespace {

UniqueFd dup_fd(int fd) { return UniqueFd(::fcntl(fd, F_DUPFD_CLOEXEC, 0)); }

TEST(RingMemory, CreateWritesAHeaderThatAttachAccepts) {
  auto ring = RingMemory::create({7, 99, 320, 200, PixelFormat::bgra8, 6});
  ASSERT_TRUE(ring) << ring.error().message;
  EXPECT_EQ(ring->header().magic, kMagic);
  EXPECT_EQ(ring->header().latest, 0U);
  EXPECT_EQ(ring->generation(), 99U);

  auto attached = RingMemory::attach(dup_fd(ring->fd()), {7, 99, 0});
  ASSERT_TRUE(attached) << attached.error().message;
  EXPECT_EQ(attached->width(), 320U);
  EXPECT_EQ(attached->ring_length(), 6U);
  // Both mappings see the same memory.
  ring->pixels(2)[10] = 0xAB;
  EXPECT_EQ(attached->pixels(2)[10], 0xAB);
}

TEST(RingMemory, AttachNamesWhatIsWrong) {
  auto ring = RingMemory::create({7, 99, 320, 200, PixelFormat::bgra8, 6});
  ASSERT_TRUE(ring);
  auto wrong_display = RingMemory::attach(dup_fd(ring->fd()), {8, 99, 0});
  ASSERT_FALSE(wrong_display);
  EXPECT_NE(wrong_display.error().message.find("another display"), std::string::npos);
  auto stale = RingMemory::attach(dup_fd(ring->fd()), {7, 98, 0});
  ASSERT_FALSE(stale);
  EXPECT_NE(stale.error().message.find("stale generation"), std::string::npos);
}

TEST(RingMemory, AttachRefusesAnUnsealedOrForeignDescriptor) {
  UniqueFd plain(::memfd_create("not-a-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  ASSERT_TRUE(plain);
  ASSERT_EQ(::ftruncate(plain.get(), 1 << 20), 0);
  auto unsealed = RingMemory::attach(dup_fd(plain.get()), {1, 1, 0});
  ASSERT_FALSE(unsealed);
  EXPECT_EQ(unsealed.error().code, Errc::permission_denied);
  ASSERT_EQ(::fcntl(plain.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), 0);
  auto zeros = RingMemory::attach(std::move(plain), {1, 1, 0});
  ASSERT_FALSE(zeros);
  EXPECT_NE(zeros.error().message.find("bad magic"), std::string::npos);
}

TEST(RingMemory, TheRingCannotBeResized) {
  auto ring = RingMemory::create({1, 1, 64, 64, PixelFormat::bgra8, 2});
  ASSERT_TRUE(ring);
  EXPECT_NE(::ftruncate(ring->fd(), 4096), 0);
  EXPECT_NE(::ftruncate(ring->fd(), 1 << 30), 0);
}

TEST(RingMemory, CreateRefusesBadSpecs) {
  EXPECT_FALSE(RingMemory::create({1, 0, 64, 64, PixelFormat::bgra8, 6}));
  EXPECT_FALSE(RingMemory::create({1, 1 << 24, 64, 64, PixelFormat::bgra8, 6}));
  EXPECT_FALSE(RingMemory::create({1, 1, 0, 64, PixelFormat::bgra8, 6}));
  EXPECT_FALSE(RingMemory::create({1, 1, 64, 64, PixelFormat::unset, 6}));
}

TEST(FrameChecksum, SeesEveryVisibleByteAndIgnoresPadding) {
  std::vector<std::uint8_t> a(64 * 10, 7);
  const auto base = frame_checksum(a.data(), 64, 60, 10);
  EXPECT_NE(base, 0U);
  a[63] = 9;  // padding (bytes 60..63 of row 0)
  EXPECT_EQ(frame_checksum(a.data(), 64, 60, 10), base);
  a[64 * 9 + 59] = 8;  // last visible byte
  EXPECT_NE(frame_checksum(a.data(), 64, 60, 10), base);
}

}  // namespace
}  // namespace pf::framering
