#include "vdisplay/ring_reader.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "pf/framering/endpoints.hpp"

namespace pf::vdisplay::fixture {

using namespace std::chrono_literals;

SupervisorOptions agent_options() {
  SupervisorOptions o;
  o.spawn = AgentSpawnOptions{PF_VDISPLAY_BINARY, 10s, "warn"};
  return o;
}

namespace {

// Consumes frames until `done` says so or the timeout; returns whether it did.
template <typename Done>
bool consume_until(const std::shared_ptr<HostRing>& ring, Nanos timeout, Done&& done) {
  if (!ring) {
    return false;
  }
  const TimePoint start = steady_clock().now();
  framering::Consumer consumer(ring->ring, ring->wake.get());
  std::vector<std::uint8_t> out(std::size_t{ring->ring.pitch_bytes()} * ring->ring.height());
  framering::ConsumedFrame got;
  while (steady_clock().now() - start < timeout) {
    static_cast<void>(consumer.wait(20ms));
    if (consumer.try_consume(out, ring->ring.pitch_bytes(), got) == framering::ConsumeOutcome::consumed) {
      if (got.checksum != 0) {  // sources that compute one (synthetic)
        EXPECT_EQ(framering::frame_checksum(out.data(), ring->ring.pitch_bytes(), ring->ring.width() * 4,
                                            ring->ring.height()),
                  got.checksum);
      }
      if (done(out, steady_clock().now() - start)) {
        return true;
      }
    }
  }
  return false;
}

std::array<std::uint8_t, 3> centre(const std::shared_ptr<HostRing>& ring, const std::vector<std::uint8_t>& px) {
  const std::size_t at =
      std::size_t{ring->ring.pitch_bytes()} * (ring->ring.height() / 2) + std::size_t{ring->ring.width() / 2} * 4;
  return {px[at], px[at + 1], px[at + 2]};
}

}  // namespace

std::optional<FirstFrame> first_frame(const std::shared_ptr<HostRing>& ring, Nanos timeout) {
  std::optional<FirstFrame> f;
  consume_until(ring, timeout, [&](const std::vector<std::uint8_t>& px, Nanos latency) {
    f = FirstFrame{latency, true, centre(ring, px)};
    for (std::size_t i = 0; i < px.size() && f->all_black; i += 4) {
      f->all_black = px[i] == 0 && px[i + 1] == 0 && px[i + 2] == 0;
    }
    return true;
  });
  return f;
}

bool frame_shows(const std::shared_ptr<HostRing>& ring, std::uint8_t b, std::uint8_t g, std::uint8_t r,
                 Nanos timeout) {
  return consume_until(ring, timeout, [&](const std::vector<std::uint8_t>& px, Nanos) {
    return centre(ring, px) == std::array<std::uint8_t, 3>{b, g, r};
  });
}

}  // namespace pf::vdisplay::fixture
