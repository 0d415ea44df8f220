#include "pf/audio/audio_payload.hpp"

namespace pf::audio {

void write_audio_payload(Bytes primary, Bytes redundant, std::vector<std::uint8_t>& out) {
  out.resize(4 + primary.size() + (redundant.empty() ? 0 : 2 + redundant.size()));
  SpanWriter w(out);
  w.u8(kAudioPayloadVersion);
  w.u8(redundant.empty() ? 0 : kFlagRedundant);
  w.u16le(static_cast<std::uint16_t>(primary.size()));
  w.bytes(primary);
  if (!redundant.empty()) {
    w.u16le(static_cast<std::uint16_t>(redundant.size()));
    w.bytes(redundant);
  }
}

Result<AudioPayload> read_audio_payload(Bytes payload) {
  SpanReader r(payload);
  const std::uint8_t version = r.u8();
  const std::uint8_t flags = r.u8();
  if (!r.ok()) {
    return fail(Errc::truncated, "audio payload: {} bytes, shorter than its header", payload.size());
  }
  if (version != kAudioPayloadVersion) {
    return fail(Errc::malformed, "audio payload: version {} (this build reads {})", version, kAudioPayloadVersion);
  }
  AudioPayload out;
  const std::uint16_t primary = r.u16le();
  out.primary = r.bytes(primary);
  if ((flags & kFlagRedundant) != 0) {
    const std::uint16_t redundant = r.u16le();
    out.redundant = r.bytes(redundant);
    if (r.ok() && redundant == 0) {
      return fail(Errc::malformed, "audio payload: an empty redundant frame");
    }
  }
  if (!r.ok()) {
    return fail(Errc::truncated, "audio payload: a length runs past the datagram's {} bytes", payload.size());
  }
  if (out.primary.empty()) {
    return fail(Errc::malformed, "audio payload: an empty Opus packet");
  }
  return out;  // bytes after what the flags announce are ignored (later versions append)
}

}  // namespace pf::audio
