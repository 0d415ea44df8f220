// Writes 8-bit RGB images as PNG (zlib), for frame snapshots.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "pf/core/result.hpp"

namespace pf::client {

[[nodiscard]] Status write_png(const std::filesystem::path& file, std::uint32_t width, std::uint32_t height,
                               const std::vector<std::uint8_t>& rgb);

}  // namespace pf::client
