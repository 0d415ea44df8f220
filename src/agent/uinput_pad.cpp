#include "pf/agent/uinput_pad.hpp"

#include <fcntl.h>
#include <linux/input-event-codes.h>
#include <linux/uinput.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "pf/core/log.hpp"
#include "pf/core/unique.hpp"

namespace pf::agent {
namespace {

const log::Logger kLog{"gamepad"};

constexpr std::array<std::uint16_t, 11> kButtons{BTN_A,      BTN_B,     BTN_X,     BTN_Y,      BTN_TL,    BTN_TR,
                                                 BTN_SELECT, BTN_START, BTN_MODE,  BTN_THUMBL, BTN_THUMBR};
constexpr std::array<PadAxis, 8> kAxes{{{ABS_X, -32768, 32767},
                                        {ABS_Y, -32768, 32767},
                                        {ABS_Z, 0, 255},
                                        {ABS_RX, -32768, 32767},
                                        {ABS_RY, -32768, 32767},
                                        {ABS_RZ, 0, 255},
                                        {ABS_HAT0X, -1, 1},
                                        {ABS_HAT0Y, -1, 1}}};
constexpr EvdevEvent kSyn{EV_SYN, SYN_REPORT, 0};

class UinputPad final : public PadDevice {
 public:
  UinputPad(UniqueFd fd, std::uint32_t index) : fd_(std::move(fd)), index_(index) {}
  ~UinputPad() override { ::ioctl(fd_.get(), UI_DEV_DESTROY); }
  UinputPad(const UinputPad&) = delete;
  UinputPad& operator=(const UinputPad&) = delete;

  Status write(std::span<const EvdevEvent> events) override {
    std::vector<input_event> raw(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
      raw[i].type = events[i].type;
      raw[i].code = events[i].code;
      raw[i].value = events[i].value;
    }
    const auto bytes = raw.size() * sizeof(input_event);
    const auto n = ::write(fd_.get(), raw.data(), bytes);
    if (n != static_cast<ssize_t>(bytes)) {
      return fail(Errc::io, "writing to a uinput pad: {}", n < 0 ? std::strerror(errno) : "short write");
    }
    return ok();
  }

  int feedback_fd() const override { return fd_.get(); }

  Status service(std::vector<PadRumble>& out) override {
    std::array<input_event, 16> events{};
    for (;;) {
      const auto n = ::read(fd_.get(), events.data(), sizeof(events));
      if (n < 0) {
        return errno == EAGAIN || errno == EINTR ? ok() : fail(Errc::io, "reading a uinput pad: {}", std::strerror(errno));
      }
      const auto count = static_cast<std::size_t>(n) / sizeof(input_event);
      for (std::size_t i = 0; i < count; ++i) {
        handle(events[i], out);
      }
      if (count < events.size()) {
        return ok();
      }
    }
  }

 private:
  void handle(const input_event& e, std::vector<PadRumble>& out) {
    if (e.type == EV_UINPUT && e.code == UI_FF_UPLOAD) {
      uinput_ff_upload up{};
      up.request_id = static_cast<std::uint32_t>(e.value);
      if (::ioctl(fd_.get(), UI_BEGIN_FF_UPLOAD, &up) < 0) {
        return;
      }
      const bool rumble = up.effect.type == FF_RUMBLE &&
                          ff_.upload(up.effect.id, up.effect.u.rumble.strong_magnitude,
                                     up.effect.u.rumble.weak_magnitude, up.effect.replay.length);
      up.retval = rumble ? 0 : -EINVAL;
      ::ioctl(fd_.get(), UI_END_FF_UPLOAD, &up);
    } else if (e.type == EV_UINPUT && e.code == UI_FF_ERASE) {
      uinput_ff_erase erase{};
      erase.request_id = static_cast<std::uint32_t>(e.value);
      if (::ioctl(fd_.get(), UI_BEGIN_FF_ERASE, &erase) < 0) {
        return;
      }
      ff_.erase(static_cast<std::int16_t>(erase.effect_id));
      erase.retval = 0;
      ::ioctl(fd_.get(), UI_END_FF_ERASE, &erase);
    } else if (e.type == EV_FF && e.code < FF_GAIN) {
      if (const auto rumble = ff_.play(index_, static_cast<std::int16_t>(e.code), e.value)) {
        out.push_back(*rumble);
      }
    }
  }

  UniqueFd fd_;
  std::uint32_t index_;
  ForceFeedback ff_;
};

Status ioctl_or_fail(int fd, unsigned long request, auto arg, std::string_view what) {
  if (::ioctl(fd, request, arg) < 0) {
    return fail(Errc::io, "uinput {}: {}", what, std::strerror(errno));
  }
  return ok();
}

}  // namespace

bool ForceFeedback::upload(std::int16_t id, std::uint16_t strong, std::uint16_t weak, std::uint32_t length_ms) {
  if (id < 0 || id >= kMaxEffects) {
    return false;
  }
  effects_[static_cast<std::size_t>(id)] = {true, strong, weak, length_ms};
  return true;
}

void ForceFeedback::erase(std::int16_t id) {
  if (id >= 0 && id < kMaxEffects) {
    effects_[static_cast<std::size_t>(id)] = {};
  }
}

std::optional<PadRumble> ForceFeedback::play(std::uint32_t pad, std::int16_t id, std::int32_t value) const {
  if (id < 0 || id >= kMaxEffects || !effects_[static_cast<std::size_t>(id)].present) {
    return std::nullopt;
  }
  if (value <= 0) {
    return PadRumble{pad, 0, 0, 0};
  }
  const auto& e = effects_[static_cast<std::size_t>(id)];
  return PadRumble{pad, e.strong, e.weak, e.length_ms};
}

std::span<const std::uint16_t> pad_buttons() noexcept { return kButtons; }
std::span<const PadAxis> pad_axes() noexcept { return kAxes; }

std::vector<EvdevEvent> to_evdev(const input::Event& e) {
  if (e.kind == input::EventKind::pad_button) {
    if (std::find(kButtons.begin(), kButtons.end(), e.code) == kButtons.end()) {
      return {};
    }
    return {{EV_KEY, e.code, e.pressed() ? 1 : 0}, kSyn};
  }
  if (e.kind == input::EventKind::pad_axis) {
    const auto* axis = std::find_if(kAxes.begin(), kAxes.end(), [&](const PadAxis& a) { return a.code == e.code; });
    if (axis == kAxes.end()) {
      return {};
    }
    return {{EV_ABS, e.code, std::clamp(e.y, axis->min, axis->max)}, kSyn};
  }
  return {};
}

Result<std::unique_ptr<PadDevice>> open_uinput_pad(std::uint32_t index, const std::filesystem::path& node) {
  UniqueFd fd(::open(node.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    return fail(errno == ENOENT ? Errc::unsupported : Errc::io, "cannot open {}: {}", node.string(),
                std::strerror(errno));
  }
  const int f = fd.get();
  for (const auto& [bit, what] : {std::pair{EV_KEY, "EV_KEY"}, std::pair{EV_ABS, "EV_ABS"}, std::pair{EV_FF, "EV_FF"}}) {
    if (auto st = ioctl_or_fail(f, UI_SET_EVBIT, bit, what); !st) {
      return tl::unexpected(st.error());
    }
  }
  for (const auto button : kButtons) {
    if (auto st = ioctl_or_fail(f, UI_SET_KEYBIT, int{button}, "UI_SET_KEYBIT"); !st) {
      return tl::unexpected(st.error());
    }
  }
  for (const auto& axis : kAxes) {
    uinput_abs_setup abs{};
    abs.code = axis.code;
    abs.absinfo.minimum = axis.min;
    abs.absinfo.maximum = axis.max;
    const bool stick = axis.max == 32767;
    abs.absinfo.fuzz = stick ? 16 : 0;
    abs.absinfo.flat = stick ? 128 : 0;
    if (auto st = ioctl_or_fail(f, UI_SET_ABSBIT, int{axis.code}, "UI_SET_ABSBIT"); !st) {
      return tl::unexpected(st.error());
    }
    if (auto st = ioctl_or_fail(f, UI_ABS_SETUP, &abs, "UI_ABS_SETUP"); !st) {
      return tl::unexpected(st.error());
    }
  }
  if (auto st = ioctl_or_fail(f, UI_SET_FFBIT, FF_RUMBLE, "UI_SET_FFBIT"); !st) {
    return tl::unexpected(st.error());
  }
  uinput_setup setup{};
  setup.ff_effects_max = ForceFeedback::kMaxEffects;
  setup.id.bustype = BUS_USB;
  setup.id.vendor = 0x045e;   // Microsoft
  setup.id.product = 0x028e;  // Xbox 360 controller: what games' mapping tables know
  setup.id.version = 0x0110;
  const auto name = fmt::format("punktfunk pad {}", index + 1);
  std::snprintf(setup.name, sizeof(setup.name), "%s", name.c_str());
  if (auto st = ioctl_or_fail(f, UI_DEV_SETUP, &setup, "UI_DEV_SETUP"); !st) {
    return tl::unexpected(st.error());
  }
  if (auto st = ioctl_or_fail(f, UI_DEV_CREATE, 0, "UI_DEV_CREATE"); !st) {
    return tl::unexpected(st.error());
  }
  return std::unique_ptr<PadDevice>(new UinputPad(std::move(fd), index));
}

PadDevice* Gamepads::pad(std::uint32_t index) {
  if (const auto it = pads_.find(index); it != pads_.end()) {
    return it->second.get();
  }
  if (unavailable_said_) {
    return nullptr;  // said once; a host without uinput stays without it
  }
  auto made = factory_(index);
  if (!made) {
    unavailable_said_ = true;
    kLog.warn("gamepads are unavailable ({}); pad input is counted as unsupported", made.error().message);
    return nullptr;
  }
  kLog.info("pad {} connected", index + 1);
  return pads_.emplace(index, std::move(*made)).first->second.get();
}

void Gamepads::feedback_fds(std::vector<int>& out) const {
  for (const auto& [index, device] : pads_) {
    if (const int fd = device->feedback_fd(); fd >= 0) {
      out.push_back(fd);
    }
  }
}

std::vector<PadRumble> Gamepads::service() {
  std::vector<PadRumble> out;
  for (const auto& [index, device] : pads_) {
    if (auto st = device->service(out); !st) {
      kLog.warn("pad {}: {}", index + 1, st.error().message);
    }
  }
  return out;
}

InputInjector::Outcome Gamepads::inject(std::span<const input::Event> events) {
  InputInjector::Outcome out;
  for (const auto& e : events) {
    if (!is_pad_event(e.kind)) {
      continue;
    }
    if (e.x < 0 || static_cast<std::uint32_t>(e.x) >= input::kMaxPads) {
      ++out.unsupported;
      continue;
    }
    const auto index = static_cast<std::uint32_t>(e.x);
    if (e.kind == input::EventKind::pad_arrival) {
      if (e.pressed()) {
        ++(pad(index) != nullptr ? out.injected : out.unsupported);
      } else {
        if (pads_.erase(index) > 0) {
          kLog.info("pad {} removed", index + 1);
        }
        ++out.injected;
      }
      continue;
    }
    const auto evdev = to_evdev(e);
    PadDevice* device = evdev.empty() ? nullptr : pad(index);
    if (device == nullptr || !device->write(evdev)) {
      ++out.unsupported;
      continue;
    }
    ++out.injected;
  }
  return out;
}

}  // namespace pf::agent
