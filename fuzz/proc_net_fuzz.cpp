// /proc/net/{tcp,udp}[6] tables as detect-conflicts reads them: any text
// gives a list of sockets, each from one line that parsed whole.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "../app/punktfunk-host/conflicts.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const bool tcp : {true, false}) {
    const auto sockets = pf::host::parse_proc_net(text, tcp);
    if (sockets.size() > size / 8 + 1) {
      std::abort();  // a socket needs a line of its own
    }
  }
  return 0;
}
