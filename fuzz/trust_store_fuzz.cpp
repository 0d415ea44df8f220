// clients.json as anyone with the file wrote it, and admin-socket requests:
// parse; what parses must render and parse back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_target.hpp"
#include "pf/pairing/admin_protocol.hpp"
#include "pf/pairing/trust_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto clients = pf::pairing::parse_clients(text)) {
    const auto again = pf::pairing::parse_clients(pf::pairing::render_clients(*clients));
    if (!again || *again != *clients) {
      std::abort();
    }
  }
  if (const auto request = pf::pairing::parse_admin_request(text)) {
    const auto again = pf::pairing::parse_admin_request(pf::pairing::render_admin_request(*request));
    if (!again || again->op != request->op) {
      std::abort();
    }
  }
  (void)pf::pairing::normalize_fingerprint(text);
  return 0;
}
