#include "pf/fec/coder.hpp"

#include <algorithm>

#include "fec_internal.hpp"

namespace pf::fec {

std::string_view to_string(Scheme scheme) noexcept {
  switch (scheme) {
    case Scheme::none:
      return "none";
    case Scheme::gf8:
      return "gf8";
    case Scheme::gf16:
      return "gf16";
  }
  return "unknown";
}

Limits limits(Scheme scheme) noexcept {
  switch (scheme) {
    case Scheme::none:
      return {.max_data = 65535, .max_parity = 0, .max_total = 65535, .shard_multiple = 1};
    case Scheme::gf8:
      return {.max_data = 254, .max_parity = 254, .max_total = 255, .shard_multiple = 1};
    case Scheme::gf16:
      // Parity takes bit_ceil(m) ≤ 2^15 points of the 2^16-point field, data k ≤ 2^15.
      return {.max_data = 32768, .max_parity = 32768, .max_total = 65536, .shard_multiple = 2};
  }
  return {};
}

bool valid_shape(Scheme scheme, std::size_t k, std::size_t m, std::size_t shard_bytes) noexcept {
  const Limits l = limits(scheme);
  return l.max_total != 0 && k >= 1 && k <= l.max_data && m <= l.max_parity && k + m <= l.max_total &&
         (scheme == Scheme::none || m != 0) && shard_bytes != 0 &&
         shard_bytes % l.shard_multiple == 0 && shard_bytes <= (std::size_t{1} << 30);
}

Status check_shape(Scheme scheme, std::size_t k, std::size_t m, std::size_t shard_bytes) {
  if (!valid_shape(scheme, k, m, shard_bytes)) {
    return fail(Errc::invalid_argument,
                "{} block of {} data + {} parity shards of {} bytes is out of range", to_string(scheme),
                k, m, shard_bytes);
  }
  return ok();
}

Status Coder::encode(std::span<const std::uint8_t* const> data, std::span<std::uint8_t* const> parity,
                     std::size_t shard_bytes) {
  if (auto st = check_shape(scheme(), data.size(), parity.size(), shard_bytes); !st) {
    return st;
  }
  encode_block(data, parity, shard_bytes);
  return ok();
}

Status Coder::reconstruct(std::size_t k, std::span<std::uint8_t* const> shards,
                          std::span<const std::uint8_t> present, std::size_t shard_bytes) {
  if (shards.size() < k || present.size() != shards.size()) {
    return fail(Errc::invalid_argument, "{} reconstruct: {} shards and {} flags for k = {}",
                to_string(scheme()), shards.size(), present.size(), k);
  }
  if (auto st = check_shape(scheme(), k, shards.size() - k, shard_bytes); !st) {
    return st;
  }
  const auto received = static_cast<std::size_t>(std::count_if(
      present.begin(), present.end(), [](std::uint8_t p) { return p != 0; }));
  const auto data_received = static_cast<std::size_t>(std::count_if(
      present.begin(), present.begin() + static_cast<std::ptrdiff_t>(k), [](std::uint8_t p) { return p != 0; }));
  if (data_received == k) {
    return ok();
  }
  if (received < k) {
    return fail(Errc::limit_reached, "{} block unrecoverable: {} of {} shards received, {} needed",
                to_string(scheme()), received, shards.size(), k);
  }
  reconstruct_block(k, shards, present, shard_bytes);
  return ok();
}

Result<std::unique_ptr<Coder>> make_coder(Scheme scheme) {
  switch (scheme) {
    case Scheme::gf8:
      return make_gf8_coder();
    case Scheme::gf16:
      return make_gf16_coder();
    case Scheme::none:
      break;
  }
  return fail(Errc::invalid_argument, "no erasure coder for scheme {}", to_string(scheme));
}

[[gnu::target_clones("avx2", "default")]] void xor_into(std::uint8_t* dst, const std::uint8_t* src,
                                                      std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    dst[i] ^= src[i];
  }
}

}  // namespace pf::fec
