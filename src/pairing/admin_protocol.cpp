#include "pf/pairing/admin_protocol.hpp"

#include <array>

#include <nlohmann/json.hpp>

namespace pf::pairing {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<std::string_view, AdminOp>, 8> kOps{{
    {"pair.arm", AdminOp::pair_arm},
    {"pair.status", AdminOp::pair_status},
    {"pair.disarm", AdminOp::pair_disarm},
    {"pending.list", AdminOp::pending_list},
    {"pending.approve", AdminOp::pending_approve},
    {"pending.deny", AdminOp::pending_deny},
    {"gamestream.pin", AdminOp::gamestream_pin},
    {"gamestream.status", AdminOp::gamestream_status},
}};

std::string_view op_name(AdminOp op) {
  for (const auto& [name, value] : kOps) {
    if (value == op) {
      return name;
    }
  }
  return "unset";
}

std::int64_t seconds(Nanos n) {
  return std::chrono::duration_cast<std::chrono::seconds>(n).count();
}

std::string answer(json body) {
  body["ok"] = true;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string error(std::string_view message) {
  return json{{"ok", false}, {"error", message}}.dump(-1, ' ', false,
                                                      json::error_handler_t::replace);
}

}  // namespace

json window_json(const WindowState& w) {
  json out{{"armed", w.armed}, {"locked", w.locked}, {"failures", w.failures}};
  if (w.armed) {
    out["pin"] = w.pin;
    out["expires_in_s"] = seconds(w.remaining);
    out["for"] = w.for_fingerprint;
    out["access"] = to_string(w.access);
  }
  return out;
}

json pending_json(const std::vector<PendingRequest>& pending) {
  json list = json::array();
  for (const auto& p : pending) {
    list.push_back({{"id", p.id},
                    {"name", p.name},
                    {"fingerprint", p.fingerprint},
                    {"peer", p.peer},
                    {"waiting_s", seconds(p.waiting)},
                    {"expires_in_s", seconds(p.remaining)}});
  }
  return json{{"pending", std::move(list)}};
}

Result<AdminRequest> parse_admin_request(std::string_view text) {
  if (text.size() > kMaxAdminMessageBytes) {
    return fail(Errc::limit_reached, "the request is over {} bytes", kMaxAdminMessageBytes);
  }
  const auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(Errc::malformed, "the request is not a JSON object");
  }
  AdminRequest r;
  for (const auto& [key, value] : j.items()) {
    if (key == "op") {
      if (value.is_string()) {
        for (const auto& [name, op] : kOps) {
          if (value.get_ref<const std::string&>() == name) {
            r.op = op;
          }
        }
      }
      if (r.op == AdminOp::unset) {
        return fail(Errc::malformed, "unknown op");
      }
    } else if (key == "ttl_s") {
      if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0 ||
          value.get<std::uint64_t>() > 86'400) {
        return fail(Errc::malformed, "ttl_s must be 1 to 86400");
      }
      r.ttl_s = value.get<std::uint32_t>();
    } else if (key == "for") {
      if (!value.is_string() || value.get_ref<const std::string&>().size() > 128) {
        return fail(Errc::malformed, "for must be a fingerprint");
      }
      r.for_fingerprint = value.get<std::string>();
    } else if (key == "access") {
      const auto a =
          value.is_string() ? parse_access(value.get_ref<const std::string&>()) : std::nullopt;
      if (!a) {
        return fail(Errc::malformed, "access must be full, controller-only or view-only");
      }
      r.access = *a;
    } else if (key == "pin") {
      if (!value.is_string() || value.get_ref<const std::string&>().size() > 16) {
        return fail(Errc::malformed, "pin must be a string of digits");
      }
      r.pin = value.get<std::string>();
    } else if (key == "id") {
      if (!value.is_number_unsigned()) {
        return fail(Errc::malformed, "id must be a positive integer");
      }
      r.id = value.get<std::uint64_t>();
    } else {
      return fail(Errc::malformed, "unknown field \"{}\"", key);
    }
  }
  if (r.op == AdminOp::unset) {
    return fail(Errc::malformed, "op is missing");
  }
  if (!r.pin.empty() && r.op != AdminOp::gamestream_pin) {
    // The native pairing window makes its own PIN; none comes from outside.
    return fail(Errc::malformed, "pin is only for gamestream.pin");
  }
  return r;
}

std::string render_admin_request(const AdminRequest& r) {
  json j{{"op", op_name(r.op)}};
  switch (r.op) {
    case AdminOp::pair_arm:
      j["ttl_s"] = r.ttl_s;
      j["access"] = to_string(r.access);
      if (!r.for_fingerprint.empty()) {
        j["for"] = r.for_fingerprint;
      }
      break;
    case AdminOp::pending_approve:
      j["access"] = to_string(r.access);
      j["id"] = r.id;
      break;
    case AdminOp::pending_deny: j["id"] = r.id; break;
    case AdminOp::gamestream_pin: j["pin"] = r.pin; break;
    default: break;
  }
  return j.dump();
}

std::string handle_admin_request(std::string_view text, PairingService& pairing, const GameStreamAdmin& gamestream) {
  auto request = parse_admin_request(text);
  if (!request) {
    return error(request.error().message);
  }
  switch (request->op) {
    case AdminOp::pair_arm: {
      auto armed = pairing.arm(
          {std::chrono::seconds(request->ttl_s), request->for_fingerprint, request->access, {}});
      return armed ? answer(window_json(*armed)) : error(armed.error().message);
    }
    case AdminOp::pair_status: {
      const auto c = pairing.counters();
      json body = window_json(pairing.window());
      body["counters"] = {{"paired", c.paired},     {"failed", c.failed},
                          {"lockouts", c.lockouts}, {"not_armed", c.not_armed},
                          {"knocks", c.knocks},     {"approved", c.approved},
                          {"denied", c.denied}};
      return answer(std::move(body));
    }
    case AdminOp::pair_disarm: pairing.disarm(); return answer(json::object());
    case AdminOp::pending_list: return answer(pending_json(pairing.pending()));
    case AdminOp::pending_approve: {
      auto approved = pairing.approve(request->id, request->access);
      return approved ? answer(json::object()) : error(approved.error().message);
    }
    case AdminOp::pending_deny: {
      auto denied = pairing.deny(request->id);
      return denied ? answer(json::object()) : error(denied.error().message);
    }
    case AdminOp::gamestream_pin:
    case AdminOp::gamestream_status: {
      if (!gamestream.submit_pin || !gamestream.status) {
        return error("GameStream is off on this host (PUNKTFUNK_GAMESTREAM=on or `serve --gamestream`)");
      }
      if (request->op == AdminOp::gamestream_status) {
        return answer(gamestream.status());
      }
      auto submitted = gamestream.submit_pin(request->pin);
      return submitted ? answer(json::object()) : error(submitted.error().message);
    }
    case AdminOp::unset: break;
  }
  return error("unknown op");
}

}  // namespace pf::pairing
