#include "pf/framering/endpoints.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "framering/ring_helpers.hpp"

namespace pf::framering {
namespace {

using namespace std::chrono_literals;
using test::SourceFrame;

struct Fixture {
  Fixture(std::uint32_t w, std::uint32_t h, std::uint32_t ring_length = 6)
      : ring(RingMemory::create({1, 5, w, h, PixelFormat::bgra8, ring_length}).value()),
        wake(make_wake_fd().value()),
        publisher(ring, wake.get()),
        consumer(ring, wake.get()),
        out(std::size_t{ring.pitch_bytes()} * h) {}

  ConsumeOutcome consume(ConsumedFrame& f, Nanos timeout = Consumer::kDefaultLockTimeout) {
    return consumer.try_consume(out, ring.pitch_bytes(), f, timeout);
  }
  std::uint64_t checksum_of_out() const {
    return frame_checksum(out.data(), ring.pitch_bytes(), ring.width() * 4, ring.height());
  }

  RingMemory ring;
  UniqueFd wake;
  Publisher publisher;
  Consumer consumer;
  std::vector<std::uint8_t> out;
};

TEST(Endpoints, PublishedFrameArrivesWholeWithItsRecord) {
  Fixture fx(320, 180);
  SourceFrame src(320, 180);
  ConsumedFrame got;
  EXPECT_EQ(fx.consume(got), ConsumeOutcome::no_new_frame);
  const FrameView frame = src.render(41);
  ASSERT_EQ(fx.publisher.publish(frame, 1), PublishOutcome::published);
  EXPECT_EQ(fx.consumer.wait(0ms), WaitOutcome::woken);
  ASSERT_EQ(fx.consume(got), ConsumeOutcome::consumed);
  EXPECT_EQ(got.frame_id, 41U);
  EXPECT_EQ(got.lock, LockOutcome::acquired);
  EXPECT_EQ(got.checksum, frame.checksum);
  EXPECT_EQ(fx.checksum_of_out(), frame.checksum);
  const auto stamp = synth::read_stamp_bgra(fx.out.data(), fx.ring.pitch_bytes(), 320, 180);
  ASSERT_TRUE(stamp);
  EXPECT_EQ(stamp->frame_id, 41U);
  EXPECT_EQ(stamp->capture_ns, frame.capture_ns);
  EXPECT_EQ(fx.consume(got), ConsumeOutcome::no_new_frame);  // nothing new
  EXPECT_EQ(fx.ring.header().published, 1U);
}

TEST(Endpoints, InPlaceFillsAHeldSlotAndAFailedFillPublishesNothing) {
  Fixture f(64, 32);
  struct Writer {
    const RingMemory* ring = nullptr;
    bool succeed = true;
    std::uint32_t calls = 0;
    static bool fill(void* self, std::uint32_t slot, std::uint8_t* pixels, std::uint32_t pitch) {
      auto& w = *static_cast<Writer*>(self);
      ++w.calls;
      EXPECT_EQ(pixels, w.ring->pixels(slot));
      EXPECT_EQ(pixels, w.ring->pixels(0) + (w.ring->pixels_offset(slot) - w.ring->pixels_offset(0)));
      std::memset(pixels, 0x5A, std::size_t{pitch} * w.ring->height());
      return w.succeed;
    }
  } writer{&f.ring};
  const FrameView meta{nullptr, 0, 64, 32, PixelFormat::bgra8, 9, 1234, 0};

  writer.succeed = false;
  EXPECT_EQ(f.publisher.publish_in_place(meta, SlotFill{&Writer::fill, &writer}, 1), PublishOutcome::dropped_fill_failed);
  ConsumedFrame got;
  EXPECT_EQ(f.consume(got), ConsumeOutcome::no_new_frame) << "a failed fill must not be announced";

  writer.succeed = true;
  EXPECT_EQ(f.publisher.publish_in_place(meta, SlotFill{&Writer::fill, &writer}, 2), PublishOutcome::published);
  ASSERT_EQ(f.consume(got), ConsumeOutcome::consumed);
  EXPECT_EQ(got.frame_id, 9U);
  EXPECT_EQ(f.out[0], 0x5A);
  EXPECT_EQ(f.out.back(), 0x5A);
  EXPECT_EQ(writer.calls, 2U);
  const FrameView wrong{nullptr, 0, 65, 32, PixelFormat::bgra8, 10, 0, 0};
  EXPECT_EQ(f.publisher.publish_in_place(wrong, SlotFill{&Writer::fill, &writer}, 3), PublishOutcome::dropped_mismatch);
  EXPECT_EQ(writer.calls, 2U) << "a mismatched frame never reaches the writer";
}

TEST(Endpoints, BusySkipIsLiveAndNeverWaits) {
  Fixture fx(64, 64, 3);
  SourceFrame src(64, 64);
  // The consumer holds slot 0, where the next publish would go.
  const SlotGuard held = SlotGuard::acquire(fx.ring.slot(0).mutex_storage, 0ns);
  ASSERT_EQ(held.outcome(), LockOutcome::acquired);
  ASSERT_EQ(fx.publisher.publish(src.render(1), 1), PublishOutcome::published);
  EXPECT_EQ(fx.ring.header().busy_skipped, 1U);
  EXPECT_EQ(FrameToken::unpack(fx.ring.header().latest).slot, 1);
}

TEST(Endpoints, AllSlotsHeldDropsAndCounts) {
  Fixture fx(64, 64, 3);
  SourceFrame src(64, 64);
  std::vector<SlotGuard> held;
  for (std::uint32_t i = 0; i < 3; ++i) {
    held.push_back(SlotGuard::acquire(fx.ring.slot(i).mutex_storage, 0ns));
    ASSERT_EQ(held.back().outcome(), LockOutcome::acquired);
  }
  EXPECT_EQ(fx.publisher.publish(src.render(1), 1), PublishOutcome::dropped_all_busy);
  EXPECT_EQ(fx.publisher.publish(src.render(2), 2), PublishOutcome::dropped_all_busy);
  const RingHeader& h = fx.ring.header();
  EXPECT_EQ(h.dropped, 2U);
  EXPECT_EQ(h.busy_skipped, 6U);
  EXPECT_EQ(h.offered, 2U);
  EXPECT_EQ(h.published, 0U);
  EXPECT_EQ(h.latest, 0U);
  held.clear();
  EXPECT_EQ(fx.publisher.publish(src.render(3), 3), PublishOutcome::published);
}

TEST(Endpoints, MismatchedFramesAreDroppedNotCopied) {
  Fixture fx(64, 64);
  SourceFrame src(32, 64);
  EXPECT_EQ(fx.publisher.publish(src.render(1), 1), PublishOutcome::dropped_mismatch);
  EXPECT_EQ(fx.ring.header().dropped, 1U);
}

TEST(Endpoints, ATokenOfAnotherGenerationIsRejected) {
  Fixture fx(64, 64);
  fx.ring.header().latest = FrameToken{6, 1, 0}.pack();  // from a ring that no longer exists
  ConsumedFrame got;
  EXPECT_EQ(fx.consume(got), ConsumeOutcome::stale_generation);
  EXPECT_EQ(fx.consumer.counters().stale_generation, 1U);
}

TEST(Endpoints, ASlotThatNoLongerHoldsTheTokensFrameIsNotRead) {
  Fixture fx(64, 64, 2);
  SourceFrame src(64, 64);
  ASSERT_EQ(fx.publisher.publish(src.render(1), 1), PublishOutcome::published);
  fx.ring.slot(0).seq = 0;  // what a producer that died mid-copy leaves behind
  ConsumedFrame got;
  EXPECT_EQ(fx.consume(got), ConsumeOutcome::slot_overwritten);
  EXPECT_EQ(fx.consume(got), ConsumeOutcome::no_new_frame);  // the same token is not retried
}

TEST(OutRing, RotatesSoTheBufferBeingEncodedIsNotOverwritten) {
  OutRing ring(3, 256, 4);
  EXPECT_TRUE(ring.last_written().empty());
  const MutableBytes a = ring.next_for_write();
  EXPECT_EQ(a.size(), 256U * 4);
  EXPECT_EQ(ring.last_written().data(), a.data());
  const MutableBytes b = ring.next_for_write();
  const MutableBytes c = ring.next_for_write();
  EXPECT_NE(a.data(), b.data());
  EXPECT_NE(b.data(), c.data());
  EXPECT_NE(a.data(), c.data());
  EXPECT_EQ(ring.next_for_write().data(), a.data());  // depth ≤ 2 never sees its buffer reused
}

// A producer process SIGKILLed at random points, 100 times, over one ring:
// every slot stays acquirable (abandoned counts as acquired), and the
// consumer keeps going.
TEST(EndpointsTorture, ProducerKilledAtRandomPointsNeverWedgesASlot) {
  Fixture fx(640, 480);
  std::mt19937 rng(12345);
  int abandoned = 0;
  int publishing[2];
  ASSERT_EQ(::pipe(publishing), 0);
  for (int round = 0; round < 100; ++round) {
    const pid_t child = ::fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
      SourceFrame src(640, 480);
      const FrameView frame = src.render(static_cast<std::uint64_t>(round));
      fx.publisher.publish(frame, 0);
      static_cast<void>(::write(publishing[1], "p", 1));
      for (std::uint64_t i = 1;; ++i) {
        fx.publisher.publish(frame, i);
      }
    }
    char started = 0;
    ASSERT_EQ(::read(publishing[0], &started, 1), 1);  // the random point is inside the publish loop
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    for (std::uint32_t s = 0; s < fx.ring.ring_length(); ++s) {
      const SlotGuard g = SlotGuard::acquire(fx.ring.slot(s).mutex_storage, 100ms);
      switch (g.outcome()) {
        case LockOutcome::abandoned: ++abandoned; break;
        case LockOutcome::acquired: break;
        case LockOutcome::busy:
        case LockOutcome::error:
        case LockOutcome::unset:
          FAIL() << "slot " << s << " wedged after round " << round << ": " << to_string(g.outcome());
      }
    }
    ConsumedFrame got;
    const ConsumeOutcome c = fx.consume(got);
    EXPECT_TRUE(c == ConsumeOutcome::consumed || c == ConsumeOutcome::no_new_frame ||
                c == ConsumeOutcome::slot_overwritten)
        << to_string(c);
    if (c == ConsumeOutcome::consumed) {
      EXPECT_EQ(fx.checksum_of_out(), got.checksum) << "torn frame after round " << round;
    }
  }
  ::close(publishing[0]);
  ::close(publishing[1]);
  EXPECT_GT(abandoned, 0) << "the producer was never killed inside a slot lock";
  RecordProperty("abandoned_slots_recovered", abandoned);
}

// The producer (another process, unthrottled: far above 240 fps) publishes
// 100,000 frames while the consumer takes them with random hold times.
// Every frame the consumer copies out must be whole.
TEST(EndpointsTorture, HundredThousandFramesWithoutATornOne) {
  constexpr std::uint64_t kFrames = 100'000;
  Fixture fx(128, 72);
  const pid_t child = ::fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    SourceFrame src(128, 72);
    std::uint64_t published = 0;
    for (std::uint64_t id = 1; published < kFrames; ++id) {
      if (fx.publisher.publish(src.render(id), id) == PublishOutcome::published) {
        ++published;
      }
    }
    ::_exit(0);
  }
  std::mt19937 rng(777);
  std::uint64_t consumed = 0;
  std::uint64_t mismatches = 0;
  std::uint64_t last_id = 0;
  for (;;) {
    int status = 0;
    const bool producer_done = ::waitpid(child, &status, WNOHANG) == child;
    ConsumedFrame got;
    if (fx.consume(got) == ConsumeOutcome::consumed) {
      ++consumed;
      const auto stamp = synth::read_stamp_bgra(fx.out.data(), fx.ring.pitch_bytes(), 128, 72);
      if (fx.checksum_of_out() != got.checksum || !stamp || stamp->frame_id != got.frame_id) {
        ++mismatches;
      }
      EXPECT_GT(got.frame_id, last_id) << "frames went backwards";
      last_id = got.frame_id;
      // Sometimes keep the slot a little longer, like a slow converter.
      if (rng() % 4 == 0) {
        const SlotGuard hold = SlotGuard::acquire(fx.ring.slot(got.slot).mutex_storage, 0ns);
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 200));
      }
    }
    if (producer_done) {
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
      break;
    }
  }
  const RingHeader& h = fx.ring.header();
  EXPECT_EQ(h.published, kFrames);
  EXPECT_EQ(mismatches, 0U);
  EXPECT_GT(consumed, 1000U);
  RecordProperty("frames_consumed", static_cast<int>(consumed));
  RecordProperty("busy_skipped", static_cast<int>(h.busy_skipped));
}

}  // namespace
}  // namespace pf::framering
