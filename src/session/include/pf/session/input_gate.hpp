// The one way a session's input reaches its display, whatever protocol it
// came by: each event passes the client's access level
// (pairing::allows), the rest goes to the display, and what became of
// every event is counted (first refusals and failures logged once).
#pragma once

#include <cstdint>
#include <vector>

#include "pf/input/events.hpp"
#include "pf/pairing/trust_store.hpp"
#include "pf/session/server.hpp"
#include "pf/vdisplay/display_service.hpp"

namespace pf::session {

/// The access category of an event kind (unset: none, never allowed).
[[nodiscard]] pairing::InputKind kind_of(input::EventKind kind) noexcept;

/// Filters `events` by `access` and injects the rest into the display
/// `lease` names. `received` is counted by the caller.
void inject_allowed(vdisplay::DisplayService& displays, const vdisplay::Lease& lease, pairing::Access access,
                    std::vector<input::Event> events, InputCounters& counters, std::uint64_t session_id);

}  // namespace pf::session
