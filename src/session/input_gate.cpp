#include "pf/session/input_gate.hpp"

#include "pf/core/log.hpp"

namespace pf::session {
namespace {

const log::Logger kLog{"session"};

}  // namespace

pairing::InputKind kind_of(input::EventKind kind) noexcept {
  switch (kind) {
    case input::EventKind::key:
    case input::EventKind::text: return pairing::InputKind::keyboard;
    case input::EventKind::touch: return pairing::InputKind::touch;
    case input::EventKind::pad_arrival:
    case input::EventKind::pad_button:
    case input::EventKind::pad_axis: return pairing::InputKind::gamepad;
    case input::EventKind::mouse_move:
    case input::EventKind::mouse_position:
    case input::EventKind::mouse_button:
    case input::EventKind::scroll: return pairing::InputKind::mouse;
    case input::EventKind::unset: break;
  }
  return pairing::InputKind::unset;
}

void inject_allowed(vdisplay::DisplayService& displays, const vdisplay::Lease& lease, pairing::Access access,
                    std::vector<input::Event> events, InputCounters& counters, std::uint64_t session_id) {
  std::erase_if(events, [&](const input::Event& e) {
    const auto kind = kind_of(e.kind);
    if (kind == pairing::InputKind::unset) {
      ++counters.unsupported;
      return true;
    }
    if (!pairing::allows(access, kind)) {
      if (counters.denied++ == 0) {
        kLog.info("session {}: dropping input its {} access does not allow (counted from now on)", session_id,
                  pairing::to_string(access));
      }
      return true;
    }
    return false;
  });
  if (events.empty()) {
    return;
  }
  const auto count = events.size();
  auto injected = displays.inject_input(lease, std::move(events));
  if (!injected) {
    if (counters.failed == 0) {
      kLog.warn("session {}: input not injected: {}", session_id, injected.error().message);
    }
    counters.failed += count;
    return;
  }
  counters.injected += injected->injected;
  counters.unsupported += injected->unsupported;
}

}  // namespace pf::session
