// Where a component reports lifecycle events (a session started, a display
// lingers, a client paired) for whoever listens: the management API's event
// stream. The sink must not block; an empty one discards.
#pragma once

#include <functional>
#include <string>

namespace pf {

/// `type` is "area.what" ("session.started"); `data` a JSON object's text.
using EventSink = std::function<void(std::string type, std::string data)>;

}  // namespace pf
