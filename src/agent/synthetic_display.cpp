#include "pf/agent/synthetic_display.hpp"

#include <pthread.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "pf/core/clock.hpp"
#include "pf/core/log.hpp"
#include "pf/framering/endpoints.hpp"
#include "pf/synth/synthetic.hpp"

namespace pf::agent {
namespace {

const log::Logger kLog{"vdisplay"};

Nanos interval_of(std::uint32_t refresh_mhz) {
  const std::uint32_t mhz = refresh_mhz == 0 ? 60'000 : refresh_mhz;
  return Nanos(1'000'000'000'000LL / mhz);
}

}  // namespace

SyntheticDisplay::SyntheticDisplay(std::uint32_t id, const Mode& mode) : id_(id) {
  {
    MutexLock lock(mutex_);
    mode_ = mode;
  }
  thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

SyntheticDisplay::~SyntheticDisplay() {
  thread_.request_stop();
  wake_up_.notify_all();
  // jthread joins here; the thread never outlives the members it uses.
}

void SyntheticDisplay::set_channel(framering::RingMemory ring, UniqueFd wake) {
  {
    MutexLock lock(mutex_);
    pending_.emplace(Channel{std::move(ring), std::move(wake)});
    has_pending_.store(true, std::memory_order_release);
  }
  wake_up_.notify_all();
}

void SyntheticDisplay::set_mode(const Mode& mode) {
  MutexLock lock(mutex_);
  mode_ = mode;
}

void SyntheticDisplay::run(const std::stop_token& stop) {
  const std::string name = fmt::format("pfvd-disp-{}", id_);
  pthread_setname_np(pthread_self(), name.c_str());
  std::optional<Channel> current;
  std::optional<framering::Publisher> publisher;
  std::vector<std::uint8_t> pixels;
  framering::FrameView last{};
  std::uint64_t frame_id = 0;
  TimePoint next_tick = steady_clock().now();

  while (!stop.stop_requested()) {
    Mode mode;
    std::optional<Channel> arrived;
    {
      MutexLock lock(mutex_);
      mode = mode_;
      arrived.swap(pending_);
      has_pending_.store(false, std::memory_order_release);
    }
    const auto now_ns = static_cast<std::uint64_t>(steady_clock().now().time_since_epoch().count());
    if (arrived) {
      publisher.reset();  // never publish into a ring that is about to be unmapped
      current = std::move(arrived);
      publisher.emplace(current->ring, current->wake.get());
      publisher->report_opened();
      if (last.pixels != nullptr) {
        publisher->publish(last, now_ns);  // the first-frame guarantee
      }
    }
    const std::uint32_t pitch = mode.width * 4;
    if (pixels.size() != std::size_t{pitch} * mode.height) {
      pixels.assign(std::size_t{pitch} * mode.height, 0);
    }
    ++frame_id;
    synth::render_bgra(pixels.data(), pitch, mode.width, mode.height, {frame_id, now_ns});
    last = framering::FrameView{pixels.data(), pitch, mode.width, mode.height,
                                framering::PixelFormat::bgra8, frame_id, now_ns,
                                framering::frame_checksum(pixels.data(), pitch, pitch, mode.height)};
    if (publisher) {
      publisher->publish(last, now_ns);
    }

    next_tick += interval_of(mode.refresh_mhz);
    const TimePoint now = steady_clock().now();
    if (next_tick < now) {
      next_tick = now;  // fell behind: skip ahead instead of bursting
    }
    MutexLock lock(mutex_);
    wake_up_.wait_until(mutex_, stop, next_tick,
                        [this] { return has_pending_.load(std::memory_order_acquire); });
  }
  kLog.debug("display {} producer stopped after {} frames", id_, frame_id);
}

}  // namespace pf::agent
