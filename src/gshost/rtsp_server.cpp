#include "rtsp_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "gs_session.hpp"
#include "pf/core/log.hpp"
#include "pf/core/span_io.hpp"

namespace pf::gshost {
namespace {

const log::Logger kLog{"gamestream"};
constexpr auto kConnectionDeadline = std::chrono::seconds(5);
constexpr std::size_t kMaxRequestBytes = gamestream::kMaxRtspHeaderBytes + gamestream::kMaxRtspBodyBytes;

void send_all(int fd, Bytes data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return;
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
}

}  // namespace

RtspServer::RtspServer(UniqueFd listener, std::uint16_t port, RtspRoute route)
    : listener_(std::move(listener)),
      port_(port),
      route_(std::move(route)),
      refused_(kLog, log::Level::info, std::chrono::seconds(10), "RTSP connections refused") {}

Result<std::unique_ptr<RtspServer>> RtspServer::start(const std::string& bind, std::uint16_t port, RtspRoute route) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) {
    return fail_errno(errno, "RTSP socket");
  }
  const int one = 1;
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (::inet_pton(AF_INET, bind.c_str(), &address.sin_addr) != 1) {
    return fail(Errc::invalid_argument, "RTSP: {} is not an IPv4 address", bind);
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd.get(), 16) != 0) {
    return fail(Errc::io, "cannot listen on TCP {}:{} for RTSP (in use by another program?)", bind, port);
  }
  socklen_t length = sizeof(address);
  (void)::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length);
  std::unique_ptr<RtspServer> server(new RtspServer(std::move(fd), ntohs(address.sin_port), std::move(route)));
  server->thread_ = std::jthread([s = server.get()](std::stop_token stop) { s->run(stop); });
  return server;
}

RtspServer::~RtspServer() {
  thread_.request_stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void RtspServer::run(const std::stop_token& stop) {
  pthread_setname_np(pthread_self(), "pf-gs-rtsp");
  while (!stop.stop_requested()) {
    pollfd p{listener_.get(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) {
      continue;
    }
    sockaddr_in peer{};
    socklen_t length = sizeof(peer);
    UniqueFd client(::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!client) {
      continue;
    }
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &peer.sin_addr, text, sizeof(text));
    const int one = 1;
    (void)::setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    serve(client.get(), text);
  }
}

void RtspServer::serve(int fd, const std::string& address) {
  const auto deadline = std::chrono::steady_clock::now() + kConnectionDeadline;
  std::string buffer;
  std::optional<gamestream::RtspRequest> request;
  std::shared_ptr<GsSession> session;
  bool encrypted = false;
  std::uint32_t seq = 0;
  auto candidates = route_.sessions_for(address);
  const auto respond = [&](const gamestream::RtspResponse& response) {
    const std::string text = gamestream::render(response);
    if (!encrypted) {
      send_all(fd, Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
      return;
    }
    if (auto sealed = gamestream::seal_rtsp(session->launch().key, gamestream::RtspSender::host, seq, text)) {
      send_all(fd, *sealed);
    }
  };
  while (!request) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      refuse("RTSP: {} sent no whole request in {} s", address, kConnectionDeadline.count());
      return;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      continue;
    }
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      return;
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
    if (buffer.size() > kMaxRequestBytes + gamestream::kRtspEncryptedHeaderBytes) {
      refuse("RTSP: {} sent more than {} bytes", address, kMaxRequestBytes);
      return;
    }
    std::string plain;
    std::string_view text = buffer;
    if ((static_cast<std::uint8_t>(buffer[0]) & 0x80U) != 0) {
      // Encrypted: wait for the whole message, then find whose key opens it.
      if (buffer.size() < gamestream::kRtspEncryptedHeaderBytes) {
        continue;
      }
      SpanReader r(Bytes(reinterpret_cast<const std::uint8_t*>(buffer.data()), 4));
      const std::size_t length = r.u32be() & ~gamestream::kRtspEncryptedBit;
      if (length > kMaxRequestBytes) {
        refuse("RTSP: {} announced a {}-byte encrypted request", address, length);
        return;
      }
      if (buffer.size() < gamestream::kRtspEncryptedHeaderBytes + length) {
        continue;
      }
      const Bytes packet(reinterpret_cast<const std::uint8_t*>(buffer.data()), gamestream::kRtspEncryptedHeaderBytes + length);
      for (const auto& c : candidates) {
        if (!c->launch().rtsp_encryption) {
          continue;
        }
        if (auto opened = gamestream::open_rtsp(c->launch().key, gamestream::RtspSender::client, packet, seq)) {
          plain = std::move(*opened);
          session = c;
          encrypted = true;
          break;
        }
      }
      if (!session) {
        refuse("RTSP: an encrypted request from {} opens with no launched session's key", address);
        return;
      }
      text = plain;
    }
    std::size_t used = 0;
    auto parsed = gamestream::parse_request(text, used);
    if (!parsed) {
      refuse("RTSP: a malformed request from {}: {}", address, parsed.error().message);
      gamestream::RtspResponse bad;
      bad.status = 400;
      respond(bad);
      return;
    }
    if (*parsed) {
      request = std::move(**parsed);
    } else if (encrypted) {
      refuse("RTSP: an encrypted request from {} holds no whole request", address);
      return;
    }
  }
  if (!session) {
    for (const auto& c : candidates) {
      if (!c->launch().rtsp_encryption) {
        session = c;
        break;
      }
    }
  }
  if (!session) {
    refuse("RTSP: {} {} from {}, which launched no session that takes plain RTSP", request->method,
              request->target, address);
    gamestream::RtspResponse none;
    none.status = 454;  // session not found
    none.cseq = request->cseq;
    respond(none);
    return;
  }
  respond(session->rtsp(*request));
  // Closing the socket ends the answer: the client reads until then.
}

}  // namespace pf::gshost
