// TLS 1.3 between two in-memory endpoints: mutual certificates, the
// client's pin decides whether a host is accepted, application data flows
// both ways, and garbage fails the connection cleanly.
#include <gtest/gtest.h>

#include <numeric>

#include "pf/tls/endpoint.hpp"

namespace pf::tls {
namespace {

// Moves ciphertext both ways until neither side has anything to say.
void pump(Endpoint& a, Endpoint& b) {
  for (int round = 0; round < 20; ++round) {
    a.progress();
    b.progress();
    if (a.outgoing().empty() && b.outgoing().empty()) {
      return;
    }
    b.receive(a.outgoing());
    a.outgoing().clear();
    a.receive(b.outgoing());
    b.outgoing().clear();
  }
}

struct Pair {
  Identity host = *create_identity("host");
  Identity user = *create_identity("client");
};

TEST(TlsEndpoint, MutualHandshakeWithAPinnedHost) {
  Pair ids;
  auto server = Endpoint::server(ids.host);
  auto client = Endpoint::client(ids.user, ids.host.fingerprint);
  ASSERT_TRUE(server && client);
  pump(*client, *server);
  ASSERT_EQ(client->state(), State::established) << client->error();
  ASSERT_EQ(server->state(), State::established) << server->error();
  EXPECT_EQ(client->peer_fingerprint(), ids.host.fingerprint);
  EXPECT_EQ(server->peer_fingerprint(), ids.user.fingerprint) << "the host learns who the client is";
  EXPECT_EQ(client->protocol(), "TLSv1.3");

  std::vector<std::uint8_t> big(100'000);
  std::iota(big.begin(), big.end(), std::uint8_t{0});
  ASSERT_TRUE(client->write(big).has_value());
  ASSERT_TRUE(server->write(std::vector<std::uint8_t>{1, 2, 3}).has_value());
  pump(*client, *server);
  std::vector<std::uint8_t> got;
  std::vector<std::uint8_t> buf(4096);
  for (std::size_t n = server->read(buf); n > 0; n = server->read(buf)) {
    got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  }
  EXPECT_EQ(got, big);
  ASSERT_EQ(client->read(buf), 3U);
  EXPECT_EQ(buf[2], 3);
}

TEST(TlsEndpoint, AWrongPinFailsTheHandshakeAndSaysWhy) {
  Pair ids;
  const Identity impostor = *create_identity("host");
  auto server = Endpoint::server(impostor);
  auto client = Endpoint::client(ids.user, ids.host.fingerprint);
  ASSERT_TRUE(server && client);
  pump(*client, *server);
  EXPECT_EQ(client->state(), State::failed);
  EXPECT_NE(client->error().find("is not the pinned"), std::string::npos) << client->error();
  EXPECT_NE(server->state(), State::established);
  EXPECT_FALSE(client->write(std::vector<std::uint8_t>{1}).has_value());
}

TEST(TlsEndpoint, TrustOnFirstUseReportsTheHost) {
  Pair ids;
  auto server = Endpoint::server(ids.host);
  auto client = Endpoint::client(ids.user, "");
  ASSERT_TRUE(server && client);
  pump(*client, *server);
  ASSERT_EQ(client->state(), State::established) << client->error();
  EXPECT_EQ(client->peer_fingerprint(), ids.host.fingerprint);
}

TEST(TlsEndpoint, GarbageFailsTheServerCleanly) {
  Pair ids;
  auto server = Endpoint::server(ids.host);
  ASSERT_TRUE(server.has_value());
  const std::vector<std::uint8_t> junk(300, 0x41);
  server->receive(junk);
  EXPECT_EQ(server->progress(), State::failed);
  EXPECT_FALSE(server->error().empty());
  std::vector<std::uint8_t> buf(16);
  EXPECT_EQ(server->read(buf), 0U);
}

}  // namespace
}  // namespace pf::tls
