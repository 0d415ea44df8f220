// TLS identities: created once with a private key of mode 0600, loaded the
// same afterwards (the fingerprint clients pinned does not change), and
// never silently replaced when something is wrong with the files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "pf/tls/identity.hpp"
#include "support/temp_dir.hpp"

namespace pf::tls {
namespace {

using test::mode_of;

TEST(TlsIdentity, CreatedOnceThenLoadedWithTheSameFingerprint) {
  const test::TempDir dir;
  auto first = load_or_create_identity(dir.path(), "host", "punktfunk host");
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->origin, IdentityOrigin::created);
  EXPECT_EQ(first->identity.fingerprint.size(), 64U);
  EXPECT_EQ(mode_of(dir.path() / "host-key.pem"), 0600U);
  auto again = load_or_create_identity(dir.path(), "host", "punktfunk host");
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->origin, IdentityOrigin::loaded);
  EXPECT_EQ(again->identity.fingerprint, first->identity.fingerprint);
  EXPECT_EQ(fingerprint(*again->identity.certificate), first->identity.fingerprint);
}

TEST(TlsIdentity, EveryIdentityIsDifferent) {
  auto a = create_identity("a");
  auto b = create_identity("a");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->fingerprint, b->fingerprint);
}

TEST(TlsIdentity, ProblemsAreReportedNeverPapered) {
  const test::TempDir dir;
  ASSERT_TRUE(load_or_create_identity(dir.path(), "host", "h").has_value());
  // A key readable by others.
  std::filesystem::permissions(dir.path() / "host-key.pem", std::filesystem::perms(0644));
  auto open = load_or_create_identity(dir.path(), "host", "h");
  ASSERT_FALSE(open.has_value());
  EXPECT_EQ(open.error().code, Errc::permission_denied);
  EXPECT_NE(open.error().message.find("chmod 600"), std::string::npos);
  std::filesystem::permissions(dir.path() / "host-key.pem", std::filesystem::perms(0600));
  // A key of another identity.
  const test::TempDir other;
  ASSERT_TRUE(load_or_create_identity(other.path(), "host", "h").has_value());
  std::filesystem::copy_file(other.path() / "host-key.pem", dir.path() / "host-key.pem",
                             std::filesystem::copy_options::overwrite_existing);
  auto mismatch = load_or_create_identity(dir.path(), "host", "h");
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_NE(mismatch.error().message.find("do not belong together"), std::string::npos);
  // The certificate without its key.
  std::filesystem::remove(dir.path() / "host-key.pem");
  auto orphan = load_or_create_identity(dir.path(), "host", "h");
  ASSERT_FALSE(orphan.has_value());
  EXPECT_EQ(orphan.error().code, Errc::config_invalid);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "host-cert.pem")) << "nothing replaced";
  // Garbage where the key should be.
  dir.write("host-key.pem", "not a key", 0600);
  auto garbage = load_or_create_identity(dir.path(), "host", "h");
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().code, Errc::malformed);
}

TEST(TlsIdentity, FingerprintsCompareCaseInsensitivelyAndWhole) {
  EXPECT_TRUE(fingerprints_equal("ab01", "AB01"));
  EXPECT_FALSE(fingerprints_equal("ab01", "ab02"));
  EXPECT_FALSE(fingerprints_equal("ab01", "ab0"));
  EXPECT_FALSE(fingerprints_equal("", "a"));
}

}  // namespace
}  // namespace pf::tls
