// Everything the web console parses from a browser before it trusts it:
// the Cookie header and the sealed cookie in it, login and password-change
// bodies, and (from the config dir) the password hash line and the
// management API's address. The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_target.hpp"
#include "pf/console/console_server.hpp"
#include "pf/console/password.hpp"
#include "pf/console/session_cookie.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  using namespace pf::console;
  switch (data[0] % 6) {
    case 0: {
      static const CookieSealer sealer(CookieSealer::Key{7});
      const auto value = cookie_value(text, kCookieName);
      if (value.size() > text.size()) {
        std::abort();
      }
      (void)sealer.open(value);
      break;
    }
    case 1: {
      const auto decoded = base64url_decode(text);
      if (decoded && base64url_encode(*decoded) != text) {
        std::abort();  // the decoder accepts only the canonical encoding
      }
      break;
    }
    case 2:
      (void)parse_login(text);
      break;
    case 3:
      (void)parse_password_change(text);
      break;
    case 4:
      if (check_stored_hash(text) && text.find("scrypt$") != 0) {
        std::abort();
      }
      break;
    default: {
      const auto endpoint = parse_local_endpoint(text);
      if (endpoint && endpoint->port == 0) {
        std::abort();
      }
      break;
    }
  }
  return 0;
}
