// What every backend checks the same way (internal to pf_encode).
#pragma once

#include <cstdint>
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

/// Whether `flags` ask for an IDR.
[[nodiscard]] inline bool wants_idr(SubmitFlags flags) noexcept {
  return (static_cast<std::uint32_t>(flags) & static_cast<std::uint32_t>(SubmitFlags::force_idr)) != 0;
}

/// The H.273 code points the VUI carries for a colour matrix (HDR, BT.2020,
/// is PQ-encoded: transfer 16).
struct ColourCodes {
  std::uint32_t primaries;
  std::uint32_t transfer;
  std::uint32_t matrix;
};
[[nodiscard]] inline ColourCodes h273_codes(convert::Matrix m) noexcept {
  switch (m) {
    case convert::Matrix::bt2020: return {9, 16, 9};
    case convert::Matrix::bt601: return {6, 6, 6};
    case convert::Matrix::bt709:
    case convert::Matrix::unset: break;
  }
  return {1, 1, 1};
}

}  // namespace pf::encode::detail
