// Names the calling thread "pf-s<id>-<role>" (at most 15 characters).
#pragma once

#include <pthread.h>

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace pf::session {

inline void name_thread(std::uint64_t session, std::string_view role) {
  const std::string name = fmt::format("pf-s{}-{}", session % 1000, role);
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace pf::session
