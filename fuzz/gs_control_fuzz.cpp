// GameStream control packets as a hostile client sends them. The input is
// tried three ways: as a sealed packet for a host (v2 and legacy IVs), as a
// plaintext message {LE16 type, payload} parsed in both directions, and
// sealed by a client cipher and opened by a host one, which must give back
// the same message. Aborts on any inconsistency it can see.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <variant>
#include <vector>

#include "fuzz_target.hpp"
#include "pf/gamestream/control.hpp"

namespace {

using pf::gamestream::AesKey;
using pf::gamestream::ControlCipher;
using pf::gamestream::ControlIv;
using pf::gamestream::ControlMessage;
using pf::gamestream::ControlRole;

// The key the seed corpus's sealed packets use.
constexpr AesKey kKey = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                         0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

ControlCipher make(ControlIv iv, ControlRole role) {
  auto c = ControlCipher::create(kKey, iv, role);
  if (!c) {
    std::abort();
  }
  return std::move(*c);
}

void check_client_message(const ControlMessage& m) {
  const auto parsed = pf::gamestream::parse_client_message(m);
  if (!parsed) {
    if (parsed.error().code != pf::Errc::malformed || parsed.error().message.empty()) {
      std::abort();
    }
    return;
  }
  if (pf::gamestream::type_of(*parsed) != m.type) {
    std::abort();
  }
  if (const auto* inv = std::get_if<pf::gamestream::InvalidateReferences>(&*parsed);
      inv != nullptr && inv->first_frame > inv->last_frame) {
    std::abort();
  }
  // Fixed-layout messages encode back to the bytes they were read from.
  std::vector<std::uint8_t> again;
  pf::gamestream::append_payload(*parsed, again);
  if (std::holds_alternative<pf::gamestream::FrameFecStatus>(*parsed) ||
      std::holds_alternative<pf::gamestream::InputData>(*parsed) ||
      std::holds_alternative<pf::gamestream::UnknownMessage>(*parsed)) {
    if (again.size() > m.payload.size() ||
        !std::equal(again.begin(), again.end(), m.payload.begin())) {
      std::abort();
    }
  }
}

void check_host_message(const ControlMessage& m) {
  const auto parsed = pf::gamestream::parse_host_message(m);
  if (!parsed) {
    return;
  }
  if (pf::gamestream::type_of(*parsed) != m.type) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const pf::Bytes bytes(data, size);
  std::vector<std::uint8_t> plain;

  // 1. A packet from a client, opened by a host.
  for (const ControlIv mode : {ControlIv::v2, ControlIv::legacy}) {
    auto host = make(mode, ControlRole::host);
    const auto m = host.open(bytes, plain);
    const auto& c = host.counters();
    if (c.opened + c.malformed + c.auth_failed + c.wrong_direction != 1) {
      std::abort();
    }
    if (m) {
      if (size != m->payload.size() + pf::gamestream::kControlOverheadBytes ||
          m->payload.size() > pf::gamestream::kMaxControlPayloadBytes ||
          m->payload.data() != plain.data() + pf::gamestream::kControlInnerHeaderBytes) {
        std::abort();
      }
      check_client_message(*m);
    } else if (m.error().message.empty()) {
      std::abort();
    }
  }

  // 2. The bytes as a plaintext message, then sealed and opened again.
  if (size < 2) {
    return 0;
  }
  const auto type = static_cast<std::uint16_t>(data[0] | (data[1] << 8));
  pf::Bytes payload = bytes.subspan(2);
  if (payload.size() > pf::gamestream::kMaxControlPayloadBytes) {
    payload = payload.first(pf::gamestream::kMaxControlPayloadBytes);
  }
  const ControlMessage direct{type, payload, 0};
  check_client_message(direct);
  check_host_message(direct);

  const ControlIv mode = (type & 1U) != 0 ? ControlIv::legacy : ControlIv::v2;
  auto client = make(mode, ControlRole::client);
  auto host = make(mode, ControlRole::host);
  std::vector<std::uint8_t> wire;
  if (!client.seal(type, payload, wire) ||
      wire.size() != payload.size() + pf::gamestream::kControlOverheadBytes) {
    std::abort();
  }
  const auto opened = host.open(wire, plain);
  if (!opened || opened->type != type || opened->seq != 0 ||
      !std::equal(opened->payload.begin(), opened->payload.end(), payload.begin(), payload.end())) {
    std::abort();
  }
  // A client never opens its own packet (v2 names the direction).
  if (mode == ControlIv::v2 && client.open(wire, plain)) {
    std::abort();
  }
  // One flipped bit anywhere is refused, except in the sequence number's
  // upper bytes under the legacy IV, which only takes its low byte.
  const std::size_t at = data[0] % wire.size();
  wire[at] ^= static_cast<std::uint8_t>(1U << (data[1] % 8));
  const bool ignored = mode == ControlIv::legacy && at >= 5 && at < 8;
  if (host.open(wire, plain).has_value() != ignored) {
    std::abort();
  }
  return 0;
}
