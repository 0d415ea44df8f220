// What the CPU conversion and the CUDA path share (internal to pf_convert).
#pragma once

#include "kernel_abi.h"
#include "pf/convert/convert.hpp"

namespace pf::convert::detail {

/// The coefficients of `spec` for samples of `bits` bits (8 or 10).
[[nodiscard]] Coefficients coefficients(const ColorSpec& spec, int bits);

/// Sizes, layouts, the format/colour combination and strides; pointers are
/// checked for null only, so device images pass through it too.
[[nodiscard]] Status check(const SourceImage& in, const YuvImage& out, ColorSpec spec);

}  // namespace pf::convert::detail
