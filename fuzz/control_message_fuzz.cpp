// Control datagrams from pf-vdisplay (or a hostile process posing as it):
// decode, and re-encode what decodes; the result must decode identically.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_target.hpp"
#include "pf/agentlink/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto decoded = pf::agentlink::decode(pf::Bytes(data, size));
  if (!decoded) {
    return 0;
  }
  std::array<std::uint8_t, pf::agentlink::kMaxDatagramBytes> buf{};
  const auto bytes = pf::agentlink::encode(decoded->message, decoded->request_id, buf);
  if (!bytes) {
    std::abort();  // everything that decodes must encode
  }
  const auto again = pf::agentlink::decode(*bytes);
  if (!again || again->request_id != decoded->request_id ||
      pf::agentlink::type_of(again->message) != pf::agentlink::type_of(decoded->message) ||
      again->ignored_tail_bytes != 0) {
    std::abort();
  }
  return 0;
}
