// The client's window (--window): the stream's pictures in an SDL2 window,
// and the user's keyboard, mouse, touch and game controllers as the wire's
// input events.
//
// Threads. The window thread (`pf-cli-window`) owns everything of SDL's
// video: it initialises the video and game-controller subsystems, creates
// the window, the renderer and the texture, pumps events, draws, and shuts
// all of it down again; no other thread makes an SDL video call. The
// receive thread hands each decoded picture over through a one-deep
// overwriting slot (put(): a copy into a spare buffer, then a swap under a
// lock — a picture the window has not taken by then is dropped and
// counted) and wakes the window thread with an SDL user event (pushing an
// event is safe from any thread). Input goes the other way: the window
// thread queues events (bounded; a full queue drops and counts) and wakes
// the control thread through an eventfd; the control thread takes them and
// sends them on the feedback stream. Rumble from the host is handed to the
// window thread like a picture (the newest per pad, then a wake-up), which
// plays it on the controller in that pad's slot.
//
// The picture is drawn as large as the window allows with its aspect kept
// (bars on the other sides), as an IYUV texture (BT.709 limited range);
// window points map back through the same fit to stream pixels.
#pragma once

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pf/client/client.hpp"
#include "pf/client/decoder.hpp"
#include "pf/control/messages.hpp"
#include "pf/core/thread_annotations.hpp"
#include "pf/core/unique.hpp"
#include "pf/input/events.hpp"

namespace pf::client {

class Window {
 public:
  struct Options {
    std::string title;
    std::uint32_t width = 0;  ///< the window's first size (the mode asked for)
    std::uint32_t height = 0;
  };
  /// Starts the window thread and returns once the window is up. Errors:
  /// unsupported (no display: neither DISPLAY nor WAYLAND_DISPLAY is set,
  /// or SDL cannot open the one named, or cannot make a window on it).
  [[nodiscard]] static Result<std::unique_ptr<Window>> open(const Options& options);
  /// Stops the window thread, which closes the window and shuts SDL's
  /// subsystems down. No put() may be running or follow.
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  /// Receive thread: the newest decoded picture (8-bit 4:2:0), copied.
  void put(const Picture& picture) PF_EXCLUDES(slot_mutex_);

  /// Control thread: readable while input is waiting or once the window
  /// has been closed.
  [[nodiscard]] int wake_fd() const noexcept { return wake_.get(); }
  /// Control thread: appends the waiting input events to `out`.
  void take_input(std::vector<input::Event>& out) PF_EXCLUDES(input_mutex_);
  /// Control thread: a game on the host set the motors of our pad `pad`;
  /// the window thread plays it on the controller in that slot, if any.
  void rumble(const control::Rumble& r) PF_EXCLUDES(rumble_mutex_);
  /// The user closed the window.
  [[nodiscard]] bool closed() const noexcept { return closed_.load(); }
  /// Fills the window's fields of `r`.
  void report(ClientReport& r) const;

 private:
  struct Frame {
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::vector<std::uint8_t> y, u, v;  // tightly packed planes
  };
  class Surface;  // the window thread's SDL objects

  explicit Window(UniqueFd wake);
  void run(const std::stop_token& stop, const Options& options, std::promise<Status>& opened);
  /// Window thread: the picture waiting in the slot, swapped into `out`.
  [[nodiscard]] bool take_frame(Frame& out) PF_EXCLUDES(slot_mutex_);
  /// Window thread: queues one input event (a pointer move replaces one
  /// still waiting) and wakes the control thread.
  void queue(const input::Event& event) PF_EXCLUDES(input_mutex_);
  void wake_control() const noexcept;
  /// Any thread: an SDL event that wakes the window thread (while its SDL
  /// is up; the lock keeps the push and the shutdown apart).
  void wake_window() PF_EXCLUDES(wake_mutex_);

  UniqueFd wake_;  // eventfd: input waiting, or closed
  Frame spare_;    // receive thread only: the buffer put() fills next
  mutable Mutex slot_mutex_;
  Frame slot_ PF_GUARDED_BY(slot_mutex_);
  bool slot_full_ PF_GUARDED_BY(slot_mutex_) = false;
  Mutex input_mutex_;
  std::vector<input::Event> input_ PF_GUARDED_BY(input_mutex_);
  Mutex wake_mutex_;
  // SDL's user event type for wake-ups; 0 while SDL's events are down.
  std::uint32_t wake_event_ PF_GUARDED_BY(wake_mutex_) = 0;
  Mutex rumble_mutex_;
  std::vector<control::Rumble> rumbles_ PF_GUARDED_BY(rumble_mutex_);  // bounded: the newest per pad
  std::atomic<bool> closed_{false};
  std::atomic<std::uint64_t> shown_{0}, dropped_{0}, input_dropped_{0};
  std::jthread thread_;  // last
};

}  // namespace pf::client
