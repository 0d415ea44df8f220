// What every backend checks the same way (internal to pf_encode).
#pragma once

#include <string_view>

#include "pf/encode/encoder.hpp"

namespace pf::encode::detail {

/// An even, non-empty size, a frame rate and a bitrate.
[[nodiscard]] inline Status check_config(const EncoderConfig& c, std::string_view backend) {
  if (c.width == 0 || c.height == 0 || c.width % 2 != 0 || c.height % 2 != 0 || c.fps == 0 || c.bitrate_kbps == 0) {
    return fail(Errc::invalid_argument, "{} needs an even size, a frame rate and a bitrate (got {}x{} at {} fps, {} kb/s)",
                backend, c.width, c.height, c.fps, c.bitrate_kbps);
  }
  return ok();
}

/// A submitted frame must be what the encoder was opened for.
[[nodiscard]] inline Status check_frame(const convert::YuvImage& f, const EncoderConfig& c, std::string_view backend) {
  if (f.width != c.width || f.height != c.height || f.format != c.input) {
    return fail(Errc::invalid_argument, "{} was opened for {} {}x{}, given {} {}x{}", backend,
                convert::to_string(c.input), c.width, c.height, convert::to_string(f.format), f.width, f.height);
  }
  return ok();
}

}  // namespace pf::encode::detail
