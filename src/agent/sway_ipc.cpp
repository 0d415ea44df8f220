#include "pf/agent/sway_ipc.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

namespace pf::agent {
namespace {

constexpr std::string_view kMagic = "i3-ipc";

// Waits until `fd` is ready for `events` or the deadline passes.
Status wait_ready(int fd, short events, TimePoint deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - steady_clock().now()).count();
    if (left <= 0) {
      return fail(Errc::timeout, "sway did not answer in time");
    }
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left));
    if (rc > 0) {
      return ok();
    }
    if (rc < 0 && errno != EINTR) {
      return fail_errno(errno, "poll on sway's IPC socket");
    }
  }
}

Status read_exact(int fd, std::uint8_t* out, std::size_t n, TimePoint deadline) {
  std::size_t got = 0;
  while (got < n) {
    if (auto st = wait_ready(fd, POLLIN, deadline); !st) {
      return st;
    }
    const ssize_t r = ::read(fd, out + got, n - got);
    if (r == 0) {
      return fail(Errc::closed, "sway closed its IPC socket");
    }
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN) {
        continue;
      }
      return fail_errno(errno, "reading from sway");
    }
    got += static_cast<std::size_t>(r);
  }
  return ok();
}

}  // namespace

std::vector<std::uint8_t> encode_ipc(IpcType type, std::string_view payload) {
  std::vector<std::uint8_t> out(kIpcHeaderBytes + payload.size());
  std::memcpy(out.data(), kMagic.data(), kMagic.size());
  const auto length = static_cast<std::uint32_t>(payload.size());
  const auto t = static_cast<std::uint32_t>(type);
  std::memcpy(out.data() + 6, &length, 4);  // host byte order, as the protocol says
  std::memcpy(out.data() + 10, &t, 4);
  std::memcpy(out.data() + kIpcHeaderBytes, payload.data(), payload.size());
  return out;
}

Result<IpcHeader> decode_ipc_header(Bytes header) {
  if (header.size() < kIpcHeaderBytes) {
    return fail(Errc::truncated, "sway IPC header of {} bytes; {} needed", header.size(), kIpcHeaderBytes);
  }
  if (std::memcmp(header.data(), kMagic.data(), kMagic.size()) != 0) {
    return fail(Errc::malformed, "sway IPC reply without the i3-ipc magic");
  }
  IpcHeader h;
  std::memcpy(&h.payload_bytes, header.data() + 6, 4);
  std::memcpy(&h.type, header.data() + 10, 4);
  if (h.payload_bytes > kMaxIpcPayload) {
    return fail(Errc::overflow, "sway IPC reply of {} bytes exceeds {}", h.payload_bytes, kMaxIpcPayload);
  }
  return h;
}

Status check_command_reply(std::string_view json) {
  const auto doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_array() || doc.empty()) {
    return fail(Errc::malformed, "sway's command reply is not a list of results");
  }
  for (const auto& r : doc) {
    const auto success = r.is_object() ? r.find("success") : r.end();
    if (!r.is_object() || success == r.end() || !success->is_boolean()) {
      return fail(Errc::malformed, "sway's command reply has a result without \"success\"");
    }
    if (!success->get<bool>()) {
      const auto error = r.find("error");
      return fail(Errc::refused, "sway refused the command: {}",
                  error != r.end() && error->is_string() ? error->get<std::string>().substr(0, 200) : "no reason");
    }
  }
  return ok();
}

Result<std::vector<std::string>> output_names(std::string_view json) {
  const auto doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    return fail(Errc::malformed, "sway's output list is not a list");
  }
  std::vector<std::string> names;
  for (const auto& o : doc) {
    const auto name = o.is_object() ? o.find("name") : o.end();
    if (!o.is_object() || name == o.end() || !name->is_string()) {
      return fail(Errc::malformed, "sway's output list has an output without a name");
    }
    names.push_back(name->get<std::string>().substr(0, 64));
  }
  return names;
}

Result<IpcClient> IpcClient::connect(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path.string();
  if (p.size() >= sizeof(addr.sun_path)) {
    return fail(Errc::invalid_argument, "sway socket path {} is too long", p);
  }
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    return fail_errno(errno, "socket for sway's IPC");
  }
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    return fail_errno(errno, fmt::format("connecting to sway at {}", p));
  }
  return IpcClient(std::move(fd));
}

Result<std::string> IpcClient::call(IpcType type, std::string_view payload, Nanos timeout) {
  const TimePoint deadline = steady_clock().now() + timeout;
  const auto request = encode_ipc(type, payload);
  std::size_t sent = 0;
  while (sent < request.size()) {
    if (auto st = wait_ready(fd_.get(), POLLOUT, deadline); !st) {
      return tl::unexpected(st.error());
    }
    const ssize_t n = ::send(fd_.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) {
        continue;
      }
      return fail_errno(errno, "writing to sway");
    }
    sent += static_cast<std::size_t>(n);
  }
  std::uint8_t header[kIpcHeaderBytes];
  if (auto st = read_exact(fd_.get(), header, sizeof(header), deadline); !st) {
    return tl::unexpected(st.error());
  }
  auto h = decode_ipc_header(Bytes(header, sizeof(header)));
  if (!h) {
    return tl::unexpected(h.error());
  }
  std::string reply(h->payload_bytes, '\0');
  if (auto st = read_exact(fd_.get(), reinterpret_cast<std::uint8_t*>(reply.data()), reply.size(), deadline); !st) {
    return tl::unexpected(st.error());
  }
  if (h->type != static_cast<std::uint32_t>(type)) {
    return fail(Errc::malformed, "sway answered message type {} with type {}", static_cast<std::uint32_t>(type),
                h->type);
  }
  return reply;
}

Status IpcClient::command(std::string_view command) {
  auto reply = call(IpcType::run_command, command);
  if (!reply) {
    return tl::unexpected(reply.error());
  }
  return check_command_reply(*reply);
}

}  // namespace pf::agent
