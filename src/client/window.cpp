#include "window.hpp"

#include <SDL.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "pf/core/log.hpp"
#include "sdl_input.hpp"

namespace pf::client {
namespace {

const log::Logger kLog{"window"};
constexpr std::size_t kMaxQueuedInput = 1024;
constexpr int kIdleWaitMs = 100;  // the window thread looks at its stop token this often

using SdlWindow = Unique<SDL_Window*, &SDL_DestroyWindow>;
using SdlRenderer = Unique<SDL_Renderer*, &SDL_DestroyRenderer>;
using SdlTexture = Unique<SDL_Texture*, &SDL_DestroyTexture>;
using SdlController = Unique<SDL_GameController*, &SDL_GameControllerClose>;

// The SDL subsystems this thread started, shut down when it ends.
class Subsystems {
 public:
  Subsystems() = default;
  Subsystems(const Subsystems&) = delete;
  Subsystems& operator=(const Subsystems&) = delete;
  ~Subsystems() {
    if (flags_ != 0) {
      SDL_QuitSubSystem(flags_);
    }
  }
  [[nodiscard]] bool start(std::uint32_t flags) {
    if (SDL_InitSubSystem(flags) != 0) {
      return false;
    }
    flags_ |= flags;
    return true;
  }

 private:
  std::uint32_t flags_ = 0;
};

const char* variable(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

// SDL's video on the display the environment names: X11 for DISPLAY, else
// Wayland for WAYLAND_DISPLAY. Left to itself SDL would fall back to a
// driver that shows nothing (offscreen) when neither answers.
// SDL_VIDEODRIVER, where set, chooses instead.
Status start_video(Subsystems& sdl) {
  if (variable("SDL_VIDEODRIVER") != nullptr) {
    if (!sdl.start(SDL_INIT_VIDEO)) {
      return fail(Errc::unsupported, "--window: SDL cannot start its video ({})", SDL_GetError());
    }
    return ok();
  }
  std::string tried;
  for (const auto& [name, driver] :
       {std::pair{"DISPLAY", "x11"}, std::pair{"WAYLAND_DISPLAY", "wayland"}}) {
    const char* display = variable(name);
    if (display == nullptr) {
      continue;
    }
    SDL_SetHint(SDL_HINT_VIDEODRIVER, driver);
    if (sdl.start(SDL_INIT_VIDEO)) {
      return ok();
    }
    tried += fmt::format("{}{}={}: {}", tried.empty() ? "" : "; ", name, display, SDL_GetError());
  }
  return fail(Errc::unsupported, "--window: cannot open the display ({})", tried);
}

void copy_plane(std::vector<std::uint8_t>& out, const std::uint8_t* from, std::uint32_t stride,
                std::uint32_t width, std::uint32_t height) {
  out.resize(std::size_t{width} * height);
  for (std::uint32_t row = 0; row < height; ++row) {
    std::memcpy(&out[std::size_t{row} * width], from + std::size_t{row} * stride, width);
  }
}

}  // namespace

// The window thread's SDL objects and what it knows of the picture, the
// pointer and the game controllers.
class Window::Surface {
 public:
  Surface(Window& owner, SdlWindow window, SdlRenderer renderer, bool pads)
      : owner_(owner),
        window_(std::move(window)),
        renderer_(std::move(renderer)),
        pads_enabled_(pads) {}

  void handle(const SDL_Event& e, bool& redraw);
  /// Plays a rumble on the controller in its pad's slot (none: nothing).
  void rumble(const control::Rumble& r);
  void show(const Frame& frame);
  void draw();
  [[nodiscard]] bool has_picture() const noexcept { return texture_.valid(); }

 private:
  struct Pad {
    SdlController controller;
    SDL_JoystickID id = -1;
    sdl::Dpad dpad;
  };

  void close();
  void pointer(double x, double y);
  void touch(const SDL_TouchFingerEvent& finger, bool touching);
  void add_pad(int device_index);
  void remove_pad(SDL_JoystickID id);
  [[nodiscard]] int slot_of(SDL_JoystickID id) const;
  [[nodiscard]] std::optional<sdl::Point> to_stream(double x, double y) const;
  // One event; `on`: flags bit 0 (pressed, touching, connected).
  void queue(input::EventKind kind, bool on, std::uint16_t code, std::int32_t x, std::int32_t y,
             std::uint32_t extra = 0) {
    owner_.queue(input::Event{kind, static_cast<std::uint8_t>(on ? 1U : 0U), code, x, y, extra});
  }

  Window& owner_;
  SdlWindow window_;
  SdlRenderer renderer_;
  SdlTexture texture_;
  std::uint32_t picture_w_ = 0, picture_h_ = 0;
  bool pads_enabled_ = false;
  std::optional<sdl::Point> last_position_;
  std::array<std::optional<Pad>, input::kMaxPads> pads_;
};

Result<std::unique_ptr<Window>> Window::open(const Options& options) {
  if (variable("DISPLAY") == nullptr && variable("WAYLAND_DISPLAY") == nullptr &&
      variable("SDL_VIDEODRIVER") == nullptr) {
    return fail(Errc::unsupported,
                "--window needs a display, and neither DISPLAY nor WAYLAND_DISPLAY is set");
  }
  UniqueFd wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake) {
    return fail_errno(errno, "eventfd for the window");
  }
  std::unique_ptr<Window> w(new Window(std::move(wake)));
  std::promise<Status> opened;
  auto result = opened.get_future();
  // The promise lives in the thread's closure: set_value() may still be
  // running on that thread when get() returns here.
  w->thread_ = std::jthread([self = w.get(), options, p = std::move(opened)](
                                std::stop_token stop) mutable { self->run(stop, options, p); });
  if (auto st = result.get(); !st) {
    return tl::unexpected(st.error());
  }
  return w;
}

Window::Window(UniqueFd wake) : wake_(std::move(wake)) {}

Window::~Window() {
  thread_.request_stop();
  wake_window();  // now rather than at its next look
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Window::put(const Picture& p) {
  spare_.width = p.width;
  spare_.height = p.height;
  const std::uint32_t chroma_w = (p.width + 1) / 2, chroma_h = (p.height + 1) / 2;
  copy_plane(spare_.y, p.luma, p.luma_stride, p.width, p.height);
  copy_plane(spare_.u, p.cb, p.chroma_stride, chroma_w, chroma_h);
  copy_plane(spare_.v, p.cr, p.chroma_stride, chroma_w, chroma_h);
  bool was_full = false;
  {
    const MutexLock lock(slot_mutex_);
    was_full = slot_full_;
    std::swap(spare_, slot_);
    slot_full_ = true;
  }
  if (was_full) {
    dropped_.fetch_add(1, std::memory_order_relaxed);  // the window never took the one before
  } else {
    wake_window();
  }
}

void Window::wake_window() {
  const MutexLock lock(wake_mutex_);
  if (wake_event_ != 0) {
    SDL_Event e{};
    e.type = wake_event_;
    (void)SDL_PushEvent(&e);  // safe from any thread
  }
}

bool Window::take_frame(Frame& out) {
  const MutexLock lock(slot_mutex_);
  if (!slot_full_) {
    return false;
  }
  std::swap(slot_, out);
  slot_full_ = false;
  return true;
}

void Window::queue(const input::Event& event) {
  {
    const MutexLock lock(input_mutex_);
    if (event.kind == input::EventKind::mouse_position && !input_.empty() &&
        input_.back().kind == input::EventKind::mouse_position) {
      input_.back() = event;  // still waiting: only where the pointer is now matters
      return;
    }
    if (input_.size() >= kMaxQueuedInput) {
      input_dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    input_.push_back(event);
  }
  wake_control();
}

void Window::take_input(std::vector<input::Event>& out) {
  std::uint64_t count = 0;
  // Clears the eventfd; a later queue() sets it again.
  (void)::read(wake_.get(), &count, sizeof(count));
  const MutexLock lock(input_mutex_);
  out.insert(out.end(), input_.begin(), input_.end());
  input_.clear();
}

void Window::wake_control() const noexcept {
  const std::uint64_t one = 1;
  (void)::write(wake_.get(), &one, sizeof(one));
}

void Window::report(ClientReport& r) const {
  r.window_frames_shown = shown_.load();
  r.window_frames_dropped = dropped_.load();
  r.window_input_dropped = input_dropped_.load();
}

void Window::run(const std::stop_token& stop, const Options& o, std::promise<Status>& opened) {
  pthread_setname_np(pthread_self(), "pf-cli-window");
  SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");  // Ctrl-C stays the client's to handle
  Subsystems sdl;  // first: shut down after every object below
  if (auto video = start_video(sdl); !video) {
    opened.set_value(std::move(video));
    return;
  }
  SDL_SetYUVConversionMode(SDL_YUV_CONVERSION_BT709);  // the native stream's colours
  SdlWindow window(SDL_CreateWindow(o.title.c_str(), SDL_WINDOWPOS_UNDEFINED,
                                    SDL_WINDOWPOS_UNDEFINED, static_cast<int>(o.width),
                                    static_cast<int>(o.height), SDL_WINDOW_RESIZABLE));
  if (!window) {
    opened.set_value(
        fail(Errc::unsupported, "--window: cannot create a window ({})", SDL_GetError()));
    return;
  }
  SdlRenderer renderer(SDL_CreateRenderer(window.get(), -1, 0));
  if (!renderer) {
    kLog.info("no accelerated renderer ({}); drawing in software", SDL_GetError());
    renderer.reset(SDL_CreateRenderer(window.get(), -1, SDL_RENDERER_SOFTWARE));
  }
  if (!renderer) {
    opened.set_value(
        fail(Errc::unsupported, "--window: cannot draw into the window ({})", SDL_GetError()));
    return;
  }
  SDL_RendererInfo info{};
  if (SDL_GetRendererInfo(renderer.get(), &info) == 0) {
    kLog.info("window: {}x{}, {} renderer", o.width, o.height, info.name);
  }
  SDL_StopTextInput();  // keys go out as keys; text events as well would type twice on the host
  const bool pads = sdl.start(SDL_INIT_GAMECONTROLLER);
  if (!pads) {
    kLog.info("no game controllers: {}", SDL_GetError());
  }
  if (const std::uint32_t wake = SDL_RegisterEvents(1); wake != static_cast<std::uint32_t>(-1)) {
    const MutexLock lock(wake_mutex_);
    wake_event_ = wake;
  }
  Surface surface(*this, std::move(window), std::move(renderer), pads);
  opened.set_value(ok());

  Frame frame;  // the picture on screen
  while (!stop.stop_requested()) {
    bool redraw = false;
    SDL_Event e;
    if (SDL_WaitEventTimeout(&e, kIdleWaitMs) != 0) {
      do {
        surface.handle(e, redraw);
      } while (SDL_PollEvent(&e) != 0);
    }
    std::vector<control::Rumble> rumbles;
    {
      const MutexLock lock(rumble_mutex_);
      rumbles.swap(rumbles_);
    }
    for (const auto& r : rumbles) {
      surface.rumble(r);
    }
    if (take_frame(frame)) {
      surface.show(frame);
      shown_.fetch_add(1, std::memory_order_relaxed);
      redraw = true;
    }
    if (redraw && surface.has_picture()) {
      surface.draw();
    }
  }
  const MutexLock lock(wake_mutex_);
  wake_event_ = 0;  // before SDL's events go down with the subsystems
}

void Window::rumble(const control::Rumble& r) {
  {
    const MutexLock lock(rumble_mutex_);
    const auto same = std::find_if(rumbles_.begin(), rumbles_.end(),
                                   [&](const control::Rumble& waiting) { return waiting.pad == r.pad; });
    if (same != rumbles_.end()) {
      *same = r;  // only the motors' newest state matters
    } else if (rumbles_.size() < input::kMaxPads) {
      rumbles_.push_back(r);
    }
  }
  wake_window();
}

void Window::Surface::rumble(const control::Rumble& r) {
  if (r.pad >= pads_.size() || !pads_[r.pad]) {
    return;
  }
  // 0 ms: until told otherwise; SDL's longest is what that means to it.
  const std::uint32_t ms = r.duration_ms == 0 ? SDL_HAPTIC_INFINITY : r.duration_ms;
  if (SDL_GameControllerRumble(pads_[r.pad]->controller.get(), r.strong, r.weak, ms) != 0) {
    kLog.debug("pad {} cannot rumble: {}", r.pad + 1, SDL_GetError());
  }
}

void Window::Surface::show(const Frame& f) {
  if (!texture_ || f.width != picture_w_ || f.height != picture_h_) {
    const bool first = !texture_;
    texture_.reset(SDL_CreateTexture(renderer_.get(), SDL_PIXELFORMAT_IYUV,
                                     SDL_TEXTUREACCESS_STREAMING, static_cast<int>(f.width),
                                     static_cast<int>(f.height)));
    if (!texture_) {
      kLog.warn("cannot make a {}x{} texture: {}", f.width, f.height, SDL_GetError());
      picture_w_ = picture_h_ = 0;
      return;
    }
    picture_w_ = f.width;
    picture_h_ = f.height;
    int w = 0, h = 0;
    SDL_GetWindowSize(window_.get(), &w, &h);
    if (first &&
        (static_cast<std::uint32_t>(w) != f.width || static_cast<std::uint32_t>(h) != f.height)) {
      // The host's mode, where it is not the one asked for.
      SDL_SetWindowSize(window_.get(), static_cast<int>(f.width), static_cast<int>(f.height));
    }
  }
  const int chroma_pitch = static_cast<int>((f.width + 1) / 2);
  if (SDL_UpdateYUVTexture(texture_.get(), nullptr, f.y.data(), static_cast<int>(f.width),
                           f.u.data(), chroma_pitch, f.v.data(), chroma_pitch) != 0) {
    kLog.warn("cannot update the picture: {}", SDL_GetError());
  }
}

void Window::Surface::draw() {
  int w = 0, h = 0;
  if (SDL_GetRendererOutputSize(renderer_.get(), &w, &h) != 0) {
    return;
  }
  const sdl::Viewport v = sdl::fit(w, h, picture_w_, picture_h_);
  const SDL_Rect to{v.x, v.y, v.w, v.h};
  SDL_SetRenderDrawColor(renderer_.get(), 0, 0, 0, 255);
  SDL_RenderClear(renderer_.get());
  SDL_RenderCopy(renderer_.get(), texture_.get(), nullptr, &to);
  SDL_RenderPresent(renderer_.get());
}

std::optional<sdl::Point> Window::Surface::to_stream(double x, double y) const {
  if (picture_w_ == 0) {
    return std::nullopt;  // no picture yet: nothing to point at
  }
  int w = 0, h = 0;
  SDL_GetWindowSize(window_.get(), &w, &h);
  return sdl::to_stream(sdl::fit(w, h, picture_w_, picture_h_), x, y, picture_w_, picture_h_);
}

void Window::Surface::pointer(double x, double y) {
  const auto at = to_stream(x, y);
  if (at && at != last_position_) {
    last_position_ = at;
    queue(input::EventKind::mouse_position, false, 0, at->x, at->y);
  }
}

void Window::Surface::touch(const SDL_TouchFingerEvent& finger, bool touching) {
  int w = 0, h = 0;
  SDL_GetWindowSize(window_.get(), &w, &h);
  const auto at = to_stream(static_cast<double>(finger.x) * w, static_cast<double>(finger.y) * h);
  if (at) {
    queue(input::EventKind::touch, touching, sdl::touch_contact(finger.fingerId), at->x, at->y);
  }
}

void Window::Surface::close() {
  if (!owner_.closed_.exchange(true)) {
    SDL_HideWindow(window_.get());
    owner_.wake_control();
  }
}

void Window::Surface::handle(const SDL_Event& e, bool& redraw) {
  switch (e.type) {
    case SDL_QUIT: close(); break;
    case SDL_WINDOWEVENT:
      if (e.window.event == SDL_WINDOWEVENT_CLOSE) {
        close();
      } else if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
                 e.window.event == SDL_WINDOWEVENT_EXPOSED) {
        redraw = true;
      }
      break;
    case SDL_KEYDOWN:
    case SDL_KEYUP:
      if (const auto key = sdl::key_event(e.key)) {
        owner_.queue(*key);
      }
      break;
    case SDL_MOUSEMOTION:
      if (e.motion.which != SDL_TOUCH_MOUSEID) {  // touch goes out as touch
        pointer(e.motion.x, e.motion.y);
      }
      break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
      if (e.button.which != SDL_TOUCH_MOUSEID && has_picture()) {
        pointer(e.button.x, e.button.y);  // the button goes down where it was pressed
        if (const std::uint16_t button = sdl::mouse_button(e.button.button); button != 0) {
          queue(input::EventKind::mouse_button, e.button.state == SDL_PRESSED, button, 0, 0);
        }
      }
      break;
    case SDL_MOUSEWHEEL:
      if (e.wheel.which != SDL_TOUCH_MOUSEID) {
        const float sign = e.wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -1.0F : 1.0F;
        const std::int32_t x = sdl::scroll_units(sign * e.wheel.preciseX);
        const std::int32_t y = sdl::scroll_units(sign * e.wheel.preciseY);
        if (x != 0 || y != 0) {
          queue(input::EventKind::scroll, false, 0, x, y);
        }
      }
      break;
    case SDL_FINGERDOWN:
    case SDL_FINGERMOTION: touch(e.tfinger, true); break;
    case SDL_FINGERUP: touch(e.tfinger, false); break;
    case SDL_CONTROLLERDEVICEADDED: add_pad(e.cdevice.which); break;
    case SDL_CONTROLLERDEVICEREMOVED: remove_pad(e.cdevice.which); break;
    case SDL_CONTROLLERBUTTONDOWN:
    case SDL_CONTROLLERBUTTONUP: {
      const int slot = slot_of(e.cbutton.which);
      if (slot < 0) {
        break;
      }
      const auto button = static_cast<SDL_GameControllerButton>(e.cbutton.button);
      const bool pressed = e.cbutton.state == SDL_PRESSED;
      if (const auto hat = pads_[static_cast<std::size_t>(slot)]->dpad.change(button, pressed)) {
        queue(input::EventKind::pad_axis, false, hat->code, slot, hat->value);
      } else if (const std::uint16_t code = sdl::pad_button(button); code != 0) {
        queue(input::EventKind::pad_button, pressed, code, slot, 0);
      }
      break;
    }
    case SDL_CONTROLLERAXISMOTION: {
      const int slot = slot_of(e.caxis.which);
      const auto axis =
          sdl::pad_axis(static_cast<SDL_GameControllerAxis>(e.caxis.axis), e.caxis.value);
      if (slot >= 0 && axis) {
        queue(input::EventKind::pad_axis, false, axis->code, slot, axis->value);
      }
      break;
    }
    default: break;
  }
}

int Window::Surface::slot_of(SDL_JoystickID id) const {
  for (std::size_t i = 0; i < pads_.size(); ++i) {
    if (pads_[i] && pads_[i]->id == id) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

void Window::Surface::add_pad(int device_index) {
  if (!pads_enabled_ || SDL_IsGameController(device_index) == SDL_FALSE) {
    return;
  }
  SdlController controller(SDL_GameControllerOpen(device_index));
  if (!controller) {
    kLog.warn("cannot open game controller {}: {}", device_index, SDL_GetError());
    return;
  }
  const SDL_JoystickID id = SDL_JoystickInstanceID(SDL_GameControllerGetJoystick(controller.get()));
  if (slot_of(id) >= 0) {
    return;  // already ours
  }
  std::size_t slot = 0;
  while (slot < pads_.size() && pads_[slot]) {
    ++slot;
  }
  const char* name = SDL_GameControllerName(controller.get());
  if (name == nullptr) {
    name = "?";
  }
  if (slot == pads_.size()) {
    kLog.warn("game controller \"{}\" left out: {} are in use already", name, pads_.size());
    return;
  }
  const bool rumble = SDL_GameControllerHasRumble(controller.get()) == SDL_TRUE;
  kLog.info("game controller \"{}\" is pad {}{}", name, slot, rumble ? " (rumbles)" : "");
  pads_[slot] = Pad{std::move(controller), id, {}};
  queue(input::EventKind::pad_arrival, true, static_cast<std::uint16_t>(input::PadType::xbox360),
        static_cast<std::int32_t>(slot), 0, rumble ? input::kPadRumble : 0U);
}

void Window::Surface::remove_pad(SDL_JoystickID id) {
  const int slot = slot_of(id);
  if (slot < 0) {
    return;
  }
  queue(input::EventKind::pad_arrival, false, static_cast<std::uint16_t>(input::PadType::xbox360),
        slot, 0);
  pads_[static_cast<std::size_t>(slot)].reset();
  kLog.info("pad {} removed", slot);
}

}  // namespace pf::client
