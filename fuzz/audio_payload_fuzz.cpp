// Audio datagram payloads as a hostile host sends them: parse; what parses
// must write back byte for byte (less any appended tail), and its Opus
// packets go through the client's decoder, which refuses or decodes but
// never writes past a 5 ms frame.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_target.hpp"
#include "pf/audio/audio_payload.hpp"
#include "pf/audio/opus_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const pf::Bytes bytes(data, size);
  const auto payload = pf::audio::read_audio_payload(bytes);
  if (!payload) {
    return 0;
  }
  std::vector<std::uint8_t> out;
  pf::audio::write_audio_payload(payload->primary, payload->redundant, out);
  if (out.size() > size || !std::equal(out.begin() + 2, out.end(), bytes.begin() + 2)) {
    std::abort();
  }
  static auto decoder = pf::audio::Decoder::open(*pf::audio::layout_for(2));
  std::vector<float> pcm(std::size_t{pf::audio::kFrameSamples} * 2);
  (void)decoder->decode(payload->primary, pcm);
  if (!payload->redundant.empty()) {
    (void)decoder->decode(payload->redundant, pcm);
  }
  return 0;
}
