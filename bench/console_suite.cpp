// The web console's cost in front of the management API. A stand-in API
// (an HTTPS server with the host certificate, answering a 1 KiB JSON body)
// is called the two ways a browser's request could reach it, alternating
// in the same run:
//   direct   keep-alive HTTPS to the API with the bearer token
//   proxied  keep-alive HTTPS to `web serve`'s server with the session
//            cookie: cookie check, token read, pinned TLS to the API
// and the password check (scrypt at the stored cost) against a bare
// EVP_PBE_scrypt of the same parameters.
//   console_proxy_us, console_direct_us, console_proxy_vs_direct_ratio,
//   console_password_check_ms, console_password_vs_scrypt_ratio
#include <openssl/evp.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <thread>

#include <benchmark/benchmark.h>
#include <httplib.h>

#include "pf/console/console_server.hpp"
#include "pf/console/password.hpp"
#include "pf/console/session_cookie.hpp"
#include "pf/core/fs.hpp"
#include "pf/tls/identity.hpp"
#include "suite.hpp"

namespace pf::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view kPassword = "a password for the benchmark";
constexpr std::size_t kBatch = 20;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// The stand-in API and the console in front of it, for the whole run.
struct Rig {
  std::filesystem::path dir;
  std::unique_ptr<httplib::SSLServer> api;
  std::jthread api_thread;
  int api_port = 0;
  std::string token = std::string(64, 'b');
  std::unique_ptr<console::ConsoleServer> console;
  std::string cookie;
  std::string error;

  Rig() {
    char pattern[] = "/tmp/pf-bench-console-XXXXXX";
    dir = ::mkdtemp(pattern);
    if (!tls::load_or_create_identity(dir, "host", "punktfunk host") ||
        !write_file_atomic(dir / "mgmt-token", token + "\n", 0600) ||
        !console::write_password_file(dir, kPassword)) {
      error = "could not prepare the config dir";
      return;
    }
    api = std::make_unique<httplib::SSLServer>((dir / "host-cert.pem").c_str(), (dir / "host-key.pem").c_str());
    api->set_tcp_nodelay(true);  // as the management API's listener
    const std::string body(1024, 'x');
    api->Get("/api/v1/status", [body, this](const httplib::Request& in, httplib::Response& out) {
      out.status = in.get_header_value("Authorization") == "Bearer " + token ? 200 : 401;
      out.set_content("{\"pad\":\"" + body + "\"}", "application/json");
    });
    api_port = api->bind_to_any_port("127.0.0.1");
    api_thread = std::jthread([this] { api->listen_after_bind(); });
    while (!api->is_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    (void)write_file_atomic(dir / "mgmt-endpoint", fmt::format("https://127.0.0.1:{}\n", api_port), 0600);
    console::ConsoleOptions o;
    o.bind = "127.0.0.1";
    o.port = 0;
    o.config_dir = dir;
    o.web_root = dir;
    auto started = console::ConsoleServer::start(std::move(o));
    if (!started) {
      error = started.error().message;
      return;
    }
    console = std::move(*started);
    auto c = client(console->port());
    const auto r = c->Post("/auth/login", {{"Origin", fmt::format("https://127.0.0.1:{}", console->port())}},
                           fmt::format(R"({{"password": "{}"}})", kPassword), "application/json");
    if (!r || r->status != 200) {
      error = "could not sign in to the console";
      return;
    }
    const std::string set = r->get_header_value("Set-Cookie");
    cookie = set.substr(0, set.find(';'));
  }
  ~Rig() {
    console.reset();
    if (api) {
      api->stop();
    }
    if (api_thread.joinable()) {
      api_thread.join();
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  static std::unique_ptr<httplib::SSLClient> client(int port) {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
    c->enable_server_certificate_verification(false);
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);  // as a browser
    return c;
  }
};

void bm_proxy(benchmark::State& state) {
  Rig rig;
  if (!rig.error.empty()) {
    state.SkipWithError(rig.error.c_str());
    return;
  }
  auto direct = Rig::client(rig.api_port);
  auto proxied = Rig::client(rig.console->port());
  const httplib::Headers bearer{{"Authorization", "Bearer " + rig.token}};
  const httplib::Headers cookie{{"Cookie", rig.cookie}};
  double direct_s = 0;
  double proxied_s = 0;
  bool good = true;
  for (auto _ : state) {
    auto t0 = Clock::now();
    for (std::size_t i = 0; i < kBatch; ++i) {
      const auto r = direct->Get("/api/v1/status", bearer);
      good &= r && r->status == 200;
    }
    direct_s += seconds_since(t0);
    t0 = Clock::now();
    for (std::size_t i = 0; i < kBatch; ++i) {
      const auto r = proxied->Get("/api/v1/status", cookie);
      good &= r && r->status == 200 && r->body.size() > 1024;
    }
    proxied_s += seconds_since(t0);
  }
  if (!good) {
    state.SkipWithError("a request failed");
  }
  const double calls = static_cast<double>(state.iterations()) * kBatch;
  state.counters["direct_us"] = direct_s * 1e6 / calls;
  state.counters["proxied_us"] = proxied_s * 1e6 / calls;
}

void bm_password(benchmark::State& state) {
  const auto stored = console::hash_password(kPassword);
  if (!stored) {
    state.SkipWithError("hashing failed");
    return;
  }
  const console::ScryptCost cost;
  const std::string salt(16, 's');
  unsigned char out[32];
  double ours_s = 0;
  double raw_s = 0;
  bool good = true;
  for (auto _ : state) {
    auto t0 = Clock::now();
    good &= console::verify_password(*stored, kPassword);
    ours_s += seconds_since(t0);
    t0 = Clock::now();
    good &= EVP_PBE_scrypt(kPassword.data(), kPassword.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                           salt.size(), std::uint64_t{1} << cost.log2_n, cost.r, cost.p, 256ULL << 20, out,
                           sizeof out) == 1;
    raw_s += seconds_since(t0);
  }
  if (!good) {
    state.SkipWithError("password check failed");
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["ours_ms"] = ours_s * 1e3 / n;
  state.counters["scrypt_ms"] = raw_s * 1e3 / n;
}

void register_cases() {
  benchmark::RegisterBenchmark("console/proxy", bm_proxy)->Iterations(25);
  benchmark::RegisterBenchmark("console/password", bm_password)->Iterations(10);
}

Report report(const Timings& t) {
  Report r;
  const double proxied = counter(t, "proxy.proxied_us");
  const double direct = counter(t, "proxy.direct_us");
  r.emplace_back("console_proxy_us", proxied);
  r.emplace_back("console_direct_us", direct);
  r.emplace_back("console_proxy_vs_direct_ratio", proxied / direct);
  r.emplace_back("console_password_check_ms", counter(t, "password.ours_ms"));
  r.emplace_back("console_password_vs_scrypt_ratio", counter(t, "password.ours_ms") / counter(t, "password.scrypt_ms"));
  return r;
}

}  // namespace

const Suite& console_suite() {
  static const Suite suite{"console", "the web console's proxy against calling the API directly; its password check",
                           register_cases, report};
  return suite;
}

}  // namespace pf::bench
