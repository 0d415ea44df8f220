// The management API's sans-I/O parts: strict binding, routing and lanes,
// the token, events, the log buffer, the stats recorder, Prometheus text.
#include <sys/stat.h>

#include <thread>

#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"
#include "pf/core/fs.hpp"
#include "pf/mgmt/api.hpp"
#include "pf/mgmt/event_bus.hpp"
#include "pf/https/listener.hpp"
#include "pf/mgmt/log_buffer.hpp"
#include "pf/mgmt/router.hpp"
#include "pf/mgmt/stats_recorder.hpp"
#include "pf/mgmt/token.hpp"

namespace pf::mgmt {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string error_of(const Response& r) { return json::parse(r.body).value("error", ""); }

TEST(BindBody, AcceptsDeclaredFieldsOfTheirType) {
  const std::vector<Field> fields{integer_field("n", "", 1, 10, true), string_field("s", "", false, {"a", "b"}),
                                  typed_field("argv", Type::string_array, ""), typed_field("env", Type::string_map, "")};
  auto j = bind_body(R"({"n": 3, "s": "b", "argv": ["x"], "env": {"K": "v"}})", fields);
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ(j->at("n"), 3);
  EXPECT_TRUE(bind_body(R"({"n": 10})", fields));
}

TEST(BindBody, NamesWhatIsWrong) {
  const std::vector<Field> fields{integer_field("n", "", 1, 10, true), string_field("s", "", false, {"a", "b"}),
                                  typed_field("argv", Type::string_array, "")};
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"n": 3)", "not valid JSON"},
      {R"([1, 2])", "must be a JSON object"},
      {R"({"n": 3, "x": 1})", "unknown field 'x'"},
      {R"({"n": "3"})", "'n' must be an integer"},
      {R"({"n": 3.5})", "'n' must be an integer"},
      {R"({"n": 11})", "'n' is out of range"},
      {R"({"n": 18446744073709551615})", "'n' is out of range"},
      {R"({"s": "a"})", "missing field 'n'"},
      {R"({"n": 1, "s": "c"})", "'s' must be one of: a, b"},
      {R"({"n": 1, "argv": ["x", 1]})", "'argv' must be an array of strings"},
  };
  for (const auto& [body, want] : cases) {
    const auto r = bind_body(body, fields);
    ASSERT_FALSE(r) << body;
    EXPECT_NE(r.error().message.find(want), std::string::npos) << body << " → " << r.error().message;
  }
  EXPECT_FALSE(bind_body(R"({"a": 1})", {}));  // a route without a body takes none
  EXPECT_TRUE(bind_body("  ", {}));
}

TEST(ParseQuery, DecodesAndRefusesRepeatsAndBadEscapes) {
  auto q = parse_query("a=1&b=x%20y+z&&c");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->at("a"), "1");
  EXPECT_EQ(q->at("b"), "x y z");
  EXPECT_EQ(q->at("c"), "");
  EXPECT_FALSE(parse_query("a=1&a=2"));
  EXPECT_FALSE(parse_query("a=%2"));
  EXPECT_FALSE(parse_query("a=%zz"));
}

Router small_router() {
  Router r;
  const auto add = [&](Method m, std::string pattern, Need need, std::vector<Field> body = {}) {
    Route route;
    route.method = m;
    route.pattern = std::move(pattern);
    route.need = need;
    route.body = std::move(body);
    route.query = {integer_field("limit", "", 1, 5)};
    route.handler = [](const Call& c) {
      json j{{"lane", static_cast<int>(c.lane)}, {"path", c.path}};
      return json_response(200, j);
    };
    r.add(std::move(route));
  };
  add(Method::get, "/health", Need::open);
  add(Method::get, "/status", Need::client);
  add(Method::del, "/session/{id}", Need::admin);
  add(Method::put, "/thing", Need::admin, {integer_field("n", "", 0, 9, true)});
  Route throws;
  throws.method = Method::get;
  throws.pattern = "/boom";
  throws.handler = [](const Call&) -> Response { throw std::runtime_error("boom"); };
  r.add(std::move(throws));
  return r;
}

Request request(Method m, std::string path, Lane lane, std::string body = {}) {
  Request r;
  r.method = m;
  r.path = std::move(path);
  r.lane = lane;
  r.body = std::move(body);
  return r;
}

TEST(Router, LanesDecideWhoReachesWhat) {
  const Router r = small_router();
  EXPECT_EQ(r.dispatch(request(Method::get, "/api/v1/health", Lane::none)).status, 200);
  EXPECT_EQ(r.dispatch(request(Method::get, "/api/v1/status", Lane::none)).status, 401);
  EXPECT_EQ(r.dispatch(request(Method::get, "/api/v1/status", Lane::client)).status, 200);
  EXPECT_EQ(r.dispatch(request(Method::get, "/api/v1/status", Lane::admin)).status, 200);
  EXPECT_EQ(r.dispatch(request(Method::del, "/api/v1/session/7", Lane::client)).status, 403);
  EXPECT_EQ(r.dispatch(request(Method::del, "/api/v1/session/7", Lane::none)).status, 401);
  const auto ok = r.dispatch(request(Method::del, "/api/v1/session/7", Lane::admin));
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(json::parse(ok.body)["path"]["id"], "7");
  auto refused = request(Method::get, "/api/v1/status", Lane::none);
  refused.refused = "admin API is loopback-only";
  refused.token_refused = true;
  EXPECT_EQ(error_of(r.dispatch(refused)), "admin API is loopback-only");
  refused.path = "/api/v1/health";  // a refused token is refused everywhere
  EXPECT_EQ(r.dispatch(refused).status, 401);
  auto stranger = request(Method::get, "/api/v1/health", Lane::none);
  stranger.refused = "this client certificate is not paired";
  EXPECT_EQ(r.dispatch(stranger).status, 200);  // an unpaired certificate may still read /health
}

TEST(Router, BadRequestsGetNamedErrors) {
  const Router r = small_router();
  EXPECT_EQ(r.dispatch(request(Method::get, "/api/v1/nothing", Lane::admin)).status, 404);
  EXPECT_EQ(r.dispatch(request(Method::get, "/elsewhere", Lane::admin)).status, 404);
  EXPECT_EQ(r.dispatch(request(Method::get, "/api/v1/session/7", Lane::admin)).status, 405);
  EXPECT_EQ(r.dispatch(request(Method::get, "/api/v1/session/", Lane::admin)).status, 404);
  EXPECT_EQ(r.dispatch(request(Method::put, "/api/v1/thing", Lane::admin, "{")).status, 400);
  EXPECT_EQ(r.dispatch(request(Method::put, "/api/v1/thing", Lane::admin, R"({"n": 1})")).status, 200);
  auto q = request(Method::get, "/api/v1/health", Lane::none);
  q.query["limit"] = "9";
  EXPECT_EQ(r.dispatch(q).status, 400);
  q.query = {{"other", "1"}};
  EXPECT_NE(error_of(r.dispatch(q)).find("unknown query parameter 'other'"), std::string::npos);
  const auto boom = r.dispatch(request(Method::get, "/api/v1/boom", Lane::admin));
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(json::parse(boom.body)["status"], 500);
}

TEST(Router, EveryRouteOfTheApiIsDocumented) {
  const Router r = make_router({});
  const json doc = r.openapi("test");
  EXPECT_EQ(doc["openapi"], "3.1.0");
  for (const Route& route : r.routes()) {
    std::string method(to_string(route.method));
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto& op = doc["paths"][std::string(kApiPrefix) + route.pattern][method];
    ASSERT_TRUE(op.is_object()) << route.pattern;
    EXPECT_FALSE(route.summary.empty()) << route.pattern;
    if (!route.body.empty()) {
      EXPECT_EQ(op["requestBody"]["content"]["application/json"]["schema"]["additionalProperties"], false);
    }
  }
  // The issue's endpoints, each under /api/v1.
  for (const char* path : {"/health", "/host", "/status", "/session", "/session/{id}", "/session/{id}/idr",
                           "/session/{id}/bitrate", "/display/state", "/display/settings", "/display/release", "/pair",
                           "/pair/arm", "/pending", "/pending/{id}/approve", "/pending/{id}/deny", "/clients",
                           "/clients/{fp}", "/gpus", "/gpus/preference", "/apps", "/apps/{id}", "/settings", "/logs",
                           "/events", "/stats/live", "/stats/capture/start", "/stats/capture/stop",
                           "/stats/recordings", "/stats/recordings/{id}", "/metrics"}) {
    EXPECT_TRUE(doc["paths"].contains(std::string(kApiPrefix) + path)) << path;
  }
}

TEST(Token, MatchesOnlyItself) {
  const Token t("0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(t.matches("0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(t.matches("0123456789abcdef0123456789abcdeF"));
  EXPECT_FALSE(t.matches("0123456789abcdef0123456789abcde"));
  EXPECT_FALSE(t.matches("0123456789abcdef0123456789abcdef0"));
  EXPECT_FALSE(t.matches(""));
  EXPECT_FALSE(Token("").matches(""));
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer abc  "), "abc");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token("Bearer "), "");
}

TEST(Token, CreatedOnceWithMode0600AndReadBack) {
  const test::TempDir dir;
  auto created = load_or_create_token(dir.path(), "");
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->origin, TokenOrigin::created);
  EXPECT_EQ(created->secret.size(), 64U);
  EXPECT_EQ(test::mode_of(dir.path() / kTokenFile), 0600U);
  auto again = load_or_create_token(dir.path(), "");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->origin, TokenOrigin::file);
  EXPECT_EQ(again->secret, created->secret);
  auto env = load_or_create_token(dir.path(), "an-override-of-enough-length");
  ASSERT_TRUE(env);
  EXPECT_EQ(env->origin, TokenOrigin::environment);
  EXPECT_FALSE(load_or_create_token(dir.path(), "short"));
}

TEST(Token, AFileOthersCanReadOrOfTheWrongShapeIsRefusedWithoutItsContent) {
  const test::TempDir dir;
  const std::string secret(64, 'a');
  dir.write(std::string(kTokenFile), secret + "\n", 0644);
  auto open = load_or_create_token(dir.path(), "");
  ASSERT_FALSE(open);
  EXPECT_NE(open.error().message.find("chmod 600"), std::string::npos);
  EXPECT_EQ(open.error().message.find(secret), std::string::npos);
  dir.write(std::string(kTokenFile), "not a token", 0600);
  auto bad = load_or_create_token(dir.path(), "");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.find("not a token"), std::string::npos);
}

TEST(Loopback, OnlyLoopbackAddresses) {
  EXPECT_TRUE(https::is_loopback("127.0.0.1"));
  EXPECT_TRUE(https::is_loopback("127.9.9.9"));
  EXPECT_TRUE(https::is_loopback("::1"));
  EXPECT_TRUE(https::is_loopback("::ffff:127.0.0.1"));
  EXPECT_FALSE(https::is_loopback("10.0.0.1"));
  EXPECT_FALSE(https::is_loopback("::ffff:10.0.0.1"));
  EXPECT_FALSE(https::is_loopback("fe80::1"));
  EXPECT_FALSE(https::is_loopback(""));
  EXPECT_FALSE(https::is_loopback("localhost"));
}

TEST(EventBus, SubscribersGetEventsInOrderAndASlowOneLosesTheOldest) {
  auto bus = EventBus::create(2);
  auto fast = bus->subscribe(8);
  auto slow = bus->subscribe(2);
  ASSERT_TRUE(fast && slow);
  EXPECT_EQ(bus->subscribe(), nullptr);  // the cap
  for (int i = 0; i < 4; ++i) {
    bus->publish("t", fmt::format(R"({{"i":{}}})", i));
  }
  for (int i = 0; i < 4; ++i) {
    const auto e = fast->next(0ms);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->id, static_cast<std::uint64_t>(i + 1));
  }
  EXPECT_EQ(slow->take_lost(), 2U);
  EXPECT_EQ(slow->next(0ms)->id, 3U);
  slow.reset();
  EXPECT_EQ(bus->subscribers(), 1U);
  std::thread closer([&] { bus->close(); });
  EXPECT_FALSE(fast->next(5s));  // woken by close
  closer.join();
  EXPECT_TRUE(fast->closed());
}

TEST(LogBuffer, KeepsTheNewestAndFilters) {
  LogBuffer logs(3);
  for (int i = 0; i < 5; ++i) {
    const std::string m = fmt::format("line {}", i);
    logs.add(log::Record{i % 2 == 0 ? log::Level::info : log::Level::warn, i < 3 ? "a" : "b", m});
  }
  const auto all = logs.query({});
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all.front().message, "line 2");
  EXPECT_EQ(all.back().seq, 5U);
  LogQuery warn;
  warn.min_level = log::Level::warn;
  EXPECT_EQ(logs.query(warn).size(), 1U);
  LogQuery since;
  since.since = 4;
  EXPECT_EQ(logs.query(since).size(), 1U);
  LogQuery text;
  text.contains = "line 3";
  text.module = "b";
  EXPECT_EQ(logs.query(text).size(), 1U);
}

TEST(StatsRecorder, RecordsSamplesAndCapsSizes) {
  const test::TempDir dir;
  std::atomic<int> n{0};
  RecorderLimits limits;
  limits.interval = 20ms;
  limits.max_recording_bytes = 400;
  limits.max_total_bytes = 1000;
  StatsRecorder rec(dir.path() / "stats", [&] { return json{{"n", n++}}; }, limits);
  auto started = rec.start();
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_TRUE(valid_recording_id(started->id));
  EXPECT_FALSE(rec.start());  // one at a time
  for (int i = 0; i < 500 && rec.current()->running; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_FALSE(rec.current()->running);  // stopped at its cap
  auto read = rec.read(started->id);
  ASSERT_TRUE(read);
  EXPECT_GE(read->at("samples").size(), 5U);
  EXPECT_TRUE(read->at("samples")[0].contains("unix_ms"));
  EXPECT_LE(rec.list().at(0).bytes, 400U);
  EXPECT_EQ(test::mode_of(dir.path() / "stats" / (started->id + ".jsonl")), 0600U);
  // Three more full recordings: the oldest go to keep the total in bounds.
  for (int k = 0; k < 3; ++k) {
    ASSERT_TRUE(rec.start());
    for (int i = 0; i < 500 && rec.current()->running; ++i) {
      std::this_thread::sleep_for(10ms);
    }
  }
  std::uint64_t total = 0;
  for (const auto& r : rec.list()) {
    total += r.bytes;
  }
  EXPECT_LE(total, limits.max_total_bytes);
  EXPECT_FALSE(rec.read(started->id));
  EXPECT_FALSE(rec.read("../etc/passwd"));
  EXPECT_FALSE(rec.remove("rec-1-1/../../x"));
}

TEST(PromWriter, WritesTheTextFormat) {
  PromWriter w;
  w.family("x_total", "counter", "things");
  w.sample("x_total", 3, {{"who", "a\"b\\c\nd"}});
  w.sample("x_total", 0.25);
  EXPECT_EQ(w.text(), "# HELP x_total things\n# TYPE x_total counter\nx_total{who=\"a\\\"b\\\\c\\nd\"} 3\nx_total 0.25\n");
}

}  // namespace
}  // namespace pf::mgmt
