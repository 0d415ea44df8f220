#include "control_host.hpp"

#include <pthread.h>

#include <map>
#include <mutex>

#include <enet/enet.h>

#include "pf/core/clock.hpp"
#include "pf/core/log.hpp"

namespace pf::gshost {
namespace {

const log::Logger kLog{"gamestream"};
constexpr std::size_t kChannels = 0x30;      // the client opens this many
constexpr enet_uint32 kPeerTimeoutMs = 10'000;

Status initialize_enet() {
  static std::once_flag once;
  static int result = -1;
  std::call_once(once, [] { result = enet_initialize(); });
  if (result != 0) {
    return fail(Errc::io, "ENet failed to initialise");
  }
  return {};
}

std::string address_text(const ENetAddress& a) {
  char text[64] = {};
  if (enet_address_get_host_ip(&a, text, sizeof(text)) != 0) {
    return "?";
  }
  return text;
}

}  // namespace

struct ControlHost::Impl {
  ENetHost* host = nullptr;
  ControlEvents events;
  std::map<std::uint32_t, ENetPeer*> peers;  // connect data → peer (ENet thread only)
  ~Impl() {
    if (host != nullptr) {
      enet_host_destroy(host);
    }
  }
};

ControlHost::ControlHost(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<ControlHost>> ControlHost::start(const std::string& bind, std::uint16_t port,
                                                        std::size_t max_peers, ControlEvents events) {
  if (auto ok = initialize_enet(); !ok) {
    return tl::unexpected(ok.error());
  }
  ENetAddress address{};
  address.host = ENET_HOST_ANY;
  if (bind != "0.0.0.0" && enet_address_set_host_ip(&address, bind.c_str()) != 0) {
    return fail(Errc::invalid_argument, "control: {} is not an IPv4 address", bind);
  }
  address.port = port;
  auto impl = std::make_unique<Impl>();
  impl->events = std::move(events);
  impl->host = enet_host_create(&address, max_peers, kChannels, 0, 0);
  if (impl->host == nullptr) {
    return fail(Errc::io, "cannot listen on UDP {}:{} for GameStream control (in use by another program?)", bind,
                port);
  }
  ENetAddress bound{};
  if (enet_socket_get_address(impl->host->socket, &bound) != 0) {
    return fail(Errc::io, "control: cannot read the bound port");
  }
  std::unique_ptr<ControlHost> host(new ControlHost(std::move(impl)));
  host->port_ = bound.port;
  host->thread_ = std::jthread([h = host.get()](std::stop_token stop) { h->run(stop); });
  return host;
}

ControlHost::~ControlHost() {
  thread_.request_stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void ControlHost::send(std::uint32_t connect_data, std::vector<std::uint8_t> packet, bool reliable) {
  const MutexLock lock(mutex_);
  queue_.push_back({connect_data, std::move(packet), reliable, false});
}

void ControlHost::disconnect(std::uint32_t connect_data) {
  const MutexLock lock(mutex_);
  queue_.push_back({connect_data, {}, true, true});
}

ControlHost::Counters ControlHost::counters() const {
  const MutexLock lock(mutex_);
  return counters_;
}

void ControlHost::run(const std::stop_token& stop) {
  pthread_setname_np(pthread_self(), "pf-gs-control");
  Impl& i = *impl_;
  std::vector<Outgoing> outgoing;
  log::RateLimitedLog refused(kLog, log::Level::info, std::chrono::seconds(10), "control connections refused");
  const auto forget = [&](ENetPeer* peer) {
    const auto data = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(peer->data));
    const auto it = i.peers.find(data);
    if (it != i.peers.end() && it->second == peer) {
      i.peers.erase(it);
      return true;
    }
    return false;
  };
  while (!stop.stop_requested()) {
    ENetEvent event{};
    // One wait (≤ 5 ms), then only what that pass already received: a
    // client that never stops sending must not starve the outgoing queue.
    for (int got = enet_host_service(i.host, &event, 5); got > 0; got = enet_host_check_events(i.host, &event)) {
      switch (event.type) {
        case ENET_EVENT_TYPE_CONNECT: {
          const std::string from = address_text(event.peer->address);
          const bool ok = i.events.on_connect && i.events.on_connect(event.data, from);
          {
            const MutexLock lock(mutex_);
            ++(ok ? counters_.connects : counters_.refused);
          }
          if (!ok) {
            refused(steady_clock().now(), "control: refused a connection from {} (connect data {} names no session)",
                    from, event.data);
            enet_peer_disconnect_now(event.peer, 0);
            break;
          }
          if (const auto old = i.peers.find(event.data); old != i.peers.end()) {
            enet_peer_disconnect_now(old->second, 0);  // the session's client came back
          }
          event.peer->data = reinterpret_cast<void*>(static_cast<std::uintptr_t>(event.data));
          enet_peer_timeout(event.peer, 0, kPeerTimeoutMs, kPeerTimeoutMs);
          i.peers[event.data] = event.peer;
          break;
        }
        case ENET_EVENT_TYPE_RECEIVE: {
          const auto data = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(event.peer->data));
          const auto it = i.peers.find(data);
          if (it != i.peers.end() && it->second == event.peer && i.events.on_packet) {
            {
              const MutexLock lock(mutex_);
              ++counters_.packets_in;
            }
            i.events.on_packet(data, Bytes(event.packet->data, event.packet->dataLength));
          }
          enet_packet_destroy(event.packet);
          break;
        }
        case ENET_EVENT_TYPE_DISCONNECT: {
          const auto data = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(event.peer->data));
          if (forget(event.peer) && i.events.on_disconnect) {
            i.events.on_disconnect(data);
          }
          event.peer->data = nullptr;
          break;
        }
        case ENET_EVENT_TYPE_NONE:
          break;
      }
    }
    {
      const MutexLock lock(mutex_);
      outgoing.swap(queue_);
    }
    for (Outgoing& o : outgoing) {
      const auto it = i.peers.find(o.connect_data);
      if (it == i.peers.end()) {
        continue;
      }
      if (o.disconnect) {
        enet_peer_disconnect_later(it->second, 0);
        continue;
      }
      ENetPacket* packet = enet_packet_create(o.packet.data(), o.packet.size(),
                                              o.reliable ? ENET_PACKET_FLAG_RELIABLE : ENET_PACKET_FLAG_UNSEQUENCED);
      if (packet != nullptr && enet_peer_send(it->second, 0, packet) != 0) {
        enet_packet_destroy(packet);
      } else if (packet != nullptr) {
        const MutexLock lock(mutex_);
        ++counters_.packets_out;
      }
    }
    if (!outgoing.empty()) {
      enet_host_flush(i.host);
      outgoing.clear();
    }
  }
  for (auto& [data, peer] : i.peers) {
    enet_peer_disconnect_now(peer, 0);
  }
  enet_host_flush(i.host);
}

}  // namespace pf::gshost
