// Appending fixed-width integers to a byte vector (the builders' side of
// the wire formats). Private to pf_gamestream.
#pragma once

#include <cstdint>
#include <vector>

#include "pf/core/span_io.hpp"

namespace pf::gamestream::detail {

inline void put_u16le(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
inline void put_u32le(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put_u16le(out, static_cast<std::uint16_t>(v));
  put_u16le(out, static_cast<std::uint16_t>(v >> 16));
}
inline void put_u64le(std::vector<std::uint8_t>& out, std::uint64_t v) {
  put_u32le(out, static_cast<std::uint32_t>(v));
  put_u32le(out, static_cast<std::uint32_t>(v >> 32));
}
inline void put_u16be(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
inline void put_u32be(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put_u16be(out, static_cast<std::uint16_t>(v >> 16));
  put_u16be(out, static_cast<std::uint16_t>(v));
}
inline void put_bytes(std::vector<std::uint8_t>& out, Bytes b) {
  out.insert(out.end(), b.begin(), b.end());
}

template <typename... Ts>
struct Overload : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overload(Ts...) -> Overload<Ts...>;

}  // namespace pf::gamestream::detail
