// Erasure decoding with any block shape and any erasure set: with k shards
// present the data comes back exactly, with fewer the call fails and
// writes nothing.
#include <algorithm>
#include <cstdlib>
#include <vector>

#include "fuzz_target.hpp"
#include "pf/core/span_io.hpp"
#include "pf/fec/coder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pf::fec;
  pf::SpanReader in(pf::Bytes(data, size));
  const bool gf16 = (in.u8() & 1) != 0;
  const std::size_t k = 1U + in.u16le() % (gf16 ? 600U : 200U);
  const std::size_t m = 1U + in.u8() % (gf16 ? 200U : 55U);
  const std::size_t shard = 2U * (1U + in.u8() % 80U);
  std::uint32_t seed = in.u32le() | 1;
  if (!in.ok()) {
    return 0;
  }
  const Scheme scheme = gf16 ? Scheme::gf16 : Scheme::gf8;
  auto coder = make_coder(scheme);
  if (!coder) {
    std::abort();
  }
  std::vector<std::uint8_t> block((k + m) * shard);
  for (std::size_t i = 0; i < k * shard; ++i) {
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    block[i] = static_cast<std::uint8_t>(seed);
  }
  std::vector<std::uint8_t*> ptrs;
  for (std::size_t i = 0; i < k + m; ++i) {
    ptrs.push_back(block.data() + i * shard);
  }
  std::vector<const std::uint8_t*> in_ptrs(ptrs.begin(), ptrs.begin() + static_cast<std::ptrdiff_t>(k));
  if (!(*coder)->encode(in_ptrs, std::span(ptrs).subspan(k), shard)) {
    std::abort();
  }
  const std::vector<std::uint8_t> original(block.begin(), block.begin() + static_cast<std::ptrdiff_t>(k * shard));
  // The rest of the input is the erasure set, one bit per shard (missing bits: present).
  std::vector<std::uint8_t> present(k + m, 1);
  std::size_t received = k + m;
  std::uint8_t bits = 0;
  for (std::size_t i = 0; i < k + m; ++i) {
    if (i % 8 == 0) {
      bits = in.remaining() > 0 ? in.u8() : 0;
    }
    if ((static_cast<unsigned>(bits) >> (i % 8)) & 1U) {
      present[i] = 0;
      --received;
      std::fill_n(ptrs[i], shard, std::uint8_t{0xA5});
    }
  }
  const auto before = block;
  const bool ok = (*coder)->reconstruct(k, ptrs, present, shard).has_value();
  if (ok != (received >= k)) {
    std::abort();
  }
  if (ok && !std::equal(original.begin(), original.end(), block.begin())) {
    std::abort();
  }
  if (!ok && block != before) {
    std::abort();
  }
  return 0;
}
