// Pairing messages as a hostile client sends them: decode any of the
// pairing types; what decodes must encode and decode back the same; a
// PairRequest goes through the host's pairing service (armed, so the
// SPAKE2 point validation and the attempt bookkeeping run), with a proof
// made of the same bytes, which must never pair.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fuzz_target.hpp"
#include "pf/control/messages.hpp"
#include "pf/pairing/pairing_service.hpp"

namespace {

// A scratch config dir (pairing never succeeds here, so it stays empty but
// for the lock file), removed at exit.
const std::string& service_dir() {
  static const std::string dir = [] {
    char name[] = "/tmp/pf-pairing-fuzz-XXXXXX";
    if (::mkdtemp(name) == nullptr) {
      std::abort();
    }
    return std::string(name);
  }();
  return dir;
}

pf::pairing::PairingService& service() {
  static pf::pairing::PairingService s({.config_dir = service_dir(),
                                        .host_fingerprint = std::string(64, 'f'),
                                        .max_failures = 3,
                                        .pending_wait = std::chrono::seconds(1),
                                        .max_pending = 4,
                                        .max_ttl = std::chrono::hours(1),
                                        .events = {}});
  static const int cleanup = std::atexit([] { std::filesystem::remove_all(service_dir()); });
  (void)cleanup;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const auto type = static_cast<pf::control::MessageType>(
      static_cast<unsigned>(pf::control::MessageType::pair_request) + data[0] % 7);
  const pf::Bytes body(data + 1, size - 1);
  const auto decoded = pf::control::decode_body(type, body);
  if (!decoded) {
    return 0;
  }
  std::vector<std::uint8_t> out;
  if (!pf::control::encode(decoded->message, out)) {
    std::abort();  // everything that decodes must encode
  }
  const auto again = pf::control::decode_body(type, pf::Bytes(out).subspan(pf::control::kEnvelopeBytes));
  if (!again || !(again->message == decoded->message)) {
    std::abort();
  }
  if (const auto* request = std::get_if<pf::control::PairRequest>(&decoded->message)) {
    auto& s = service();
    if (!s.window().armed) {
      (void)s.arm({std::chrono::seconds(60), {}, pf::pairing::Access::full, "4821"});
    }
    auto began = s.begin(std::string(64, 'c'), "fuzz", *request);
    if (auto* attempt = std::get_if<pf::pairing::PairingService::Began>(&began)) {
      pf::control::PairProof proof;
      std::copy_n(request->element.begin(), proof.confirm.size(), proof.confirm.begin());
      if (s.finish(std::move(attempt->attempt), proof).outcome == pf::control::PairOutcome::paired) {
        std::abort();  // paired without knowing the PIN
      }
    }
  }
  return 0;
}
