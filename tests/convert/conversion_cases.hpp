// Every conversion punktfunk offers: each output format with each colour
// specification it accepts. The CPU accuracy tests and the GPU comparison
// both run all of them.
#pragma once

#include <vector>

#include "pf/convert/convert.hpp"

namespace pf::convert::test {

struct ConversionCase {
  YuvFormat format;
  ColorSpec spec;
  PixelLayout layout;
};

inline const std::vector<ConversionCase> kConversionCases = {
    {YuvFormat::nv12, {Matrix::bt709, Range::limited}, PixelLayout::bgra8},
    {YuvFormat::nv12, {Matrix::bt709, Range::full}, PixelLayout::bgrx8},
    {YuvFormat::nv12, {Matrix::bt601, Range::limited}, PixelLayout::bgra8},
    {YuvFormat::nv12, {Matrix::bt601, Range::full}, PixelLayout::bgra8},
    {YuvFormat::i420, {Matrix::bt709, Range::limited}, PixelLayout::bgra8},
    {YuvFormat::i420, {Matrix::bt601, Range::limited}, PixelLayout::bgra8},
    {YuvFormat::i420, {Matrix::bt601, Range::full}, PixelLayout::bgra8},
    {YuvFormat::i444, {Matrix::bt709, Range::limited}, PixelLayout::bgra8},
    {YuvFormat::i444, {Matrix::bt601, Range::limited}, PixelLayout::bgra8},
    {YuvFormat::i444, {Matrix::bt709, Range::full}, PixelLayout::bgra8},
    {YuvFormat::p010, {Matrix::bt2020, Range::limited}, PixelLayout::x2rgb10},
    {YuvFormat::p010, {Matrix::bt2020, Range::full}, PixelLayout::x2rgb10},
};

}  // namespace pf::convert::test
