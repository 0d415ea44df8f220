#include "gs_session.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "gs_framing.hpp"
#include "pf/audio/opus_codec.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"
#include "pf/gamestream/control.hpp"
#include "pf/gamestream/input.hpp"
#include "pf/gamestream/video_packets.hpp"
#include "pf/session/audio_pipeline.hpp"
#include "pf/session/input_gate.hpp"
#include "pf/session/video_pipeline.hpp"

namespace pf::gshost {
namespace {

const log::Logger kLog{"gamestream"};
constexpr std::uint32_t kMinBitrateKbps = 500;
constexpr std::uint32_t kMaxBitrateKbps = 150'000;
/// After PLAY the client connects its control stream at once; give up on
/// one that never does.
constexpr Nanos kControlConnectWait = std::chrono::seconds(20);
/// A client that pings its control stream (every 100 ms) and then falls
/// silent this long is gone: stop encoding for it before ENet's own
/// 10 s timeout says so.
constexpr Nanos kControlSilence = std::chrono::seconds(4);
/// The one RTSP session id every answer names (clients do not check it).
constexpr std::string_view kRtspSession = "DEADBEEFCAFE;timeout = 90";

std::string_view to_string(SessionEnd end) noexcept {
  switch (end) {
    case SessionEnd::quit: return "quit";
    case SessionEnd::disconnected: return "disconnected";
    case SessionEnd::replaced: return "replaced by a new launch";
    case SessionEnd::shutdown: return "host shutdown";
    case SessionEnd::error: return "error";
    case SessionEnd::unset: break;
  }
  return "unset";
}

/// 16 characters from a URL-safe alphabet: the ping payload that binds a
/// client's UDP streams to its session.
std::string make_ping_payload() {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const auto bytes = random_bytes(gamestream::kPingPayloadBytes).value();
  std::string out;
  for (const char b : bytes) {
    out.push_back(kAlphabet[static_cast<std::uint8_t>(b) % kAlphabet.size()]);
  }
  return out;
}

gamestream::RtspResponse answer(const gamestream::RtspRequest& request, int status) {
  gamestream::RtspResponse r;
  r.status = status;
  r.cseq = request.cseq;
  return r;
}

}  // namespace

GsSession::GsSession(std::uint64_t id, std::uint32_t connect_data, LaunchRequest launch, SessionContext context)
    : id_(id),
      connect_data_(connect_data),
      launch_(std::move(launch)),
      context_(context),
      wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      ping_payload_(make_ping_payload()) {
  const MutexLock lock(mutex_);
  info_.id = id_;
  info_.state = "launched";
  info_.client_name = launch_.client_name;
  info_.fingerprint = launch_.fingerprint;
  info_.address = launch_.address;
  info_.app_id = launch_.app_id;
  info_.app = launch_.app.id;
  info_.width = launch_.width;
  info_.height = launch_.height;
  info_.fps = launch_.fps;
}

GsSession::~GsSession() {
  stop(SessionEnd::shutdown);
  if (thread_.joinable()) {
    thread_.join();
  }
}

void GsSession::wake() const {
  const std::uint64_t one = 1;
  (void)::write(wake_.get(), &one, sizeof(one));
}

// --- RTSP ------------------------------------------------------------------

bool GsSession::rtsp_done() const {
  const MutexLock lock(mutex_);
  return played_;
}

bool GsSession::abandoned(TimePoint now, Nanos limit) const {
  const MutexLock lock(mutex_);
  return !played_ && now - launched_ > limit;
}

gamestream::RtspResponse GsSession::rtsp(const gamestream::RtspRequest& request) {
  const MutexLock lock(mutex_);
  if (request.method == "OPTIONS") {
    return answer(request, 200);
  }
  if (request.method == "DESCRIBE") {
    gamestream::DescribeOffer offer;
    offer.hevc = true;  // x265 is always built; NVENC adds nothing the client must know
    offer.reference_invalidation = true;
    offer.encryption_supported =
        gamestream::kEncryptControlV2 | gamestream::kEncryptVideo | gamestream::kEncryptAudio;
    offer.encryption_requested = gamestream::kEncryptControlV2 | gamestream::kEncryptAudio;
    auto r = answer(request, 200);
    r.headers.emplace_back("Content-Type", "application/sdp");
    r.body = gamestream::describe_body(offer);
    return r;
  }
  if (request.method == "SETUP") {
    return setup(request);
  }
  if (request.method == "ANNOUNCE") {
    auto stream = gamestream::parse_announce(request.body);
    if (!stream) {
      kLog.info("session {}: ANNOUNCE refused: {}", id_, stream.error().message);
      return answer(request, 400);
    }
    if (stream->codec == gamestream::StreamCodec::av1) {
      kLog.info("session {}: the client asked for AV1, which this host does not encode", id_);
      return answer(request, 400);
    }
    stream_ = *stream;
    info_.width = stream->width;
    info_.height = stream->height;
    info_.fps = stream->fps;
    info_.codec = stream->codec == gamestream::StreamCodec::hevc ? "hevc" : "h264";
    info_.encryption = stream->encryption_enabled;
    return answer(request, 200);
  }
  if (request.method == "PLAY") {
    // Not for a session stopped before it played (replaced or cancelled
    // while its RTSP was under way): it would open a display for nobody.
    if (!stream_ || !video_socket_ || played_ || stop_requested_ != SessionEnd::unset) {
      return answer(request, 455);  // method not valid in this state
    }
    played_ = true;
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
    return answer(request, 200);
  }
  return answer(request, 501);
}

Status GsSession::open_stream_socket(std::optional<net::UdpSocket>& socket, std::uint16_t preferred) {
  if (socket) {
    return {};  // a repeated SETUP: the same port again
  }
  auto local = net::Address::parse(context_.config->bind, preferred);
  if (!local) {
    return tl::unexpected(local.error());
  }
  const net::UdpOptions options{net::buffer_bytes_for(std::uint64_t{kMaxBitrateKbps} * 1000 / 4), 1U << 20,
                                context_.config->dscp};
  auto opened = net::UdpSocket::open(*local, options);
  if (!opened && preferred != 0) {
    opened = net::UdpSocket::open(local->with_port(0), options);  // another session has it
  }
  if (!opened) {
    return tl::unexpected(opened.error());
  }
  socket.emplace(std::move(*opened));
  return {};
}

gamestream::RtspResponse GsSession::setup(const gamestream::RtspRequest& request) {
  auto r = answer(request, 200);
  r.headers.emplace_back("Session", std::string(kRtspSession));
  switch (gamestream::setup_stream_of(request.target)) {
    case gamestream::SetupStream::audio:
    case gamestream::SetupStream::video: {
      const bool video = gamestream::setup_stream_of(request.target) == gamestream::SetupStream::video;
      auto& socket = video ? video_socket_ : audio_socket_;
      if (auto opened = open_stream_socket(socket, video ? context_.ports.video : context_.ports.audio); !opened) {
        kLog.warn("session {}: no {} socket: {}", id_, video ? "video" : "audio", opened.error().message);
        return answer(request, 500);
      }
      r.headers.emplace_back("Transport", fmt::format("server_port={}", socket->local().port()));
      r.headers.emplace_back("X-SS-Ping-Payload", ping_payload_);
      return r;
    }
    case gamestream::SetupStream::control:
      r.headers.emplace_back("Transport", fmt::format("server_port={}", context_.control->port()));
      r.headers.emplace_back("X-SS-Connect-Data", fmt::format("{}", connect_data_));
      return r;
    case gamestream::SetupStream::unset: break;
  }
  return answer(request, 404);
}

// --- ENet thread -------------------------------------------------------------

bool GsSession::control_connected(const std::string& address) {
  const MutexLock lock(mutex_);
  if (!played_ || stop_requested_ != SessionEnd::unset || ended()) {
    return false;
  }
  control_up_ = true;
  control_gone_ = false;
  control_address_ = address;
  wake();
  return true;
}

void GsSession::control_packet(Bytes packet) {
  const MutexLock lock(mutex_);
  if (control_in_.size() >= 256) {
    ++info_.control_rejected;  // a client flooding its own session: drop, never grow
    return;
  }
  control_in_.emplace_back(packet.begin(), packet.end());
  wake();
}

void GsSession::control_disconnected() {
  const MutexLock lock(mutex_);
  control_gone_ = true;
  wake();
}

void GsSession::stop(SessionEnd why) {
  {
    const MutexLock lock(mutex_);
    if (stop_requested_ == SessionEnd::unset) {
      stop_requested_ = why;
    }
    if (!played_) {
      // Never started: only its sockets to give back.
      video_socket_.reset();
      audio_socket_.reset();
      if (!ended()) {
        info_.state = "ended";
        info_.end_reason = std::string(to_string(why));
        ended_.store(true, std::memory_order_release);
      }
      return;
    }
  }
  wake();
}

bool GsSession::holds(const vdisplay::Lease& lease) const {
  const MutexLock lock(mutex_);
  return lease_ && *lease_ == lease;
}

GameStreamSessionInfo GsSession::info() const {
  GameStreamSessionInfo i;
  {
    const MutexLock lock(mutex_);
    i = info_;
  }
  i.frames = stats_.counters().frames;
  return i;
}

// --- the session thread -----------------------------------------------------

void GsSession::run(const std::stop_token& stop) {
  const std::string name = fmt::format("pf-g{}-ctl", id_ % 1000);
  pthread_setname_np(pthread_self(), name.c_str());
  if (auto opened = open_media(); !opened) {
    kLog.warn("session {}: cannot stream: {}", id_, opened.error().message);
    finish(SessionEnd::error);
    return;
  }
  serve(stop);
}

Status GsSession::open_media() {
  gamestream::StreamConfig stream;
  {
    const MutexLock lock(mutex_);
    stream = *stream_;
  }
  const std::uint32_t fps = std::clamp<std::uint32_t>(stream.fps, 1, 360);
  const vdisplay::Mode mode{stream.width & ~1U, stream.height & ~1U, fps * 1000};
  if (mode.width < 64 || mode.height < 64 || mode.width > 7680 || mode.height > 4320) {
    return fail(Errc::invalid_argument, "mode {}x{} is not supported (64..7680 x 64..4320)", stream.width,
                stream.height);
  }
  auto& displays = *context_.displays;
  auto display = displays.open(launch_.fingerprint, mode);
  if (!display) {
    return fail(display.error().code, "no display: {}", display.error().message);
  }
  display_ = std::move(*display);
  {
    const MutexLock lock(mutex_);
    lease_ = display_->lease;
  }
  const GameStreamConfig& config = *context_.config;

  net::UdpSocket* audio_socket = nullptr;
  net::UdpSocket* video_socket = nullptr;
  {
    const MutexLock lock(mutex_);
    audio_socket = audio_socket_ ? &*audio_socket_ : nullptr;
    video_socket = &*video_socket_;
  }
  const bool encrypt_audio = (stream.nv_feature_flags & 0x20U) != 0 ||
                             (stream.encryption_enabled & gamestream::kEncryptAudio) != 0;
  if (stream.audio_packet_ms * audio::kSampleRate / 1000 != static_cast<std::uint32_t>(audio::kFrameSamples)) {
    // The encoder makes 5 ms frames; a client that asked for longer packets
    // (Moonlight does at low bitrates) would play them at the wrong pace.
    kLog.warn("session {}: the client asks for {} ms audio packets, this host sends 5 ms ones: streaming "
              "without sound",
              id_, stream.audio_packet_ms);
  } else if (config.pulse != nullptr && audio_socket != nullptr) {
    auto framer = gamestream_audio_framer(
        {.encrypt = encrypt_audio, .key = launch_.key, .key_id = launch_.key_id, .packet_ms = stream.audio_packet_ms});
    auto audio = framer ? session::AudioPipeline::open({.session_id = id_,
                                                        .pulse = config.pulse,
                                                        .channels = 2,
                                                        .bitrate_kbps = config.audio_bitrate_kbps,
                                                        .framer = std::move(*framer),
                                                        .socket = audio_socket})
                        : Result<std::unique_ptr<session::AudioPipeline>>(tl::unexpected(framer.error()));
    if (audio) {
      audio_ = std::move(*audio);
      displays.set_app_environment(display_->lease, audio_->app_environment());
    } else {
      kLog.warn("session {}: streaming without sound: {}", id_, audio.error().message);
    }
  }
  if (launch_.app.id != vdisplay::kDesktopAppId) {
    if (auto launched = displays.launch_app(display_->lease, launch_.app); !launched) {
      return fail(launched.error().code, "cannot start {}: {}", launch_.app.id, launched.error().message);
    }
  }

  auto framer = gamestream_video_framer({.packet_size = stream.packet_size,
                                         .fec_pct = config.fec_pct,
                                         .min_fec_packets = std::max<std::uint32_t>(stream.min_fec_packets, 2),
                                         .encrypt = (stream.encryption_enabled & gamestream::kEncryptVideo) != 0,
                                         .key = launch_.key});
  if (!framer) {
    return tl::unexpected(framer.error());
  }
  const std::uint32_t bitrate = std::clamp(stream.bitrate_kbps == 0 ? config.default_bitrate_kbps : stream.bitrate_kbps,
                                           kMinBitrateKbps, kMaxBitrateKbps);
  session::VideoParams params;
  params.session_id = id_;
  params.displays = &displays;
  params.lease = display_->lease;
  params.ring = display_->ring;
  params.mode = mode;
  params.encoder.codec = stream.codec == gamestream::StreamCodec::hevc ? encode::Codec::hevc : encode::Codec::h264;
  params.encoder.bitrate_kbps = bitrate;
  params.encoder.preset = config.encoder_preset;
  params.encoder.input =
      params.encoder.codec == encode::Codec::hevc ? convert::YuvFormat::i420 : convert::YuvFormat::nv12;
  params.backend = config.encoder;
  params.framer = std::move(*framer);
  params.use_gso = config.use_gso;
  params.socket = video_socket;
  params.stats = &stats_;
  params.post = [](control::Message) {};  // native control messages: none in GameStream
  params.on_fatal = [this](std::string why) {
    kLog.warn("session {}: video stopped: {}", id_, why);
    stop(SessionEnd::error);
  };
  auto video = session::VideoPipeline::open(std::move(params));
  if (!video) {
    return fail(video.error().code, "cannot encode: {}", video.error().message);
  }
  video_ = std::move(*video);
  displays.set_pad_feedback(display_->lease, [this](const agentlink::PadRumble& r) {
    const MutexLock lock(mutex_);
    rumbles_.push_back({static_cast<std::uint16_t>(r.pad), r.strong, r.weak});
    wake();
  });
  {
    const MutexLock lock(mutex_);
    info_.bitrate_kbps = bitrate;
  }
  kLog.info("session {}: {} at {} for '{}' ({}), {} kb/s, {}", id_, launch_.app.id, vdisplay::to_string(mode),
            launch_.client_name, launch_.address, bitrate, video_->encoder_name());
  return {};
}

void GsSession::serve(const std::stop_token& stop) {
  const TimePoint played = steady_clock().now();
  std::optional<gamestream::ControlCipher> cipher;
  gamestream::InputTranslator translator;
  net::UdpReceiver receiver(8, 256);
  std::vector<std::uint8_t> plaintext;
  std::vector<std::uint8_t> payload;
  std::vector<input::Event> events;
  session::InputCounters input;
  net::UdpSocket* sockets[2] = {nullptr, nullptr};
  {
    const MutexLock lock(mutex_);
    sockets[0] = &*video_socket_;
    sockets[1] = audio_socket_ ? &*audio_socket_ : nullptr;
    const bool v2 = (stream_->encryption_enabled & gamestream::kEncryptControlV2) != 0;
    auto made = gamestream::ControlCipher::create(launch_.key, v2 ? gamestream::ControlIv::v2 : gamestream::ControlIv::legacy,
                                                  gamestream::ControlRole::host);
    if (made) {
      cipher.emplace(std::move(*made));
    }
  }
  if (!cipher) {
    finish(SessionEnd::error);
    return;
  }
  const auto seal_and_send = [&](const gamestream::HostMessage& m) {
    payload.clear();
    gamestream::append_payload(m, payload);
    std::vector<std::uint8_t> packet;
    if (cipher->seal(gamestream::type_of(m), payload, packet)) {
      context_.control->send(connect_data_, std::move(packet), true);
    }
  };
  log::RateLimitedLog rejected(kLog, log::Level::info, std::chrono::seconds(10), "control messages refused");
  bool connected_once = false;
  bool pinged = false;  // the client sends periodic pings: silence means it is gone
  TimePoint last_heard = played;
  SessionEnd end = SessionEnd::unset;
  while (!stop.stop_requested() && end == SessionEnd::unset) {
    pollfd fds[3] = {{wake_.get(), POLLIN, 0},
                     {sockets[0]->fd(), POLLIN, 0},
                     {sockets[1] != nullptr ? sockets[1]->fd() : -1, POLLIN, 0}};
    (void)::poll(fds, 3, 100);
    std::uint64_t drained = 0;
    (void)::read(wake_.get(), &drained, sizeof(drained));
    for (int s = 0; s < 2; ++s) {
      if (sockets[s] == nullptr || (fds[s + 1].revents & POLLIN) == 0) {
        continue;
      }
      auto got = receiver.receive(*sockets[s]);
      for (std::size_t i = 0; got && i < *got; ++i) {
        const auto ping = gamestream::parse_ping(receiver.datagram(i));
        if (!ping) {
          continue;
        }
        // A ping names its session by payload; the legacy form has none and
        // is taken only from the address that launched it.
        const bool ours = ping->payload ? ping->payload_view() == ping_payload_
                                        : receiver.from(i).to_string().starts_with(launch_.address + ":");
        if (!ours) {
          continue;  // another session's or a stranger's
        }
        bool& started = s == 0 ? video_started_ : audio_started_;
        if (!started) {
          started = true;
          if (s == 0) {
            video_->start(receiver.from(i));
          } else if (audio_) {
            audio_->start(receiver.from(i));
          }
          kLog.info("session {}: {} goes to {}", id_, s == 0 ? "video" : "audio", receiver.from(i).to_string());
        }
      }
    }
    std::deque<std::vector<std::uint8_t>> in;
    std::vector<gamestream::Rumble> rumbles;
    bool gone = false;
    {
      const MutexLock lock(mutex_);
      in.swap(control_in_);
      rumbles.swap(rumbles_);
      gone = control_gone_;
      connected_once = connected_once || control_up_;
      if (stop_requested_ != SessionEnd::unset) {
        end = stop_requested_;
      }
      if (connected_once && video_started_) {
        info_.state = "streaming";
      }
      info_.audio_frames = audio_ ? audio_->counters().frames : 0;
    }
    if (!in.empty()) {
      last_heard = steady_clock().now();
    }
    for (const auto& packet : in) {
      auto opened = cipher->open(packet, plaintext);
      auto message = opened ? gamestream::parse_client_message(*opened)
                            : Result<gamestream::ClientMessage>(tl::unexpected(opened.error()));
      if (!message) {
        const MutexLock lock(mutex_);
        ++info_.control_rejected;
        rejected(steady_clock().now(), "session {}: control message refused: {}", id_, message.error().message);
        continue;
      }
      std::visit(
          [&](const auto& m) {
            using M = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<M, gamestream::RequestIdr>) {
              video_->request_keyframe();
              const MutexLock lock(mutex_);
              ++info_.idr_requests;
            } else if constexpr (std::is_same_v<M, gamestream::InvalidateReferences>) {
              // The client numbers frames from 1, the pipeline from 0.
              if (m.first_frame >= 1 && m.last_frame >= m.first_frame && m.last_frame <= UINT32_MAX) {
                video_->invalidate(static_cast<std::uint32_t>(m.first_frame - 1),
                                   static_cast<std::uint32_t>(m.last_frame - 1));
                const MutexLock lock(mutex_);
                ++info_.invalidations;
              }
            } else if constexpr (std::is_same_v<M, gamestream::PeriodicPing>) {
              pinged = true;
            } else if constexpr (std::is_same_v<M, gamestream::FrameFecStatus>) {
              const MutexLock lock(mutex_);
              ++info_.fec_status_reports;
            } else if constexpr (std::is_same_v<M, gamestream::InputData>) {
              events.clear();
              const auto& mode = display_->mode;
              auto translated = translator.translate(m.packet, {mode.width, mode.height}, events);
              if (!translated) {
                ++input.malformed;
                return;
              }
              input.received += events.size();
              session::inject_allowed(*context_.displays, display_->lease, launch_.access, events, input, id_);
            }
          },
          *message);
    }
    if (!in.empty()) {
      const MutexLock lock(mutex_);
      info_.input = input;
    }
    for (const auto& r : rumbles) {
      seal_and_send(r);
    }
    if (gone) {
      end = SessionEnd::disconnected;
    } else if (pinged && steady_clock().now() - last_heard > kControlSilence) {
      kLog.info("session {}: the client went silent ({} s without a control message)", id_,
                std::chrono::duration_cast<std::chrono::seconds>(kControlSilence).count());
      end = SessionEnd::disconnected;
    } else if (!connected_once && steady_clock().now() - played > kControlConnectWait) {
      kLog.info("session {}: the client never connected its control stream", id_);
      end = SessionEnd::disconnected;
    }
  }
  if (end == SessionEnd::quit || end == SessionEnd::shutdown) {
    seal_and_send(gamestream::Termination{gamestream::kTerminationGraceful});
  }
  context_.control->disconnect(connect_data_);  // a no-op when the peer is gone
  events.clear();
  translator.release_all(events);
  if (!events.empty()) {
    session::inject_allowed(*context_.displays, display_->lease, pairing::Access::full, events, input, id_);
  }
  finish(end == SessionEnd::unset ? SessionEnd::shutdown : end);
}

void GsSession::finish(SessionEnd why) {
  if (audio_) {
    audio_->stop();
  }
  video_.reset();
  std::uint64_t audio_frames = 0;
  if (audio_) {
    audio_frames = audio_->counters().frames;  // final: its thread is joined
    audio_.reset();
  }
  if (display_) {
    {
      const MutexLock lock(mutex_);
      lease_.reset();
    }
    context_.displays->set_pad_feedback(display_->lease, {});
    context_.displays->close(display_->lease,
                             why == SessionEnd::quit ? vdisplay::ReleaseReason::quit
                                                     : vdisplay::ReleaseReason::disconnected);
    display_.reset();
  }
  {
    const MutexLock lock(mutex_);
    info_.state = "ended";
    info_.end_reason = std::string(to_string(why));
    info_.audio_frames = audio_frames;
  }
  kLog.info("session {}: ended ({})", id_, to_string(why));
  ended_.store(true, std::memory_order_release);
}

}  // namespace pf::gshost
