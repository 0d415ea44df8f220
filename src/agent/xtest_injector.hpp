// Input into an Xvfb display through the XTEST extension, on a connection
// of its own (authorised with the display's cookie), so the capture
// thread's connection is never shared.
#pragma once

#include <memory>
#include <string>

#include "pf/agent/source.hpp"

namespace pf::agent {

/// Connects to X display `number` with `cookie` (MIT-MAGIC-COOKIE-1).
[[nodiscard]] Result<std::unique_ptr<InputInjector>> open_xtest_injector(std::uint32_t number,
                                                                         const std::string& cookie);

}  // namespace pf::agent
