// GameStream PIN pairing: the host's session against our own client (both
// of Moonlight's ways of checking the host), against a client written out
// here with plain OpenSSL calls in the byte layout Moonlight clients use,
// and against everything that goes wrong: a wrong PIN on either side,
// steps out of order, a tampered pairing secret, malformed hex. Also the
// host's GameStream identity on disk.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "pf/gamestream/cipher.hpp"
#include "pf/gamestream/identity.hpp"
#include "pf/gamestream/pairing.hpp"
#include "pf/tls/identity.hpp"
#include "support/temp_dir.hpp"

namespace pf::gamestream {
namespace {

constexpr std::string_view kPin = "4821";

const Identity& host_identity() {
  static const Identity host = [] {
    auto created = create_identity(kHostCommonName, SerialNumber::random);
    EXPECT_TRUE(created.has_value());
    return std::move(*created);
  }();
  return host;
}

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const auto b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::vector<std::uint8_t> from_hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string text_hex(std::string_view text) {
  return to_hex(std::vector<std::uint8_t>(text.begin(), text.end()));
}

/// Flips one bit of the byte at `index` of a hex string.
std::string flip(std::string hex, std::size_t index) {
  auto bytes = from_hex(hex);
  bytes.at(index) ^= 0x01;
  return to_hex(bytes);
}

/// Drives a client and a session through steps 1–3; returns step 4's input.
Result<std::string> run_to_step4(PairingSession& host, PairingClient& client, std::string_view host_pin) {
  auto request = client.server_cert_request();
  EXPECT_TRUE(request.has_value());
  auto plaincert = host.get_server_cert(request->salt_hex, request->client_cert_hex, host_pin);
  EXPECT_TRUE(plaincert.has_value()) << plaincert.error().message;
  auto challenge = client.on_server_cert(*plaincert);
  EXPECT_TRUE(challenge.has_value());
  auto challenge_response = host.client_challenge(*challenge);
  EXPECT_TRUE(challenge_response.has_value());
  auto response = client.on_challenge_response(*challenge_response);
  EXPECT_TRUE(response.has_value());
  auto pairing_secret = host.server_challenge_response(*response);
  EXPECT_TRUE(pairing_secret.has_value());
  return client.on_pairing_secret(*pairing_secret);
}

PairingClient make_client(std::string_view pin, ServerProofCheck check) {
  auto client = PairingClient::create(pin, check);
  EXPECT_TRUE(client.has_value());
  return std::move(*client);
}

TEST(GamestreamPairing, TheRightPinPairsWithTheClientsFingerprint) {
  for (const auto check : {ServerProofCheck::signature_and_hash, ServerProofCheck::signature_only}) {
    PairingSession host(host_identity());
    auto client = make_client(kPin, check);
    auto step4 = run_to_step4(host, client, kPin);
    ASSERT_TRUE(step4.has_value()) << step4.error().message;
    auto paired = host.client_pairing_secret(*step4);
    ASSERT_TRUE(paired.has_value()) << paired.error().message;
    EXPECT_EQ(host.phase(), PairingPhase::paired);
    EXPECT_EQ(paired->fingerprint, client.identity().fingerprint);
    EXPECT_EQ(paired->fingerprint, host.client_fingerprint());
    EXPECT_EQ(paired->certificate_pem, client.identity().certificate_pem);
    EXPECT_EQ(client.server_fingerprint(), host_identity().fingerprint);
    EXPECT_EQ(client.failure(), ClientFailure::none);
    const auto reply = render(pair_step_reply(paired));
    EXPECT_NE(reply.find("<paired>1</paired>"), std::string::npos);
  }
}

TEST(GamestreamPairing, AWrongPinIsCaughtByACheckingClientAfterStepThree) {
  PairingSession host(host_identity());
  auto client = make_client(kPin, ServerProofCheck::signature_and_hash);
  auto step4 = run_to_step4(host, client, "4822");
  ASSERT_FALSE(step4.has_value());
  EXPECT_EQ(client.failure(), ClientFailure::wrong_pin);
  EXPECT_EQ(step4.error().code, Errc::refused);
  // The host could not tell yet: it still waits for step 4, which never comes.
  EXPECT_EQ(host.phase(), PairingPhase::await_client_pairing_secret);
}

TEST(GamestreamPairing, AWrongPinIsRefusedByTheHostAtStepFour) {
  PairingSession host(host_identity());
  auto client = make_client(kPin, ServerProofCheck::signature_only);
  auto step4 = run_to_step4(host, client, "0000");
  ASSERT_TRUE(step4.has_value()) << "a client that only checks the signature goes on";
  auto paired = host.client_pairing_secret(*step4);
  ASSERT_FALSE(paired.has_value());
  EXPECT_EQ(paired.error().code, Errc::refused);
  EXPECT_NE(paired.error().message.find("wrong PIN"), std::string::npos);
  EXPECT_EQ(host.phase(), PairingPhase::failed);
  const auto reply = pair_step_reply(paired);
  EXPECT_EQ(reply.status_code, 200);
  EXPECT_NE(render(reply).find("<paired>0</paired>"), std::string::npos);
}

TEST(GamestreamPairing, ATamperedPairingSecretIsCaughtByTheClient) {
  for (const std::size_t byte : {std::size_t{3}, std::size_t{16 + 100}}) {  // the secret, then its signature
    PairingSession host(host_identity());
    auto client = make_client(kPin, ServerProofCheck::signature_only);
    auto request = client.server_cert_request();
    ASSERT_TRUE(request);
    auto plaincert = host.get_server_cert(request->salt_hex, request->client_cert_hex, kPin);
    ASSERT_TRUE(plaincert);
    auto challenge_response = host.client_challenge(*client.on_server_cert(*plaincert));
    ASSERT_TRUE(challenge_response);
    auto pairing_secret = host.server_challenge_response(*client.on_challenge_response(*challenge_response));
    ASSERT_TRUE(pairing_secret);
    auto step4 = client.on_pairing_secret(flip(*pairing_secret, byte));
    ASSERT_FALSE(step4.has_value());
    EXPECT_EQ(client.failure(), ClientFailure::signature_mismatch);
    EXPECT_NE(step4.error().message.find("MITM"), std::string::npos);
  }
}

TEST(GamestreamPairing, AHostWithAnotherCertificateIsCaughtByTheClient) {
  // Someone in between hands the client its own certificate but relays the
  // real host's signed secret: the signature does not verify.
  auto other = create_identity("someone else", SerialNumber::random);
  ASSERT_TRUE(other);
  PairingSession host(host_identity());
  auto client = make_client(kPin, ServerProofCheck::signature_and_hash);
  auto request = client.server_cert_request();
  ASSERT_TRUE(request);
  ASSERT_TRUE(host.get_server_cert(request->salt_hex, request->client_cert_hex, kPin));
  auto challenge = client.on_server_cert(text_hex(other->certificate_pem));
  ASSERT_TRUE(challenge);
  auto challenge_response = host.client_challenge(*challenge);
  ASSERT_TRUE(challenge_response);
  auto pairing_secret = host.server_challenge_response(*client.on_challenge_response(*challenge_response));
  ASSERT_TRUE(pairing_secret);
  EXPECT_FALSE(client.on_pairing_secret(*pairing_secret).has_value());
  EXPECT_EQ(client.failure(), ClientFailure::signature_mismatch);
}

TEST(GamestreamPairing, AClientSignatureFromAnotherKeyIsRefused) {
  PairingSession host(host_identity());
  auto client = make_client(kPin, ServerProofCheck::signature_and_hash);
  auto step4 = run_to_step4(host, client, kPin);
  ASSERT_TRUE(step4);
  auto paired = host.client_pairing_secret(flip(*step4, 16 + 7));
  ASSERT_FALSE(paired.has_value());
  EXPECT_EQ(paired.error().code, Errc::refused);
  EXPECT_NE(paired.error().message.find("not signed"), std::string::npos);
}

TEST(GamestreamPairing, StepsOutOfOrderFailTheSession) {
  auto client = make_client(kPin, ServerProofCheck::signature_and_hash);
  auto request = client.server_cert_request();
  ASSERT_TRUE(request);
  {
    PairingSession host(host_identity());
    auto early = host.client_challenge(std::string(32, '0'));
    ASSERT_FALSE(early.has_value());
    EXPECT_EQ(early.error().code, Errc::invalid_argument);
    EXPECT_NE(early.error().message.find("out of order"), std::string::npos);
    EXPECT_EQ(host.phase(), PairingPhase::failed);
    // And it stays failed: even a proper first step is refused now.
    auto later = host.get_server_cert(request->salt_hex, request->client_cert_hex, kPin);
    ASSERT_FALSE(later.has_value());
    EXPECT_EQ(later.error().code, Errc::closed);
  }
  {
    PairingSession host(host_identity());
    ASSERT_TRUE(host.get_server_cert(request->salt_hex, request->client_cert_hex, kPin));
    EXPECT_FALSE(host.server_challenge_response(std::string(64, '0')).has_value());  // skips step 2
    EXPECT_EQ(host.phase(), PairingPhase::failed);
  }
  {
    PairingSession host(host_identity());
    ASSERT_TRUE(host.begin(request->salt_hex, request->client_cert_hex));
    EXPECT_EQ(host.phase(), PairingPhase::await_pin);
    EXPECT_FALSE(host.begin(request->salt_hex, request->client_cert_hex));  // step 1 twice
    EXPECT_EQ(host.phase(), PairingPhase::failed);
  }
  {
    // Replaying the last step to a paired session.
    PairingSession host(host_identity());
    auto fresh = make_client(kPin, ServerProofCheck::signature_and_hash);
    auto step4 = run_to_step4(host, fresh, kPin);
    ASSERT_TRUE(step4);
    ASSERT_TRUE(host.client_pairing_secret(*step4));
    auto again = host.client_pairing_secret(*step4);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, Errc::closed);
  }
  // The client keeps order too.
  auto other = make_client(kPin, ServerProofCheck::signature_and_hash);
  EXPECT_FALSE(other.on_challenge_response(std::string(96, '0')).has_value());
  EXPECT_EQ(other.failure(), ClientFailure::out_of_order);
}

TEST(GamestreamPairing, MalformedInputIsRefusedByName) {
  auto client = make_client(kPin, ServerProofCheck::signature_and_hash);
  auto request = client.server_cert_request();
  ASSERT_TRUE(request);
  const std::string& salt = request->salt_hex;
  const std::string& cert = request->client_cert_hex;
  auto ec_client = tls::create_identity("an EC client");
  ASSERT_TRUE(ec_client);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_X509(bio, ec_client->certificate.get()), 1);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  const std::string ec_pem(data, static_cast<std::size_t>(n));
  BIO_free(bio);

  struct Case {
    std::string salt, cert, pin, expect_in_message;
  };
  const std::vector<Case> cases = {
      {salt.substr(1), cert, std::string(kPin), "odd number"},
      {salt.substr(2), cert, std::string(kPin), "salt: 15 bytes"},
      {salt + "00", cert, std::string(kPin), "salt: 17 bytes"},
      {"zz" + salt.substr(2), cert, std::string(kPin), "not a hex digit at offset 0"},
      {salt, "", std::string(kPin), "clientcert: 0 bytes"},
      {salt, cert.substr(0, cert.size() - 1), std::string(kPin), "odd number"},
      {salt, text_hex("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), std::string(kPin),
       "no PEM certificate"},
      {salt, text_hex(ec_pem), std::string(kPin), "not RSA"},
      {salt, std::string(2 * (kMaxClientCertPemBytes + 1), 'a'), std::string(kPin), "clientcert: 16385 bytes"},
      {salt, cert, "12a4", "4 digits"},
      {salt, cert, "12345", "4 digits"},
      {salt, cert, "", "4 digits"},
  };
  for (const auto& c : cases) {
    PairingSession host(host_identity());
    auto out = host.get_server_cert(c.salt, c.cert, c.pin);
    ASSERT_FALSE(out.has_value()) << c.expect_in_message;
    EXPECT_EQ(out.error().code, Errc::malformed) << out.error().message;
    EXPECT_NE(out.error().message.find(c.expect_in_message), std::string::npos) << out.error().message;
    EXPECT_EQ(host.phase(), PairingPhase::failed);
    const auto reply = pair_step_reply("plaincert", out);
    EXPECT_EQ(reply.status_code, 400);
  }
  // Later steps: the wrong sizes and characters.
  const std::vector<std::pair<int, std::string>> later = {
      {2, std::string(30, '0')}, {2, std::string(31, '0') + "g"}, {3, std::string(66, '0')},
      {4, std::string(32, '0')}, {4, std::string(2 * (16 + 513), '0')},
  };
  for (const auto& [step, hex] : later) {
    PairingSession host(host_identity());
    auto fresh = make_client(kPin, ServerProofCheck::signature_and_hash);
    auto req = fresh.server_cert_request();
    ASSERT_TRUE(req);
    ASSERT_TRUE(host.get_server_cert(req->salt_hex, req->client_cert_hex, kPin));
    bool refused = false;
    if (step == 2) {
      refused = !host.client_challenge(hex).has_value();
    } else {
      auto cr = host.client_challenge(*fresh.on_server_cert(text_hex(host_identity().certificate_pem)));
      ASSERT_TRUE(cr);
      if (step == 3) {
        refused = !host.server_challenge_response(hex).has_value();
      } else {
        ASSERT_TRUE(host.server_challenge_response(*fresh.on_challenge_response(*cr)));
        refused = !host.client_pairing_secret(hex).has_value();
      }
    }
    EXPECT_TRUE(refused) << "step " << step << ": " << hex.size() << " hex digits";
    EXPECT_EQ(host.phase(), PairingPhase::failed);
  }
  // A client fed malformed answers.
  auto other = make_client(kPin, ServerProofCheck::signature_and_hash);
  ASSERT_TRUE(other.server_cert_request());
  EXPECT_FALSE(other.on_server_cert("not hex").has_value());
  EXPECT_EQ(other.failure(), ClientFailure::malformed);
}

// ---------------------------------------------------------------------------
// The byte layout, checked against plain OpenSSL calls in the order a
// Moonlight client makes them, not against our own client.

std::vector<std::uint8_t> ecb(const std::array<std::uint8_t, 16>& key, const std::vector<std::uint8_t>& in,
                              bool encrypt) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  std::vector<std::uint8_t> out(in.size());
  int len = 0;
  EVP_CipherInit_ex(ctx, EVP_aes_128_ecb(), nullptr, key.data(), nullptr, encrypt ? 1 : 0);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  EVP_CipherUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size()));
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

std::vector<std::uint8_t> sha256_of(const std::vector<std::uint8_t>& in) {
  std::vector<std::uint8_t> out(SHA256_DIGEST_LENGTH);
  SHA256(in.data(), in.size(), out.data());
  return out;
}

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  EXPECT_EQ(RAND_bytes(out.data(), static_cast<int>(n)), 1);
  return out;
}

std::vector<std::uint8_t> signature_of(X509* cert) {
  const ASN1_BIT_STRING* sig = nullptr;
  X509_get0_signature(&sig, nullptr, cert);
  const unsigned char* p = ASN1_STRING_get0_data(sig);
  return {p, p + ASN1_STRING_length(sig)};
}

TEST(GamestreamPairing, TheByteLayoutIsWhatMoonlightClientsCompute) {
  auto me = create_identity("NVIDIA GameStream Client", SerialNumber::zero);
  ASSERT_TRUE(me);
  const auto salt = random_bytes(16);
  std::vector<std::uint8_t> salted_pin = salt;
  salted_pin.insert(salted_pin.end(), kPin.begin(), kPin.end());
  std::array<std::uint8_t, 16> key{};
  std::copy_n(sha256_of(salted_pin).begin(), 16, key.begin());

  PairingSession host(host_identity());
  auto plaincert = host.get_server_cert(to_hex(salt), text_hex(me->certificate_pem), kPin);
  ASSERT_TRUE(plaincert);
  const auto server_pem = from_hex(*plaincert);
  EXPECT_EQ(std::string(server_pem.begin(), server_pem.end()), host_identity().certificate_pem);
  BIO* bio = BIO_new_mem_buf(server_pem.data(), static_cast<int>(server_pem.size()));
  X509* server_cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(server_cert, nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(server_cert)), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(server_cert)), 2048);

  // Step 2: the host hashes our challenge with its certificate's signature and its secret.
  const auto challenge = random_bytes(16);
  auto challenge_response = host.client_challenge(to_hex(ecb(key, challenge, true)));
  ASSERT_TRUE(challenge_response);
  ASSERT_EQ(challenge_response->size(), 96U);
  const auto plain = ecb(key, from_hex(*challenge_response), false);
  const std::vector<std::uint8_t> server_hash(plain.begin(), plain.begin() + 32);
  const std::vector<std::uint8_t> server_challenge(plain.begin() + 32, plain.end());

  // Step 3: our hash over its challenge, our certificate's signature and our secret.
  const auto client_secret = random_bytes(16);
  std::vector<std::uint8_t> to_hash = server_challenge;
  const auto my_signature = signature_of(me->certificate.get());
  to_hash.insert(to_hash.end(), my_signature.begin(), my_signature.end());
  to_hash.insert(to_hash.end(), client_secret.begin(), client_secret.end());
  auto pairing_secret = host.server_challenge_response(to_hex(ecb(key, sha256_of(to_hash), true)));
  ASSERT_TRUE(pairing_secret);
  const auto secret = from_hex(*pairing_secret);
  ASSERT_EQ(secret.size(), 16U + 256U);
  const std::vector<std::uint8_t> server_secret(secret.begin(), secret.begin() + 16);

  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(server_cert)), 1);
  EXPECT_EQ(EVP_DigestVerify(md, secret.data() + 16, 256, server_secret.data(), 16), 1);
  EVP_MD_CTX_free(md);

  std::vector<std::uint8_t> expected = challenge;
  const auto server_signature = signature_of(server_cert);
  EXPECT_EQ(server_signature.size(), 256U);
  expected.insert(expected.end(), server_signature.begin(), server_signature.end());
  expected.insert(expected.end(), server_secret.begin(), server_secret.end());
  EXPECT_EQ(sha256_of(expected), server_hash) << "the PIN check a Moonlight client makes";
  X509_free(server_cert);

  // Step 4: our secret and its signature.
  md = EVP_MD_CTX_new();
  std::size_t sig_len = 0;
  ASSERT_EQ(EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, me->key.get()), 1);
  ASSERT_EQ(EVP_DigestSign(md, nullptr, &sig_len, client_secret.data(), client_secret.size()), 1);
  std::vector<std::uint8_t> client_pairing_secret = client_secret;
  client_pairing_secret.resize(16 + sig_len);
  ASSERT_EQ(EVP_DigestSign(md, client_pairing_secret.data() + 16, &sig_len, client_secret.data(), 16), 1);
  EVP_MD_CTX_free(md);
  // Upper-case hex is accepted as well.
  std::string hex = to_hex(client_pairing_secret);
  std::transform(hex.begin(), hex.end(), hex.begin(), [](char c) { return static_cast<char>(std::toupper(c)); });
  auto paired = host.client_pairing_secret(hex);
  ASSERT_TRUE(paired.has_value()) << paired.error().message;
  EXPECT_EQ(paired->fingerprint, me->fingerprint);
}

// ---------------------------------------------------------------------------
// The host's identity on disk.

TEST(GamestreamIdentity, CreatedOnceAsRsaThenLoadedTheSame) {
  const test::TempDir dir;
  auto first = load_or_create_identity(dir.path());
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->origin, tls::IdentityOrigin::created);
  EXPECT_EQ(test::mode_of(dir.path() / "gamestream-key.pem"), 0600U);
  EXPECT_EQ(test::mode_of(dir.path() / "gamestream-cert.pem"), 0644U);
  const Identity& id = first->identity;
  EXPECT_EQ(EVP_PKEY_get_base_id(id.key.get()), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_get_bits(id.key.get()), 2048);
  EXPECT_EQ(id.signature.size(), 256U);
  EXPECT_EQ(id.fingerprint, tls::fingerprint(*id.certificate));
  EXPECT_EQ(X509_get_signature_nid(id.certificate.get()), NID_sha256WithRSAEncryption);
  std::array<char, 128> cn{};
  X509_NAME_get_text_by_NID(X509_get_subject_name(id.certificate.get()), NID_commonName, cn.data(),
                            static_cast<int>(cn.size()));
  EXPECT_EQ(std::string_view(cn.data()), kHostCommonName);
  // About twenty years.
  int days = 0;
  int seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(id.certificate.get()),
                           X509_get0_notAfter(id.certificate.get())),
            1);
  EXPECT_GT(days, 19 * 365);

  auto again = load_or_create_identity(dir.path());
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->origin, tls::IdentityOrigin::loaded);
  EXPECT_EQ(again->identity.fingerprint, id.fingerprint);
  EXPECT_EQ(again->identity.certificate_pem, id.certificate_pem);
  EXPECT_EQ(again->identity.signature, id.signature);
}

TEST(GamestreamIdentity, ProblemsOnDiskAreReported) {
  const test::TempDir dir;
  ASSERT_TRUE(load_or_create_identity(dir.path()));
  std::filesystem::permissions(dir.path() / "gamestream-key.pem", std::filesystem::perms(0644));
  auto open = load_or_create_identity(dir.path());
  ASSERT_FALSE(open.has_value());
  EXPECT_EQ(open.error().code, Errc::permission_denied);
  std::filesystem::remove(dir.path() / "gamestream-key.pem");
  auto orphan = load_or_create_identity(dir.path());
  ASSERT_FALSE(orphan.has_value());
  EXPECT_EQ(orphan.error().code, Errc::config_invalid);
  // An identity that is not RSA (as pf_tls would make) cannot serve Moonlight.
  const test::TempDir ec;
  ASSERT_TRUE(tls::load_or_create_identity(ec.path(), kIdentityStem, "not RSA"));
  auto not_rsa = load_or_create_identity(ec.path());
  ASSERT_FALSE(not_rsa.has_value());
  EXPECT_EQ(not_rsa.error().code, Errc::config_invalid);
  EXPECT_NE(not_rsa.error().message.find("RSA"), std::string::npos);
}

TEST(GamestreamIdentity, ClientCertificatesHaveSerialZero) {
  auto client = PairingClient::create(kPin, ServerProofCheck::signature_and_hash);
  ASSERT_TRUE(client);
  const ASN1_INTEGER* serial = X509_get0_serialNumber(client->identity().certificate.get());
  EXPECT_EQ(ASN1_INTEGER_get(serial), 0);
  PairingSession host(host_identity());
  auto request = client->server_cert_request();
  ASSERT_TRUE(request);
  EXPECT_TRUE(host.begin(request->salt_hex, request->client_cert_hex)) << "serial 0 is accepted";
}

}  // namespace
}  // namespace pf::gamestream
