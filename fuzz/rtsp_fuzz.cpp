// GameStream RTSP as a hostile client sends it: requests cut anywhere, and
// ANNOUNCE bodies, and the encrypted framing. Whatever parses must be
// consistent: a request never claims more bytes than it was given, a
// stream config is never empty, an opened message is as long as it said.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_target.hpp"
#include "pf/gamestream/rtsp.hpp"
#include "pf/gamestream/sdp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::size_t used = 0;
  if (const auto request = pf::gamestream::parse_request(text, used); request && request->has_value()) {
    if (used == 0 || used > size || (*request)->body.size() > pf::gamestream::kMaxRtspBodyBytes) {
      std::abort();
    }
    (void)pf::gamestream::setup_stream_of((*request)->target);
  }
  // The encrypted form: whatever opens (with a fixed key) has the length it claimed.
  std::uint32_t seq = 0;
  if (const auto opened = pf::gamestream::open_rtsp(pf::gamestream::AesKey{}, pf::gamestream::RtspSender::client,
                                                    pf::Bytes(data, size), seq)) {
    if (opened->size() + pf::gamestream::kRtspEncryptedHeaderBytes != size) {
      std::abort();
    }
  }
  if (const auto config = pf::gamestream::parse_announce(text)) {
    if (config->width == 0 || config->height == 0 || config->fps == 0 || config->packet_size == 0) {
      std::abort();
    }
  }
  return 0;
}
