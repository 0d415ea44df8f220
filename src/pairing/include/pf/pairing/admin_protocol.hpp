// The operator's local channel to a running host's pairing: one JSON request
// and one JSON answer per connection on the host's admin socket
// (`admin.sock` in the config directory, mode 0600, peers checked by uid).
// `punktfunk-host pair ...` and `punktfunk-host pending ...` speak it.
//
//   {"op": "pair.arm", "ttl_s": 120, "for": "<fingerprint>", "access": "full"}
//   {"op": "pair.status"}          {"op": "pair.disarm"}
//   {"op": "pending.list"}         {"op": "pending.approve", "id": 3, "access": "view-only"}
//   {"op": "pending.deny", "id": 3}
//   {"op": "gamestream.pin", "pin": "1234"}   {"op": "gamestream.status"}
//
// Answers: {"ok": true, ...} or {"ok": false, "error": "<what and why>"}.
// Unknown ops or fields, wrong types and oversized requests are errors.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "pf/core/result.hpp"
#include "pf/pairing/pairing_service.hpp"

namespace pf::pairing {

inline constexpr std::string_view kAdminSocketFile = "admin.sock";
inline constexpr std::size_t kMaxAdminMessageBytes = 64 * 1024;

enum class AdminOp : std::uint8_t {
  unset = 0,
  pair_arm,
  pair_status,
  pair_disarm,
  pending_list,
  pending_approve,
  pending_deny,
  gamestream_pin,     ///< the PIN a waiting Moonlight client shows
  gamestream_status,  ///< the client waiting for a PIN, if any
};

struct AdminRequest {
  AdminOp op = AdminOp::unset;
  std::uint32_t ttl_s = 120;
  std::string for_fingerprint;
  Access access = Access::full;
  std::uint64_t id = 0;
  std::string pin;
};

[[nodiscard]] Result<AdminRequest> parse_admin_request(std::string_view json);
[[nodiscard]] std::string render_admin_request(const AdminRequest& request);

/// The PIN window and the waiting knocks as both the admin socket and the
/// management API show them.
[[nodiscard]] nlohmann::json window_json(const WindowState& window);
[[nodiscard]] nlohmann::json pending_json(const std::vector<PendingRequest>& pending);

/// What the GameStream host offers the admin socket (empty when it is off).
struct GameStreamAdmin {
  std::function<Status(std::string_view pin)> submit_pin;
  std::function<nlohmann::json()> status;
};

/// Parses and carries out one request; the answer is always a JSON object.
[[nodiscard]] std::string handle_admin_request(std::string_view json, PairingService& pairing,
                                               const GameStreamAdmin& gamestream = {});

}  // namespace pf::pairing
