// A ring header as a hostile peer could leave it: check_attach must never
// accept a layout that reaches beyond the mapping.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "fuzz_target.hpp"
#include "pf/framering/abi.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pf::framering;
  if (size < sizeof(RingHeader) + 16) {
    return 0;
  }
  RingHeader h{};
  std::memcpy(&h, data, sizeof(RingHeader));
  AttachExpectation e{};
  std::memcpy(&e.display_id, data + sizeof(RingHeader), 4);
  std::memcpy(&e.generation, data + sizeof(RingHeader) + 4, 4);
  std::memcpy(&e.mapping_bytes, data + sizeof(RingHeader) + 8, 8);
  if (check_attach(h, e) == AttachVerdict::ok) {
    const std::uint64_t end = h.pixels_offset + h.slot_stride_bytes * h.ring_length;
    if (end > e.mapping_bytes || h.pitch_bytes * std::uint64_t{h.height} > h.slot_stride_bytes ||
        h.pixels_offset < kSlotTableOffset + std::uint64_t{h.ring_length} * sizeof(SlotHeader)) {
      std::abort();
    }
  }
  return 0;
}
