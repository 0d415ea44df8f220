// Opening datagrams: genuine, replayed, corrupted and invented ones in any
// order, against a model of the replay window. A packet opens only if it is
// genuine and its sequence number is fresh; nothing else ever opens.
#include <cstdlib>
#include <map>
#include <set>
#include <vector>

#include "fuzz_target.hpp"
#include "pf/core/span_io.hpp"
#include "pf/crypto/aead.hpp"

namespace {

using namespace pf::crypto;

constexpr std::size_t kWindow = kDefaultReplayWindow;

SessionKey key() {
  SessionKey k;
  k.key.fill(0x77);
  k.salt = {1, 2, 3, 4};
  return k;
}

struct Genuine {
  std::uint64_t sequence;
  std::vector<std::uint8_t> aad, sealed;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pf::SpanReader in(pf::Bytes(data, size));
  auto sealer = Sealer::create(key(), Direction::host_to_client);
  auto opener = Opener::create(key(), Direction::host_to_client);
  if (!sealer || !opener) {
    std::abort();
  }
  std::vector<Genuine> genuine;
  std::set<std::uint64_t> opened;
  std::uint64_t next = 0;
  std::uint64_t top = 0;
  std::vector<std::uint8_t> out(4096);
  const auto fresh = [&](std::uint64_t seq) {
    return !opened.contains(seq) && (opened.empty() || seq > top || top - seq < kWindow);
  };
  for (int ops = 0; ops < 64 && in.remaining() > 0; ++ops) {
    const std::uint8_t op = in.u8();
    if (op % 4 == 0) {  // seal a new genuine packet, sequence jumping ahead
      next += std::uint64_t{1} + (in.u16le() % 4 == 0 ? in.u32le() : in.u8());
      Genuine g{next, std::vector<std::uint8_t>(in.u8() % 48), std::vector<std::uint8_t>(in.u16le() % 1500)};
      std::vector<std::uint8_t> plain(g.sealed.size());
      g.sealed.resize(plain.size() + kTagBytes);
      if (!sealer->seal(g.sequence, g.aad, plain, g.sealed)) {
        std::abort();
      }
      genuine.push_back(std::move(g));
    } else if (genuine.empty()) {
      continue;
    } else if (op % 4 == 1 || op % 4 == 2) {  // open a genuine packet, maybe corrupted
      const Genuine& g = genuine[in.u16le() % genuine.size()];
      std::vector<std::uint8_t> sealed = g.sealed;
      const bool corrupt = op % 4 == 2;
      if (corrupt) {
        sealed[in.u16le() % sealed.size()] ^= static_cast<std::uint8_t>(1 | in.u8());
      }
      const bool expect = !corrupt && fresh(g.sequence);
      const OpenOutcome got = opener->open(g.sequence, g.aad, sealed, out);
      if ((got == OpenOutcome::opened) != expect) {
        std::abort();
      }
      if (got == OpenOutcome::opened) {
        opened.insert(g.sequence);
        top = std::max(top, g.sequence);
      }
    } else {  // invented bytes under any sequence number
      const std::uint64_t seq = in.u64le() >> 8;
      const pf::Bytes aad = in.bytes(in.u8() % 48);
      const pf::Bytes sealed = in.bytes(in.u16le() % 1600);
      if (opener->open(seq, aad, sealed, out) == OpenOutcome::opened) {
        std::abort();  // a forgery
      }
    }
  }
  return 0;
}
