// mDNS (DNS-SD) through the Avahi daemon: the host advertises
// `_punktfunk._udp` on its native port; clients browse for it.
//
// TXT keys: proto (protocol id), fp (the host certificate's SHA-256),
// pair (required | optional), id (host id), mgmt (management port),
// os (e.g. linux/debian/12).
//
// The daemon is optional: without one the advertiser logs one warning and
// keeps waiting for it (advertising once it appears); browse() fails with
// a message naming the missing daemon.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"

namespace pf::discovery {

inline constexpr std::string_view kServiceType = "_punktfunk._udp";
inline constexpr std::string_view kProtocolId = "punktfunk/1";

struct Advertisement {
  std::string name;  ///< instance name, e.g. "punktfunk on studio"
  std::uint16_t port = 0;
  std::map<std::string, std::string> txt;
};

/// The TXT record a host advertises (mgmt only when it serves one: 0 leaves it out).
[[nodiscard]] std::map<std::string, std::string> host_txt(std::string_view fingerprint, bool pairing_required,
                                                          std::uint16_t mgmt_port);

/// Advertises while it lives (Avahi's own event thread runs the
/// registration and re-registers after a daemon restart or a name clash).
class Advertiser {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Advertiser>> start(Advertisement advertisement);
  ~Advertiser();
  Advertiser(const Advertiser&) = delete;
  Advertiser& operator=(const Advertiser&) = delete;

  struct Impl;

 private:
  explicit Advertiser(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct FoundHost {
  std::string name;
  std::string host_name;  ///< e.g. studio.local
  std::string address;    ///< numeric
  std::uint16_t port = 0;
  std::string interface;
  std::map<std::string, std::string> txt;
};

/// Browses for `timeout` (returning early once every announced host is
/// resolved) and returns what answered, one entry per instance and address.
[[nodiscard]] Result<std::vector<FoundHost>> browse(Nanos timeout);

}  // namespace pf::discovery
