#include "pf/vdisplay/agent_connection.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>

#include <fmt/format.h>

#include "pf/core/log.hpp"

namespace pf::vdisplay {
namespace {

constexpr int kChildControlFd = 3;
constexpr std::size_t kMaxQueuedEvents = 1024;
const log::Logger kLog{"vdisplay"};

}  // namespace

Result<std::unique_ptr<AgentConnection>> AgentConnection::spawn(const AgentSpawnOptions& options) {
  if (::access(options.binary.c_str(), X_OK) != 0) {
    return fail_errno(errno, fmt::format("display agent {}", options.binary.string()));
  }
  auto pair = agentlink::Channel::pair();
  if (!pair) {
    return tl::unexpected(pair.error());
  }
  const UniqueFd child_end = pair->second.release();
  auto runtime = ScratchDir::create(
      options.runtime_parent.empty() ? std::filesystem::temp_directory_path() : options.runtime_parent,
      "pf-vdisplay-", 0711);
  if (!runtime) {
    return tl::unexpected(runtime.error());
  }
  const auto watchdog_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(options.watchdog).count();
  auto process = ChildProcess::spawn(SpawnSpec{
      .argv = {options.binary.string(), "--control-fd", std::to_string(kChildControlFd),
               "--watchdog-ms", std::to_string(watchdog_ms), "--log", options.log_spec,
               "--runtime-dir", runtime->path().string()},
      .fd_map = {{child_end.get(), kChildControlFd}}});
  if (!process) {
    return tl::unexpected(process.error());
  }
  const pid_t pid = process->pid();
  std::unique_ptr<AgentConnection> conn(
      new AgentConnection(std::move(*runtime), std::move(pair->first), std::move(*process)));
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
  process_.stop(std::chrono::seconds(1));
}

std::string AgentConnection::reap() {
  const auto status = process_.try_reap();
  return status ? describe_wait_status(*status) : std::string();
}

void AgentConnection::queue_event(const agentlink::AgentEvent& event) {
  if (events_.size() >= kMaxQueuedEvents) {
    kLog.warn("dropped an agent event ({}): {} are waiting",
              std::holds_alternative<agentlink::AppExited>(event) ? "an app's exit" : "a pad's rumble", events_.size());
    return;
  }
  events_.push_back(event);
}

namespace {
std::optional<agentlink::AgentEvent> as_event(const agentlink::Message& m) {
  if (const auto* exit = std::get_if<agentlink::AppExited>(&m)) {
    return *exit;
  }
  if (const auto* rumble = std::get_if<agentlink::PadRumble>(&m)) {
    return *rumble;
  }
  return std::nullopt;
}
}  // namespace

std::vector<agentlink::AgentEvent> AgentConnection::take_events() {
  for (;;) {
    auto received = channel_.receive(Nanos::zero());
    if (!received) {
      break;  // nothing more now (or the channel failed: the supervisor sees the exit)
    }
    auto decoded = agentlink::decode(received->bytes);
    if (!decoded) {
      kLog.warn("display agent sent a bad message: {}", decoded.error().message);
      continue;
    }
    if (const auto event = as_event(decoded->message)) {
      queue_event(*event);
    }  // anything else is a late reply to a call that timed out
  }
  return std::exchange(events_, {});
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
    if (const auto event = as_event(decoded->message)) {
      queue_event(*event);
      continue;
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
