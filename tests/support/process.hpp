// Runs one of our executables as a real child process: its own environment,
// stdout+stderr captured to a file, waited for with a timeout, signalled.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pf/core/process.hpp"

namespace pf::test {

struct Exit {
  int code = -1;   ///< exit status, or -1 when killed by a signal
  int signal = 0;  ///< the terminating signal, 0 when it exited
};

/// The current environment minus every PUNKTFUNK_* variable, so a developer's
/// own settings never leak into a test; add what the test needs.
[[nodiscard]] std::map<std::string, std::string> clean_environment();

class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
        const std::filesystem::path& output_file);
  // Destruction kills (SIGKILL) and reaps a child that is still running.
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return process_.pid(); }
  void signal(int sig) const { process_.signal(sig); }
  /// Waits for exit; std::nullopt if it is still running after `timeout`.
  [[nodiscard]] std::optional<Exit> wait_for(std::chrono::milliseconds timeout);
  /// Everything written to stdout and stderr so far.
  [[nodiscard]] std::string output() const;
  /// Polls output() until it contains `needle`; false on timeout or exit.
  [[nodiscard]] bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout);

 private:
  ChildProcess process_;
  std::filesystem::path output_file_;
};

struct Run {
  Exit exit;
  std::string output;
};

/// A TCP port nothing listens on right now (serve must not meet another
/// test, or anything else on the machine, on the default 9777).
[[nodiscard]] std::string free_tcp_port();

/// Runs to completion (killed after `timeout`, which fails the calling test).
[[nodiscard]] Run run(const std::vector<std::string>& argv,
                      const std::map<std::string, std::string>& env,
                      const std::filesystem::path& scratch_dir,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace pf::test
