#include "pf/framering/abi.hpp"

#include <gtest/gtest.h>

namespace pf::framering {
namespace {

TEST(FrameToken, RoundTripsAtTheEdges) {
  for (const FrameToken t : {FrameToken{1, 1, 0}, FrameToken{kGenerationMask, 0xFFFFFFFF, 255},
                             FrameToken{0x123456, 0x89ABCDEF, 5}, FrameToken{7, 0, 15}}) {
    EXPECT_EQ(FrameToken::unpack(t.pack()), t);
  }
  EXPECT_EQ((FrameToken{0x123456, 0x89ABCDEF, 5}.pack()), 0x12345689ABCDEF05ULL);
  EXPECT_EQ(FrameToken{}.pack(), 0U);
}

TEST(FrameToken, GenerationIsTruncatedTo24Bits) {
  EXPECT_EQ(FrameToken::unpack(FrameToken{0x1FFFFFF, 1, 1}.pack()).generation, kGenerationMask);
}

TEST(Layout, IsPageAlignedAndRejectsNonsense) {
  const Layout l = compute_layout(1920, 1080, PixelFormat::bgra8, 6);
  EXPECT_EQ(l.pitch_bytes, 7680U);
  EXPECT_EQ(l.pixels_offset % kPageBytes, 0U);
  EXPECT_EQ(l.slot_stride_bytes % kPageBytes, 0U);
  EXPECT_GE(l.slot_stride_bytes, 7680ULL * 1080);
  EXPECT_EQ(l.total_bytes, l.pixels_offset + 6 * l.slot_stride_bytes);
  EXPECT_EQ(compute_layout(0, 1080, PixelFormat::bgra8, 6).total_bytes, 0U);
  EXPECT_EQ(compute_layout(1920, 1080, PixelFormat::unset, 6).total_bytes, 0U);
  EXPECT_EQ(compute_layout(1920, 1080, PixelFormat::bgra8, 0).total_bytes, 0U);
  EXPECT_EQ(compute_layout(1920, 1080, PixelFormat::bgra8, kMaxRingLength + 1).total_bytes, 0U);
  EXPECT_EQ(compute_layout(kMaxDimension + 1, 16, PixelFormat::bgra8, 6).total_bytes, 0U);
}

class CheckAttach : public ::testing::Test {
 protected:
  void SetUp() override {
    const Layout l = compute_layout(640, 480, PixelFormat::bgra8, 6);
    h_ = RingHeader{};
    h_.magic = kMagic;
    h_.version = kVersion;
    h_.min_version = kMinVersion;
    h_.header_bytes = sizeof(RingHeader);
    h_.generation = 42;
    h_.ring_length = 6;
    h_.width = 640;
    h_.height = 480;
    h_.pixel_format = static_cast<std::uint32_t>(PixelFormat::bgra8);
    h_.pitch_bytes = l.pitch_bytes;
    h_.display_id = 3;
    h_.slot_header_bytes = sizeof(SlotHeader);
    h_.pixels_offset = l.pixels_offset;
    h_.slot_stride_bytes = l.slot_stride_bytes;
    expect_ = AttachExpectation{3, 42, l.total_bytes};
  }
  RingHeader h_{};
  AttachExpectation expect_{};
};

TEST_F(CheckAttach, AcceptsAConsistentHeader) {
  EXPECT_EQ(check_attach(h_, expect_), AttachVerdict::ok);
}

TEST_F(CheckAttach, NamesEachFailure) {
  auto with = [&](auto mutate) {
    RingHeader h = h_;
    AttachExpectation e = expect_;
    mutate(h, e);
    return check_attach(h, e);
  };
  EXPECT_EQ(with([](RingHeader& h, auto&) { h.magic = 0; }), AttachVerdict::bad_magic);
  EXPECT_EQ(with([](RingHeader& h, auto&) { h.version = kMinVersion - 1; }),
            AttachVerdict::version_below_minimum);
  EXPECT_EQ(with([](RingHeader& h, auto&) { h.min_version = kVersion + 1; }),
            AttachVerdict::requires_newer);
  EXPECT_EQ(with([](auto&, AttachExpectation& e) { e.generation = 41; }),
            AttachVerdict::stale_generation);
  EXPECT_EQ(with([](RingHeader& h, AttachExpectation& e) { h.generation = e.generation = 0; }),
            AttachVerdict::stale_generation);
  EXPECT_EQ(with([](auto&, AttachExpectation& e) { e.display_id = 4; }), AttachVerdict::wrong_display);
  EXPECT_EQ(with([](auto&, AttachExpectation& e) { e.mapping_bytes -= 1; }), AttachVerdict::bad_layout);
  EXPECT_EQ(with([](RingHeader& h, auto&) { h.pitch_bytes -= 4; }), AttachVerdict::bad_layout);
  EXPECT_EQ(with([](RingHeader& h, auto&) { h.ring_length = 200; }), AttachVerdict::bad_layout);
  EXPECT_EQ(with([](RingHeader& h, auto&) { h.slot_stride_bytes = 1; }), AttachVerdict::bad_layout);
  EXPECT_EQ(with([](RingHeader& h, auto&) { h.header_bytes = 64; }), AttachVerdict::bad_layout);
  for (auto v : {AttachVerdict::bad_magic, AttachVerdict::version_below_minimum,
                 AttachVerdict::requires_newer, AttachVerdict::stale_generation,
                 AttachVerdict::wrong_display, AttachVerdict::bad_layout}) {
    EXPECT_NE(to_string(v), "unknown");
  }
}

}  // namespace
}  // namespace pf::framering
