#include "pf/core/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "support/proc_stats.hpp"
#include "support/temp_dir.hpp"

namespace pf {
namespace {

using namespace std::chrono_literals;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ChildProcess, RunsWithTheGivenEnvironmentAndCapturesOutput) {
  const test::TempDir tmp;
  auto child = ChildProcess::spawn(
      {{"/bin/sh", "-c", "echo \"$GREETING\"; echo oops >&2; exit 3"}, std::vector<std::string>{"GREETING=hi"}, {}, tmp.path() / "out"});
  ASSERT_TRUE(child) << child.error().message;
  const auto status = child->wait_for(10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(describe_wait_status(*status), "exited with status 3");
  EXPECT_EQ(slurp(tmp.path() / "out"), "hi\noops\n");
}

TEST(ChildProcess, MapsADescriptorOntoAFixedNumber) {
  const test::TempDir tmp;
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  const UniqueFd r(p[0]);
  UniqueFd w(p[1]);
  auto child = ChildProcess::spawn({{"/bin/sh", "-c", "echo mapped >&3"}, std::nullopt, {{w.get(), 3}}, {}});
  ASSERT_TRUE(child);
  w.reset();
  ASSERT_TRUE(child->wait_for(10s));
  char buf[16] = {};
  EXPECT_EQ(::read(r.get(), buf, sizeof(buf)), 7);
  EXPECT_EQ(std::string(buf, 7), "mapped\n");
}

TEST(ChildProcess, ChildStartsWithDefaultSignalsEvenIfWeBlockThem) {
  sigset_t block;
  sigset_t old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  auto child = ChildProcess::spawn({{"/bin/sleep", "30"}, std::nullopt, {}, {}});
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ASSERT_TRUE(child);
  child->signal(SIGTERM);
  const auto status = child->wait_for(10s);
  ASSERT_TRUE(status) << "SIGTERM was blocked in the child";
  EXPECT_EQ(describe_wait_status(*status), "killed by signal 15 (SIGTERM)");
}

TEST(ChildProcess, DestroyingARunningChildKillsAndReapsIt) {
  pid_t pid = -1;
  const int fds_before = test::open_fd_count();
  {
    auto child = ChildProcess::spawn({{"/bin/sleep", "30"}, std::nullopt, {}, {}});
    ASSERT_TRUE(child);
    pid = child->pid();
  }
  EXPECT_EQ(::kill(pid, 0), -1) << "still running or a zombie";
  EXPECT_EQ(test::open_fd_count(), fds_before);
}

TEST(ChildProcess, StopWaitsThenKills) {
  auto child = ChildProcess::spawn({{"/bin/sleep", "30"}, std::nullopt, {}, {}});
  ASSERT_TRUE(child);
  EXPECT_EQ(describe_wait_status(child->stop(10ms)), "killed by signal 9 (SIGKILL)");
  EXPECT_TRUE(child->try_reap());
}

TEST(ChildProcess, AMissingExecutableIsANamedError) {
  auto child = ChildProcess::spawn({{"/nonexistent/pf-nothing"}, std::nullopt, {}, {}});
  ASSERT_FALSE(child);
  EXPECT_NE(child.error().message.find("/nonexistent/pf-nothing"), std::string::npos);
}

}  // namespace
}  // namespace pf
