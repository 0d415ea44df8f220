#include "pf/core/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

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
  auto child = ChildProcess::spawn({.argv = {"/bin/sh", "-c", "echo \"$GREETING\"; echo oops >&2; exit 3"},
                                    .environment = std::vector<std::string>{"GREETING=hi"},
                                    .output = tmp.path() / "out"});
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
  auto child = ChildProcess::spawn({.argv = {"/bin/sh", "-c", "echo mapped >&3"}, .fd_map = {{w.get(), 3}}});
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
  auto child = ChildProcess::spawn({.argv = {"/bin/sleep", "30"}});
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
    auto child = ChildProcess::spawn({.argv = {"/bin/sleep", "30"}});
    ASSERT_TRUE(child);
    pid = child->pid();
  }
  EXPECT_EQ(::kill(pid, 0), -1) << "still running or a zombie";
  EXPECT_EQ(test::open_fd_count(), fds_before);
}

TEST(ChildProcess, StopWaitsThenKills) {
  auto child = ChildProcess::spawn({.argv = {"/bin/sleep", "30"}});
  ASSERT_TRUE(child);
  EXPECT_EQ(describe_wait_status(child->stop(10ms)), "killed by signal 9 (SIGKILL)");
  EXPECT_TRUE(child->try_reap());
}

TEST(ChildProcess, AMissingExecutableIsANamedError) {
  auto child = ChildProcess::spawn({.argv = {"/nonexistent/pf-nothing"}});
  ASSERT_FALSE(child);
  EXPECT_NE(child.error().message.find("/nonexistent/pf-nothing"), std::string::npos);
}

TEST(ChildProcess, RunsInTheGivenWorkingDirectory) {
  const test::TempDir tmp;
  SpawnSpec spec{.argv = {"/bin/sh", "-c", "pwd"}, .output = tmp.path() / "out"};
  spec.working_dir = tmp.path();
  auto child = ChildProcess::spawn(spec);
  ASSERT_TRUE(child);
  ASSERT_TRUE(child->wait_for(10s));
  EXPECT_EQ(slurp(tmp.path() / "out"), tmp.path().string() + "\n");
}

TEST(ChildProcess, StoppingAGroupLeaderEndsWhatItStarted) {
  const test::TempDir tmp;
  // The leader starts a grandchild in its group, reports its pid and exits.
  SpawnSpec spec{.argv = {"/bin/sh", "-c", "sleep 30 & echo $!"}, .output = tmp.path() / "out"};
  spec.group = ProcessGroup::own;
  pid_t grandchild = -1;
  {
    auto child = ChildProcess::spawn(spec);
    ASSERT_TRUE(child);
    const auto status = child->wait_for(10s);
    ASSERT_TRUE(status);
    EXPECT_EQ(describe_wait_status(*status), "exited with status 0");
    grandchild = std::stoi(slurp(tmp.path() / "out"));
    ASSERT_GT(grandchild, 0);
    EXPECT_EQ(::kill(grandchild, 0), 0) << "the grandchild outlives its leader until the group is stopped";
    EXPECT_EQ(::getpgid(grandchild), child->pid());
  }
  // The grandchild is not our child: it dies, and init (or a subreaper) reaps it.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (::kill(grandchild, 0) == 0 && test::process_state(grandchild) != 'Z' &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(::kill(grandchild, 0) != 0 || test::process_state(grandchild) == 'Z');
}

TEST(ChildProcess, DiesWithTheThreadThatSpawnedIt) {
  std::optional<ChildProcess> child;
  std::thread([&] {
    auto c = ChildProcess::spawn({.argv = {"/bin/sleep", "30"}});
    ASSERT_TRUE(c);
    child = std::move(*c);
  }).join();
  ASSERT_TRUE(child);
  const auto status = child->wait_for(10s);
  ASSERT_TRUE(status) << "the child outlived the thread that spawned it";
  EXPECT_EQ(describe_wait_status(*status), "killed by signal 9 (SIGKILL)");
}

TEST(ChildProcess, AChildOfAnotherUserStillDiesWithItsSpawner) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "switching users needs root";
  }
  auto nobody = credentials_of("nobody");
  ASSERT_TRUE(nobody);
  std::optional<ChildProcess> child;
  std::thread([&] {
    auto c = ChildProcess::spawn({.argv = {"/bin/sleep", "30"}, .run_as = *nobody});
    ASSERT_TRUE(c);
    child = std::move(*c);
  }).join();
  ASSERT_TRUE(child);
  const auto status = child->wait_for(10s);
  ASSERT_TRUE(status) << "the credential change cleared the parent-death signal";
  EXPECT_EQ(describe_wait_status(*status), "killed by signal 9 (SIGKILL)");
}

TEST(ChildProcess, RunsAsAnotherUserWhenAsked) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "switching users needs root";
  }
  auto nobody = credentials_of("nobody");
  ASSERT_TRUE(nobody) << nobody.error().message;
  const test::TempDir tmp;
  std::filesystem::permissions(tmp.path(), std::filesystem::perms::all);
  SpawnSpec spec{.argv = {"/bin/sh", "-c", "id -u; id -G"}, .output = tmp.path() / "out"};
  spec.run_as = *nobody;
  auto child = ChildProcess::spawn(spec);
  ASSERT_TRUE(child) << child.error().message;
  ASSERT_TRUE(child->wait_for(10s));
  const std::string out = slurp(tmp.path() / "out");
  EXPECT_EQ(out.substr(0, out.find('\n')), std::to_string(nobody->uid));
  EXPECT_EQ(out.find(" 0"), std::string::npos) << "root's groups must be dropped: " << out;
}

TEST(ChildProcess, AnUnknownUserIsANamedError) {
  auto who = credentials_of("pf-no-such-user");
  ASSERT_FALSE(who);
  EXPECT_NE(who.error().message.find("pf-no-such-user"), std::string::npos);
}

}  // namespace
}  // namespace pf
