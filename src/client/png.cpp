#include "pf/client/png.hpp"

#include <zlib.h>

#include <array>
#include <fstream>
#include <string_view>

namespace pf::client {
namespace {

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(v >> shift));
  }
}

void chunk(std::vector<std::uint8_t>& out, std::string_view type, const std::vector<std::uint8_t>& data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.insert(out.end(), type.begin(), type.end());
  out.insert(out.end(), data.begin(), data.end());
  const auto crc = crc32(0, &out[start], static_cast<uInt>(out.size() - start));
  put_u32(out, static_cast<std::uint32_t>(crc));
}

}  // namespace

Status write_png(const std::filesystem::path& file, std::uint32_t width, std::uint32_t height,
                 const std::vector<std::uint8_t>& rgb) {
  if (width == 0 || height == 0 || rgb.size() != std::size_t{width} * height * 3) {
    return fail(Errc::invalid_argument, "png: {}x{} does not match {} bytes of RGB", width, height, rgb.size());
  }
  // Each row: filter byte 0 (none), then the pixels.
  std::vector<std::uint8_t> raw;
  raw.reserve(rgb.size() + height);
  for (std::uint32_t y = 0; y < height; ++y) {
    raw.push_back(0);
    const auto row = rgb.begin() + static_cast<std::ptrdiff_t>(std::size_t{y} * width * 3);
    raw.insert(raw.end(), row, row + static_cast<std::ptrdiff_t>(width) * 3);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<std::uint8_t> packed(packed_size);
  if (compress2(packed.data(), &packed_size, raw.data(), static_cast<uLong>(raw.size()), 6) != Z_OK) {
    return fail(Errc::io, "png: zlib failed");
  }
  packed.resize(packed_size);

  std::vector<std::uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<std::uint8_t> header;
  put_u32(header, width);
  put_u32(header, height);
  header.insert(header.end(), {8, 2, 0, 0, 0});  // 8-bit, truecolour, deflate, no filter, no interlace
  chunk(out, "IHDR", header);
  chunk(out, "IDAT", packed);
  chunk(out, "IEND", {});
  std::ofstream f(file, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
  if (!f) {
    return fail(Errc::io, "png: cannot write {}", file.string());
  }
  return {};
}

}  // namespace pf::client
