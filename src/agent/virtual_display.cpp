#include "pf/agent/virtual_display.hpp"

#include <pthread.h>

#include <string>

#include <fmt/format.h>

#include "pf/core/clock.hpp"
#include "pf/core/log.hpp"
#include "pf/framering/endpoints.hpp"

namespace pf::agent {
namespace {

const log::Logger kLog{"vdisplay"};
constexpr Nanos kKeepAliveRepeat = std::chrono::seconds(1);

// Lets a source fill a held slot of `ring` in place; remembers why not.
struct InPlace {
  FrameSource& source;
  const framering::RingMemory& ring;
  Status status;

  framering::SlotFill slot_fill() {
    return framering::SlotFill{[](void* self, std::uint32_t slot, std::uint8_t*, std::uint32_t) {
                                 auto& me = *static_cast<InPlace*>(self);
                                 me.status = me.source.capture_into(me.ring.pixels_offset(slot));
                                 return me.status.has_value();
                               },
                               this};
  }
};

Nanos interval_of(std::uint32_t refresh_mhz) {
  const std::uint32_t mhz = refresh_mhz == 0 ? 60'000 : refresh_mhz;
  return Nanos(1'000'000'000'000LL / mhz);
}

}  // namespace

VirtualDisplay::VirtualDisplay(std::uint32_t id, const Mode& mode, std::unique_ptr<FrameSource> source)
    : id_(id) {
  {
    MutexLock lock(mutex_);
    mode_ = mode;
    source_ = std::move(source);
  }
  thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

VirtualDisplay::~VirtualDisplay() {
  thread_.request_stop();
  wake_up_.notify_all();
  thread_.join();  // before the source and ring it uses go away
}

void VirtualDisplay::set_channel(framering::RingMemory ring, UniqueFd wake) {
  {
    MutexLock lock(mutex_);
    pending_.emplace(Channel{std::move(ring), std::move(wake)});
    has_pending_.store(true, std::memory_order_release);
  }
  wake_up_.notify_all();
}

Status VirtualDisplay::set_mode(const Mode& mode) {
  MutexLock lock(mutex_);
  in_place_ = false;  // the current ring is the old size; the next ring is offered anew
  if (auto st = source_->set_mode(mode); !st) {
    return st;
  }
  mode_ = mode;
  return ok();
}

std::optional<std::uint32_t> VirtualDisplay::x_display() const {
  MutexLock lock(mutex_);
  return source_->x_display();
}

Result<std::unique_ptr<InputInjector>> VirtualDisplay::open_input() const {
  MutexLock lock(mutex_);
  return source_->open_input();
}

std::vector<std::string> VirtualDisplay::app_environment() const {
  MutexLock lock(mutex_);
  return source_->app_environment();
}

std::optional<Credentials> VirtualDisplay::app_user() const {
  MutexLock lock(mutex_);
  return source_->app_user();
}

void VirtualDisplay::run(const std::stop_token& stop) {
  const std::string name = fmt::format("pfvd-disp-{}", id_);
  pthread_setname_np(pthread_self(), name.c_str());
  std::optional<Channel> current;
  std::optional<framering::Publisher> publisher;
  std::optional<framering::FrameView> last;  // the copy path's stash (first-frame guarantee)
  std::uint64_t frame_id = 0;
  TimePoint last_publish{};
  TimePoint next_tick = steady_clock().now();
  log::RateLimitedLog capture_failed(kLog, log::Level::warn, std::chrono::seconds(5), "capture failures");

  MutexLock lock(mutex_);
  while (!stop.stop_requested()) {
    const TimePoint now = steady_clock().now();
    const auto now_ns = static_cast<std::uint64_t>(now.time_since_epoch().count());
    if (pending_) {
      publisher.reset();  // never publish into a ring that is about to be unmapped
      current = std::move(pending_);
      pending_.reset();
      has_pending_.store(false, std::memory_order_release);
      publisher.emplace(current->ring, current->wake.get());
      publisher->report_opened();
      in_place_ = source_->use_ring(current->ring.fd(), current->ring.mapped_bytes(), current->ring.pitch_bytes());
      if (in_place_) {
        last.reset();  // the source captures the whole screen into the new ring next
      } else if (last) {
        publisher->publish(*last, now_ns);  // the first-frame guarantee
        last_publish = now;
      }
    }
    ++frame_id;
    if (in_place_) {
      // Straight into a held slot: no copy of ours. An unchanged screen is
      // captured again once a second as the keep-alive.
      if (source_->changed() || now - last_publish >= kKeepAliveRepeat) {
        const framering::FrameView meta{nullptr, 0, mode_.width, mode_.height, framering::PixelFormat::bgra8,
                                        frame_id, now_ns, 0};
        InPlace fill{*source_, current->ring, {}};
        if (publisher->publish_in_place(meta, fill.slot_fill(), now_ns) == framering::PublishOutcome::published) {
          last_publish = now;
          in_place_frames_.fetch_add(1, std::memory_order_relaxed);
        } else if (!fill.status) {
          capture_failed(now, "display {}: {}", id_, fill.status.error().message);
        }
      }
    } else if (auto frame = source_->capture(frame_id, now_ns); !frame) {
      capture_failed(now, "display {}: {}", id_, frame.error().message);
      last.reset();
    } else {
      last = framering::FrameView{frame->pixels, frame->pitch_bytes, frame->width, frame->height,
                                  framering::PixelFormat::bgra8, frame_id,
                                  frame->capture_ns != 0 ? frame->capture_ns : now_ns, frame->checksum};
      if (publisher && (frame->changed || now - last_publish >= kKeepAliveRepeat)) {
        publisher->publish(*last, now_ns);
        last_publish = now;
      }
    }
    next_tick += interval_of(mode_.refresh_mhz);
    if (next_tick < now) {
      next_tick = now;  // fell behind: skip ahead instead of bursting
    }
    wake_up_.wait_until(mutex_, stop, next_tick,
                        [this] { return has_pending_.load(std::memory_order_acquire); });
  }
  kLog.debug("display {} producer stopped after {} frames", id_, frame_id);
}

}  // namespace pf::agent
