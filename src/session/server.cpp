#include "pf/session/server.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include "pf/core/log.hpp"
#include "pf/net/tcp.hpp"
#include "session.hpp"

namespace pf::session {
namespace {

const log::Logger kLog{"native"};
constexpr std::size_t kEndedKept = 16;
/// Connections still in their handshake count against the limit with this slack.
constexpr std::uint32_t kHandshakeSlack = 4;

}  // namespace

NativeServer::NativeServer(ServerConfig config, vdisplay::DisplayService& displays, tls::Identity identity)
    : config_(std::move(config)),
      displays_(displays),
      identity_(std::move(identity)),
      pairing_({.config_dir = config_.config_dir,
                .host_fingerprint = identity_.fingerprint,
                .max_failures = 3,
                .pending_wait = config_.pending_wait,
                .max_pending = 8,
                .max_ttl = std::chrono::hours(1),
                .events = config_.events}) {}

Result<std::unique_ptr<NativeServer>> NativeServer::start(ServerConfig config, vdisplay::DisplayService& displays) {
  auto loaded = tls::load_or_create_identity(config.config_dir, "host", "punktfunk host");
  if (!loaded) {
    return tl::unexpected(loaded.error());
  }
  if (loaded->origin == tls::IdentityOrigin::created) {
    kLog.info("created the host identity in {} (key mode 0600)", config.config_dir.string());
  }
  std::unique_ptr<NativeServer> s(new NativeServer(std::move(config), displays, std::move(loaded->identity)));
  auto listen = net::tcp_listen(s->config_.listen);
  if (!listen) {
    return tl::unexpected(listen.error());
  }
  s->listen_ = std::move(*listen);
  auto bound = net::bound_address(s->listen_.get());
  if (!bound) {
    return tl::unexpected(bound.error());
  }
  s->bound_ = *bound;
  s->wake_ = UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!s->wake_) {
    return fail_errno(errno, "eventfd");
  }
  s->thread_ = std::jthread([raw = s.get()](std::stop_token stop) { raw->run(stop); });
  return s;
}

NativeServer::~NativeServer() {
  thread_.request_stop();
  const std::uint64_t one = 1;
  (void)::write(wake_.get(), &one, sizeof(one));
  if (thread_.joinable()) {
    thread_.join();
  }
  std::list<std::unique_ptr<Session>> sessions;
  {
    const MutexLock lock(mutex_);
    sessions.swap(sessions_);
  }
  sessions.clear();  // each ends with Goodbye and joins its threads
}

bool NativeServer::admit() noexcept {
  std::uint32_t now = streaming_.load();
  while (now < config_.max_sessions) {
    if (streaming_.compare_exchange_weak(now, now + 1)) {
      return true;
    }
  }
  return false;
}

void NativeServer::leave() noexcept { streaming_.fetch_sub(1); }

std::vector<SessionInfo> NativeServer::sessions() const {
  const MutexLock lock(mutex_);
  std::vector<SessionInfo> out = ended_;
  for (const auto& s : sessions_) {
    out.push_back(s->info());
  }
  return out;
}

Status NativeServer::command(std::uint64_t id, const SessionCommand& command) {
  const MutexLock lock(mutex_);
  for (const auto& s : sessions_) {
    if (s->id() == id) {
      if (s->command(command)) {
        return {};
      }
      return fail(Errc::not_found, "session {} is not streaming", id);
    }
  }
  return fail(Errc::not_found, "no session {}", id);
}

ServerCounters NativeServer::counters() const {
  const MutexLock lock(mutex_);
  return counters_;
}

void NativeServer::reap() {
  std::list<std::unique_ptr<Session>> done;
  {
    const MutexLock lock(mutex_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if ((*it)->ended()) {
        ended_.push_back((*it)->info());
        if (ended_.size() > kEndedKept) {
          ended_.erase(ended_.begin());
        }
        ++counters_.sessions_ended;
        done.splice(done.end(), sessions_, it++);
      } else {
        ++it;
      }
    }
  }
  done.clear();  // joins outside the lock
}

void NativeServer::run(const std::stop_token& stop) {
  pthread_setname_np(pthread_self(), "pf-native");
  kLog.info("native protocol on {} (TLS 1.3, host fingerprint {}){}", bound_.to_string(), identity_.fingerprint,
            config_.allow_tofu ? "; any client certificate is admitted (--allow-tofu: development only)" : "");
  while (!stop.stop_requested()) {
    pollfd fds[2] = {{listen_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    (void)::poll(fds, 2, 500);
    reap();
    if ((fds[0].revents & POLLIN) == 0) {
      continue;
    }
    auto accepted = net::tcp_accept(listen_.get());
    if (!accepted) {
      continue;
    }
    std::size_t live = 0;
    {
      const MutexLock lock(mutex_);
      ++counters_.accepted;
      // Knocks wait apart (bounded by the pairing service), so they cannot
      // crowd paired clients out.
      live = static_cast<std::size_t>(std::count_if(sessions_.begin(), sessions_.end(),
                                                    [](const auto& s) { return !s->waiting_for_approval(); }));
    }
    if (live >= config_.max_sessions + kHandshakeSlack) {
      const MutexLock lock(mutex_);
      ++counters_.refused_busy;
      continue;  // closing the socket is the answer: nothing is spent on it
    }
    auto endpoint = tls::Endpoint::server(identity_);
    if (!endpoint) {
      kLog.error("TLS: {}", endpoint.error().message);
      continue;
    }
    net::ControlStream stream(std::move(accepted->fd), std::move(*endpoint), accepted->peer);
    auto session = std::make_unique<Session>(next_id_++, std::move(stream), config_, displays_, *this);
    const MutexLock lock(mutex_);
    ++counters_.sessions_started;
    sessions_.push_back(std::move(session));
  }
}

}  // namespace pf::session
