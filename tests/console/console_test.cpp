// The console's sign-in pieces without a network: the password file, the
// sealed cookie and its epoch, the login throttle, and the request parsers.
#include <sys/stat.h>

#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"
#include "pf/console/console_server.hpp"
#include "pf/console/login_throttle.hpp"
#include "pf/console/password.hpp"
#include "pf/console/session_cookie.hpp"
#include "pf/core/fs.hpp"

namespace pf::console {
namespace {

using namespace std::chrono_literals;

constexpr ScryptCost kCheap{.log2_n = 10, .r = 8, .p = 1};  // fast under sanitizers; the format is the same

TEST(ConsolePassword, HashesVerifyAndStayPrivate) {
  const auto stored = hash_password("correct horse battery", kCheap);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_TRUE(stored->starts_with("scrypt$10$8$1$"));
  EXPECT_EQ(stored->find("correct"), std::string::npos);
  EXPECT_TRUE(check_stored_hash(*stored));
  EXPECT_TRUE(verify_password(*stored, "correct horse battery"));
  EXPECT_FALSE(verify_password(*stored, "correct horse batterz"));
  EXPECT_FALSE(verify_password(*stored, ""));
  // Two hashes of one password differ (salted).
  EXPECT_NE(*stored, *hash_password("correct horse battery", kCheap));
  // Malformed stored lines match nothing.
  for (const std::string& bad : std::vector<std::string>{"", "scrypt", "scrypt$10$8$1$00$00", "bcrypt$10$8$1$" + std::string(32, 'a') + "$" +
                                                                         std::string(64, 'a'),
                                *stored + "$", stored->substr(0, stored->size() - 1), "scrypt$99$8$1$x$y"}) {
    EXPECT_FALSE(verify_password(bad, "correct horse battery")) << bad;
    EXPECT_FALSE(check_stored_hash(bad)) << bad;
  }
}

TEST(ConsolePassword, GeneratedPasswordsAreLongAndUnambiguous) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const auto p = generate_password();
    ASSERT_TRUE(p);
    ASSERT_EQ(p->size(), 29U) << *p;
    EXPECT_TRUE(check_new_password(*p));
    for (std::size_t j = 0; j < p->size(); ++j) {
      if (j % 6 == 5) {
        EXPECT_EQ((*p)[j], '-');
      } else {
        EXPECT_EQ(std::string_view("il1o0").find((*p)[j]), std::string_view::npos) << *p;
      }
    }
    seen.insert(*p);
  }
  EXPECT_EQ(seen.size(), 50U);
  EXPECT_FALSE(check_new_password("short"));
  EXPECT_FALSE(check_new_password(std::string(300, 'x')));
}

TEST(ConsolePassword, TheFileIsWrittenAtomicallyWithMode0600AndReadStrictly) {
  test::TempDir dir;
  auto none = read_password_file(dir.path());
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(write_password_file(dir.path(), "a long enough password", kCheap));
  EXPECT_EQ(test::mode_of(dir.path() / kPasswordFile), 0600U);
  auto stored = read_password_file(dir.path());
  ASSERT_TRUE(stored && stored->has_value());
  EXPECT_TRUE(verify_password(**stored, "a long enough password"));
  EXPECT_FALSE(write_password_file(dir.path(), "short", kCheap));  // refused, the old one stays
  EXPECT_TRUE(verify_password(**read_password_file(dir.path()), "a long enough password"));

  ::chmod((dir.path() / kPasswordFile).c_str(), 0644);
  auto open = read_password_file(dir.path());
  ASSERT_FALSE(open);
  EXPECT_NE(open.error().message.find("chmod 600"), std::string::npos);
  ASSERT_TRUE(write_file_atomic(dir.path() / kPasswordFile, "hunter2\n", 0600));
  auto plain = read_password_file(dir.path());
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().message.find("hunter2"), std::string::npos) << "never echo the file";
}

TEST(ConsoleCookie, SealsOpensAndRefusesEveryChange) {
  const CookieSealer sealer(CookieSealer::Key{1, 2, 3});
  const SessionClaims claims{7, 1'000, 1'000 + kSessionLifetime.count()};
  const auto sealed = sealer.seal(claims);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->size(), 71U);  // 53 bytes, base64url without padding
  const auto opened = sealer.open(*sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->epoch, 7U);
  EXPECT_EQ(opened->issued_unix, 1'000);
  EXPECT_EQ(opened->expires_unix, 1'000 + kSessionLifetime.count());
  EXPECT_NE(*sealed, *sealer.seal(claims)) << "a fresh nonce each time";
  // Every single-character change is refused.
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    std::string tampered = *sealed;
    tampered[i] = kAlphabet[(kAlphabet.find(tampered[i]) + 1) % kAlphabet.size()];
    EXPECT_FALSE(sealer.open(tampered)) << i;
  }
  EXPECT_FALSE(sealer.open(sealed->substr(1)));
  EXPECT_FALSE(sealer.open(*sealed + "A"));
  EXPECT_FALSE(sealer.open(""));
  EXPECT_FALSE(sealer.open(std::string(5000, 'A')));
  EXPECT_FALSE(CookieSealer(CookieSealer::Key{9}).open(*sealed)) << "another key";
}

TEST(ConsoleCookie, ClaimsExpireAndTheEpochRevokes) {
  const SessionClaims c{3, 1'000, 2'000};
  EXPECT_TRUE(claims_valid(c, 3, 1'500));
  EXPECT_FALSE(claims_valid(c, 4, 1'500)) << "signed out since";
  EXPECT_FALSE(claims_valid(c, 3, 2'000)) << "expired";
  EXPECT_FALSE(claims_valid(c, 3, 800)) << "issued in the future";

  test::TempDir dir;
  auto epoch = SessionEpoch::load(dir.path());
  ASSERT_TRUE(epoch);
  EXPECT_EQ((*epoch)->current(), 0U);
  EXPECT_EQ(*(*epoch)->bump(), 1U);
  EXPECT_EQ(*(*epoch)->bump(), 2U);
  EXPECT_EQ(test::mode_of(dir.path() / kSessionEpochFile), 0600U);
  EXPECT_EQ((*SessionEpoch::load(dir.path()))->current(), 2U) << "survives a restart";
  ASSERT_TRUE(write_file_atomic(dir.path() / kSessionEpochFile, "two\n", 0600));
  EXPECT_FALSE(SessionEpoch::load(dir.path()));

  auto key = CookieSealer::load_or_create(dir.path());
  ASSERT_TRUE(key);
  EXPECT_EQ(test::mode_of(dir.path() / kSessionKeyFile), 0600U);
  const auto sealed = key->seal(c);
  ASSERT_TRUE(sealed);
  EXPECT_TRUE(CookieSealer::load_or_create(dir.path())->open(*sealed)) << "the same key after a restart";
}

TEST(ConsoleCookie, CookieHeaderAndBase64url) {
  EXPECT_EQ(cookie_value("a=1; pf_console=xyz; b=2", "pf_console"), "xyz");
  EXPECT_EQ(cookie_value("pf_console=xyz", "pf_console"), "xyz");
  EXPECT_EQ(cookie_value("pf_consolex=1; xpf_console=2", "pf_console"), "");
  EXPECT_EQ(cookie_value("", "pf_console"), "");
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(base64url_decode(base64url_encode(s)), s);
  }
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64url_decode("Zm9v="));  // padding
  EXPECT_FALSE(base64url_decode("Zm9+"));   // the other alphabet
  EXPECT_FALSE(base64url_decode("Zg9"));    // stray bits
  EXPECT_FALSE(base64url_decode("Z"));
}

TEST(ConsoleThrottle, FiveFreeThenDoublingLockoutsUpToFiveMinutes) {
  LoginThrottle t;
  TimePoint now{};
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(t.attempt("10.0.0.1", now).allowed) << i;
  }
  EXPECT_TRUE(t.attempt("10.0.0.1", now).allowed) << "the fifth is still free";
  auto v = t.attempt("10.0.0.1", now);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.retry_after, 1s);
  EXPECT_TRUE(t.attempt("10.0.0.2", now).allowed) << "other addresses are not affected";
  now += 1s;
  EXPECT_TRUE(t.attempt("10.0.0.1", now).allowed);  // sixth: locks 2 s
  EXPECT_EQ(t.attempt("10.0.0.1", now).retry_after, 2s);
  now += 2s;
  EXPECT_TRUE(t.attempt("10.0.0.1", now).allowed);  // seventh: 4 s
  EXPECT_EQ(t.attempt("10.0.0.1", now).retry_after, 4s);
  for (int i = 0; i < 20; ++i) {  // keeps doubling to the cap
    now += 5min;
    EXPECT_TRUE(t.attempt("10.0.0.1", now).allowed);
  }
  EXPECT_EQ(t.attempt("10.0.0.1", now).retry_after, 300s);
  // A right password clears the address.
  now += 5min;
  EXPECT_TRUE(t.attempt("10.0.0.1", now).allowed);
  t.succeeded("10.0.0.1");
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(t.attempt("10.0.0.1", now).allowed);
  }
}

TEST(ConsoleThrottle, RecordsExpireAndTheTableIsBounded) {
  LoginThrottle t({.max_entries = 100});
  TimePoint now{};
  for (int i = 0; i < 6; ++i) {
    (void)t.attempt("10.0.0.1", now);
  }
  EXPECT_FALSE(t.attempt("10.0.0.1", now + 500ms).allowed);
  EXPECT_TRUE(t.attempt("10.0.0.1", now + 15min).allowed) << "forgotten after 15 minutes";
  for (int i = 0; i < 1000; ++i) {
    (void)t.attempt(fmt::format("10.1.{}.{}", i / 256, i % 256), now + 15min + std::chrono::milliseconds(i * 100));
  }
  EXPECT_LE(t.entries(), 100U);
}

TEST(ConsoleThrottle, TheGlobalFloorSlowsAFloodFromManyAddresses) {
  LoginThrottle t;
  TimePoint now{};
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(t.attempt(fmt::format("10.2.0.{}", i), now).allowed);
  }
  EXPECT_TRUE(t.attempt("10.3.0.1", now).allowed) << "one attempt per second goes on";
  const auto v = t.attempt("10.3.0.2", now);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.retry_after, 1s);
  EXPECT_TRUE(t.attempt("10.3.0.2", now + 1s).allowed);
  EXPECT_TRUE(t.attempt("10.3.0.3", now + 2min).allowed) << "the flood is over";
  EXPECT_TRUE(t.attempt("10.3.0.4", now + 2min).allowed);
}

TEST(ConsoleRequests, BodiesAreParsedStrictly) {
  EXPECT_EQ(*parse_login(R"({"password": "x y"})"), "x y");
  for (const char* bad : {"", "[]", "{}", R"({"password": 1})", R"({"password": "a", "extra": 1})", "{\"password\""}) {
    EXPECT_FALSE(parse_login(bad)) << bad;
  }
  const auto change = parse_password_change(R"({"current": "a", "new": "b"})");
  ASSERT_TRUE(change);
  EXPECT_EQ(change->current, "a");
  EXPECT_EQ(change->next, "b");
  EXPECT_FALSE(parse_password_change(R"({"current": "a"})"));
  EXPECT_FALSE(parse_password_change(R"({"current": "a", "new": null})"));
}

TEST(ConsoleRequests, DangerousActionsNeedThePasswordAgain) {
  EXPECT_TRUE(needs_confirmation("POST", "/api/v1/apps"));
  EXPECT_TRUE(needs_confirmation("PUT", "/api/v1/apps/game"));
  EXPECT_TRUE(needs_confirmation("DELETE", "/api/v1/apps/game"));
  EXPECT_TRUE(needs_confirmation("DELETE", "/api/v1/clients/abcd"));
  EXPECT_FALSE(needs_confirmation("GET", "/api/v1/apps"));
  EXPECT_FALSE(needs_confirmation("PATCH", "/api/v1/clients/abcd"));
  EXPECT_FALSE(needs_confirmation("POST", "/api/v1/appsx"));
  EXPECT_FALSE(needs_confirmation("DELETE", "/api/v1/session/1"));
}

TEST(ConsoleRequests, TheTokenGoesOnlyToLoopback) {
  const auto e = parse_local_endpoint("https://127.0.0.1:47990");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 47990);
  EXPECT_EQ(parse_local_endpoint("https://[::1]:9/")->host, "::1");
  EXPECT_EQ(parse_local_endpoint("https://10.0.0.1:47990").error().code, Errc::refused);
  for (const char* bad : {"http://127.0.0.1:1", "https://127.0.0.1", "https://127.0.0.1:0", "https://127.0.0.1:99999",
                          "https://[::1:5", "https://localhost:47990"}) {
    EXPECT_FALSE(parse_local_endpoint(bad)) << bad;
  }
}

}  // namespace
}  // namespace pf::console
