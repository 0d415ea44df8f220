// The client's side of pairing, and the hosts it trusts.
//
// known-hosts (in the client's config dir, mode 0600): one
// "<host:port> <fingerprint>" per line. A client pins the host's
// certificate from it on every connection.
//
// pair_with_host() opens a connection that pairs instead of streaming:
//  * with a PIN: SPAKE2 bound to both certificates' fingerprints
//    (pf/pairing/spake2.hpp). The host's key confirmation proves it knew the
//    PIN and saw this client's certificate, so its fingerprint is recorded
//    without trusting anything on first use;
//  * without a PIN (a knock): the host's operator approves or denies within
//    the host's wait. The host is not authenticated by anything but the
//    operator's word, so its fingerprint is shown to be compared.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "pf/control/messages.hpp"
#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"

namespace pf::client {

inline constexpr std::string_view kKnownHostsFile = "known-hosts";

/// The fingerprint pinned for `host` ("address:port"), or empty.
[[nodiscard]] std::string pinned_fingerprint(const std::filesystem::path& config_dir, const std::string& host);
/// Pins `fingerprint` for `host`, replacing what was pinned before.
[[nodiscard]] Status remember_host(const std::filesystem::path& config_dir, const std::string& host,
                                   const std::string& fingerprint);

struct PairOptions {
  std::string host;  ///< HOST[:PORT]
  std::uint16_t default_port = 9777;
  std::filesystem::path config_dir;
  std::string name = "punktfunk-client";
  std::string pin;  ///< empty: knock and wait for the operator
  Nanos wait = std::chrono::seconds(200);  ///< a knock's patience (the host keeps it 180 s)
};

struct PairReport {
  control::PairOutcome outcome = control::PairOutcome::unset;
  std::uint8_t access = 0;  ///< pairing::Access granted
  std::string host;         ///< address:port as pinned
  std::string host_fingerprint;
  std::string client_fingerprint;
  std::uint64_t request_id = 0;  ///< a knock's, for the operator
  std::string detail;            ///< the host's words
};

/// Pairs (or knocks). Succeeds only when the host paired this client; every
/// other outcome is an error whose message says what happened and what to
/// do. `waiting` is called once a knock is pending (request id, fingerprints).
[[nodiscard]] Result<PairReport> pair_with_host(const PairOptions& options,
                                                const std::function<void(const PairReport&)>& waiting = {});

}  // namespace pf::client
