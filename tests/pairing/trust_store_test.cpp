// The trust store file: strict parsing (an operator's typo grants or
// revokes nothing), a 0600 file, locked read-modify-write, lookups by
// name, fingerprint or prefix.
#include <gtest/gtest.h>

#include <thread>

#include "pf/pairing/trust_store.hpp"
#include "support/temp_dir.hpp"

namespace pf::pairing {
namespace {

const std::string kFp1 = std::string(62, 'a') + "01";
const std::string kFp2 = std::string(62, 'a') + "02";

PairedClient client(const std::string& fp, const std::string& name, Access access = Access::full) {
  return {fp, name, access, 1'764'000'000, 0, 0};
}

TEST(TrustStore, RoundTripsEveryField) {
  std::vector<PairedClient> clients = {client(kFp1, "phone", Access::view_only),
                                       {kFp2, "tv", Access::controller_only, 10, 20, 30, Protocol::gamestream}};
  const std::string text = render_clients(clients);
  auto parsed = parse_clients(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, clients);
  // A native client's entry reads as it always has: no protocol field.
  EXPECT_EQ(text.find("\"native\""), std::string::npos);
  EXPECT_NE(text.find(R"("protocol": "gamestream")"), std::string::npos);
}

TEST(TrustStore, RefusesWhatItDoesNotUnderstand) {
  const auto error = [](std::string_view json) {
    auto r = parse_clients(json);
    return r ? std::string("accepted") : r.error().message;
  };
  EXPECT_NE(error("[]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(error(R"({"version": 2, "clients": []})").find("version"), std::string::npos);
  EXPECT_NE(error(R"({"clients": [{"fingerprint": "abc"}]})").find("64 hex"), std::string::npos);
  EXPECT_NE(error(R"({"clients": [{"name": "x"}]})").find("missing"), std::string::npos);
  EXPECT_NE(error(R"({"clients": [{"fingerprint": ")" + kFp1 + R"(", "acess": "full"}]})").find("unknown field"),
            std::string::npos);
  EXPECT_NE(error(R"({"clients": [{"fingerprint": ")" + kFp1 + R"(", "access": "admin"}]})").find("access"),
            std::string::npos);
  EXPECT_NE(error(R"({"clients": [{"fingerprint": ")" + kFp1 + R"(", "protocol": "rdp"}]})").find("protocol"),
            std::string::npos);
  EXPECT_NE(error(R"({"clients": [{"fingerprint": ")" + kFp1 + R"(", "expires_at": -1}]})").find("out of range"),
            std::string::npos);
  EXPECT_NE(error(R"({"clients": [{"fingerprint": ")" + kFp1 + R"("}, {"fingerprint": ")" + kFp1 + R"("}]})")
                .find("twice"),
            std::string::npos);
}

TEST(TrustStore, FingerprintsNormaliseAndMatchByPrefixOrName) {
  std::string colons;
  for (std::size_t i = 0; i < 64; i += 2) {
    colons += (i == 0 ? "" : ":") + kFp1.substr(i, 2);
  }
  EXPECT_EQ(normalize_fingerprint(colons), kFp1);
  std::string upper = kFp1;
  for (auto& c : upper) {
    c = static_cast<char>(std::toupper(c));
  }
  EXPECT_EQ(normalize_fingerprint(upper), kFp1);
  EXPECT_FALSE(normalize_fingerprint(kFp1 + "0"));

  const std::vector<PairedClient> clients = {client(kFp1, "phone"), client(kFp2, "tv")};
  EXPECT_EQ(find_client(clients, "tv").value(), 1U);
  EXPECT_EQ(find_client(clients, kFp1).value(), 0U);
  EXPECT_EQ(find_client(clients, std::string(62, 'a') + "0").error().code, Errc::invalid_argument);  // ambiguous
  EXPECT_EQ(find_client(clients, "aaaa").error().code, Errc::not_found);  // prefixes need 8 digits
  EXPECT_EQ(find_client(clients, "laptop").error().code, Errc::not_found);
}

TEST(TrustStore, UpdatesAreLockedAndTheFileIsPrivate) {
  test::TempDir dir;
  const TrustStore store(dir.path());
  EXPECT_TRUE(store.load().value().empty());
  const std::string before = store.version();
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        char fp[65];
        std::snprintf(fp, sizeof(fp), "%062x%02x", t, i);
        ASSERT_TRUE(store.update([&](std::vector<PairedClient>& c) -> Status {
          c.push_back(client(fp, "c"));
          return ok();
        }));
      }
    });
  }
  for (auto& w : writers) {
    w.join();
  }
  EXPECT_EQ(store.load().value().size(), 40U);  // no update lost to another
  EXPECT_EQ(test::mode_of(store.file()), 0600U);
  EXPECT_NE(store.version(), before);
  // A failing change writes nothing.
  EXPECT_FALSE(store.update([](std::vector<PairedClient>& c) -> Status {
    c.clear();
    return fail(Errc::refused, "no");
  }));
  EXPECT_EQ(store.load().value().size(), 40U);
}

TEST(TrustStore, AccessLevelsAdmitTheirInputKinds) {
  for (const auto kind : {InputKind::keyboard, InputKind::mouse, InputKind::touch, InputKind::gamepad}) {
    EXPECT_TRUE(allows(Access::full, kind));
    EXPECT_EQ(allows(Access::controller_only, kind), kind == InputKind::gamepad);
    EXPECT_FALSE(allows(Access::view_only, kind));
  }
  EXPECT_EQ(parse_access("controller-only"), Access::controller_only);
  EXPECT_FALSE(parse_access("admin"));
}

}  // namespace
}  // namespace pf::pairing
