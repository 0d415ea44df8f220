#include "pf/core/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace pf {
namespace {

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

// posix_spawn's own file actions and attributes, released on every path.
struct SpawnSetup {
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
};

}  // namespace

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) {
    return fmt::format("exited with status {}", WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return fmt::format("killed by signal {} (SIG{})", sig, name != nullptr ? name : "?");
  }
  return "ended";
}

Result<ChildProcess> ChildProcess::spawn(const SpawnSpec& spec) {
  if (spec.argv.empty()) {
    return fail(Errc::invalid_argument, "spawn: empty argv");
  }
  std::vector<std::string> args = spec.argv;
  std::vector<std::string> env;
  if (spec.environment) {
    env = *spec.environment;
  }
  std::vector<char*> argv = pointers(args);
  std::vector<char*> envp = pointers(env);

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  if (!spec.output.empty()) {
    posix_spawn_file_actions_addopen(&setup.actions, 1, spec.output.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&setup.actions, 1, 2);
  }
  // Each source is first moved above the low numbers, so the dup2 onto the
  // target is a real dup (a dup2 onto itself would keep close-on-exec) and
  // one mapping cannot clobber another's source.
  std::vector<UniqueFd> staged;
  for (const auto& [from, to] : spec.fd_map) {
    staged.emplace_back(::fcntl(from, F_DUPFD_CLOEXEC, 100));
    if (!staged.back()) {
      return fail_errno(errno, "spawn: duplicating a descriptor for the child");
    }
    posix_spawn_file_actions_adddup2(&setup.actions, staged.back().get(), to);
  }
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setsigdefault(&setup.attr, &all);
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &setup.actions, &setup.attr, argv.data(),
                             spec.environment ? envp.data() : environ);
  if (rc != 0) {
    return fail_errno(rc, fmt::format("starting {}", spec.argv[0]));
  }
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  ChildProcess child(pid, std::move(pidfd));
  if (!child.pidfd_) {
    return fail_errno(errno, "pidfd_open");  // `child` kills and reaps on the way out
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), pidfd_(std::move(other.pidfd_)), status_(other.status_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !status_) {
      stop(Nanos::zero());
    }
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
    status_ = other.status_;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) {
    stop(Nanos::zero());
  }
}

std::optional<int> ChildProcess::try_reap() noexcept {
  if (!status_ && pid_ > 0) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = status;
    }
  }
  return status_;
}

std::optional<int> ChildProcess::wait_for(Nanos timeout) noexcept {
  if (status_ || pid_ <= 0) {
    return status_;
  }
  if (pidfd_) {
    pollfd p{pidfd_.get(), POLLIN, 0};
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
    static_cast<void>(::poll(&p, 1, static_cast<int>(std::clamp<std::int64_t>(ms, 0, 3'600'000))));
  }
  return try_reap();
}

int ChildProcess::stop(Nanos grace) noexcept {
  if (pid_ <= 0) {
    return 0;
  }
  if (!wait_for(grace)) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    status_ = status;
  }
  return *status_;
}

void ChildProcess::signal(int sig) const noexcept {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, sig);
  }
}

}  // namespace pf
