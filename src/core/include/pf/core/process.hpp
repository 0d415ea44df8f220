// Child processes the host starts (pf-vdisplay; later Xvfb, sway, apps).
//
// The child starts with an empty signal mask and default dispositions
// whatever this process had (the host blocks SIGINT/SIGTERM for sigwait;
// a child must not inherit that), stdin on /dev/null, and only the
// descriptors named in fd_map: every descriptor of ours is close-on-exec.
// A ChildProcess owns its pid: destroying one that still runs kills
// (SIGKILL) and reaps it, so no zombie and no orphan outlives its owner.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"
#include "pf/core/unique.hpp"

namespace pf {

struct SpawnSpec {
  std::vector<std::string> argv;  ///< argv[0] is the executable's path
  /// NAME=VALUE entries; std::nullopt inherits this process's environment.
  std::optional<std::vector<std::string>> environment;
  /// {descriptor here, descriptor number in the child}, e.g. {socket, 3}.
  std::vector<std::pair<int, int>> fd_map;
  /// Where stdout and stderr go (created or truncated); empty = inherited.
  std::filesystem::path output;
};

class ChildProcess {
 public:
  [[nodiscard]] static Result<ChildProcess> spawn(const SpawnSpec& spec);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  /// Becomes readable when the child exits (for poll()).
  [[nodiscard]] int pidfd() const noexcept { return pidfd_.get(); }
  /// The wait status once the child has exited and been reaped, else nullopt.
  [[nodiscard]] std::optional<int> try_reap() noexcept;
  /// Waits up to `timeout` for the child to exit on its own.
  [[nodiscard]] std::optional<int> wait_for(Nanos timeout) noexcept;
  /// Waits up to `grace`, then SIGKILLs; returns the wait status.
  int stop(Nanos grace) noexcept;
  void signal(int sig) const noexcept;

 private:
  ChildProcess(pid_t pid, UniqueFd pidfd) noexcept : pid_(pid), pidfd_(std::move(pidfd)) {}
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  std::optional<int> status_;
};

/// "exited with status 3", "killed by signal 9 (SIGKILL)".
[[nodiscard]] std::string describe_wait_status(int status);

}  // namespace pf
