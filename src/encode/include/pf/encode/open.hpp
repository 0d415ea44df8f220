// Opening an encoder: the hardware one when it is there, the software one
// otherwise, and why.
#pragma once

#include <memory>
#include <string>

#include "pf/encode/encoder.hpp"
#include "pf/encode/nvenc.hpp"

namespace pf::encode {

enum class Backend : std::uint8_t {
  automatic = 0,  ///< NVENC when it opens, else the codec's software encoder
  nvenc = 1,      ///< NVENC or an error
  software = 2,   ///< x264 (H.264) or x265 (HEVC)
};

struct OpenedEncoder {
  std::unique_ptr<Encoder> encoder;
  /// Why the automatic choice fell back to software ("NVENC unavailable:
  /// …"); empty when it did not.
  std::string fallback_reason;
};

[[nodiscard]] Result<OpenedEncoder> open_encoder(const EncoderConfig& config, Backend backend = Backend::automatic,
                                                 const NvencOptions& nvenc = {});

}  // namespace pf::encode
