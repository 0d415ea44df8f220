// punktfunk-host identity | pair ... | pending ... | clients ...: the
// operator's side of trust. Pairing windows and knocks live in the running
// host (reached through its admin socket); the paired clients are the
// trust store file, edited under its lock whether or not a host runs (a
// running host notices within a second, and ends the session of a client
// that was unpaired).
#include <cstdio>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "admin_socket.hpp"
#include "commands.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/text.hpp"
#include "pf/pairing/admin_protocol.hpp"
#include "pf/pairing/trust_store.hpp"
#include "pf/tls/identity.hpp"

namespace pf::host {
namespace {

using nlohmann::json;

int failure(std::string_view what) {
  fmt::print(stderr, "punktfunk-host: {}\n", what);
  return kExitFailure;
}

std::string when(std::int64_t unix_s) {
  if (unix_s == 0) {
    return "-";
  }
  const std::time_t t = unix_s;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

// "90s", "30m", "12h", "7d" → whole seconds; "never" → 0.
// One admin request; prints the answer as JSON or hands it to `text`.
int call(const config::HostConfig& cfg, const pairing::AdminRequest& request, OutputFormat format,
         const std::function<void(const json&)>& text) {
  auto answer = admin_call(cfg.settings.config_dir, pairing::render_admin_request(request));
  if (!answer) {
    return failure(answer.error().message);
  }
  const auto body = json::parse(*answer, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return failure("the host's answer is not JSON");
  }
  if (!body.value("ok", false)) {
    return failure(body.value("error", std::string("the host refused")));
  }
  if (format == OutputFormat::json) {
    fmt::print("{}\n", body.dump(2));
  } else {
    text(body);
  }
  return kExitOk;
}

void print_window(const json& w) {
  if (!w.value("armed", false)) {
    fmt::print("pairing: not armed{}\n", w.value("locked", false) ? " (locked after failed attempts)" : "");
    return;
  }
  fmt::print("pairing armed: PIN {}  (expires in {} s{}, access {})\n", w.value("pin", ""),
             w.value("expires_in_s", 0), w.value("for", "").empty() ? "" : ", only for " + w.value("for", ""),
             w.value("access", ""));
  fmt::print("on the client: punktfunk-client pair HOST --pin {}\n", w.value("pin", ""));
}

}  // namespace

int run_identity(const config::HostConfig& cfg, OutputFormat format) {
  const auto& dir = cfg.settings.config_dir;
  if (auto made = ensure_private_dir(dir); !made) {
    return failure(made.error().message);
  }
  auto loaded = tls::load_or_create_identity(dir, "host", "punktfunk host");
  if (!loaded) {
    return failure(loaded.error().message);
  }
  if (format == OutputFormat::json) {
    fmt::print("{}\n", json{{"fingerprint", loaded->identity.fingerprint},
                            {"certificate", (dir / "host-cert.pem").string()},
                            {"created", loaded->origin == tls::IdentityOrigin::created}}
                           .dump(2));
  } else {
    fmt::print("fingerprint (SHA-256): {}\ncertificate:           {}{}\n", loaded->identity.fingerprint,
               (dir / "host-cert.pem").string(),
               loaded->origin == tls::IdentityOrigin::created ? "  (created now)" : "");
  }
  return kExitOk;
}

int run_pair(const config::HostConfig& cfg, const PairCommand& c, OutputFormat format) {
  pairing::AdminRequest r;
  if (c.action == "arm") {
    const auto ttl = pairing::parse_expiry(c.ttl);
    if (!ttl || *ttl == 0) {
      return failure("--ttl expects a duration such as 120s or 5m");
    }
    const auto access = pairing::parse_access(c.access);
    if (!access) {
      return failure("--access must be full, controller-only or view-only");
    }
    r.op = pairing::AdminOp::pair_arm;
    r.ttl_s = static_cast<std::uint32_t>(std::min<std::int64_t>(*ttl, 86'400));
    r.for_fingerprint = c.for_fingerprint;
    r.access = *access;
  } else {
    r.op = c.action == "disarm" ? pairing::AdminOp::pair_disarm : pairing::AdminOp::pair_status;
  }
  return call(cfg, r, format, [&](const json& body) {
    if (r.op == pairing::AdminOp::pair_disarm) {
      fmt::print("pairing window closed\n");
      return;
    }
    print_window(body);
    if (const auto counters = body.find("counters"); counters != body.end()) {
      fmt::print("since start: {} paired, {} failed attempts, {} lockouts, {} knocks ({} approved, {} denied)\n",
                 counters->value("paired", 0), counters->value("failed", 0), counters->value("lockouts", 0),
                 counters->value("knocks", 0), counters->value("approved", 0), counters->value("denied", 0));
    }
  });
}

int run_pending(const config::HostConfig& cfg, const PendingCommand& c, OutputFormat format) {
  pairing::AdminRequest r;
  r.id = c.id;
  if (c.action == "approve") {
    const auto access = pairing::parse_access(c.access);
    if (!access) {
      return failure("--access must be full, controller-only or view-only");
    }
    r.op = pairing::AdminOp::pending_approve;
    r.access = *access;
  } else if (c.action == "deny") {
    r.op = pairing::AdminOp::pending_deny;
  } else {
    r.op = pairing::AdminOp::pending_list;
  }
  return call(cfg, r, format, [&](const json& body) {
    if (r.op != pairing::AdminOp::pending_list) {
      fmt::print("request {} {}\n", c.id, c.action == "approve" ? "approved" : "denied");
      return;
    }
    const auto& list = body.at("pending");
    if (list.empty()) {
      fmt::print("no client is waiting for approval\n");
      return;
    }
    fmt::print("{:>4}  {:<24} {:<22} {:>8}  {}\n", "id", "name", "from", "left", "fingerprint");
    for (const auto& p : list) {
      fmt::print("{:>4}  {:<24} {:<22} {:>6} s  {}\n", p.value("id", 0), p.value("name", ""), p.value("peer", ""),
                 p.value("expires_in_s", 0), p.value("fingerprint", ""));
    }
    fmt::print("approve with: punktfunk-host pending approve ID [--access full|controller-only|view-only]\n");
  });
}

int run_gamestream(const config::HostConfig& cfg, const GameStreamCommand& c, OutputFormat format) {
  pairing::AdminRequest r;
  r.op = c.action == "pin" ? pairing::AdminOp::gamestream_pin : pairing::AdminOp::gamestream_status;
  r.pin = c.pin;
  return call(cfg, r, format, [&](const json& body) {
    if (r.op == pairing::AdminOp::gamestream_pin) {
      fmt::print("PIN entered; the client finishes pairing on its own\n");
      return;
    }
    const auto& ports = body.at("ports");
    fmt::print("GameStream: HTTP {}, HTTPS {}, RTSP {}, control {} (certificate {})\n", ports.value("http", 0),
               ports.value("https", 0), ports.value("rtsp", 0), ports.value("control", 0),
               body.value("fingerprint", ""));
    if (const auto& pin = body.at("pin_request"); pin.is_object()) {
      fmt::print("'{}' ({}) waits to pair: punktfunk-host gamestream pin NNNN\n", pin.value("device_name", ""),
                 pin.value("address", ""));
    }
    for (const auto& session : body.at("sessions")) {
      const auto& mode = session.at("mode");
      fmt::print("session {}: {} {} for '{}' ({}) at {}x{}@{}, {} frames\n", session.value("id", 0),
                 session.value("state", ""), session.value("app", ""), session.value("client_name", ""),
                 session.value("address", ""), mode.value("width", 0), mode.value("height", 0),
                 mode.value("fps", 0), session.value("frames", 0));
    }
  });
}

int run_clients(const config::HostConfig& cfg, const ClientsCommand& c, OutputFormat format) {
  const pairing::TrustStore store(cfg.settings.config_dir);
  if (c.action == "list") {
    auto clients = store.load();
    if (!clients) {
      return failure(clients.error().message);
    }
    if (format == OutputFormat::json) {
      fmt::print("{}", pairing::render_clients(*clients));
      return kExitOk;
    }
    if (clients->empty()) {
      fmt::print("no paired clients (pair one: punktfunk-host pair arm)\n");
      return kExitOk;
    }
    const auto now = pairing::unix_now();
    fmt::print("{:<20} {:<16} {:<20} {:<20} {:<22} {}\n", "name", "access", "paired", "last seen", "expires",
               "fingerprint");
    for (const auto& p : *clients) {
      fmt::print("{:<20} {:<16} {:<20} {:<20} {:<22} {}\n", p.name, pairing::to_string(p.access), when(p.paired_at),
                 when(p.last_seen), pairing::expired(p, now) ? "expired" : when(p.expires_at), p.fingerprint);
    }
    return kExitOk;
  }
  if (auto dir = ensure_private_dir(cfg.settings.config_dir); !dir) {
    return failure(dir.error().message);
  }
  if (c.action == "unpair") {
    auto removed = store.remove(c.key);
    if (!removed) {
      return failure(removed.error().message);
    }
    fmt::print("unpaired '{}' ({})\n", removed->name, removed->fingerprint);
    return kExitOk;
  }
  const auto access = pairing::parse_access(c.access);
  if (!access) {
    return failure("access must be full, controller-only or view-only");
  }
  std::optional<std::int64_t> expires_at;
  if (!c.expires.empty()) {
    const auto seconds = pairing::parse_expiry(c.expires);
    if (!seconds) {
      return failure("--expires expects a duration from now (90s, 30m, 12h, 7d) or never");
    }
    expires_at = *seconds == 0 ? 0 : pairing::unix_now() + *seconds;
  }
  auto changed = store.change(c.key, *access, expires_at);
  if (!changed) {
    return failure(changed.error().message);
  }
  fmt::print("'{}' now has {} access{}\n", changed->name, pairing::to_string(changed->access),
             changed->expires_at == 0 ? std::string(", no expiry") : ", until " + when(changed->expires_at));
  return kExitOk;
}

}  // namespace pf::host
