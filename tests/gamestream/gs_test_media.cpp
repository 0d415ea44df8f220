// The test client's control stream and media (gs_test_client.hpp): the
// media thread, and the client's lifetime, which owns it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#include <deque>

#include <enet/enet.h>

#include "gamestream/gs_test_client.hpp"
#include "pf/core/unique.hpp"
#include "pf/gamestream/audio_packets.hpp"
#include "pf/gamestream/video_packets.hpp"
#include "pf/tls/identity.hpp"

namespace pf::gstest {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kControlChannels = 0x30;  // what Moonlight opens
constexpr auto kPingInterval = 100ms;

/// An SPS (7) before an IDR slice (5) in an Annex B access unit.
bool sps_before_idr(Bytes au) {
  bool sps = false;
  for (std::size_t i = 0; i + 3 < au.size(); ++i) {
    if (au[i] != 0 || au[i + 1] != 0 || au[i + 2] != 1) {
      continue;
    }
    const unsigned type = au[i + 3] & 0x1FU;
    if (type == 7) {
      sps = true;
    } else if (type == 5) {
      return sps;
    }
    i += 2;
  }
  return false;
}

UniqueFd udp_socket(const std::string& host) {
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) {
    return fd;
  }
  const int buffer = 8 << 20;  // an IDR burst must not overflow it while the thread is busy
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof(buffer)) != 0) {
    (void)::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof(buffer));
  }
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, host.c_str(), &local.sin_addr);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0) {
    return UniqueFd();
  }
  return fd;
}

sockaddr_in address_of(const std::string& host, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  return a;
}

struct VideoSink final : gamestream::VideoFrameSink {
  MediaView* view = nullptr;
  void on_frame(const gamestream::ReassembledVideoFrame& f) override {
    const bool sps = sps_before_idr(f.access_unit);
    if (view->frames++ == 0) {
      view->first_frame_index = f.frame_index;
      view->first_frame_type = f.frame_type;
      view->first_frame_has_sps_before_idr = sps;
    }
    view->last_frame_index = f.frame_index;
    if (f.frame_type == static_cast<std::uint8_t>(gamestream::FrameType::idr)) {
      ++view->idr_frames;
      view->idr_frames_with_sps += sps ? 1U : 0U;
      view->last_idr_index = f.frame_index;
    } else if (f.frame_type == static_cast<std::uint8_t>(gamestream::FrameType::after_invalidation)) {
      view->last_recovery_index = f.frame_index;
    }
  }
  void on_lost(std::uint32_t, std::uint32_t count) override { view->frames_lost += count; }
};

struct AudioSink final : gamestream::AudioPacketSink {
  MediaView* view = nullptr;
  void on_packet(const gamestream::ReassembledAudioPacket& p) override {
    ++view->audio_packets;
    // CELT-only configurations are 16..31 in the TOC's top 5 bits.
    if (!p.opus.empty() && (p.opus[0] >> 3U) >= 16U) {
      ++view->audio_celt_packets;
    }
  }
  void on_lost(std::uint16_t, std::uint32_t count) override { view->audio_lost += count; }
};

}  // namespace

// --- the media thread's shared state -------------------------------------------

struct GsClient::Media {
  struct Out {
    std::uint16_t type = 0;
    std::vector<std::uint8_t> bytes;  ///< the payload, or the packet itself when raw
    bool raw = false;
    bool disconnect = false;
  };
  // fixed before the thread starts
  std::string host;
  std::uint16_t control_port = 0;
  std::uint32_t connect_data = 0;
  sockaddr_in video_to{};
  sockaddr_in audio_to{};
  std::string ping_payload;
  gamestream::AesKey key{};
  std::uint32_t key_id = 0;
  StreamRequest stream;
  UniqueFd video;
  UniqueFd audio;

  mutable Mutex mutex;
  MediaView view PF_GUARDED_BY(mutex);
  std::deque<Out> out PF_GUARDED_BY(mutex);
};

// --- lifetime (the media thread is the client's) -----------------------------------

GsClient::GsClient(std::string host, std::uint16_t http_port, std::uint16_t https_port,
                   gamestream::PairingClient pairing)
    : host_(std::move(host)), http_port_(http_port), https_port_(https_port), pairing_(std::move(pairing)) {
  fingerprint_ = tls::fingerprint(*pairing_.identity().certificate);
}

Result<std::unique_ptr<GsClient>> GsClient::create(std::string host, std::uint16_t http_port,
                                                   std::uint16_t https_port, std::string pin,
                                                   gamestream::ServerProofCheck check) {
  static const int enet = enet_initialize();  // process-wide; ENet 1.3 keeps no state of it on Linux
  if (enet != 0) {
    return fail(Errc::io, "ENet failed to initialise");
  }
  auto pairing = gamestream::PairingClient::create(pin, check);
  if (!pairing) {
    return tl::unexpected(pairing.error());
  }
  return std::unique_ptr<GsClient>(new GsClient(std::move(host), http_port, https_port, std::move(*pairing)));
}

GsClient::~GsClient() { stop_media(); }

// --- control and media -----------------------------------------------------------

void GsClient::start_media(bool start_messages) {
  stop_media();
  auto m = std::make_unique<Media>();
  m->host = host_;
  m->control_port = control_port_;
  m->connect_data = connect_data_;
  m->video_to = address_of(host_, video_port_);
  m->audio_to = address_of(host_, audio_port_);
  m->ping_payload = ping_payload_;
  m->key = key_;
  m->key_id = key_id_;
  m->stream = stream_;
  m->video = udp_socket(host_);
  m->audio = udp_socket(host_);
  media_ = std::move(m);
  thread_ = std::jthread([this, start_messages](std::stop_token stop) { run_media(stop, start_messages); });
}

void GsClient::send(const gamestream::ClientMessage& message) {
  Media::Out o;
  o.type = gamestream::type_of(message);
  gamestream::append_payload(message, o.bytes);
  const MutexLock lock(media_->mutex);
  media_->out.push_back(std::move(o));
}

void GsClient::send_raw(std::vector<std::uint8_t> packet) {
  const MutexLock lock(media_->mutex);
  media_->out.push_back({0, std::move(packet), true, false});
}

void GsClient::drop_control() {
  const MutexLock lock(media_->mutex);
  media_->out.push_back({0, {}, false, true});
}

bool GsClient::control_refused(std::uint32_t connect_data) {
  ENetHost* enet = enet_host_create(nullptr, 1, kControlChannels, 0, 0);
  if (enet == nullptr) {
    return false;
  }
  ENetAddress address{};
  enet_address_set_host_ip(&address, host_.c_str());
  address.port = control_port_;
  ENetPeer* peer = enet_host_connect(enet, &address, kControlChannels, connect_data);
  bool refused = false;
  bool connected = false;
  const auto deadline = Clock::now() + 20s;
  while (peer != nullptr && !refused && Clock::now() < deadline) {
    ENetEvent event{};
    if (enet_host_service(enet, &event, 20) <= 0) {
      continue;
    }
    if (event.type == ENET_EVENT_TYPE_CONNECT) {
      connected = true;  // the handshake is ENet's; the host decides right after it
    } else if (event.type == ENET_EVENT_TYPE_DISCONNECT) {
      refused = connected;
      peer = nullptr;
    } else if (event.type == ENET_EVENT_TYPE_RECEIVE) {
      enet_packet_destroy(event.packet);
    }
  }
  if (peer != nullptr) {
    enet_peer_disconnect_now(peer, 0);
  }
  enet_host_destroy(enet);
  return refused;
}

void GsClient::stop_media() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

MediaView GsClient::media() const {
  if (!media_) {
    return {};
  }
  const MutexLock lock(media_->mutex);
  return media_->view;
}

bool GsClient::wait_media(const std::function<bool(const MediaView&)>& done, std::chrono::seconds deadline) const {
  const auto until = Clock::now() + deadline;
  while (Clock::now() < until) {
    if (done(media())) {
      return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  return done(media());
}

void GsClient::run_media(const std::stop_token& stop, bool start_messages) {
  pthread_setname_np(pthread_self(), "gs-test-media");
  Media& m = *media_;
  MediaView seen;
  VideoSink video_sink;
  video_sink.view = &seen;
  AudioSink audio_sink;
  audio_sink.view = &seen;
  const bool v2 = (m.stream.encryption & gamestream::kEncryptControlV2) != 0;
  auto cipher = gamestream::ControlCipher::create(m.key, v2 ? gamestream::ControlIv::v2 : gamestream::ControlIv::legacy,
                                                  gamestream::ControlRole::client);
  auto video = gamestream::VideoReassembler::create(
      {.packet_size = m.stream.packet_size,
       .encrypted = (m.stream.encryption & gamestream::kEncryptVideo) != 0,
       .key = m.key});
  auto audio = gamestream::AudioReassembler::create(
      {.encrypted = (m.stream.encryption & gamestream::kEncryptAudio) != 0 || (m.stream.nv_feature_flags & 0x20U) != 0,
       .key = m.key,
       .rikeyid = m.key_id,
       .packet_duration_ms = 5,
       .first_sequence = 0});
  ENetHost* enet = enet_host_create(nullptr, 1, kControlChannels, 0, 0);
  if (!cipher || !video || !audio || enet == nullptr || !m.video || !m.audio) {
    if (enet != nullptr) {
      enet_host_destroy(enet);
    }
    return;
  }
  ENetAddress address{};
  enet_address_set_host_ip(&address, m.host.c_str());
  address.port = m.control_port;
  ENetPeer* peer = enet_host_connect(enet, &address, kControlChannels, m.connect_data);
  bool connected = false;
  bool gone = false;
  std::deque<Media::Out> pending;
  std::vector<std::uint8_t> buffer(64 * 1024);
  std::vector<std::uint8_t> plaintext;
  std::uint32_t ping_seq = 0;
  auto next_ping = Clock::now();
  while (!stop.stop_requested()) {
    pollfd fds[3] = {{enet->socket, POLLIN, 0}, {m.video.get(), POLLIN, 0}, {m.audio.get(), POLLIN, 0}};
    (void)::poll(fds, 3, 5);
    ENetEvent event{};
    while (!gone && enet_host_service(enet, &event, 0) > 0) {
      if (event.type == ENET_EVENT_TYPE_CONNECT) {
        connected = true;
        seen.control_connected = true;
        if (start_messages) {  // Moonlight's "Start A" and "Start B"
          for (const gamestream::ClientMessage& start :
               {gamestream::ClientMessage{gamestream::StartB{}}, gamestream::ClientMessage{gamestream::RequestIdr{}}}) {
            Media::Out o;
            o.type = gamestream::type_of(start);
            gamestream::append_payload(start, o.bytes);
            pending.push_front(std::move(o));
          }
        }
      } else if (event.type == ENET_EVENT_TYPE_RECEIVE) {
        auto opened = cipher->open(Bytes(event.packet->data, event.packet->dataLength), plaintext);
        auto message = opened ? gamestream::parse_host_message(*opened)
                              : Result<gamestream::HostMessage>(tl::unexpected(opened.error()));
        if (message) {
          ++seen.control_messages;
          if (const auto* t = std::get_if<gamestream::Termination>(&*message)) {
            seen.terminations.push_back(t->hresult);
          }
        } else {
          ++seen.control_refused;
        }
        enet_packet_destroy(event.packet);
      } else if (event.type == ENET_EVENT_TYPE_DISCONNECT) {
        gone = true;
        seen.control_disconnected = true;
        peer = nullptr;
      }
    }
    {
      const MutexLock lock(m.mutex);
      while (!m.out.empty()) {
        pending.push_back(std::move(m.out.front()));
        m.out.pop_front();
      }
    }
    if (connected && !gone && !pending.empty()) {
      for (auto& o : pending) {
        if (o.disconnect) {
          enet_peer_disconnect(peer, 0);
          continue;
        }
        std::vector<std::uint8_t> packet;
        if (o.raw) {
          packet = std::move(o.bytes);
        } else if (!cipher->seal(o.type, o.bytes, packet)) {
          continue;
        }
        ENetPacket* p = enet_packet_create(packet.data(), packet.size(), ENET_PACKET_FLAG_RELIABLE);
        if (p != nullptr && enet_peer_send(peer, 0, p) != 0) {
          enet_packet_destroy(p);
        }
      }
      pending.clear();
      enet_host_flush(enet);
    }
    for (int s = 0; s < 2; ++s) {
      const int fd = s == 0 ? m.video.get() : m.audio.get();
      for (;;) {
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n < 0) {
          break;
        }
        const Bytes datagram(buffer.data(), static_cast<std::size_t>(n));
        if (s == 0) {
          ++seen.video_datagrams;
          video->receive(datagram, video_sink);
        } else {
          ++seen.audio_datagrams;
          audio->receive(datagram, audio_sink);
        }
      }
    }
    if (Clock::now() >= next_ping) {
      // SS_PING: the payload, then BE32 sequence; until the stream flows.
      ++ping_seq;
      std::string ping = m.ping_payload;
      for (int shift = 24; shift >= 0; shift -= 8) {
        ping.push_back(static_cast<char>((ping_seq >> shift) & 0xFFU));
      }
      if (seen.video_datagrams == 0) {
        (void)::sendto(m.video.get(), ping.data(), ping.size(), 0, reinterpret_cast<const sockaddr*>(&m.video_to),
                       sizeof(m.video_to));
      }
      if (seen.audio_datagrams == 0) {
        (void)::sendto(m.audio.get(), ping.data(), ping.size(), 0, reinterpret_cast<const sockaddr*>(&m.audio_to),
                       sizeof(m.audio_to));
      }
      next_ping = Clock::now() + kPingInterval;
    }
    seen.video_auth_failed = video->counters().auth_failed;
    seen.video_corrupt = video->counters().corrupt;
    seen.video_malformed = video->counters().malformed;
    seen.audio_decrypt_failed = audio->counters().decrypt_failed;
    const MutexLock lock(m.mutex);
    m.view = seen;
  }
  if (peer != nullptr && connected && !gone) {
    enet_peer_disconnect_now(peer, 0);
  }
  enet_host_flush(enet);
  enet_host_destroy(enet);
}

}  // namespace pf::gstest
