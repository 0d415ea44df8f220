#include "pf/config/env_file.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace pf::config {
namespace {

std::vector<EnvLine> parse_ok(std::string_view text) {
  auto r = parse_env(text, "host.env");
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : std::vector<EnvLine>{};
}

Error parse_error(std::string_view text) {
  auto r = parse_env(text, "host.env");
  EXPECT_FALSE(r) << "accepted: " << text;
  return r ? Error{} : r.error();
}

TEST(ParseEnv, ReadsKeysValuesAndLineNumbers) {
  const auto lines = parse_ok(
      "# comment\n"
      "\n"
      "PUNKTFUNK_A=1\n"
      "  ; also a comment\n"
      "export PUNKTFUNK_B = two words  \n"
      "PUNKTFUNK_C=\n");
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0].key, "PUNKTFUNK_A");
  EXPECT_EQ(lines[0].value, "1");
  EXPECT_EQ(lines[0].line, 3U);
  EXPECT_EQ(lines[1].key, "PUNKTFUNK_B");
  EXPECT_EQ(lines[1].value, "two words");
  EXPECT_EQ(lines[1].line, 5U);
  EXPECT_EQ(lines[2].value, "");
}

TEST(ParseEnv, HandlesQuotesLikeSystemd) {
  const auto lines = parse_ok(
      "A=\"quoted # not a comment\"\n"
      "B='single $literal \\n'\n"
      "C=\"esc \\\" \\\\ \\$ \\` \\n\"\n"
      "D=value # is part of the value\n"
      "E=a=b\n");
  ASSERT_EQ(lines.size(), 5U);
  EXPECT_EQ(lines[0].value, "quoted # not a comment");
  EXPECT_EQ(lines[1].value, "single $literal \\n");
  EXPECT_EQ(lines[2].value, "esc \" \\ $ ` \\n");
  EXPECT_EQ(lines[3].value, "value # is part of the value");
  EXPECT_EQ(lines[4].value, "a=b");
}

TEST(ParseEnv, AcceptsWindowsLineEndingsAndNoFinalNewline) {
  const auto lines = parse_ok("A=1\r\nB=2");
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].value, "1");
  EXPECT_EQ(lines[1].value, "2");
}

TEST(ParseEnv, GarbageLinesAreErrorsNamingTheLine) {
  EXPECT_EQ(parse_error("A=1\nthis is not a setting\n").message,
            "host.env:2: expected '=' after the key this");
  EXPECT_EQ(parse_error("=value\n").message,
            "host.env:1: expected KEY=VALUE (a key starts with a letter or '_')");
  EXPECT_EQ(parse_error("1KEY=x\n").code, Errc::malformed);
  EXPECT_EQ(parse_error("KEY-NAME=x\n").code, Errc::malformed);
  EXPECT_EQ(parse_error("export\n").code, Errc::malformed);
}

TEST(ParseEnv, QuotingMistakesAreErrors) {
  EXPECT_EQ(parse_error("A=\"open\n").message, "host.env:1: unterminated double quote");
  EXPECT_EQ(parse_error("A='open\n").message, "host.env:1: unterminated single quote");
  EXPECT_EQ(parse_error("A=\"x\" trailing\n").message,
            "host.env:1: unexpected text after the closing quote");
  EXPECT_EQ(parse_error("A=one \\\n two\n").message,
            "host.env:1: line continuation ('\\' at the end) is not supported");
}

TEST(ParseEnv, ErrorsNeverEchoTheLine) {
  // A broken line may carry a secret; only the key (if any) is named.
  const Error e = parse_error("PUNKTFUNK_TOKEN \"s3cr3t-value\"\n");
  EXPECT_EQ(e.message.find("s3cr3t"), std::string::npos) << e.message;
  const Error q = parse_error("PUNKTFUNK_TOKEN=\"s3cr3t-value\n");
  EXPECT_EQ(q.message.find("s3cr3t"), std::string::npos) << q.message;
}

TEST(ParseEnv, RejectsNulBytes) {
  const std::string text("A=1\n\0B=2\n", 9);
  EXPECT_EQ(parse_error(text).message, "host.env: contains a NUL byte (not a text file?)");
}

TEST(ReadEnvFile, MissingFileIsNotAnError) {
  const test::TempDir tmp;
  const auto r = read_env_file(tmp.path() / "host.env");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->has_value());
}

TEST(ReadEnvFile, ReadsARealFile) {
  const test::TempDir tmp;
  const auto path = tmp.write("host.env", "PUNKTFUNK_LOG=debug\n");
  const auto r = read_env_file(path);
  ASSERT_TRUE(r && r->has_value());
  ASSERT_EQ((*r)->size(), 1U);
  EXPECT_EQ((**r)[0].value, "debug");
}

TEST(ReadEnvFile, ParseErrorsNameTheFullPath) {
  const test::TempDir tmp;
  const auto path = tmp.write("host.env", "A=1\nB\n");
  const auto r = read_env_file(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, path.string() + ":2: expected '=' after the key B");
}

TEST(ReadEnvFile, ADirectoryIsRefused) {
  const test::TempDir tmp;
  std::filesystem::create_directory(tmp.path() / "host.env");
  const auto r = read_env_file(tmp.path() / "host.env");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::malformed);
  EXPECT_NE(r.error().message.find("is not a regular file"), std::string::npos);
}

TEST(ReadEnvFile, OversizedFileIsRefused) {
  const test::TempDir tmp;
  const auto path = tmp.write("host.env", std::string(kMaxEnvFileBytes + 1, '#'));
  const auto r = read_env_file(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::overflow);
}

TEST(ReadEnvFile, PathThroughAFileIsAnIoError) {
  const test::TempDir tmp;
  const auto file = tmp.write("plain", "x");
  const auto r = read_env_file(file / "host.env");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::io);  // ENOTDIR
}

// Root reads any file, so the unreadable case runs in a child that drops to
// an unprivileged uid; as a normal user, a mode-000 file is enough.
TEST(ReadEnvFile, UnreadableFileIsAPermissionError) {
  const test::TempDir tmp;
  const auto path = tmp.write("host.env", "PUNKTFUNK_LOG=info\n", 0000);
  ASSERT_EQ(::chmod(tmp.path().c_str(), 0755), 0);
  if (::geteuid() != 0) {
    const auto r = read_env_file(path);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::permission_denied);
    return;
  }
  const pid_t child = ::fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
      ::_exit(3);
    }
    const auto r = read_env_file(path);
    ::_exit(!r && r.error().code == Errc::permission_denied ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "3 = could not drop privileges, 1 = wrong result";
}

}  // namespace
}  // namespace pf::config
