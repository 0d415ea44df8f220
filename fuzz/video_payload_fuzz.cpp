// A reassembled video frame's bytes as a host (or a forger with the key)
// could make them: read_video_payload must never read past the frame, and
// what it returns must lie inside it.
#include <cstdlib>

#include "fuzz_target.hpp"
#include "pf/transport/video_payload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pf::transport;
  const auto payload = read_video_payload(pf::Bytes(data, size));
  if (!payload) {
    return 0;
  }
  const auto* end = data + size;
  if (size < kVideoInfoBytes || payload->access_unit.data() < data + kVideoInfoBytes ||
      payload->access_unit.data() + payload->access_unit.size() != end) {
    std::abort();
  }
  return 0;
}
