#include "admin_socket.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "pf/core/log.hpp"
#include "pf/pairing/admin_protocol.hpp"

namespace pf::host {
namespace {

const log::Logger kLog{"admin"};
constexpr int kIoTimeoutMs = 2000;

Result<sockaddr_un> address_of(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path.string();
  if (p.size() >= sizeof(addr.sun_path)) {
    return fail(Errc::invalid_argument, "the admin socket path {} is too long for a Unix socket; use a shorter "
                                        "config dir", p);
  }
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  return addr;
}

Result<UniqueFd> connect_to(const std::filesystem::path& path) {
  auto addr = address_of(path);
  if (!addr) {
    return tl::unexpected(addr.error());
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd) {
    return fail_errno(errno, "socket");
  }
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0) {
    return fail_errno(errno, "connect " + path.string());
  }
  return fd;
}

bool wait_for(int fd, short events) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, kIoTimeoutMs) == 1 && (p.revents & events) != 0;
}

}  // namespace

Result<std::unique_ptr<AdminSocket>> AdminSocket::start(const std::filesystem::path& config_dir,
                                                        pairing::PairingService& pairing,
                                                        pairing::GameStreamAdmin gamestream) {
  const auto path = config_dir / pairing::kAdminSocketFile;
  auto addr = address_of(path);
  if (!addr) {
    return tl::unexpected(addr.error());
  }
  if (connect_to(path)) {
    return fail(Errc::refused, "another punktfunk-host answers on {}; one host per config dir", path.string());
  }
  (void)::unlink(path.c_str());  // stale, from a host that did not stop cleanly
  UniqueFd listen(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!listen) {
    return fail_errno(errno, "socket");
  }
  if (::bind(listen.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0) {
    return fail_errno(errno, "bind " + path.string());
  }
  // Peers are checked by uid as well, so the moment before chmod grants nothing.
  if (::chmod(path.c_str(), 0600) != 0 || ::listen(listen.get(), 8) != 0) {
    return fail_errno(errno, "admin socket " + path.string());
  }
  UniqueFd wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake) {
    return fail_errno(errno, "eventfd");
  }
  std::unique_ptr<AdminSocket> s(
      new AdminSocket(path, std::move(listen), std::move(wake), pairing, std::move(gamestream)));
  s->thread_ = std::jthread([raw = s.get()](std::stop_token stop) { raw->run(stop); });
  return s;
}

AdminSocket::AdminSocket(std::filesystem::path path, UniqueFd listen, UniqueFd wake, pairing::PairingService& pairing,
                         pairing::GameStreamAdmin gamestream)
    : path_(std::move(path)),
      listen_(std::move(listen)),
      wake_(std::move(wake)),
      pairing_(pairing),
      gamestream_(std::move(gamestream)) {}

AdminSocket::~AdminSocket() {
  thread_.request_stop();
  const std::uint64_t one = 1;
  (void)::write(wake_.get(), &one, sizeof(one));
  if (thread_.joinable()) {
    thread_.join();
  }
  (void)::unlink(path_.c_str());
}

void AdminSocket::run(const std::stop_token& stop) {
  pthread_setname_np(pthread_self(), "pf-admin");
  std::string buffer(pairing::kMaxAdminMessageBytes + 1, '\0');
  while (!stop.stop_requested()) {
    pollfd fds[2] = {{listen_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 || (fds[0].revents & POLLIN) == 0) {
      continue;
    }
    const UniqueFd peer(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!peer) {
      continue;
    }
    ucred cred{};
    socklen_t length = sizeof(cred);
    if (::getsockopt(peer.get(), SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0 ||
        (cred.uid != 0 && cred.uid != ::geteuid())) {
      kLog.warn("admin socket: refused a peer of uid {}", cred.uid);
      continue;
    }
    if (!wait_for(peer.get(), POLLIN)) {
      continue;
    }
    const ssize_t n = ::recv(peer.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n <= 0) {
      continue;
    }
    const std::string request(buffer.data(), static_cast<std::size_t>(n));
    const std::string answer = static_cast<std::size_t>(n) > pairing::kMaxAdminMessageBytes
                                   ? R"({"ok":false,"error":"the request is too long"})"
                                   : pairing::handle_admin_request(request, pairing_, gamestream_);
    if (wait_for(peer.get(), POLLOUT)) {
      (void)::send(peer.get(), answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
  }
}

Result<std::string> admin_call(const std::filesystem::path& config_dir, std::string_view request) {
  const auto path = config_dir / pairing::kAdminSocketFile;
  auto fd = connect_to(path);
  if (!fd) {
    return fail(Errc::not_found, "no punktfunk-host is running with config dir {} ({}); start it with "
                                 "`punktfunk-host serve`", config_dir.string(), fd.error().message);
  }
  if (::send(fd->get(), request.data(), request.size(), MSG_NOSIGNAL) < 0) {
    return fail_errno(errno, "send to the admin socket");
  }
  if (!wait_for(fd->get(), POLLIN)) {
    return fail(Errc::timeout, "the host did not answer on {}", path.string());
  }
  std::string answer(pairing::kMaxAdminMessageBytes, '\0');
  const ssize_t n = ::recv(fd->get(), answer.data(), answer.size(), 0);
  if (n <= 0) {
    return fail(Errc::closed, "the host closed the admin socket without answering");
  }
  answer.resize(static_cast<std::size_t>(n));
  return answer;
}

}  // namespace pf::host
