// One virtual display of pf-vdisplay backed by the synthetic source: a
// producer thread renders the animated pattern at the display's refresh rate
// and publishes each frame into the display's current ring.
//
// Thread: "pfvd-disp-<id>", owned by this object (std::jthread), stopped and
// joined by the destructor. It blocks only in its frame-interval wait.
// The first-frame guarantee: when a new ring arrives, the last rendered frame
// is published into it at once, before the next tick.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <optional>
#include <thread>

#include "pf/core/thread_annotations.hpp"
#include "pf/core/unique.hpp"
#include "pf/framering/ring.hpp"

namespace pf::agent {

struct Mode {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t refresh_mhz = 0;
};

class SyntheticDisplay {
 public:
  SyntheticDisplay(std::uint32_t id, const Mode& mode);
  ~SyntheticDisplay();
  SyntheticDisplay(const SyntheticDisplay&) = delete;
  SyntheticDisplay& operator=(const SyntheticDisplay&) = delete;

  /// Hands a freshly attached ring to the producer thread (it replaces the
  /// previous one at the thread's next pass).
  void set_channel(framering::RingMemory ring, UniqueFd wake) PF_EXCLUDES(mutex_);
  /// Changes the rendered mode; frames mismatch the old ring until the host
  /// delivers one of the new size.
  void set_mode(const Mode& mode) PF_EXCLUDES(mutex_);

  [[nodiscard]] std::uint32_t id() const noexcept { return id_; }

 private:
  struct Channel {
    framering::RingMemory ring;
    UniqueFd wake;
  };
  void run(const std::stop_token& stop);

  const std::uint32_t id_;
  Mutex mutex_;
  std::condition_variable_any wake_up_;
  Mode mode_ PF_GUARDED_BY(mutex_);
  std::optional<Channel> pending_ PF_GUARDED_BY(mutex_);
  std::atomic<bool> has_pending_{false};  // wake-up predicate, mirrors pending_
  std::jthread thread_;  // last: started after everything it uses exists
};

}  // namespace pf::agent
