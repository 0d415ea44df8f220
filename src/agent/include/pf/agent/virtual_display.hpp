// One virtual display of pf-vdisplay: a FrameSource, paced at the display's
// refresh rate by a producer thread that publishes into the display's
// current ring.
//
// Thread: "pfvd-disp-<id>", owned (std::jthread), stopped and joined by the
// destructor. It blocks only in its frame-interval wait; capture and publish
// run under the display's mutex, so set_mode() never races a capture.
// An unchanged source frame is not published again, except once a second
// as a keep-alive. The first-frame guarantee: when a new ring arrives, the
// last captured frame is published into it at once. Sources that can write
// into the ring's memory (Xvfb over MIT-SHM) capture straight into a held
// slot instead, the whole screen into a new ring at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pf/agent/source.hpp"
#include "pf/core/thread_annotations.hpp"
#include "pf/core/unique.hpp"
#include "pf/framering/ring.hpp"

namespace pf::agent {

class VirtualDisplay {
 public:
  VirtualDisplay(std::uint32_t id, const Mode& mode, std::unique_ptr<FrameSource> source);
  ~VirtualDisplay();
  VirtualDisplay(const VirtualDisplay&) = delete;
  VirtualDisplay& operator=(const VirtualDisplay&) = delete;

  /// Hands a freshly attached ring to the producer thread.
  void set_channel(framering::RingMemory ring, UniqueFd wake) PF_EXCLUDES(mutex_);
  /// Changes the mode now; frames mismatch the old ring until the host
  /// delivers one of the new size.
  [[nodiscard]] Status set_mode(const Mode& mode) PF_EXCLUDES(mutex_);
  [[nodiscard]] std::optional<std::uint32_t> x_display() const PF_EXCLUDES(mutex_);
  /// A new input path into the display's current server (see FrameSource).
  [[nodiscard]] Result<std::unique_ptr<InputInjector>> open_input() const PF_EXCLUDES(mutex_);
  /// What an app launched into this display needs (see FrameSource).
  [[nodiscard]] std::vector<std::string> app_environment() const PF_EXCLUDES(mutex_);
  [[nodiscard]] std::optional<Credentials> app_user() const PF_EXCLUDES(mutex_);
  [[nodiscard]] std::uint32_t id() const noexcept { return id_; }
  /// Frames published by capturing straight into a ring slot (no copy of ours).
  [[nodiscard]] std::uint64_t in_place_frames() const noexcept {
    return in_place_frames_.load(std::memory_order_relaxed);
  }

 private:
  struct Channel {
    framering::RingMemory ring;
    UniqueFd wake;
  };
  void run(const std::stop_token& stop);

  const std::uint32_t id_;
  mutable Mutex mutex_;
  std::condition_variable_any wake_up_;
  Mode mode_ PF_GUARDED_BY(mutex_);
  std::unique_ptr<FrameSource> source_ PF_GUARDED_BY(mutex_);
  std::optional<Channel> pending_ PF_GUARDED_BY(mutex_);
  std::atomic<bool> has_pending_{false};  // wake-up predicate, mirrors pending_
  bool in_place_ PF_GUARDED_BY(mutex_) = false;  // the source captures straight into the current ring
  std::atomic<std::uint64_t> in_place_frames_{0};
  std::jthread thread_;                   // last: started after everything it uses exists
};

}  // namespace pf::agent
