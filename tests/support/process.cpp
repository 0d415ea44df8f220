#include "support/process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace pf::test {

std::map<std::string, std::string> clean_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string::npos || entry.starts_with("PUNKTFUNK_")) {
      continue;
    }
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

namespace {

ChildProcess start(const std::vector<std::string>& argv,
                   const std::map<std::string, std::string>& env,
                   const std::filesystem::path& output_file) {
  std::vector<std::string> entries;
  for (const auto& [k, v] : env) {
    entries.push_back(k + "=" + v);
  }
  auto child = ChildProcess::spawn(SpawnSpec{.argv = argv, .environment = entries, .output = output_file});
  if (!child) {
    throw std::runtime_error(child.error().message);
  }
  return std::move(*child);
}

Exit to_exit(int status) {
  Exit e;
  if (WIFEXITED(status)) {
    e.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    e.signal = WTERMSIG(status);
  }
  return e;
}

}  // namespace

Child::Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
             const std::filesystem::path& output_file)
    : process_(start(argv, env, output_file)), output_file_(output_file) {}

std::optional<Exit> Child::wait_for(std::chrono::milliseconds timeout) {
  const auto status = process_.wait_for(timeout);
  return status ? std::optional<Exit>(to_exit(*status)) : std::nullopt;
}

std::string Child::output() const {
  std::ifstream in(output_file_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Child::wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (output().find(needle) != std::string::npos) {
      return true;
    }
    if (wait_for(std::chrono::milliseconds(0))) {
      return output().find(needle) != std::string::npos;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

Run run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
        const std::filesystem::path& scratch_dir, std::chrono::milliseconds timeout) {
  static std::atomic<int> counter{0};
  const auto out = scratch_dir / ("run-" + std::to_string(counter++) + ".out");
  Child child(argv, env, out);
  auto exit = child.wait_for(timeout);
  if (!exit) {
    ADD_FAILURE() << argv[0] << " did not finish within " << timeout.count() << " ms";
    return Run{Exit{}, child.output()};
  }
  return Run{*exit, child.output()};
}

std::string free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  socklen_t length = sizeof a;
  const bool bound = fd >= 0 && ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) == 0;
  if (fd >= 0) {
    ::close(fd);
  }
  EXPECT_TRUE(bound);
  return std::to_string(ntohs(a.sin_port));
}

}  // namespace pf::test
