#include "pf/vdisplay/agent_connection.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <vector>

#include <fmt/format.h>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace pf::vdisplay {
namespace {

constexpr int kChildControlFd = 3;

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace

std::string describe_exit(int status) {
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

Result<std::unique_ptr<AgentConnection>> AgentConnection::spawn(const AgentSpawnOptions& options) {
  if (::access(options.binary.c_str(), X_OK) != 0) {
    return fail_errno(errno, fmt::format("display agent {}", options.binary.string()));
  }
  auto pair = agentlink::Channel::pair();
  if (!pair) {
    return tl::unexpected(pair.error());
  }
  // Kept above the low numbers so the dup2 onto fd 3 below is a real dup
  // (a dup2 onto itself would leave close-on-exec set).
  UniqueFd child_end(::fcntl(pair->second.fd(), F_DUPFD_CLOEXEC, 10));
  { [[maybe_unused]] UniqueFd original = pair->second.release(); }
  if (!child_end) {
    return fail_errno(errno, "dup of the agent's control socket");
  }
  const std::string watchdog_ms = std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(options.watchdog).count());
  std::vector<std::string> args = {options.binary.string(), "--control-fd",
                                   std::to_string(kChildControlFd), "--watchdog-ms", watchdog_ms,
                                   "--log", options.log_spec};
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 onto fd 3 clears close-on-exec there; every other descriptor of
  // ours is close-on-exec and stays behind.
  posix_spawn_file_actions_adddup2(&actions, child_end.get(), kChildControlFd);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigset_t defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);  // the host blocks SIGINT/SIGTERM; the agent must not
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  child_end.reset();
  if (rc != 0) {
    return fail_errno(rc, fmt::format("starting {}", options.binary.string()));
  }
  UniqueFd pidfd(pidfd_open(pid));
  std::unique_ptr<AgentConnection> conn(
      new AgentConnection(std::move(pair->first), pid, std::move(pidfd)));
  if (!conn->pidfd_) {
    return fail_errno(errno, "pidfd_open for the display agent");
  }
  auto hello = conn->call(agentlink::Hello{});
  if (!hello) {
    return fail(hello.error().code, "display agent (pid {}) did not answer Hello: {}", pid,
                hello.error().message);
  }
  if (hello->status != agentlink::ReplyStatus::ok) {
    return fail(Errc::unsupported, "display agent (pid {}) refused protocol {}: {}", pid,
                agentlink::kProtocolVersion, agentlink::to_string(hello->status));
  }
  return conn;
}

AgentConnection::~AgentConnection() {
  { [[maybe_unused]] UniqueFd closing = channel_.release(); }  // the agent sees EOF and exits
  if (!reaped_) {
    pollfd p{pidfd_.get(), POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) {
      ::kill(pid_, SIGKILL);
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

std::string AgentConnection::reap() {
  if (reaped_) {
    return "already reaped";
  }
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r != pid_) {
    return "";
  }
  reaped_ = true;
  return describe_exit(status);
}

Result<agentlink::Reply> AgentConnection::call(const agentlink::Message& request,
                                               std::span<const int> fds, Nanos timeout) {
  std::array<std::uint8_t, agentlink::kMaxDatagramBytes> buf{};
  const std::uint32_t id = next_request_id_++;
  auto bytes = agentlink::encode(request, id, buf);
  if (!bytes) {
    return tl::unexpected(bytes.error());
  }
  if (auto st = channel_.send(*bytes, fds); !st) {
    return tl::unexpected(st.error());
  }
  const TimePoint deadline = steady_clock().now() + timeout;
  for (;;) {
    const Nanos left = deadline - steady_clock().now();
    if (left <= Nanos::zero()) {
      return fail(Errc::timeout, "display agent did not answer {} within {} ms",
                  agentlink::to_string(agentlink::type_of(request)),
                  std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count());
    }
    auto received = channel_.receive(left);
    if (!received) {
      return tl::unexpected(received.error());
    }
    auto decoded = agentlink::decode(received->bytes);
    if (!decoded) {
      return tl::unexpected(decoded.error());
    }
    const auto* reply = std::get_if<agentlink::Reply>(&decoded->message);
    if (reply == nullptr) {
      return fail(Errc::malformed, "display agent sent a request instead of a reply");
    }
    if (decoded->request_id == id) {
      if (reply->to != agentlink::type_of(request)) {
        return fail(Errc::malformed, "display agent answered {} with a {} reply",
                    agentlink::to_string(agentlink::type_of(request)), agentlink::to_string(reply->to));
      }
      return *reply;
    }
    // A late reply to an earlier call that timed out: skip it.
  }
}

}  // namespace pf::vdisplay
