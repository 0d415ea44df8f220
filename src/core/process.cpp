#include "pf/core/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
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

// Everything the child needs, prepared before fork(): between fork and
// exec the child may only make async-signal-safe calls (no allocation, no
// locks), since other threads of ours may hold them.
struct Prepared {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::vector<UniqueFd> staged;          // sources moved above the low numbers
  std::vector<std::pair<int, int>> map;  // staged fd → target
};

[[noreturn]] void child_fails(int report_fd, int err) noexcept {
  static_cast<void>(::write(report_fd, &err, sizeof(err)));
  ::_exit(127);
}

// The child side of spawn(); runs between fork and exec.
[[noreturn]] void become_child(const SpawnSpec& spec, const Prepared& p, pid_t parent,
                               int report_fd) noexcept {
  if (spec.group == ProcessGroup::own && ::setpgid(0, 0) != 0) {
    child_fails(report_fd, errno);
  }
  const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0 || ::dup2(null, 0) < 0) {
    child_fails(report_fd, errno);
  }
  if (!spec.output.empty()) {
    const int out = ::open(spec.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) {
      child_fails(report_fd, errno);
    }
  }
  for (const auto& [from, to] : p.map) {
    if (::dup2(from, to) < 0) {  // the copy at `to` is not close-on-exec
      child_fails(report_fd, errno);
    }
  }
  if (!spec.working_dir.empty() && ::chdir(spec.working_dir.c_str()) != 0) {
    child_fails(report_fd, errno);
  }
  if (spec.run_as) {
    const Credentials& who = *spec.run_as;
    if (::setgroups(who.groups.size(), who.groups.data()) != 0 ||
        ::setresgid(who.gid, who.gid, who.gid) != 0 || ::setresuid(who.uid, who.uid, who.uid) != 0) {
      child_fails(report_fd, errno);
    }
  }
  // After the credentials change, which clears the parent-death signal.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) {
    ::_exit(127);  // the spawner is already gone
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    ::sigaction(sig, &dfl, nullptr);  // fails harmlessly for SIGKILL, SIGSTOP and gaps
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(p.argv[0], p.argv.data(), spec.environment ? p.envp.data() : environ);
  child_fails(report_fd, errno);
}

}  // namespace

std::filesystem::path sibling_executable(std::string_view name) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (ec ? std::filesystem::path(".") : self.parent_path()) / name;
}

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

Result<Credentials> credentials_of(const std::string& user) {
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  const int rc = ::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0 || found == nullptr) {
    return fail(Errc::not_found, "no user named '{}'{}", user, rc != 0 ? fmt::format(" ({})", std::strerror(rc)) : "");
  }
  Credentials who{pw.pw_uid, pw.pw_gid, {}, user, pw.pw_dir != nullptr ? pw.pw_dir : "/"};
  int count = 16;
  for (;;) {
    who.groups.resize(static_cast<std::size_t>(count));
    const int before = count;
    if (::getgrouplist(user.c_str(), pw.pw_gid, who.groups.data(), &count) >= 0) {
      who.groups.resize(static_cast<std::size_t>(count));
      return who;
    }
    if (count <= before || count > 65536) {
      return fail(Errc::io, "cannot read the groups of '{}'", user);
    }
  }
}

Result<ChildProcess> ChildProcess::spawn(const SpawnSpec& spec) {
  if (spec.argv.empty()) {
    return fail(Errc::invalid_argument, "spawn: empty argv");
  }
  Prepared p;
  p.args = spec.argv;
  p.env = spec.environment.value_or(std::vector<std::string>{});
  p.argv = pointers(p.args);
  p.envp = pointers(p.env);
  // Each source is first moved above the low numbers, so the dup2 onto the
  // target is a real dup (a dup2 onto itself would keep close-on-exec) and
  // one mapping cannot clobber another's source.
  for (const auto& [from, to] : spec.fd_map) {
    p.staged.emplace_back(::fcntl(from, F_DUPFD_CLOEXEC, 100));
    if (!p.staged.back()) {
      return fail_errno(errno, "spawn: duplicating a descriptor for the child");
    }
    p.map.emplace_back(p.staged.back().get(), to);
  }
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    return fail_errno(errno, "spawn: pipe");
  }
  const UniqueFd report_r(report[0]);
  UniqueFd report_w(report[1]);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    return fail_errno(errno, fmt::format("starting {}", spec.argv[0]));
  }
  if (pid == 0) {
    become_child(spec, p, parent, report_w.get());
  }
  report_w.reset();
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  ChildProcess child(pid, std::move(pidfd), spec.group);
  int child_errno = 0;
  ssize_t n = 0;
  do {
    n = ::read(report_r.get(), &child_errno, sizeof(child_errno));
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof(child_errno))) {
    child.stop(std::chrono::seconds(1));
    return fail_errno(child_errno, fmt::format("starting {}", spec.argv[0]));
  }
  if (!child.pidfd_) {
    return fail_errno(errno, "pidfd_open");  // `child` kills and reaps on the way out
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      group_(other.group_),
      pidfd_(std::move(other.pidfd_)),
      status_(other.status_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !status_) {
      stop(Nanos::zero());
    }
    pid_ = std::exchange(other.pid_, -1);
    group_ = other.group_;
    pidfd_ = std::move(other.pidfd_);
    status_ = other.status_;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && (!status_ || group_ == ProcessGroup::own)) {
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
  if (group_ == ProcessGroup::own) {
    // What the leader started lives on in its group after it exits; the
    // group id cannot be reused while any member is alive.
    ::kill(-pid_, SIGKILL);
    group_ = ProcessGroup::inherit;  // done: never signal that id again
  }
  return *status_;
}

void ChildProcess::signal(int sig) const noexcept {
  if (pid_ <= 0) {
    return;
  }
  if (group_ == ProcessGroup::own) {
    ::kill(-pid_, sig);
  } else if (!status_) {
    ::kill(pid_, sig);
  }
}

}  // namespace pf
