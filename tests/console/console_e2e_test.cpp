// The web console's server against a real `punktfunk-host serve`: it fails
// closed without a password, a changed cookie signs the browser out, the
// management token never reaches the browser, cross-origin mutations are
// refused, dangerous actions need the password again, and the token goes
// only to the pinned host certificate.
#include <signal.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "../support/temp_dir.hpp"
#include "pf/console/console_server.hpp"
#include "pf/console/password.hpp"
#include "pf/console/session_cookie.hpp"
#include "pf/core/fs.hpp"
#include "pf/mgmt/api.hpp"
#include "pf/mgmt/router.hpp"
#include "pf/mgmt/token.hpp"
#include "pf/tls/identity.hpp"

namespace pf::console {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::string_view kPassword = "a console password for tests";
constexpr ScryptCost kCheap{.log2_n = 10, .r = 8, .p = 1};

struct Reply {
  int status = 0;  ///< 0: no answer
  std::string body;
  httplib::Headers headers;
  [[nodiscard]] json j() const { return json::parse(body, nullptr, false); }
  [[nodiscard]] std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

class ConsoleE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = test::clean_environment();
    env_["PUNKTFUNK_NATIVE_PORT"] = test::free_tcp_port();
    env_["PUNKTFUNK_MGMT_PORT"] = test::free_tcp_port();
    env_["PUNKTFUNK_CONFIG_DIR"] = dir().string();
    env_["PUNKTFUNK_STATE_DIR"] = (tmp_.path() / "state").string();
    env_["PUNKTFUNK_DISPLAY_BACKEND"] = "synthetic";
    env_["PUNKTFUNK_MDNS"] = "off";
  }
  void TearDown() override {
    console_.reset();
    if (host_) {
      host_->signal(SIGTERM);
      EXPECT_TRUE(host_->wait_for(20s));
    }
  }
  [[nodiscard]] std::filesystem::path dir() const { return tmp_.path() / "host"; }

  void start_host() {
    host_ = std::make_unique<test::Child>(std::vector<std::string>{PF_HOST_BINARY, "serve"}, env_,
                                          tmp_.path() / "host.log");
    ASSERT_TRUE(host_->wait_for_output("ready;", 20s)) << host_->output();
    std::ifstream in(dir() / "mgmt-token");
    std::getline(in, token_);
    ASSERT_EQ(token_.size(), 64U);
  }
  void start_console(std::string token_override = {}) {
    ConsoleOptions o;
    o.bind = "127.0.0.1";
    o.port = 0;
    o.config_dir = dir();
    o.web_root = tmp_.path() / "web";
    o.mgmt_token = std::move(token_override);
    std::filesystem::create_directories(o.web_root / "assets");
    std::ofstream(o.web_root / "index.html") << "<!doctype html><title>console</title>";
    std::ofstream(o.web_root / "assets" / "app.js") << "console.log(1)";
    ASSERT_TRUE(ensure_private_dir(dir()));
    auto started = ConsoleServer::start(std::move(o));
    ASSERT_TRUE(started) << started.error().message;
    console_ = std::move(*started);
  }
  void set_password() {
    ASSERT_TRUE(ensure_private_dir(dir()));
    ASSERT_TRUE(write_password_file(dir(), kPassword, kCheap));
  }
  [[nodiscard]] std::string origin() const { return fmt::format("https://127.0.0.1:{}", console_->port()); }

  Reply call(const std::string& method, const std::string& path, const std::string& body = {},
             httplib::Headers headers = {}, bool with_origin = true) const {
    httplib::SSLClient c("127.0.0.1", console_->port());
    c.enable_server_certificate_verification(false);
    c.set_connection_timeout(5);
    c.set_read_timeout(15);
    if (!cookie_.empty()) {
      headers.emplace("Cookie", std::string(kCookieName) + "=" + cookie_);
    }
    if (with_origin && method != "GET") {
      headers.emplace("Origin", origin());
    }
    httplib::Request request;
    request.method = method;
    request.path = path;
    request.headers = std::move(headers);
    request.body = body.empty() && method != "GET" ? "{}" : body;
    if (method != "GET") {
      request.headers.emplace("Content-Type", "application/json");
    }
    const auto r = c.send(request);
    if (!r) {
      return {};
    }
    return {r->status, r->body, r->headers};
  }
  /// Signs in; keeps the cookie.
  void sign_in() {
    const Reply r = call("POST", "/auth/login", json{{"password", kPassword}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string set = r.header("Set-Cookie");
    const auto start = set.find('=') + 1;
    cookie_ = set.substr(start, set.find(';') - start);
    ASSERT_FALSE(cookie_.empty()) << set;
  }

  test::TempDir tmp_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<test::Child> host_;
  std::unique_ptr<ConsoleServer> console_;
  std::string token_;
  std::string cookie_;
};

TEST_F(ConsoleE2e, WithoutAPasswordEverythingAnswers503UntilOneIsSet) {
  start_console();
  const Reply page = call("GET", "/");
  EXPECT_EQ(page.status, 503);
  EXPECT_NE(page.body.find("web setup"), std::string::npos) << page.body;
  EXPECT_EQ(call("GET", "/assets/app.js").status, 503);
  const Reply login = call("POST", "/auth/login", json{{"password", kPassword}}.dump());
  EXPECT_EQ(login.status, 503);
  EXPECT_NE(login.j().value("error", "").find("punktfunk-host web setup"), std::string::npos) << login.body;
  EXPECT_EQ(call("GET", "/api/v1/status").status, 503);
  EXPECT_EQ(call("GET", "/auth/session").status, 503);
  // An unreadable (too open) file fails closed as well, naming the problem.
  set_password();
  ::chmod((dir() / kPasswordFile).c_str(), 0644);
  const Reply open = call("GET", "/auth/session");
  EXPECT_EQ(open.status, 503);
  EXPECT_NE(open.body.find("chmod 600"), std::string::npos) << open.body;
  // Set properly, it takes effect without a restart.
  ::chmod((dir() / kPasswordFile).c_str(), 0600);
  EXPECT_EQ(call("GET", "/").status, 200);
  sign_in();
}

TEST_F(ConsoleE2e, TheCookieIsSealedAndAChangedOneSignsOut) {
  start_host();
  set_password();
  start_console();
  EXPECT_EQ(call("GET", "/api/v1/status").status, 401) << "signed out";
  EXPECT_EQ(call("POST", "/auth/login", R"({"password": "wrong"})").status, 401);
  const Reply login = call("POST", "/auth/login", json{{"password", kPassword}}.dump());
  ASSERT_EQ(login.status, 200);
  const std::string set = login.header("Set-Cookie");
  for (const char* attribute : {"HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age=604800"}) {
    EXPECT_NE(set.find(attribute), std::string::npos) << attribute << " in " << set;
  }
  sign_in();
  const Reply status = call("GET", "/api/v1/status");
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_TRUE(status.j().contains("sessions"));
  EXPECT_TRUE(call("GET", "/auth/session").j().value("signed_in", false));

  const std::string good = cookie_;
  cookie_[10] = cookie_[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(call("GET", "/api/v1/status").status, 401);
  EXPECT_FALSE(call("GET", "/auth/session").j().value("signed_in", true));
  cookie_ = good.substr(0, good.size() - 2);
  EXPECT_EQ(call("GET", "/api/v1/status").status, 401);
  cookie_ = "garbage";
  EXPECT_EQ(call("GET", "/api/v1/status").status, 401);
  EXPECT_GE(console_->counters().signed_out.load(), 4U);

  // Signing out revokes every cookie sealed before.
  cookie_ = good;
  sign_in();
  const std::string second = cookie_;
  EXPECT_EQ(call("POST", "/auth/logout").status, 200);
  cookie_ = good;
  EXPECT_EQ(call("GET", "/api/v1/status").status, 401);
  cookie_ = second;
  EXPECT_EQ(call("GET", "/api/v1/status").status, 401);
  cookie_.clear();
  sign_in();
  EXPECT_EQ(call("GET", "/api/v1/status").status, 200);
}

TEST_F(ConsoleE2e, TheProxyForwardsTheTokenAndNothingElseOfTheBrowsers) {
  // A stand-in management API with the host's certificate (the console pins
  // it) records what the console forwards.
  const std::string token(64, 'a');
  set_password();
  start_console(token);
  sign_in();
  httplib::SSLServer standin((dir() / "host-cert.pem").c_str(), (dir() / "host-key.pem").c_str());
  std::mutex mutex;
  std::vector<httplib::Headers> seen;
  const auto record = [&](const httplib::Request& r, httplib::Response& out) {
    const std::lock_guard lock(mutex);
    seen.push_back(r.headers);
    out.set_content("{\"ok\":true}", "application/json");
  };
  standin.Get(".*", record);
  standin.Post(".*", record);
  const int port = standin.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&] { standin.listen_after_bind(); });
  ASSERT_TRUE(write_file_atomic(dir() / mgmt::kEndpointFile, fmt::format("https://127.0.0.1:{}\n", port), 0600));

  const httplib::Headers browser{{"Authorization", "Bearer from-the-browser"},
                                 {"X-Confirm-Password", std::string(kPassword)},
                                 {"X-Forwarded-For", "203.0.113.9"},
                                 {"Accept", "application/json"}};
  EXPECT_EQ(call("GET", "/api/v1/status", {}, browser).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/pair/arm", "{}", browser).status, 200);
  standin.stop();
  serving.join();
  ASSERT_EQ(seen.size(), 2U) << "the console did not forward both calls";
  for (const auto& h : seen) {
    const auto auth = h.equal_range("Authorization");
    ASSERT_EQ(std::distance(auth.first, auth.second), 1);
    EXPECT_EQ(auth.first->second, "Bearer " + token);
    for (const char* never : {"Cookie", "X-Confirm-Password", "X-Forwarded-For", "Origin"}) {
      EXPECT_EQ(h.count(never), 0U) << never << " reached the management API";
    }
    EXPECT_EQ(h.count("Accept"), 1U);
  }
}

TEST_F(ConsoleE2e, TheTokenNeverReachesTheBrowser) {
  start_host();
  set_password();
  start_console();
  sign_in();
  std::vector<Reply> replies;
  const auto router = mgmt::make_router({});
  for (const auto& route : router.routes()) {
    if (route.method != mgmt::Method::get || route.pattern == "/events") {
      continue;
    }
    std::string path = route.pattern;
    if (const auto at = path.find("{id}"); at != std::string::npos) {
      path.replace(at, 4, "1");
    }
    replies.push_back(call("GET", "/api/v1" + path));
  }
  replies.push_back(call("GET", "/api/v1/settings"));
  replies.push_back(call("GET", "/api/v1/logs?limit=1000"));
  replies.push_back(call("GET", "/api/v1/nope"));
  replies.push_back(call("GET", "/api/v1/logs?bad=1"));
  replies.push_back(call("PATCH", "/api/v1/settings", R"({"PUNKTFUNK_MGMT_TOKEN": "x"})"));
  replies.push_back(call("GET", "/auth/session"));
  replies.push_back(call("GET", "/"));
  replies.push_back(call("POST", "/api/v1/apps", std::string(2 << 20, ' ')));  // refused by the listener itself (413)
  EXPECT_EQ(replies.back().status, 413);
  std::size_t answered = 0;
  for (const Reply& r : replies) {
    answered += r.status == 200 ? 1 : 0;
    EXPECT_EQ(r.body.find(token_), std::string::npos) << r.body;
    for (const auto& [name, value] : r.headers) {
      EXPECT_EQ(value.find(token_), std::string::npos) << name;
    }
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer");
    EXPECT_NE(r.header("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
  }
  EXPECT_GE(answered, 15U);
  // The event stream too, for a moment.
  httplib::SSLClient sse("127.0.0.1", console_->port());
  sse.enable_server_certificate_verification(false);
  std::string stream;
  std::atomic<bool> enough{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(1500ms);
    enough = true;
  });
  (void)sse.Get("/api/v1/events", httplib::Headers{{"Cookie", std::string(kCookieName) + "=" + cookie_}},
                [&](const char* data, std::size_t n) {
                  stream.append(data, n);
                  return !enough.load();
                });
  stopper.join();
  EXPECT_NE(stream.find(": subscribed"), std::string::npos) << stream;
  EXPECT_EQ(stream.find(token_), std::string::npos);

  // A token the host refuses is the console's fault: 502, not a sign-in loop.
  console_.reset();
  start_console(std::string(64, 'f'));
  sign_in();
  const Reply refused = call("GET", "/api/v1/status");
  EXPECT_EQ(refused.status, 502) << refused.body;
  EXPECT_NE(refused.j().value("error", "").find("management token"), std::string::npos);
  EXPECT_EQ(refused.body.find(std::string(64, 'f')), std::string::npos);
}

TEST_F(ConsoleE2e, CrossOriginMutationsAreRefused) {
  start_host();
  set_password();
  start_console();
  sign_in();
  const auto arm = [&](httplib::Headers h) {
    return call("POST", "/api/v1/pair/arm", R"({"ttl_s": 60})", std::move(h), false).status;
  };
  EXPECT_EQ(arm({{"Origin", "https://evil.example"}}), 403);
  EXPECT_EQ(arm({{"Origin", "null"}}), 403);
  EXPECT_EQ(arm({{"Origin", "http://127.0.0.1:" + std::to_string(console_->port())}}), 403);
  EXPECT_EQ(arm({{"Sec-Fetch-Site", "cross-site"}}), 403);
  EXPECT_EQ(arm({}), 403) << "neither Origin nor Sec-Fetch-Site";
  EXPECT_EQ(call("POST", "/auth/login", json{{"password", kPassword}}.dump(), {{"Origin", "https://evil.example"}},
                 false)
                .status,
            403);
  EXPECT_EQ(console_->counters().cross_origin.load(), 6U);
  EXPECT_FALSE(call("GET", "/api/v1/pair").j().value("armed", true)) << "nothing was armed";
  EXPECT_EQ(arm({{"Sec-Fetch-Site", "same-origin"}}), 200);
  EXPECT_EQ(call("POST", "/api/v1/pair/arm", R"({"ttl_s": 60})").status, 200);
  EXPECT_TRUE(call("GET", "/api/v1/pair").j().value("armed", false));
}

TEST_F(ConsoleE2e, DangerousActionsAndPasswordChangesNeedThePassword) {
  start_host();
  set_password();
  start_console();
  sign_in();
  const std::string app = R"({"id": "t1", "name": "T", "command": ["true"]})";
  const Reply bare = call("POST", "/api/v1/apps", app);
  EXPECT_EQ(bare.status, 403);
  EXPECT_TRUE(bare.j().value("confirm_required", false)) << bare.body;
  const Reply wrong = call("POST", "/api/v1/apps", app, {{"X-Confirm-Password", "nope"}});
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(wrong.j().value("error", ""), "wrong password");
  const Reply right = call("POST", "/api/v1/apps", app, {{"X-Confirm-Password", std::string(kPassword)}});
  EXPECT_LT(right.status, 300) << right.body;
  EXPECT_NE(call("GET", "/api/v1/apps").body.find("\"t1\""), std::string::npos);
  EXPECT_EQ(call("DELETE", "/api/v1/clients/00000000deadbeef").status, 403);

  // Password change: checked, written atomically (0600), others signed out.
  const std::string before = cookie_;
  EXPECT_EQ(call("POST", "/auth/password", R"({"current": "nope", "new": "another long password"})").status, 401);
  EXPECT_EQ(call("POST", "/auth/password", json{{"current", kPassword}, {"new", "short"}}.dump()).status, 400);
  const Reply changed =
      call("POST", "/auth/password", json{{"current", kPassword}, {"new", "another long password"}}.dump());
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(test::mode_of(dir() / kPasswordFile), 0600U);
  EXPECT_TRUE(verify_password(**read_password_file(dir()), "another long password"));
  EXPECT_EQ(call("GET", "/api/v1/status").status, 401) << "the old cookie is revoked";
  cookie_.clear();
  EXPECT_EQ(call("POST", "/auth/login", json{{"password", kPassword}}.dump()).status, 401);
  EXPECT_EQ(call("POST", "/auth/login", R"({"password": "another long password"})").status, 200);
  (void)before;
}

TEST_F(ConsoleE2e, LoginsAreThrottledAfterFiveAttempts) {
  set_password();
  start_console();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(call("POST", "/auth/login", R"({"password": "guess"})").status, 401) << i;
  }
  const Reply locked = call("POST", "/auth/login", json{{"password", kPassword}}.dump());
  EXPECT_EQ(locked.status, 429) << "even the right password waits";
  EXPECT_EQ(locked.header("Retry-After"), "1");
  EXPECT_EQ(locked.j().value("retry_after_s", 0), 1);
  EXPECT_EQ(console_->counters().throttled.load(), 1U);
  EXPECT_EQ(console_->counters().wrong_passwords.load(), 5U);
  EXPECT_EQ(call("POST", "/auth/login", "{not json").status, 400);
}

TEST_F(ConsoleE2e, TheTokenGoesOnlyToTheHostsCertificate) {
  // An impostor on the management port with a certificate of its own.
  test::TempDir other;
  auto identity = tls::load_or_create_identity(other.path(), "impostor", "impostor");
  ASSERT_TRUE(identity);
  httplib::SSLServer impostor((other.path() / "impostor-cert.pem").c_str(), (other.path() / "impostor-key.pem").c_str());
  std::mutex mutex;
  std::vector<std::string> seen;
  impostor.Get(".*", [&](const httplib::Request& in, httplib::Response& out) {
    const std::lock_guard lock(mutex);
    seen.push_back(in.get_header_value("Authorization"));
    out.set_content("{}", "application/json");
  });
  const int port = impostor.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { impostor.listen_after_bind(); });
  set_password();
  start_console();
  ASSERT_TRUE(write_file_atomic(dir() / "mgmt-token", std::string(64, 'a') + "\n", 0600));
  ASSERT_TRUE(write_file_atomic(dir() / "mgmt-endpoint", fmt::format("https://127.0.0.1:{}\n", port), 0600));
  sign_in();
  const Reply r = call("GET", "/api/v1/status");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_GE(console_->counters().upstream_failed.load(), 1U);
  // Only loopback addresses are ever used.
  ASSERT_TRUE(write_file_atomic(dir() / "mgmt-endpoint", "https://192.0.2.1:47990\n", 0600));
  const Reply remote = call("GET", "/api/v1/status");
  EXPECT_EQ(remote.status, 502);
  EXPECT_NE(remote.body.find("loopback"), std::string::npos) << remote.body;
  impostor.stop();
  serving.join();
  const std::lock_guard lock(mutex);
  EXPECT_TRUE(seen.empty()) << "the impostor saw a request";
}


TEST(ConsoleSetup, MakesThePasswordOnceAndTheServiceUnit) {
  test::TempDir tmp;
  auto env = test::clean_environment();
  env["HOME"] = (tmp.path() / "home").string();
  env["XDG_CONFIG_HOME"] = (tmp.path() / "xdg").string();
  env["PUNKTFUNK_CONFIG_DIR"] = (tmp.path() / "host").string();
  env["PUNKTFUNK_SERVICE_MANAGER"] = "supervisor";  // writes the unit, never touches the machine's systemd
  const auto first = test::run({PF_HOST_BINARY, "web", "setup"}, env, tmp.path(), 30s);
  ASSERT_EQ(first.exit.code, 0) << first.output;
  const auto at = first.output.find("password: ");
  ASSERT_NE(at, std::string::npos) << first.output;
  const std::string password = first.output.substr(at + 10, 29);
  EXPECT_TRUE(check_new_password(password));
  const auto stored = read_password_file(tmp.path() / "host");
  ASSERT_TRUE(stored && stored->has_value());
  EXPECT_TRUE(verify_password(**stored, password));
  EXPECT_EQ(test::mode_of(tmp.path() / "host" / kPasswordFile), 0600U);
  EXPECT_EQ(stored->value().find(password), std::string::npos) << "only the hash is kept";
  // The user service, pointing at this binary's `web serve` and config dir.
  const auto unit = read_small_file(tmp.path() / "xdg" / "systemd" / "user" / "punktfunk-web.service", 4096);
  ASSERT_TRUE(unit) << first.output;
  EXPECT_NE(unit->find("web serve --config-dir " + (tmp.path() / "host").string()), std::string::npos) << *unit;
  EXPECT_NE(unit->find("WantedBy=default.target"), std::string::npos);

  // Again: the password stays and is not shown; the unit is rewritten.
  const auto second = test::run({PF_HOST_BINARY, "web", "setup"}, env, tmp.path(), 30s);
  ASSERT_EQ(second.exit.code, 0) << second.output;
  EXPECT_EQ(second.output.find("password: "), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("already set"), std::string::npos);
  EXPECT_TRUE(verify_password(**read_password_file(tmp.path() / "host"), password));
  // --reset-password makes a new one; --no-service leaves units alone.
  std::filesystem::remove(tmp.path() / "xdg" / "systemd" / "user" / "punktfunk-web.service");
  const auto reset = test::run({PF_HOST_BINARY, "web", "setup", "--reset-password", "--no-service"}, env, tmp.path(), 30s);
  ASSERT_EQ(reset.exit.code, 0) << reset.output;
  EXPECT_NE(reset.output.find("password: "), std::string::npos);
  EXPECT_FALSE(verify_password(**read_password_file(tmp.path() / "host"), password));
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "xdg" / "systemd" / "user" / "punktfunk-web.service"));
}

}  // namespace
}  // namespace pf::console
