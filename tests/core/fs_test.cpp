#include "pf/core/fs.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace pf {
namespace {

using test::mode_of;

TEST(EnsurePrivateDir, CreatesMissingDirectoriesWithMode0700) {
  const test::TempDir tmp;
  const auto dir = tmp.path() / "a" / "b" / "punktfunk";
  const auto outcome = ensure_private_dir(dir);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(*outcome, DirOutcome::created);
  EXPECT_EQ(mode_of(dir), 0700U);
}

TEST(EnsurePrivateDir, LeavesAnExistingDirectoryAlone) {
  const test::TempDir tmp;
  const auto dir = tmp.path() / "cfg";
  ASSERT_EQ(::mkdir(dir.c_str(), 0750), 0);
  ASSERT_EQ(::chmod(dir.c_str(), 0750), 0);
  const auto outcome = ensure_private_dir(dir);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(*outcome, DirOutcome::existed);
  EXPECT_EQ(mode_of(dir), 0750U);
}

TEST(EnsurePrivateDir, FlagsADirectoryOthersCanWrite) {
  const test::TempDir tmp;
  const auto dir = tmp.path() / "open";
  ASSERT_EQ(::mkdir(dir.c_str(), 0777), 0);
  ASSERT_EQ(::chmod(dir.c_str(), 0777), 0);
  const auto outcome = ensure_private_dir(dir);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(*outcome, DirOutcome::too_open);
}

TEST(EnsurePrivateDir, RefusesAFileInTheWay) {
  const test::TempDir tmp;
  const auto file = tmp.write("not-a-dir", "x");
  const auto outcome = ensure_private_dir(file);
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code, Errc::invalid_argument);
  const auto below = ensure_private_dir(file / "sub");
  ASSERT_FALSE(below);
  EXPECT_EQ(below.error().code, Errc::io);  // ENOTDIR
}

}  // namespace
}  // namespace pf

namespace pf {
namespace {

TEST(WriteFileAtomic, ReplacesContentWithTheGivenMode) {
  const test::TempDir tmp;
  const auto file = tmp.path() / "secret";
  ASSERT_TRUE(write_file_atomic(file, "one", 0600));
  EXPECT_EQ(mode_of(file), 0600U);
  EXPECT_EQ(read_small_file(file, 100).value(), "one");
  ASSERT_TRUE(write_file_atomic(file, "two two", 0640));
  EXPECT_EQ(read_small_file(file, 100).value(), "two two");
  EXPECT_EQ(mode_of(file), 0640U);
  // No temporary files are left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tmp.path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(WriteFileAtomic, FailsCleanlyWhereItCannotWrite) {
  const test::TempDir tmp;
  const auto st = write_file_atomic(tmp.path() / "missing-dir" / "f", "x", 0600);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::not_found);
}

TEST(ReadSmallFile, RefusesLargeFilesAndDirectories) {
  const test::TempDir tmp;
  tmp.write("big", std::string(101, 'x'));
  EXPECT_EQ(read_small_file(tmp.path() / "big", 100).error().code, Errc::overflow);
  EXPECT_EQ(read_small_file(tmp.path(), 100).error().code, Errc::malformed);
  EXPECT_EQ(read_small_file(tmp.path() / "nope", 100).error().code, Errc::not_found);
}

TEST(ScratchDir, IsCreatedWithTheModeAndRemovedWithItsContent) {
  const test::TempDir tmp;
  std::filesystem::path where;
  {
    auto dir = ScratchDir::create(tmp.path(), "pf-test-", 0711);
    ASSERT_TRUE(dir) << dir.error().message;
    where = dir->path();
    EXPECT_EQ(where.parent_path(), tmp.path());
    EXPECT_EQ(where.filename().string().rfind("pf-test-", 0), 0U);
    struct stat st {};
    ASSERT_EQ(::stat(where.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0711U);
    std::filesystem::create_directories(where / "a" / "b");
    ASSERT_TRUE(write_file_atomic(where / "a" / "b" / "f", "x", 0600));
    ScratchDir moved = std::move(*dir);
    EXPECT_TRUE(dir->path().empty());
    EXPECT_EQ(moved.path(), where);
  }
  EXPECT_FALSE(std::filesystem::exists(where));
}

TEST(ScratchDir, FailsWithTheParentNamed) {
  auto dir = ScratchDir::create("/nonexistent/pf", "x-", 0700);
  ASSERT_FALSE(dir);
  EXPECT_NE(dir.error().message.find("/nonexistent/pf"), std::string::npos);
}

TEST(RandomBytes, GivesTheCountAskedFor) {
  auto a = random_bytes(16);
  auto b = random_bytes(16);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 16U);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace pf
