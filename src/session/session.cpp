#include "session.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pf/core/log.hpp"
#include "pf/input/events.hpp"
#include "pf/net/tcp.hpp"
#include "pf/transport/packet.hpp"

namespace pf::session {
namespace {

const log::Logger kLog{"session"};

constexpr std::uint32_t kMinBitrateKbps = 500;
constexpr std::uint32_t kMaxBitrateKbps = 1'000'000;
constexpr Nanos kStatsInterval = std::chrono::seconds(1);
constexpr Nanos kPollSlice = std::chrono::milliseconds(250);

std::uint64_t ns_of(TimePoint t) { return static_cast<std::uint64_t>(t.time_since_epoch().count()); }

// Feedback frames: keep-alives need nothing beyond authentication; input
// payloads are kept for the session to handle.
struct FeedbackSink final : transport::FrameSink {
  std::vector<std::vector<std::uint8_t>> inputs;
  void on_frame(const transport::ReceivedFrame& frame) override {
    if (!frame.data.empty() && frame.data[0] == input::kInputPayload) {
      inputs.emplace_back(frame.data.begin(), frame.data.end());
    }
  }
  void on_lost(std::uint32_t, std::uint32_t) override {}
};

}  // namespace

Session::Session(std::uint64_t id, net::ControlStream stream, const ServerConfig& config,
                 vdisplay::DisplayService& displays, NativeServer& server)
    : id_(id),
      stream_(std::move(stream)),
      config_(config),
      displays_(displays),
      server_(server),
      wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  {
    const MutexLock lock(mutex_);
    info_.id = id_;
    info_.state = SessionState::handshaking;
    info_.peer = stream_.peer().to_string();
  }
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

Session::~Session() {
  thread_.request_stop();
  if (wake_) {
    const std::uint64_t one = 1;
    (void)::write(wake_.get(), &one, sizeof(one));
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

SessionInfo Session::info() const {
  const MutexLock lock(mutex_);
  SessionInfo out = info_;
  out.video = stats_.counters();
  return out;
}

void Session::post(control::Message message) {
  {
    const MutexLock lock(mutex_);
    outbox_.push_back(std::move(message));
  }
  const std::uint64_t one = 1;
  (void)::write(wake_.get(), &one, sizeof(one));
}

bool Session::command(const SessionCommand& c) {
  {
    const MutexLock lock(mutex_);
    if (!streaming_) {
      return false;
    }
    pending_.stop = pending_.stop || c.stop;
    pending_.keyframe = pending_.keyframe || c.keyframe;
    if (c.bitrate_kbps != 0) {
      pending_.bitrate_kbps = c.bitrate_kbps;
    }
  }
  const std::uint64_t one = 1;
  (void)::write(wake_.get(), &one, sizeof(one));
  return true;
}

bool Session::run_commands() {
  SessionCommand c;
  {
    const MutexLock lock(mutex_);
    c = std::exchange(pending_, SessionCommand{});
  }
  if (c.bitrate_kbps != 0) {
    video_->set_bitrate(std::clamp(c.bitrate_kbps, kMinBitrateKbps, kMaxBitrateKbps));
  }
  if (c.keyframe) {
    video_->request_keyframe();
  }
  return c.stop;
}

void Session::emit(std::string type, std::string extra) const {
  if (config_.events) {
    config_.events(std::move(type), fmt::format("{{\"session\":{}{}}}", id_, extra));
  }
}

void Session::drain_outbox() {
  std::uint64_t count = 0;
  (void)::read(wake_.get(), &count, sizeof(count));
  std::vector<control::Message> out;
  {
    const MutexLock lock(mutex_);
    out.swap(outbox_);
  }
  for (const auto& m : out) {
    (void)stream_.send(m);
  }
}

bool Session::reject(control::RejectReason reason, std::string detail) {
  kLog.info("session {}: refused {}: {}", id_, stream_.peer().to_string(), detail);
  if (detail.size() > 4 * control::kMaxNameBytes) {
    detail.resize(4 * control::kMaxNameBytes);
  }
  (void)stream_.send(control::Reject{reason, std::move(detail)});
  const MutexLock lock(mutex_);
  info_.end_reason = "refused";
  return false;
}

std::optional<vdisplay::Mode> Session::valid_mode(const control::Mode& m) const {
  const bool ok = m.width >= 64 && m.width <= 7680 && m.height >= 64 && m.height <= 4320 && m.width % 2 == 0 &&
                  m.height % 2 == 0 && m.refresh_mhz >= 1'000 && m.refresh_mhz <= 360'000;
  if (!ok) {
    return std::nullopt;
  }
  return vdisplay::Mode{m.width, m.height, m.refresh_mhz};
}

void Session::open_audio(unsigned channels, std::size_t shard_bytes) {
  if (config_.pulse == nullptr || channels == 0) {
    return;  // no sound server, or the client wants no sound
  }
  // 5.1 and 7.1 carry more streams than stereo's one coupled pair.
  std::uint32_t bitrate = config_.audio_bitrate_kbps;
  if (channels == 6) {
    bitrate *= 2;
  } else if (channels == 8) {
    bitrate = bitrate * 5 / 2;
  }
  auto framer = native_audio_framer(static_cast<std::uint32_t>(shard_bytes), *key_, true);
  if (!framer) {
    kLog.warn("session {}: streaming without sound: {}", id_, framer.error().message);
    return;
  }
  auto audio = AudioPipeline::open({.session_id = id_,
                                    .pulse = config_.pulse,
                                    .channels = channels,
                                    .bitrate_kbps = bitrate,
                                    .framer = std::move(*framer),
                                    .socket = &*socket_});
  if (!audio) {
    kLog.warn("session {}: streaming without sound: {}", id_, audio.error().message);
    return;
  }
  audio_ = std::move(*audio);
  displays_.set_app_environment(display_->lease, audio_->app_environment());
  const MutexLock lock(mutex_);
  info_.audio = audio_->counters();
}

bool Session::establish(const std::stop_token& stop) {
  if (auto shaken = stream_.handshake(config_.handshake_timeout); !shaken) {
    kLog.info("session {}: {}", id_, shaken.error().message);
    return false;
  }
  fingerprint_ = stream_.peer_fingerprint();
  {
    const MutexLock lock(mutex_);
    info_.fingerprint = fingerprint_;
  }
  auto first = stream_.receive(config_.handshake_timeout);
  if (!first) {
    kLog.info("session {}: no Hello: {}", id_, first.error().message);
    return false;
  }
  if (const auto* request = std::get_if<control::PairRequest>(&*first)) {
    pair_with_pin(*request);
    return false;
  }
  if (const auto* knock = std::get_if<control::Knock>(&*first)) {
    wait_for_approval(*knock, stop);
    return false;
  }
  const auto* hello = std::get_if<control::Hello>(&*first);
  if (hello == nullptr) {
    return reject(control::RejectReason::bad_request, "the first message must be Hello");
  }
  if (!admit_client()) {
    return false;
  }
  if (hello->min_version > control::kProtocolVersion || hello->version < control::kMinProtocolVersion) {
    return reject(control::RejectReason::version,
                  fmt::format("this host speaks protocol {}..{}", control::kMinProtocolVersion,
                              control::kProtocolVersion));
  }
  const auto mode = valid_mode(hello->mode);
  if (!mode) {
    return reject(control::RejectReason::bad_request,
                  fmt::format("mode {}x{}@{}mHz is not supported (64..7680 x 64..4320, even, 1..360 Hz)",
                              hello->mode.width, hello->mode.height, hello->mode.refresh_mhz));
  }
  encode::Codec codec = encode::Codec::unset;
  control::Codec wire_codec = control::Codec::unset;
  if ((hello->codecs & static_cast<std::uint32_t>(control::Codec::h264)) != 0) {
    codec = encode::Codec::h264;
    wire_codec = control::Codec::h264;
  } else if ((hello->codecs & static_cast<std::uint32_t>(control::Codec::hevc)) != 0) {
    codec = encode::Codec::hevc;
    wire_codec = control::Codec::hevc;
  } else {
    return reject(control::RejectReason::bad_request, "no codec in common (this host offers H.264 and HEVC)");
  }
  if (!server_.admit()) {
    return reject(control::RejectReason::busy,
                  fmt::format("the host already runs {} sessions", config_.max_sessions));
  }
  admitted_ = true;
  const std::uint32_t bitrate = std::clamp(
      hello->bitrate_kbps == 0 ? config_.default_bitrate_kbps : hello->bitrate_kbps, kMinBitrateKbps, kMaxBitrateKbps);
  {
    const MutexLock lock(mutex_);
    info_.client_name = hello->name;
    info_.mode = *mode;
    info_.bitrate_kbps = bitrate;
  }

  auto display = displays_.open(fingerprint_, *mode);
  if (!display) {
    return reject(control::RejectReason::busy, "no display: " + display.error().message);
  }
  display_ = std::move(*display);

  const auto family = stream_.peer().family() == AF_INET6 ? transport::IpFamily::v6 : transport::IpFamily::v4;
  auto local = net::bound_address(stream_.fd());
  if (!local) {
    return reject(control::RejectReason::bad_request, local.error().message);
  }
  const std::size_t buffers = net::buffer_bytes_for(std::uint64_t{bitrate} * 1000 * 2);
  auto socket = net::UdpSocket::open(local->with_port(0), {buffers, 1U << 20, config_.dscp});
  if (!socket) {
    return reject(control::RejectReason::bad_request, socket.error().message);
  }
  socket_.emplace(std::move(*socket));
  auto shard = transport::shard_bytes_for_mtu(config_.mtu, family);
  if (!shard) {
    return reject(control::RejectReason::bad_request, shard.error().message);
  }
  std::size_t shard_bytes = *shard;
  if (hello->max_shard_bytes != 0) {
    shard_bytes = std::max<std::size_t>(transport::kMinShardBytes, std::min<std::size_t>(shard_bytes, hello->max_shard_bytes & ~1U));
  }
  auto key = crypto::generate_session_key();
  if (!key) {
    return reject(control::RejectReason::bad_request, key.error().message);
  }
  key_ = *key;

  VideoParams params;
  params.session_id = id_;
  params.displays = &displays_;
  params.lease = display_->lease;
  params.ring = display_->ring;
  params.mode = *mode;
  params.encoder.codec = codec;
  params.encoder.bitrate_kbps = bitrate;
  params.encoder.preset = config_.encoder_preset;
  params.encoder.input = codec == encode::Codec::hevc ? convert::YuvFormat::i420 : convert::YuvFormat::nv12;
  params.backend = config_.encoder;
  auto framer = native_video_framer({transport::Stream::video, config_.fec, static_cast<std::uint32_t>(shard_bytes), 4096},
                                     *key_, config_.fec_pct);
  if (!framer) {
    return reject(control::RejectReason::bad_request, "cannot send video: " + framer.error().message);
  }
  params.framer = std::move(*framer);
  params.use_gso = config_.use_gso;
  params.socket = &*socket_;
  params.stats = &stats_;
  params.post = [this](control::Message m) { post(std::move(m)); };
  params.on_fatal = [this](std::string why) {
    {
      const MutexLock lock(mutex_);
      fatal_ = std::move(why);
    }
    const std::uint64_t one = 1;
    (void)::write(wake_.get(), &one, sizeof(one));
  };
  auto video = VideoPipeline::open(std::move(params));
  if (!video) {
    return reject(control::RejectReason::bad_request, "cannot encode: " + video.error().message);
  }
  video_ = std::move(*video);
  open_audio(hello->audio_channels, shard_bytes);

  auto opener = crypto::Opener::create(*key_, crypto::Direction::client_to_host);
  transport::ReceiverConfig feedback_config;
  feedback_config.stream = transport::Stream::feedback;
  feedback_config.max_frames_in_flight = 4;
  feedback_config.max_frame_bytes = 4096;
  feedback_config.max_bytes_in_flight = 4 * 4096 + 4 * transport::kMaxShardBytes;
  auto feedback = opener ? transport::Reassembler::create(feedback_config, std::move(*opener))
                         : Result<transport::Reassembler>(tl::unexpected(opener.error()));
  if (!feedback) {
    return reject(control::RejectReason::bad_request, feedback.error().message);
  }
  feedback_.emplace(std::move(*feedback));

  control::Welcome welcome;
  welcome.session_id = id_;
  welcome.codec = wire_codec;
  welcome.mode = hello->mode;
  welcome.data_port = socket_->local().port();
  welcome.key = key_->key;
  welcome.salt = key_->salt;
  welcome.fec_scheme = static_cast<std::uint8_t>(config_.fec);
  welcome.fec_pct = static_cast<std::uint8_t>(video_->fec_pct());
  welcome.shard_bytes = static_cast<std::uint16_t>(shard_bytes);
  welcome.first_frame_index = 0;
  welcome.bitrate_kbps = bitrate;
  welcome.source = config_.source;
  if (audio_) {
    const auto& layout = audio_->layout();
    welcome.audio_channels = layout.channels;
    welcome.audio_streams = layout.streams;
    welcome.audio_coupled = layout.coupled;
    welcome.audio_mapping = layout.mapping;
    welcome.audio_bitrate_kbps = audio_->counters().bitrate_kbps;
  }
  if (auto sent = stream_.send(welcome); !sent) {
    kLog.info("session {}: {}", id_, sent.error().message);
    return false;
  }
  auto start = stream_.receive(config_.handshake_timeout);
  if (!start || !std::holds_alternative<control::Start>(*start)) {
    kLog.info("session {}: no Start from the client", id_);
    return false;
  }
  // The first authenticated datagram says where the client listens.
  const TimePoint deadline = steady_clock().now() + config_.handshake_timeout;
  while (!client_.valid() && !stop.stop_requested()) {
    const TimePoint now = steady_clock().now();
    if (now >= deadline) {
      kLog.info("session {}: no datagram from the client within {} s", id_,
                std::chrono::duration_cast<std::chrono::seconds>(config_.handshake_timeout).count());
      return false;
    }
    auto ready = net::wait_fd(socket_->fd(), POLLIN, std::min<Nanos>(deadline - now, kPollSlice));
    if (ready && *ready != 0) {
      receive_feedback(steady_clock().now());
    }
  }
  if (!client_.valid()) {
    return false;
  }
  video_->start(client_);
  if (audio_) {
    audio_->start(client_);
  }
  {
    const MutexLock lock(mutex_);
    info_.state = SessionState::streaming;
    info_.encoder = video_->encoder_name();
    info_.display = display_->lease.display;
    info_.started_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
    streaming_ = true;
  }
  // A game's rumble on this session's pads goes to the client (posted: the
  // service calls this on its own thread).
  displays_.set_pad_feedback(display_->lease, [this](const agentlink::PadRumble& r) {
    post(control::Rumble{static_cast<std::uint8_t>(r.pad), r.strong, r.weak, r.duration_ms});
  });
  emit("session.started",
       fmt::format(",\"client\":{},\"fingerprint\":\"{}\",\"mode\":\"{}\",\"display\":{},\"encoder\":\"{}\"",
                   nlohmann::json(hello->name).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                   fingerprint_, vdisplay::to_string(*mode), display_->lease.display, video_->encoder_name()));
  kLog.info("session {}: streaming {} {} at {} kb/s to {} ({}), display {}", id_, video_->encoder_name(),
            vdisplay::to_string(*mode), bitrate, client_.to_string(),
            hello->name.empty() ? std::string("unnamed client") : hello->name, display_->lease.display);
  return true;
}

void Session::receive_feedback(TimePoint now) {
  net::UdpReceiver& receiver = receiver_;
  FeedbackSink sink;
  for (int round = 0; round < 8; ++round) {
    auto count = receiver.receive(*socket_);
    if (!count || *count == 0) {
      break;
    }
    for (std::size_t i = 0; i < *count; ++i) {
      const net::Address from = receiver.from(i);
      if (client_.valid() && !(from == client_)) {
        ++unexpected_datagrams_;  // another socket: never let it near the session's state
        continue;
      }
      const std::uint64_t before = feedback_->counters().opened;
      feedback_->receive(receiver.datagram(i), now, sink);
      if (feedback_->counters().opened != before) {
        last_heard_ = now;
        if (!client_.valid()) {
          client_ = from;
        }
      }
    }
  }
  for (const auto& payload : sink.inputs) {
    handle_input(payload);
  }
}

bool Session::handle(const control::Message& message, TimePoint received, End& end) {
  return std::visit(
      [&](const auto& m) -> bool {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, control::SetBitrate>) {
          video_->set_bitrate(std::clamp(m.kbps, kMinBitrateKbps, kMaxBitrateKbps));
        } else if constexpr (std::is_same_v<T, control::RequestKeyframe>) {
          video_->request_keyframe();
        } else if constexpr (std::is_same_v<T, control::InvalidateFrames>) {
          video_->invalidate(m.first, m.last);
        } else if constexpr (std::is_same_v<T, control::LossReport>) {
          video_->on_loss_report(m.loss_ppm);
          const MutexLock lock(mutex_);
          info_.client_frames_lost += m.frames_lost;
          info_.client_frames_recovered += m.frames_recovered;
          info_.client_loss_ppm = m.loss_ppm;
        } else if constexpr (std::is_same_v<T, control::ClockProbe>) {
          (void)stream_.send(control::ClockEcho{m.t1_ns, ns_of(received), ns_of(steady_clock().now())});
        } else if constexpr (std::is_same_v<T, control::Stats>) {
          // The client's view; kept for the summary below.
        } else if constexpr (std::is_same_v<T, control::Reconfigure>) {
          if (const auto mode = valid_mode(m.mode)) {
            video_->change_mode(*mode);
            const MutexLock lock(mutex_);
            info_.mode = *mode;
          } else {
            const vdisplay::Mode now_streaming = info().mode;
            (void)stream_.send(control::Reconfigured{
                0, {now_streaming.width, now_streaming.height, now_streaming.refresh_mhz}});
          }
        } else if constexpr (std::is_same_v<T, control::Goodbye>) {
          end = m.reason == control::GoodbyeReason::quit ? End::quit : End::disconnected;
          return false;
        } else {
          ++unexpected_;  // a message only the host sends, or a second Hello
        }
        return true;
      },
      message);
}

Session::End Session::stream(const std::stop_token& stop) {
  last_heard_ = steady_clock().now();
  TimePoint next_stats = last_heard_ + kStatsInterval;
  while (!stop.stop_requested()) {
    pollfd fds[3] = {{stream_.fd(), POLLIN, 0}, {socket_->fd(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    const int rc = ::poll(fds, 3, static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(kPollSlice).count()));
    const TimePoint now = steady_clock().now();
    if (rc < 0 && errno != EINTR) {
      return End::error;
    }
    if ((fds[2].revents & POLLIN) != 0) {
      drain_outbox();
      if (run_commands()) {
        kLog.info("session {}: ended by the operator", id_);
        return End::stopped;
      }
      const MutexLock lock(mutex_);
      if (fatal_) {
        kLog.warn("session {}: {}", id_, *fatal_);
        info_.end_reason = *fatal_;
        return End::error;
      }
    }
    if ((fds[1].revents & POLLIN) != 0) {
      receive_feedback(now);
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      const auto read = stream_.read_available();
      End end = End::unset;
      for (auto next = stream_.next(); next.outcome != control::StreamDecoder::Outcome::need_more;
           next = stream_.next()) {
        if (next.outcome == control::StreamDecoder::Outcome::fatal) {
          kLog.info("session {}: the client's control stream is broken; ending the session", id_);
          return End::error;
        }
        if (next.outcome != control::StreamDecoder::Outcome::message) {
          continue;  // skipped and counted by the decoder
        }
        last_heard_ = now;
        if (!handle(next.message.message, now, end)) {
          return end;
        }
      }
      if (!read) {
        return End::disconnected;
      }
    }
    if (now - last_heard_ > config_.idle_timeout) {
      kLog.info("session {}: nothing heard from the client for {} s", id_,
                std::chrono::duration_cast<std::chrono::seconds>(config_.idle_timeout).count());
      return End::idle;
    }
    if (now >= next_stats) {
      next_stats = now + kStatsInterval;
      if (const End ended = check_access(); ended != End::unset) {
        return ended;
      }
      const control::HostStats window = stats_.report(video_->fec_pct());
      (void)stream_.send(window);
      // Sorting the session's windows stays here, once a second, rather
      // than in info(), which callers may poll while frames flow.
      const auto stages = stats_.session_quantiles();
      const MutexLock lock(mutex_);
      info_.stages = stages;
      info_.window = window;
      info_.fec_pct = video_->fec_pct();
      info_.control_rejected = stream_.decoder().malformed() + stream_.decoder().unknown_types() + unexpected_;
      const auto& c = feedback_->counters();
      info_.input = input_;
      if (audio_) {
        info_.audio = audio_->counters();
      }
      info_.datagrams_rejected = c.malformed + c.auth_failed + c.replayed + c.too_old + c.wrong_stream +
                                 c.oversize + unexpected_datagrams_;
    }
  }
  return End::shutdown;
}

void Session::finish(End end) {
  video_.reset();  // joins the video and send threads
  if (audio_) {
    audio_->stop();  // its last frame sent: the counters are final
    const auto last = audio_->counters();
    audio_.reset();  // the sink goes from the sound server
    const MutexLock lock(mutex_);
    info_.audio = last;
  }
  if (display_) {
    // A client whose grant ended cannot come back to a lingering display.
    const bool gone = end == End::quit || end == End::access_expired || end == End::revoked || end == End::stopped;
    displays_.close(display_->lease, gone ? vdisplay::ReleaseReason::quit : vdisplay::ReleaseReason::disconnected);
  }
  if (end != End::quit && end != End::disconnected && end != End::unset) {
    const auto reason = end == End::idle             ? control::GoodbyeReason::idle
                        : end == End::access_expired ? control::GoodbyeReason::access_expired
                        : end == End::revoked        ? control::GoodbyeReason::revoked
                        : end == End::stopped        ? control::GoodbyeReason::stopped
                                                     : control::GoodbyeReason::error;
    (void)stream_.send(control::Goodbye{reason}, std::chrono::milliseconds(200));
  }
  if (admitted_) {
    server_.leave();
  }
  const char* how = "";
  switch (end) {
    case End::quit: how = "client quit"; break;
    case End::disconnected: how = "client disconnected"; break;
    case End::idle: how = "idle timeout"; break;
    case End::error: how = "error"; break;
    case End::shutdown: how = "host shutting down"; break;
    case End::access_expired: how = "access expired"; break;
    case End::revoked: how = "unpaired by the operator"; break;
    case End::stopped: how = "ended by the operator"; break;
    case End::unset: how = "ended"; break;
  }
  const auto c = stats_.counters();
  const auto stages = stats_.session_quantiles();
  const auto [p50, p99] = stages[static_cast<std::size_t>(Stage::host)];
  if (c.frames > 0) {
    kLog.info("session {} ended ({}): {} frames, {} keyframes, {} invalidations, {} IDR fallbacks, host "
              "capture→sent p50 {:.2f} ms p99 {:.2f} ms",
              id_, how, c.frames, c.keyframes, c.invalidations, c.idr_fallbacks, p50 / 1000.0, p99 / 1000.0);
  }
  bool was_streaming = false;
  std::string reason;
  {
    const MutexLock lock(mutex_);
    info_.stages = stages;  // final: readers wait for the ended state
    info_.input = input_;
    info_.state = SessionState::ended;
    if (info_.end_reason.empty()) {
      info_.end_reason = how;
    }
    was_streaming = std::exchange(streaming_, false);
    reason = info_.end_reason;
  }
  if (was_streaming) {
    emit("session.ended", fmt::format(",\"reason\":{},\"frames\":{}", nlohmann::json(reason).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), c.frames));
  }
}

void Session::run(const std::stop_token& stop) {
  const std::string name = fmt::format("pf-s{}-ctl", id_ % 1000);
  pthread_setname_np(pthread_self(), name.c_str());
  End end = End::error;
  if (establish(stop)) {
    end = stream(stop);
  }
  finish(end);
  ended_.store(true, std::memory_order_release);
}

}  // namespace pf::session
