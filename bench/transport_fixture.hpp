// A sender and a receiver of the data plane wired to one session key, for
// the suites that drive the whole path in one process.
#pragma once

#include "pf/transport/packetizer.hpp"
#include "pf/transport/reassembler.hpp"

namespace pf::bench {

struct TransportPair {
  transport::Packetizer sender;
  transport::Reassembler receiver;
};

/// Default shard size, block size and receiver limits; the sender caps its
/// blocks to what `scheme` allows. Aborts on failure (a bug in the bench).
[[nodiscard]] inline TransportPair make_transport_pair(fec::Scheme scheme) {
  crypto::SessionKey key;
  key.key.fill(0x42);
  transport::SenderConfig sc;
  sc.scheme = scheme;
  return {*transport::Packetizer::create(sc, *crypto::Sealer::create(key, crypto::Direction::host_to_client)),
          *transport::Reassembler::create({}, *crypto::Opener::create(key, crypto::Direction::host_to_client))};
}

}  // namespace pf::bench
