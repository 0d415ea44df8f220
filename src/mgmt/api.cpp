#include "pf/mgmt/api.hpp"

#include <cmath>

#include <fmt/format.h>

#include "pf/config/values.hpp"
#include "pf/mgmt/event_bus.hpp"
#include "pf/mgmt/log_buffer.hpp"
#include "pf/mgmt/stats_recorder.hpp"

namespace pf::mgmt {
namespace {

using nlohmann::json;

const std::vector<std::string> kAccess{"full", "controller-only", "view-only"};

Response ok(const json& body) {
  return json_response(200, body);
}

Response done(const Status& st) {
  return st ? ok(json{{"ok", true}}) : error_response(st.error());
}

Response result(const Result<json>& r) {
  return r ? ok(*r) : error_response(r.error());
}

/// A path id that is not a number names nothing.
Result<std::uint64_t> id_of(const Call& call, std::string_view what) {
  const auto& text = call.param("id");
  auto n = config::parse_integer(text, 1, INT64_MAX);
  if (!n) {
    return fail(Errc::not_found, "no {} '{}'", what, text);
  }
  return static_cast<std::uint64_t>(*n);
}

json recording_json(const RecordingInfo& r) {
  return {{"id", r.id},
          {"started_unix_ms", r.started_unix_ms},
          {"samples", r.samples},
          {"bytes", r.bytes},
          {"running", r.running}};
}

std::string escape_label(std::string_view v) {
  std::string out;
  for (const char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

json display_settings_schema() {
  return {
      {"type", "object"},
      {"additionalProperties", false},
      {"description", "display-settings.json: members left out keep their defaults"},
      {"properties",
       {{"keep_alive",
         {{"description",
           "how long a display outlives its last session: seconds, or \"forever\""}}},
        {"backend", {{"type", "string"}, {"enum", {"synthetic", "xvfb", "wlroots"}}}},
        {"mode_conflict", {{"type", "string"}, {"enum", {"separate", "steal", "join", "reject"}}}},
        {"max_displays", {{"type", "integer"}, {"minimum", 1}, {"maximum", 64}}},
        {"render_gpu", {{"type", "string"}}}}}};
}

json settings_patch_schema() {
  return {
      {"type", "object"},
      {"description",
       "PUNKTFUNK_* keys (or their short names) → a value, or null to remove the console's value"},
      {"additionalProperties", {{"type", {"string", "null"}}}}};
}

/// GET /logs: the query parameters (already checked by the route) → lines.
json log_lines(const LogBuffer& logs, const Call& c) {
  LogQuery q;
  q.since =
      static_cast<std::uint64_t>(*config::parse_integer(c.query_or("since", "0"), 0, INT64_MAX));
  q.limit = static_cast<std::size_t>(*config::parse_integer(c.query_or("limit", "500"), 1, 5000));
  if (auto spec = log::parse_spec(c.query_or("level", "trace"))) {
    q.min_level = spec->default_level;
  }
  q.module = c.query_or("module", "");
  q.contains = c.query_or("contains", "");
  json lines = json::array();
  for (const LogLine& l : logs.query(q)) {
    lines.push_back({{"seq", l.seq},
                     {"unix_ms", l.unix_ms},
                     {"level", log::to_string(l.level)},
                     {"module", l.module},
                     {"message", l.message}});
  }
  return lines;
}

}  // namespace

void PromWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void PromWriter::sample(std::string_view name, double value, Labels labels) {
  out_ += name;
  if (labels.size() > 0) {
    out_ += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      out_ += fmt::format("{}{}=\"{}\"", first ? "" : ",", k, escape_label(v));
      first = false;
    }
    out_ += '}';
  }
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 9e15) {
    out_ += fmt::format(" {}\n", static_cast<std::int64_t>(value));
  } else {
    out_ += fmt::format(" {}\n", value);
  }
}

Router make_router(const ApiParts& p) {
  Router r;
  HostControl* h = p.host;
  const auto add = [&](Method m, std::string pattern, Need need, std::string tag,
                       std::string summary, Handler handler,
                       std::vector<Field> body = {}) -> Route& {
    Route route;
    route.method = m;
    route.pattern = std::move(pattern);
    route.need = need;
    route.tag = std::move(tag);
    route.summary = std::move(summary);
    route.body = std::move(body);
    route.handler = std::move(handler);
    return r.add(std::move(route));
  };

  // host
  add(Method::get, "/health", Need::open, "host",
      "Liveness: answers while the host runs (no credentials)", [v = p.version](const Call&) {
        return ok(json{{"status", "ok"}, {"version", v}});
      });
  add(Method::get, "/host", Need::client, "host",
      "Identity, version, codecs, encoders (and why some are unavailable), ports, GPUs",
      [h](const Call&) { return ok(h->host()); });
  add(Method::get, "/status", Need::client, "host",
      "Live status: sessions, displays, pairing, counters",
      [h](const Call&) { return ok(h->status()); });

  // sessions
  add(Method::get, "/session", Need::admin, "session", "Sessions, running and recently ended",
      [h](const Call&) { return ok(h->sessions()); });
  add(Method::del, "/session/{id}", Need::admin, "session",
      "End a session (the client is told; its display goes at once)", [h](const Call& c) {
        const auto id = id_of(c, "session");
        return id ? done(h->end_session(*id)) : error_response(id.error());
      });
  add(Method::post, "/session/{id}/idr", Need::admin, "session", "Force a keyframe",
      [h](const Call& c) {
        const auto id = id_of(c, "session");
        return id ? done(h->request_keyframe(*id)) : error_response(id.error());
      });
  add(Method::put, "/session/{id}/bitrate", Need::admin, "session",
      "Change a session's video bitrate",
      [h](const Call& c) {
        const auto id = id_of(c, "session");
        return id ? done(h->set_bitrate(*id, c.body.at("kbps").get<std::uint32_t>()))
                  : error_response(id.error());
      },
      {integer_field("kbps", "video bitrate, kb/s", 500, 500'000, true)});

  // displays
  add(Method::get, "/display/state", Need::admin, "display",
      "Live virtual displays: mode, state (active, lingering, pinned), time left, sessions",
      [h](const Call&) { return ok(h->display_state()); });
  add(Method::get, "/display/settings", Need::admin, "display", "The display policy",
      [h](const Call&) { return ok(h->display_settings()); });
  add(Method::put, "/display/settings", Need::admin, "display",
      "Replace the display policy (persisted; applies to displays created from now on)",
      [h](const Call& c) { return result(h->put_display_settings(c.body.get<std::string>())); })
      .document = display_settings_schema();
  add(Method::post, "/display/release", Need::admin, "display",
      "Remove every lingering and pinned display now",
      [h](const Call&) { return result(h->release_displays()); });

  // pairing
  add(Method::get, "/pair", Need::admin, "pairing",
      "The PIN window: armed, PIN, time left, failures",
      [h](const Call&) { return ok(h->pairing()); });
  add(Method::post, "/pair/arm", Need::admin, "pairing", "Open a PIN window (shows the PIN)",
      [h](const Call& c) { return result(h->arm_pairing(c.body)); },
      {integer_field("ttl_s", "how long the window stays open (default 120)", 10, 3600),
       string_field("for", "only this client certificate fingerprint may pair"),
       string_field("access", "the grant a paired client gets (default full)", false, kAccess)});
  add(Method::del, "/pair", Need::admin, "pairing", "Close the PIN window",
      [h](const Call&) { return ok(h->disarm_pairing()); });
  add(Method::get, "/pending", Need::admin, "pairing", "Clients knocking, waiting for approval",
      [h](const Call&) { return ok(h->pending()); });
  add(Method::post, "/pending/{id}/approve", Need::admin, "pairing", "Approve a knock",
      [h](const Call& c) {
        const auto id = id_of(c, "knock");
        return id ? done(h->approve(*id, c.body.value("access", std::string("full"))))
                  : error_response(id.error());
      },
      {string_field("access", "the grant (default full)", false, kAccess)});
  add(Method::post, "/pending/{id}/deny", Need::admin, "pairing", "Deny a knock",
      [h](const Call& c) {
        const auto id = id_of(c, "knock");
        return id ? done(h->deny(*id)) : error_response(id.error());
      });
  add(Method::get, "/gamestream", Need::admin, "pairing",
      "GameStream (Moonlight): enabled, ports, the client waiting for a PIN, sessions",
      [h](const Call&) { return ok(h->gamestream()); });
  add(Method::post, "/gamestream/pin", Need::admin, "pairing",
      "Enter the PIN the pairing Moonlight client shows",
      [h](const Call& c) { return done(h->gamestream_pin(c.body.value("pin", std::string()))); },
      {string_field("pin", "the four digits the client shows", true)});
  add(Method::get, "/clients", Need::admin, "clients", "Paired clients with their access",
      [h](const Call&) { return result(h->clients()); });
  add(Method::patch, "/clients/{fp}", Need::admin, "clients",
      "Change a paired client's access or expiry (fp: a fingerprint, its first 8+ digits, or the "
      "name)",
      [h](const Call& c) { return result(h->update_client(c.param("fp"), c.body)); },
      {string_field("access", "the new grant", false, kAccess),
       string_field("expires", "\"30m\", \"7d\", ... from now, or \"never\"")});
  add(Method::del, "/clients/{fp}", Need::admin, "clients",
      "Unpair a client (a running session ends)",
      [h](const Call& c) { return done(h->unpair(c.param("fp"))); });

  // GPUs
  add(Method::get, "/gpus", Need::admin, "gpu", "GPUs the host could render on, and the one in use",
      [h](const Call&) { return ok(h->gpus()); });
  add(Method::put, "/gpus/preference", Need::admin, "gpu",
      "Save the render GPU preference (\"\" for automatic, \"cpu\", or a GPU id/name)",
      [h](const Call& c) {
        return result(h->set_gpu_preference(c.body.at("gpu").get<std::string>()));
      },
      {string_field("gpu", "\"\", \"cpu\", or a substring of a GPU's id or name", true)});

  // apps (launch commands: admin only)
  const std::vector<Field> app_fields{
      string_field("name", "for people; defaults to the id"),
      typed_field("command", Type::string_array,
                  "argv, no shell; the first word is looked up in PATH"),
      string_field("working_dir", "empty: the display agent's"),
      typed_field("env", Type::string_map, "extra environment")};
  add(Method::get, "/apps", Need::admin, "apps",
      "The apps clients may start (with their launch commands)",
      [h](const Call&) { return result(h->apps()); });
  {
    auto fields = app_fields;
    fields.insert(fields.begin(), string_field("id", "[a-z0-9._-], 1-64 characters", true));
    add(
        Method::post, "/apps", Need::admin, "apps", "Add an app",
        [h](const Call& c) {
          const auto id = c.body.at("id").get<std::string>();
          json body = c.body;
          body.erase("id");
          return result(h->put_app(id, body, true));
        },
        fields);
  }
  add(
      Method::put, "/apps/{id}", Need::admin, "apps", "Replace an app",
      [h](const Call& c) { return result(h->put_app(c.param("id"), c.body, false)); }, app_fields);
  add(Method::del, "/apps/{id}", Need::admin, "apps", "Remove an app",
      [h](const Call& c) { return done(h->remove_app(c.param("id"))); });

  // settings
  add(Method::get, "/settings", Need::admin, "settings",
      "Every host setting: effective value, source, what it accepts, and the console's own value",
      [h](const Call&) { return ok(h->settings()); });
  add(Method::patch, "/settings", Need::admin, "settings",
      "Set or remove console settings (validated, persisted; they apply at the next start)",
      [h](const Call& c) {
        auto body = json::parse(c.body.get<std::string>(), nullptr, false);
        if (body.is_discarded() || !body.is_object()) {
          return error_response(400, "the body must be a JSON object of KEY: \"value\" or null");
        }
        return result(h->patch_settings(body));
      })
      .document = settings_patch_schema();

  // logs
  add(Method::get, "/logs", Need::admin, "logs",
      "Recent log lines, oldest first; page with `since`",
      [logs = p.logs](const Call& c) {
        return ok(json{{"lines", log_lines(*logs, c)}});
      })
      .query = {integer_field("since", "only lines after this seq", 0, INT64_MAX),
                string_field("level", "the least severe level shown", false,
                             {"trace", "debug", "info", "warn", "error"}),
                string_field("module", "only this module"),
                string_field("contains", "only lines containing this text"),
                integer_field("limit", "at most this many (the newest), default 500", 1, 5000)};

  // events
  add(Method::get, "/events", Need::admin, "events",
      "Server-Sent Events: session.started/ended, "
      "display.added/removed/lingering/pinned/mode_changed, "
      "pairing.*, client.*",
      [bus = p.events](const Call&) {
        auto sub = bus->subscribe();
        if (!sub) {
          return error_response(503, "too many event subscribers; try again later");
        }
        Response out;
        out.content_type = "text/event-stream";
        out.events = std::move(sub);
        return out;
      })
      .responds = "text/event-stream";

  // stats
  add(Method::get, "/stats/live", Need::admin, "stats",
      "The latest sample (every 2 s): per session per-stage latency, fps, bitrate, drops, FEC "
      "recoveries",
      [s = p.stats](const Call&) { return ok(s->live()); });
  add(Method::post, "/stats/capture/start", Need::admin, "stats", "Start recording samples to disk",
      [s = p.stats](const Call&) {
        auto rec = s->start();
        return rec ? ok(recording_json(*rec)) : error_response(rec.error());
      });
  add(Method::post, "/stats/capture/stop", Need::admin, "stats", "Stop the recording",
      [s = p.stats](const Call&) {
        auto rec = s->stop();
        return rec ? ok(recording_json(*rec)) : error_response(rec.error());
      });
  add(Method::get, "/stats/recordings", Need::admin, "stats", "Recordings on disk",
      [s = p.stats](const Call&) {
        json list = json::array();
        for (const auto& rec : s->list()) {
          list.push_back(recording_json(rec));
        }
        return ok(json{{"recordings", list}});
      });
  add(Method::get, "/stats/recordings/{id}", Need::admin, "stats", "One recording's samples",
      [s = p.stats](const Call& c) { return result(s->read(c.param("id"))); });
  add(Method::del, "/stats/recordings/{id}", Need::admin, "stats", "Delete a recording",
      [s = p.stats](const Call& c) { return done(s->remove(c.param("id"))); });

  // metrics
  add(Method::get, "/metrics", Need::admin, "metrics", "Prometheus text format",
      [h, counters = p.counters, bus = p.events](const Call&) {
        PromWriter w;
        h->metrics(w);
        w.family("punktfunk_api_requests_total", "counter",
                 "Management API requests by status class");
        w.sample("punktfunk_api_requests_total", static_cast<double>(counters->status_2xx.load()),
                 {{"class", "2xx"}});
        w.sample("punktfunk_api_requests_total", static_cast<double>(counters->status_4xx.load()),
                 {{"class", "4xx"}});
        w.sample("punktfunk_api_requests_total", static_cast<double>(counters->status_5xx.load()),
                 {{"class", "5xx"}});
        w.family("punktfunk_api_unauthorized_total", "counter",
                 "Requests refused for their credentials");
        w.sample("punktfunk_api_unauthorized_total",
                 static_cast<double>(counters->unauthorized.load()));
        w.family("punktfunk_api_remote_admin_refused_total", "counter",
                 "Bearer tokens presented from non-loopback peers");
        w.sample("punktfunk_api_remote_admin_refused_total",
                 static_cast<double>(counters->refused_remote_admin.load()));
        w.family("punktfunk_events_published_total", "counter", "Lifecycle events published");
        w.sample("punktfunk_events_published_total", static_cast<double>(bus->published()));
        Response out{200, "text/plain; version=0.0.4; charset=utf-8", w.text(), nullptr};
        return out;
      })
      .responds = "text/plain";
  return r;
}

}  // namespace pf::mgmt
