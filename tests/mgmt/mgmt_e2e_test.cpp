// The management API of a real `punktfunk-host serve`, over HTTPS: lanes,
// the token, bad input, events for a real session, metrics, the OpenAPI
// document's drift, and a bearer token from another network namespace.
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "../support/temp_dir.hpp"
#include "pf/mgmt/api.hpp"

namespace pf {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct Reply {
  int status = 0;  ///< 0: no answer
  std::string body;
  json j() const { return json::parse(body, nullptr, false); }
};

class MgmtE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = test::clean_environment();
    env_["PUNKTFUNK_NATIVE_PORT"] = test::free_tcp_port();
    mgmt_port_ = test::free_tcp_port();
    env_["PUNKTFUNK_MGMT_PORT"] = mgmt_port_;
    env_["PUNKTFUNK_CONFIG_DIR"] = (tmp_.path() / "host").string();
    env_["PUNKTFUNK_STATE_DIR"] = (tmp_.path() / "state").string();
    env_["PUNKTFUNK_DISPLAY_BACKEND"] = "synthetic";
    env_["PUNKTFUNK_MDNS"] = "off";
  }
  void TearDown() override { stop(); }

  void serve(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{PF_HOST_BINARY, "serve"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    host_ = std::make_unique<test::Child>(argv, env_, tmp_.path() / "host.log");
    ASSERT_TRUE(host_->wait_for_output("ready;", 20s)) << host_->output();
    std::ifstream in(tmp_.path() / "host" / "mgmt-token");
    std::getline(in, token_);
    ASSERT_EQ(token_.size(), 64U);
  }
  void stop() {
    if (host_) {
      host_->signal(SIGTERM);
      EXPECT_TRUE(host_->wait_for(20s)) << "the host did not stop";
      host_.reset();
    }
  }
  std::string native() const { return "127.0.0.1:" + env_.at("PUNKTFUNK_NATIVE_PORT"); }

  std::unique_ptr<httplib::SSLClient> client(const std::string& cert = {}, const std::string& key = {}) const {
    auto c = cert.empty() ? std::make_unique<httplib::SSLClient>("127.0.0.1", std::stoi(mgmt_port_))
                          : std::make_unique<httplib::SSLClient>("127.0.0.1", std::stoi(mgmt_port_), cert, key);
    c->enable_server_certificate_verification(false);
    c->set_connection_timeout(5);
    c->set_read_timeout(10);
    return c;
  }

  Reply call(const std::string& method, const std::string& path, const std::string& body = {},
             const std::string& token = "*", httplib::SSLClient* via = nullptr) const {
    auto own = via == nullptr ? client() : nullptr;
    httplib::SSLClient& c = via == nullptr ? *own : *via;
    httplib::Headers headers;
    const std::string t = token == "*" ? token_ : token;
    if (!t.empty()) {
      headers.emplace("Authorization", "Bearer " + t);
    }
    const std::string url = "/api/v1" + path;
    const httplib::Result r = method == "POST"    ? c.Post(url, headers, body, "application/json")
                              : method == "PUT"   ? c.Put(url, headers, body, "application/json")
                              : method == "PATCH" ? c.Patch(url, headers, body, "application/json")
                              : method == "DELETE" ? c.Delete(url, headers)
                                                   : c.Get(url, headers);
    if (!r) {
      return {};
    }
    return {r->status, r->body};
  }

  test::TempDir tmp_;
  std::map<std::string, std::string> env_;
  std::string mgmt_port_;
  std::string token_;
  std::unique_ptr<test::Child> host_;
};

std::string concrete(std::string pattern) {
  static const std::map<std::string, std::string> kValues{{"{id}", "1"}, {"{fp}", "00000000deadbeef"}};
  for (const auto& [param, value] : kValues) {
    for (auto at = pattern.find(param); at != std::string::npos; at = pattern.find(param)) {
      pattern.replace(at, param.size(), value);
    }
  }
  return pattern;
}

/// A valid body for each route that takes one.
std::string sample_body(const mgmt::Route& r) {
  static const std::map<std::string, std::string> kBodies{
      {"/session/{id}/bitrate", R"({"kbps": 8000})"},
      {"/display/settings", R"({"backend": "synthetic", "keep_alive": "5s"})"},
      {"/pair/arm", R"({"ttl_s": 60})"},
      {"/pending/{id}/approve", R"({"access": "view-only"})"},
      {"/clients/{fp}", R"({"access": "view-only"})"},
      {"/gpus/preference", R"({"gpu": ""})"},
      {"/apps", R"({"id": "t1", "command": ["true"]})"},
      {"/apps/{id}", R"({"name": "T"})"},
      {"/settings", R"({"PUNKTFUNK_BITRATE_KBPS": "25000"})"},
      {"/gamestream/pin", R"({"pin": "1234"})"},
  };
  const auto it = kBodies.find(r.pattern);
  return it == kBodies.end() || r.method == mgmt::Method::get || r.method == mgmt::Method::del ? "" : it->second;
}

TEST_F(MgmtE2e, EveryEndpointAnswersOnlyItsLane) {
  serve();
  const auto routes = mgmt::make_router({}).routes();
  ASSERT_GE(routes.size(), 35U);
  for (const auto& r : routes) {
    const std::string method(mgmt::to_string(r.method));
    const std::string path = concrete(r.pattern);
    const std::string body = sample_body(r);
    SCOPED_TRACE(method + " " + path);
    const Reply none = call(method, path, body, "");
    const Reply wrong = call(method, path, body, std::string(64, '0'));
    if (r.need == mgmt::Need::open) {
      EXPECT_EQ(none.status, 200);
      EXPECT_EQ(wrong.status, 401);  // a token that is presented must be right
      continue;
    }
    EXPECT_EQ(none.status, 401) << none.body;
    EXPECT_EQ(none.j().value("status", 0), 401);
    EXPECT_EQ(wrong.status, 401) << wrong.body;
    EXPECT_EQ(wrong.j().value("error", ""), "wrong token");
    if (r.responds == "text/event-stream") {
      continue;  // a stream: EventsFollowARealSession
    }
    const Reply ok = call(method, path, body);
    EXPECT_TRUE(ok.status == 200 || ok.status == 404 || ok.status == 409) << ok.status << " " << ok.body;
    if (ok.status != 200) {
      EXPECT_FALSE(ok.j().value("error", "").empty()) << ok.body;
    }
  }
  EXPECT_EQ(call("GET", "/health", "", "").j().value("status", ""), "ok");
  EXPECT_EQ(call("GET", "/apps").j()["apps"].size(), 2U);  // desktop and t1
  EXPECT_EQ(call("DELETE", "/apps/t1").status, 200);
  const auto recording = call("GET", "/stats/recordings").j()["recordings"];
  ASSERT_EQ(recording.size(), 1U);
  EXPECT_EQ(call("GET", "/stats/recordings/" + recording[0].value("id", "")).status, 200);
}

TEST_F(MgmtE2e, GameStreamIsShownAndTakesPinsOnlyWhenOn) {
  serve();
  EXPECT_FALSE(call("GET", "/gamestream").j().value("enabled", true));
  const Reply off = call("POST", "/gamestream/pin", R"({"pin": "1234"})");
  EXPECT_EQ(off.status, 404);
  EXPECT_NE(off.j().value("error", "").find("GameStream is off"), std::string::npos) << off.body;
  stop();

  env_["PUNKTFUNK_GAMESTREAM_PORT"] = "0";  // any free ports
  serve({"--gamestream"});
  const auto on = call("GET", "/gamestream").j();
  ASSERT_TRUE(on.value("enabled", false)) << on.dump();
  EXPECT_GT(on["ports"].value("http", 0), 0);
  EXPECT_GT(on["ports"].value("https", 0), 0);
  EXPECT_EQ(on["fingerprint"].get<std::string>().size(), 64U);
  EXPECT_TRUE(on["pin_request"].is_null());
  EXPECT_TRUE(on["sessions"].empty());
  const Reply nobody = call("POST", "/gamestream/pin", R"({"pin": "1234"})");
  EXPECT_EQ(nobody.status, 404);
  EXPECT_NE(nobody.j().value("error", "").find("waiting"), std::string::npos) << nobody.body;
  EXPECT_EQ(call("POST", "/gamestream/pin", R"({"pin": "12a4"})").status, 400);
  EXPECT_EQ(call("POST", "/gamestream/pin", R"({})").status, 400);
  EXPECT_NE(host_->output().find("for trusted networks only"), std::string::npos);
  // The same through the admin socket, as the operator's command sees it.
  test::Child status({PF_HOST_BINARY, "gamestream", "status", "--json"}, env_, tmp_.path() / "status.log");
  ASSERT_TRUE(status.wait_for(10s));
  EXPECT_NE(status.output().find("\"enabled\": true"), std::string::npos) << status.output();
}

TEST_F(MgmtE2e, TheTokenFileIsPrivateAndTheTokenNeverLogged) {
  serve();
  EXPECT_EQ(test::mode_of(tmp_.path() / "host" / "mgmt-token"), 0600U);
  std::ifstream endpoint(tmp_.path() / "host" / "mgmt-endpoint");
  std::string url;
  std::getline(endpoint, url);
  EXPECT_EQ(url, "https://127.0.0.1:" + mgmt_port_);
  (void)call("GET", "/status");
  (void)call("GET", "/status", "", token_ + "x");
  (void)call("GET", "/status", "", token_.substr(0, 63));
  const Reply logs = call("GET", "/logs?limit=5000");
  ASSERT_EQ(logs.status, 200);
  EXPECT_NE(logs.body.find("wrong bearer token"), std::string::npos) << "refusals are logged";
  EXPECT_EQ(logs.body.find(token_), std::string::npos);
  stop();
  std::ifstream log(tmp_.path() / "host.log");
  const std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find("management token created"), std::string::npos);
  EXPECT_EQ(text.find(token_.substr(0, 16)), std::string::npos);
}

TEST_F(MgmtE2e, BadInputGetsNamedErrorsAndTheHostCarriesOn) {
  serve();
  EXPECT_EQ(call("POST", "/pair/arm", R"({"ttl_s": 60)").status, 400);
  EXPECT_NE(call("POST", "/pair/arm", R"({"ttl_s": "60"})").body.find("'ttl_s' must be an integer"),
            std::string::npos);
  EXPECT_NE(call("POST", "/pair/arm", R"({"ttl": 60})").body.find("unknown field 'ttl'"), std::string::npos);
  EXPECT_EQ(call("PUT", "/display/settings", R"({"keep_alive": 5})").status, 400);
  EXPECT_EQ(call("PATCH", "/settings", R"({"PUNKTFUNK_CONFIG_DIR": "/x"})").status, 409);
  EXPECT_EQ(call("PATCH", "/settings", R"({"NOPE": "1"})").status, 400);
  EXPECT_EQ(call("PUT", "/session/1/bitrate", R"({"kbps": 1})").status, 400);
  EXPECT_EQ(call("GET", "/logs?limit=0").status, 400);
  EXPECT_EQ(call("GET", "/logs?since=1&since=2").status, 400);
  EXPECT_EQ(call("GET", "/nothing/here").status, 404);
  EXPECT_EQ(call("DELETE", "/health").status, 405);
  EXPECT_EQ(call("GET", "/stats/recordings/..%2F..%2Fetc%2Fpasswd").status, 404);
  const Reply big = call("PUT", "/display/settings", std::string(mgmt::kMaxBodyBytes + 1, ' '));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.j().value("status", 0), 413);
  std::string deep(100000, '[');
  EXPECT_EQ(call("PUT", "/display/settings", deep).status, 400);
  EXPECT_EQ(call("GET", "/health", "", "").status, 200);
  const auto metrics = call("GET", "/metrics").body;
  EXPECT_NE(metrics.find("punktfunk_api_requests_total{class=\"4xx\"}"), std::string::npos);
}

bool metric_name(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':'; });
}

/// A minimal reader of the Prometheus text format (0.0.4): every line is a
/// HELP, a TYPE (before the family's samples) or `name{labels} number`.
void expect_prometheus_text(const std::string& text) {
  static const std::set<std::string> kTypes{"counter", "gauge", "histogram", "summary", "untyped"};
  std::set<std::string> typed;
  std::size_t samples = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    SCOPED_TRACE(line);
    if (line.starts_with("# HELP ")) {
      const std::string rest = line.substr(7);
      EXPECT_TRUE(metric_name(rest.substr(0, rest.find(' '))));
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      std::istringstream words(line.substr(7));
      std::string name;
      std::string type;
      words >> name >> type;
      EXPECT_TRUE(metric_name(name));
      EXPECT_TRUE(kTypes.count(type));
      EXPECT_TRUE(typed.insert(name).second) << "TYPE twice";
      continue;
    }
    const auto end_of_name = line.find_first_of("{ ");
    ASSERT_NE(end_of_name, std::string::npos);
    const std::string name = line.substr(0, end_of_name);
    EXPECT_TRUE(metric_name(name));
    EXPECT_TRUE(typed.count(name)) << "sample before its TYPE";
    std::size_t at = end_of_name;
    if (line[at] == '{') {  // name="value" pairs, values escaped
      ++at;
      while (at < line.size() && line[at] != '}') {
        const auto eq = line.find('=', at);
        ASSERT_NE(eq, std::string::npos);
        EXPECT_TRUE(metric_name(line.substr(at, eq - at)));
        ASSERT_EQ(line.at(eq + 1), '"');
        at = eq + 2;
        while (at < line.size() && line[at] != '"') {
          at += line[at] == '\\' ? 2U : 1U;
        }
        ASSERT_LT(at, line.size());
        ++at;
        if (line.at(at) == ',') {
          ++at;
        }
      }
      ASSERT_EQ(line.at(at), '}');
      ++at;
    }
    ASSERT_EQ(line.at(at), ' ');
    const std::string value = line.substr(at + 1);
    char* end = nullptr;
    (void)std::strtod(value.c_str(), &end);
    EXPECT_TRUE(!value.empty() && end != nullptr && *end == '\0') << "not a number: " << value;
    ++samples;
  }
  EXPECT_GT(samples, 10U);
}

TEST_F(MgmtE2e, EventsFollowARealSessionAndMetricsParse) {
  serve({"--allow-tofu"});
  auto sse = client();
  sse->set_read_timeout(60);
  std::mutex mutex;
  std::string stream;
  std::thread reader([&] {
    (void)sse->Get("/api/v1/events", httplib::Headers{{"Authorization", "Bearer " + token_}},
                   [&](const char* data, std::size_t n) {
                     const std::lock_guard lock(mutex);
                     stream.append(data, n);
                     return true;
                   });
  });
  const auto seen = [&](const std::string& what) {
    for (int i = 0; i < 300; ++i) {
      {
        const std::lock_guard lock(mutex);
        if (stream.find(what) != std::string::npos) {
          return true;
        }
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  };
  ASSERT_TRUE(seen(": subscribed"));
  test::Child session({PF_CLIENT_BINARY, "connect", native(), "--allow-tofu", "--mode", "320x240@30", "--seconds",
                       "6", "--config-dir", (tmp_.path() / "client").string()},
                      env_, tmp_.path() / "client.log");
  ASSERT_TRUE(seen("event: session.started")) << session.output();
  // While it streams: live stats and the metrics of a session.
  json live;
  for (int i = 0; i < 60 && live["sessions"].empty(); ++i) {
    std::this_thread::sleep_for(200ms);
    live = call("GET", "/stats/live").j();
  }
  ASSERT_EQ(live["sessions"].size(), 1U) << live.dump();
  EXPECT_TRUE(live["sessions"][0]["stages"].contains("encode"));
  const Reply metrics = call("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  expect_prometheus_text(metrics.body);
  EXPECT_NE(metrics.body.find("punktfunk_sessions 1"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("punktfunk_session_frames_total{session="), std::string::npos);
  const auto exited = session.wait_for(30s);
  ASSERT_TRUE(exited);
  EXPECT_EQ(exited->code, 0) << session.output();
  ASSERT_TRUE(seen("event: session.ended"));
  stop();  // ends the event stream
  reader.join();
  const std::lock_guard lock(mutex);
  EXPECT_LT(stream.find("event: session.started"), stream.find("event: session.ended"));
  EXPECT_NE(stream.find(R"("session":1,"client":"punktfunk-client")"), std::string::npos) << stream;
  EXPECT_NE(stream.find("event: display.added"), std::string::npos) << stream;
}

TEST_F(MgmtE2e, TheOperatorStopsRetunesAndKeyframesARealSession) {
  serve({"--allow-tofu"});
  test::Child session({PF_CLIENT_BINARY, "connect", native(), "--allow-tofu", "--mode", "320x240@30", "--seconds",
                       "60", "--config-dir", (tmp_.path() / "client").string()},
                      env_, tmp_.path() / "client.log");
  json s;
  for (int i = 0; i < 100; ++i) {
    const auto list = call("GET", "/session").j()["sessions"];
    if (!list.empty() && list[0].value("state", "") == "streaming") {
      s = list[0];
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(s.is_null()) << session.output();
  const std::string id = std::to_string(s.value("id", 0));
  const auto keyframes = [&] { return call("GET", "/session").j()["sessions"][0]["video"].value("keyframes", 0); };
  const int before = keyframes();
  EXPECT_EQ(call("POST", "/session/" + id + "/idr").status, 200);
  bool more = false;
  for (int i = 0; i < 50 && !more; ++i) {
    std::this_thread::sleep_for(100ms);
    more = keyframes() > before;
  }
  EXPECT_TRUE(more) << "a forced keyframe was sent";
  EXPECT_EQ(call("PUT", "/session/" + id + "/bitrate", R"({"kbps": 3000})").status, 200);
  EXPECT_EQ(call("DELETE", "/session/" + id).status, 200);
  const auto exited = session.wait_for(20s);
  ASSERT_TRUE(exited) << "the client was told";
  EXPECT_NE(session.output().find("ended by the host's operator"), std::string::npos) << session.output();
  const auto ended = call("GET", "/session").j()["sessions"][0];
  EXPECT_EQ(ended.value("state", ""), "ended");
  EXPECT_EQ(ended.value("end_reason", ""), "ended by the operator");
  EXPECT_EQ(call("DELETE", "/session/" + id).status, 404);
  EXPECT_TRUE(call("GET", "/display/state").j().empty()) << "its display went at once";
}

TEST_F(MgmtE2e, APairedClientReadsHostAndStatusWithItsCertificateOnly) {
  serve();
  const Reply armed = call("POST", "/pair/arm", R"({"ttl_s": 120, "access": "view-only"})");
  ASSERT_EQ(armed.status, 200) << armed.body;
  const std::string pin = armed.j().value("pin", "");
  const auto dir = tmp_.path() / "phone";
  const auto paired = test::run({PF_CLIENT_BINARY, "pair", native(), "--pin", pin, "--name", "phone", "--config-dir",
                                 dir.string()},
                                env_, tmp_.path(), 60s);
  ASSERT_EQ(paired.exit.code, 0) << paired.output;
  EXPECT_EQ(call("GET", "/clients").j()["clients"][0].value("access", ""), "view-only");
  auto phone = client((dir / "client-cert.pem").string(), (dir / "client-key.pem").string());
  EXPECT_EQ(call("GET", "/host", "", "", phone.get()).status, 200);
  EXPECT_EQ(call("GET", "/status", "", "", phone.get()).status, 200);
  EXPECT_EQ(call("GET", "/session", "", "", phone.get()).status, 403);
  EXPECT_EQ(call("POST", "/pair/arm", "{}", "", phone.get()).status, 403);
  // A certificate the host never paired gets nothing.
  const auto stranger_dir = tmp_.path() / "stranger";
  (void)test::run({PF_CLIENT_BINARY, "connect", native(), "--seconds", "1", "--config-dir", stranger_dir.string()},
                  env_, tmp_.path(), 60s);
  ASSERT_TRUE(std::filesystem::exists(stranger_dir / "client-cert.pem"));
  auto stranger = client((stranger_dir / "client-cert.pem").string(), (stranger_dir / "client-key.pem").string());
  EXPECT_EQ(call("GET", "/host", "", "", stranger.get()).status, 401);
  // Unpaired through the API: the lane closes.
  const std::string fp = call("GET", "/clients").j()["clients"][0].value("fingerprint", "");
  EXPECT_EQ(call("DELETE", "/clients/" + fp.substr(0, 12)).status, 200);
  EXPECT_EQ(call("GET", "/host", "", "", phone.get()).status, 401);
}

bool sh(const std::string& command) { return std::system(command.c_str()) == 0; }

/// A non-loopback IPv4 address of this machine, if it has one.
std::string local_address() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    return {};
  }
  std::string out;
  for (auto* a = list; a != nullptr && out.empty(); a = a->ifa_next) {
    if (a->ifa_addr != nullptr && a->ifa_addr->sa_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
      char text[INET_ADDRSTRLEN] = {};
      ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
      if (std::string_view(text).substr(0, 4) != "127.") {
        out = text;
      }
    }
  }
  ::freeifaddrs(list);
  return out;
}

TEST_F(MgmtE2e, TheAdminLaneRefusesAnotherHost) {
  serve();
  const std::string tag = std::to_string(::getpid() % 100000);
  const std::string ns = "pfmgmt" + tag;
  const std::string veth = "pfm" + tag;
  std::string remote_status;
  const auto run_curl = [&](const std::string& prefix, const std::string& url, bool with_token) {
    const std::string curl = "curl -sk --max-time 10 -o " +
                             (tmp_.path() / (with_token ? "remote.json" : "health.json")).string() +
                             " -w '%{http_code}' ";
    const std::string out = (tmp_.path() / "code").string();
    const std::string auth = with_token ? "-H 'Authorization: Bearer " + token_ + "' " : "";
    if (!sh(prefix + curl + auth + url + " > " + out)) {
      return std::string("curl failed");
    }
    std::ifstream in(out);
    std::string code;
    std::getline(in, code);
    return code;
  };
  std::string how;
  if (sh("ip netns add " + ns + " 2>/dev/null")) {
    how = "network namespace";
    const bool up =
        sh("ip link add " + veth + "a type veth peer name " + veth + "b") &&
        sh("ip link set " + veth + "b netns " + ns) && sh("ip addr add 10.213.7.1/30 dev " + veth + "a") &&
        sh("ip link set " + veth + "a up") &&
        sh("ip netns exec " + ns + " ip addr add 10.213.7.2/30 dev " + veth + "b") &&
        sh("ip netns exec " + ns + " ip link set " + veth + "b up") && sh("ip netns exec " + ns + " ip link set lo up");
    if (up) {
      const std::string base = "https://10.213.7.1:" + mgmt_port_ + "/api/v1";
      remote_status = run_curl("ip netns exec " + ns + " ", base + "/status", true);
      EXPECT_EQ(run_curl("ip netns exec " + ns + " ", base + "/health", false), "200");
    }
    (void)sh("ip link del " + veth + "a 2>/dev/null");
    (void)sh("ip netns del " + ns);
    ASSERT_TRUE(up) << "could not wire the namespace";
  } else if (const auto address = local_address(); !address.empty()) {
    how = "a non-loopback local address";
    remote_status = run_curl("", "--interface " + address + " https://" + address + ":" + mgmt_port_ + "/api/v1/status",
                             true);
  } else {
    GTEST_SKIP() << "no network namespaces (ip netns add failed) and no non-loopback address to come from";
  }
  SCOPED_TRACE(how);
  EXPECT_EQ(remote_status, "401");
  std::ifstream in(tmp_.path() / "remote.json");
  const std::string body((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(body.find("admin API is loopback-only"), std::string::npos) << body;
  EXPECT_EQ(call("GET", "/status").status, 200) << "loopback still gets in";
  EXPECT_NE(call("GET", "/metrics").body.find("punktfunk_api_remote_admin_refused_total 1"), std::string::npos);
}

TEST(MgmtOpenApi, TheCommittedDocumentMatchesTheCode) {
  const test::TempDir tmp;
  const auto r = test::run({PF_HOST_BINARY, "openapi"}, test::clean_environment(), tmp.path());
  ASSERT_EQ(r.exit.code, 0) << r.output;
  std::ifstream in(PF_OPENAPI_FILE);
  ASSERT_TRUE(in) << PF_OPENAPI_FILE;
  const std::string committed((std::istreambuf_iterator<char>(in)), {});
  const auto generated = json::parse(r.output, nullptr, false);
  const auto file = json::parse(committed, nullptr, false);
  ASSERT_FALSE(generated.is_discarded());
  ASSERT_FALSE(file.is_discarded());
  EXPECT_EQ(generated, file) << "api/openapi.json is stale: regenerate it with "
                                "`punktfunk-host openapi > api/openapi.json`";
}

}  // namespace
}  // namespace pf
