// Replies from sway's IPC socket (a compositor we started, but its replies
// are parsed like any peer's): header, command results, output lists.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_target.hpp"
#include "pf/agent/sway_ipc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static_cast<void>(pf::agent::decode_ipc_header(pf::Bytes(data, size)));
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static_cast<void>(pf::agent::check_command_reply(text));
  static_cast<void>(pf::agent::output_names(text));
  return 0;
}
