// Child processes the host and the display agent start (pf-vdisplay, Xvfb,
// sway, applications).
//
// The child starts with an empty signal mask and default dispositions
// whatever this process had (the host blocks SIGINT/SIGTERM for sigwait;
// a child must not inherit that), stdin on /dev/null, and only the
// descriptors named in fd_map: every descriptor of ours is close-on-exec.
// It is SIGKILLed when the thread that spawned it dies (PR_SET_PDEATHSIG),
// so a killed agent cannot leave its display servers behind; spawn from a
// thread that lives as long as the child should.
// A ChildProcess owns its pid: destroying one that still runs kills
// (SIGKILL) and reaps it (and its process group when it leads one), so no
// zombie and no orphan outlives its owner.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"
#include "pf/core/unique.hpp"

namespace pf {

/// Who the child runs as (the spawner must be allowed to switch: root).
struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  ///< supplementary groups; empty = none
  std::string name;           ///< the user name, for messages
  std::filesystem::path home;
};

/// The account `user` with its groups, from the password database.
[[nodiscard]] Result<Credentials> credentials_of(const std::string& user);

enum class ProcessGroup : std::uint8_t {
  inherit = 0,  ///< stays in the spawner's process group
  own = 1,      ///< leads a new group: signal()/stop() reach everything it starts
};

struct SpawnSpec {
  std::vector<std::string> argv = {};  ///< argv[0] is the executable's path
  /// NAME=VALUE entries; std::nullopt inherits this process's environment.
  std::optional<std::vector<std::string>> environment = std::nullopt;
  /// {descriptor here, descriptor number in the child}, e.g. {socket, 3}.
  std::vector<std::pair<int, int>> fd_map = {};
  /// Where stdout and stderr go (created or truncated); empty = inherited.
  std::filesystem::path output = {};
  /// The child's working directory; empty = this process's.
  std::filesystem::path working_dir = {};
  ProcessGroup group = ProcessGroup::inherit;
  /// Runs the child as another user; nullopt = as this process.
  std::optional<Credentials> run_as = std::nullopt;
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
  /// Waits up to `grace`, then SIGKILLs; returns the wait status. A group
  /// leader's whole group is SIGKILLed as well, even after the leader exited.
  int stop(Nanos grace) noexcept;
  /// Signals the child, or its whole process group when it leads one.
  void signal(int sig) const noexcept;

 private:
  ChildProcess(pid_t pid, UniqueFd pidfd, ProcessGroup group) noexcept
      : pid_(pid), group_(group), pidfd_(std::move(pidfd)) {}
  pid_t pid_ = -1;
  ProcessGroup group_ = ProcessGroup::inherit;
  UniqueFd pidfd_;
  std::optional<int> status_;
};

/// A program installed in the same directory as this process's executable
/// (pf-vdisplay and punktfunk-client live next to punktfunk-host).
[[nodiscard]] std::filesystem::path sibling_executable(std::string_view name);

/// "exited with status 3", "killed by signal 9 (SIGKILL)".
[[nodiscard]] std::string describe_wait_status(int status);

}  // namespace pf
