#include "pf/core/result.hpp"

#include <cerrno>
#include <cstring>

namespace pf {

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::unset: return "unset";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::truncated: return "truncated";
    case Errc::overflow: return "overflow";
    case Errc::malformed: return "malformed";
    case Errc::io: return "io";
    case Errc::not_found: return "not_found";
    case Errc::permission_denied: return "permission_denied";
    case Errc::config_invalid: return "config_invalid";
    case Errc::unsupported: return "unsupported";
    case Errc::timeout: return "timeout";
    case Errc::closed: return "closed";
    case Errc::limit_reached: return "limit_reached";
    case Errc::refused: return "refused";
  }
  return "unknown";
}

tl::unexpected<Error> fail_errno(int err, std::string_view what) {
  Errc code = Errc::io;
  if (err == ENOENT) {
    code = Errc::not_found;
  } else if (err == EACCES || err == EPERM) {
    code = Errc::permission_denied;
  }
  return fail(code, "{}: {}", what, std::strerror(err));
}

}  // namespace pf
