// The libFuzzer entry point every target defines; replay_main.cpp calls it
// in builds without libFuzzer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace pf::fuzz {

/// For reassemblers' sinks: aborts unless frame indexes come strictly
/// ascending (as 32-bit indexes wrap), each at most once.
struct AscendingIndexes {
  bool any = false;
  std::uint32_t last = 0;
  void next(std::uint32_t index) {
    if (any && static_cast<std::int32_t>(index - last) <= 0) {
      std::abort();  // out of order or twice
    }
    any = true;
    last = index;
  }
};

}  // namespace pf::fuzz
