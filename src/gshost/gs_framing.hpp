// GameStream's packet formats behind the session pipelines' framer
// interface (pf/session/framing.hpp): video as RTP with the NV packet
// header and Reed–Solomon parity, audio as RTP with its fixed 4 + 2 FEC,
// each optionally encrypted with the session's key.
#pragma once

#include <cstdint>
#include <memory>

#include "pf/gamestream/cipher.hpp"
#include "pf/session/framing.hpp"

namespace pf::gshost {

struct VideoFraming {
  std::uint32_t packet_size = 1024;  ///< the client's x-nv-video[0].packetSize
  std::uint32_t fec_pct = 20;
  std::uint32_t min_fec_packets = 2;  ///< the client's x-nv-vqos[0].fec.minRequiredFecPackets
  bool encrypt = false;
  gamestream::AesKey key{};
};
[[nodiscard]] Result<std::unique_ptr<session::VideoFramer>> gamestream_video_framer(const VideoFraming& framing);

struct AudioFraming {
  bool encrypt = true;
  gamestream::AesKey key{};
  std::uint32_t key_id = 0;     ///< rikeyid
  std::uint32_t packet_ms = 5;  ///< x-nv-aqos.packetDuration
};
[[nodiscard]] Result<std::unique_ptr<session::AudioFramer>> gamestream_audio_framer(const AudioFraming& framing);

}  // namespace pf::gshost
