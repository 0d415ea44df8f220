// SPAKE2 as pairing uses it: the right PIN confirms both ways; a wrong PIN,
// other identities (a man in the middle's certificates), a replayed
// element or an invalid point never do.
#include <gtest/gtest.h>

#include "pf/pairing/spake2.hpp"

namespace pf::pairing {
namespace {

const std::string kClient(64, 'c');
const std::string kHost(64, 'h');

struct Exchange {
  bool host_trusts_client = false;
  bool client_trusts_host = false;
};

Exchange run(std::string_view client_pin, std::string_view host_pin, std::string_view client_view_of_host = kHost,
             std::string_view host_view_of_client = kClient) {
  auto a = Spake2::start(Spake2Role::client, client_pin, kClient, client_view_of_host);
  auto b = Spake2::start(Spake2Role::host, host_pin, host_view_of_client, kHost);
  EXPECT_TRUE(a && b);
  EXPECT_TRUE(b->finish(a->element()).has_value());
  EXPECT_TRUE(a->finish(b->element()).has_value());
  return {b->verify(a->confirmation()), a->verify(b->confirmation())};
}

TEST(Spake2, TheRightPinConfirmsBothWays) {
  const auto e = run("4821", "4821");
  EXPECT_TRUE(e.host_trusts_client);
  EXPECT_TRUE(e.client_trusts_host);
}

TEST(Spake2, AWrongPinConfirmsNeitherWay) {
  const auto e = run("4821", "4822");
  EXPECT_FALSE(e.host_trusts_client);
  EXPECT_FALSE(e.client_trusts_host);
}

TEST(Spake2, CertificatesSwappedInBetweenBreakConfirmationEvenWithTheRightPin) {
  // The client sees the relay's certificate, the host sees the relay's client certificate.
  const auto e = run("4821", "4821", std::string(64, 'm'), std::string(64, 'n'));
  EXPECT_FALSE(e.host_trusts_client);
  EXPECT_FALSE(e.client_trusts_host);
}

TEST(Spake2, ARecordedExchangeReplayedAgainstAFreshHostFails) {
  auto a = Spake2::start(Spake2Role::client, "4821", kClient, kHost).value();
  auto b1 = Spake2::start(Spake2Role::host, "4821", kClient, kHost).value();
  ASSERT_TRUE(b1.finish(a.element()));
  ASSERT_TRUE(a.finish(b1.element()));
  const Confirm recorded = a.confirmation();
  ASSERT_TRUE(b1.verify(recorded));
  // The same element and proof, later: the host draws a new scalar, so the key differs.
  auto b2 = Spake2::start(Spake2Role::host, "4821", kClient, kHost).value();
  EXPECT_NE(b2.element(), b1.element());
  ASSERT_TRUE(b2.finish(a.element()));
  EXPECT_FALSE(b2.verify(recorded));
}

TEST(Spake2, InvalidPeerElementsAreRefused) {
  auto b = Spake2::start(Spake2Role::host, "4821", kClient, kHost).value();
  Element bad{};
  bad.fill(0xFF);  // not a canonical encoding
  EXPECT_EQ(b.finish(bad).error().code, Errc::malformed);
  Element identity{};  // the identity element: would make the key predictable
  EXPECT_EQ(b.finish(identity).error().code, Errc::malformed);
  EXPECT_FALSE(b.verify(Confirm{}));
}

TEST(Spake2, ConfirmationsAreDirectional) {
  auto a = Spake2::start(Spake2Role::client, "4821", kClient, kHost).value();
  auto b = Spake2::start(Spake2Role::host, "4821", kClient, kHost).value();
  ASSERT_TRUE(b.finish(a.element()));
  ASSERT_TRUE(a.finish(b.element()));
  // A host cannot pass off its own confirmation as the client's (a reflection).
  EXPECT_FALSE(b.verify(b.confirmation()));
  EXPECT_FALSE(a.verify(a.confirmation()));
}

TEST(Spake2, PinsAreFourToEightDigits) {
  EXPECT_TRUE(valid_pin("0000"));
  EXPECT_TRUE(valid_pin("12345678"));
  EXPECT_FALSE(valid_pin("123"));
  EXPECT_FALSE(valid_pin("123456789"));
  EXPECT_FALSE(valid_pin("12a4"));
  EXPECT_FALSE(Spake2::start(Spake2Role::client, "12", kClient, kHost).has_value());
  const std::string pin = random_pin();
  EXPECT_EQ(pin.size(), 4U);
  EXPECT_TRUE(valid_pin(pin));
}

}  // namespace
}  // namespace pf::pairing
