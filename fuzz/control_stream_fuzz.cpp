// The native control stream as a peer could send it, cut into reads of any
// size: the decoder never reads past its buffer, never buffers more than a
// read plus a message, and every message it accepts re-encodes to a body it
// decodes to the same message.
#include <cstdlib>

#include "fuzz_target.hpp"
#include "pf/control/messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pf::control;
  if (size < 1) {
    return 0;
  }
  const std::size_t chunk = 1 + data[0] % 64;
  pf::Bytes input(data + 1, size - 1);
  StreamDecoder d;
  for (std::size_t at = 0; at < input.size(); at += chunk) {
    const pf::Bytes piece = input.subspan(at, std::min(chunk, input.size() - at));
    d.feed(piece);
    for (auto n = d.next(); n.outcome != StreamDecoder::Outcome::need_more; n = d.next()) {
      if (n.outcome == StreamDecoder::Outcome::fatal) {
        return 0;
      }
      if (n.outcome != StreamDecoder::Outcome::message) {
        continue;
      }
      std::vector<std::uint8_t> again;
      if (!encode(n.message.message, again)) {
        std::abort();  // whatever decodes must encode
      }
      auto back = decode_body(type_of(n.message.message), pf::Bytes(again).subspan(kEnvelopeBytes));
      if (!back || back->ignored_tail_bytes != 0 || !(back->message == n.message.message)) {
        std::abort();
      }
    }
    if (d.buffered() > kEnvelopeBytes + kMaxBodyBytes + chunk) {
      std::abort();
    }
  }
  return 0;
}
