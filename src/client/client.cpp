#include "pf/client/client.hpp"

#include <poll.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <span>
#include <sstream>

#include <fmt/format.h>

#include "pf/client/pair.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"
#include "pf/crypto/aead.hpp"
#include "pf/net/control_stream.hpp"
#include "pf/net/tcp.hpp"
#include "pf/net/udp.hpp"
#include "pf/tls/identity.hpp"
#include "pf/transport/packet.hpp"
#include "pf/transport/packetizer.hpp"
#include "audio_receiver.hpp"
#include "receiver.hpp"
#include "window.hpp"

namespace pf::client {
namespace {

const log::Logger kLog{"client"};
constexpr Nanos kSetupTimeout = std::chrono::seconds(10);
constexpr Nanos kKeepAlive = std::chrono::milliseconds(500);
constexpr Nanos kLossReport = std::chrono::milliseconds(250);
constexpr Nanos kOncePerSecond = std::chrono::seconds(1);
constexpr Nanos kQuickProbe = std::chrono::milliseconds(100);

std::uint64_t ns_of(TimePoint t) { return static_cast<std::uint64_t>(t.time_since_epoch().count()); }

// The session's sound: the layout the host announced (checked before a
// decoder is built from it), a reassembler for stream 3, the playout.
Result<std::unique_ptr<AudioReceiver>> open_audio(const ClientOptions& o, const control::Welcome& welcome,
                                                  const crypto::SessionKey& key) {
  audio::Layout layout;
  layout.channels = welcome.audio_channels;
  layout.streams = welcome.audio_streams;
  layout.coupled = welcome.audio_coupled;
  layout.mapping = welcome.audio_mapping;
  auto opener = crypto::Opener::create(key, crypto::Direction::host_to_client_audio);
  if (!opener) {
    return tl::unexpected(opener.error());
  }
  transport::ReceiverConfig rc;
  rc.stream = transport::Stream::audio;
  rc.max_frames_in_flight = 4;
  rc.max_frame_bytes = 4096;
  rc.max_bytes_in_flight = 4 * 4096 + 4 * transport::kMaxShardBytes;
  auto reassembler = transport::Reassembler::create(rc, std::move(*opener));
  if (!reassembler) {
    return tl::unexpected(reassembler.error());
  }
  return AudioReceiver::create(o, layout, std::move(*reassembler));
}

struct Connection {
  net::ControlStream stream;
  control::Welcome welcome;
};

Result<Connection> connect(const ClientOptions& o, const tls::Identity& identity, const net::Address& host,
                           const std::string& host_key) {
  std::string pin = pinned_fingerprint(o.config_dir, host_key);
  if (pin.empty() && !o.allow_tofu) {
    return fail(Errc::refused,
                "{} is not a known host; pair with it first (`punktfunk-client pair {} --pin PIN`), or connect "
                "once with --allow-tofu to trust the certificate it presents",
                host_key, host_key);
  }
  auto connected = net::ControlStream::connect(host, identity, pin, kSetupTimeout);
  if (!connected) {
    return tl::unexpected(connected.error());
  }
  net::ControlStream& stream = *connected;
  if (pin.empty()) {
    kLog.warn("trusting {} on first use: fingerprint {}", host_key, stream.peer_fingerprint());
    if (auto saved = remember_host(o.config_dir, host_key, stream.peer_fingerprint()); !saved) {
      kLog.warn("cannot remember the host: {}", saved.error().message);
    }
  }
  control::Hello hello;
  hello.codecs = static_cast<std::uint32_t>(o.codec == VideoCodec::hevc ? control::Codec::hevc : control::Codec::h264);
  hello.mode = o.mode;
  hello.bitrate_kbps = o.bitrate_kbps;
  hello.audio_channels = static_cast<std::uint8_t>(o.audio_channels);
  hello.name = o.name.substr(0, control::kMaxNameBytes);
  if (auto sent = stream.send(hello); !sent) {
    return tl::unexpected(sent.error());
  }
  auto answer = stream.receive(kSetupTimeout);
  if (!answer) {
    return tl::unexpected(answer.error());
  }
  if (const auto* reject = std::get_if<control::Reject>(&*answer)) {
    return fail(Errc::refused, "the host refused the session: {}", reject->detail);
  }
  const auto* welcome = std::get_if<control::Welcome>(&*answer);
  if (welcome == nullptr) {
    return fail(Errc::malformed, "the host answered Hello with {}", control::to_string(control::type_of(*answer)));
  }
  return Connection{std::move(*connected), *welcome};
}

// Sends one feedback datagram (keep-alive and path probe).
class Feedback {
 public:
  Feedback(transport::Packetizer packetizer) : packetizer_(std::move(packetizer)) {}
  /// A keep-alive (payload type 0 and the send time).
  void send(const net::UdpSocket& socket, const net::Address& to) {
    std::array<std::uint8_t, 9> body{input::kKeepAlivePayload};
    const std::uint64_t now = ns_of(steady_clock().now());
    std::memcpy(body.data() + 1, &now, sizeof(now));
    send_payload(socket, to, body, now);
  }
  /// Input events (at most input::kMaxEventsPerPacket).
  void send_input(const net::UdpSocket& socket, const net::Address& to, std::span<const input::Event> events) {
    std::vector<std::uint8_t> body;
    if (input::encode_packet(events, body)) {
      send_payload(socket, to, body, ns_of(steady_clock().now()));
    }
  }

 private:
  void send_payload(const net::UdpSocket& socket, const net::Address& to, Bytes body, std::uint64_t now) {
    auto datagrams = packetizer_.packetize({.frame_index = index_++, .capture_ns = now}, body, 1);
    if (datagrams) {
      (void)sender_.send(socket, *datagrams, to);
    }
  }

  transport::Packetizer packetizer_;
  net::UdpSender sender_{false};
  std::uint32_t index_ = 0;
};

}  // namespace

Result<ClientReport> run_client(const ClientOptions& o, const std::atomic<bool>& stop,
                                const std::function<void(const ClientReport&)>& status) {
  std::unique_ptr<Window> window;  // first: outlives the receive thread that feeds it
  if (o.window) {
    auto opened = Window::open({fmt::format("punktfunk — {}", o.host), o.mode.width, o.mode.height});
    if (!opened) {
      return tl::unexpected(opened.error());
    }
    window = std::move(*opened);
  }
  if (auto dir = ensure_private_dir(o.config_dir); !dir) {
    return tl::unexpected(dir.error());
  }
  auto identity = tls::load_or_create_identity(o.config_dir, "client", "punktfunk client");
  if (!identity) {
    return tl::unexpected(identity.error());
  }
  const TimePoint connect_started = steady_clock().now();
  auto host = net::Address::resolve(o.host, o.default_port);
  if (!host) {
    return tl::unexpected(host.error());
  }
  auto connection = connect(o, identity->identity, *host, host->to_string());
  if (!connection) {
    return tl::unexpected(connection.error());
  }
  net::ControlStream& stream = connection->stream;
  const control::Welcome& welcome = connection->welcome;
  ClientReport report;
  report.session_id = welcome.session_id;
  report.host_fingerprint = stream.peer_fingerprint();
  report.mode = welcome.mode;
  report.source = welcome.source;

  crypto::SessionKey key{welcome.key, welcome.salt};
  auto local = net::bound_address(stream.fd());
  if (!local) {
    return tl::unexpected(local.error());
  }
  auto socket = net::UdpSocket::open(local->with_port(0),
                                     {1U << 20, net::buffer_bytes_for(std::uint64_t{o.bitrate_kbps} * 1000 * 2), 0});
  if (!socket) {
    return tl::unexpected(socket.error());
  }
  auto opener = crypto::Opener::create(key, crypto::Direction::host_to_client);
  auto sealer = crypto::Sealer::create(key, crypto::Direction::client_to_host);
  if (!opener || !sealer) {
    return fail(Errc::malformed, "the host's session key is unusable");
  }
  transport::ReceiverConfig rc;
  rc.stream = transport::Stream::video;
  rc.first_frame_index = welcome.first_frame_index;
  auto reassembler = transport::Reassembler::create(rc, std::move(*opener));
  auto feedback_packetizer = transport::Packetizer::create(
      {transport::Stream::feedback, fec::Scheme::none, static_cast<std::uint32_t>(transport::kMinShardBytes), 1},
      std::move(*sealer));
  auto decoder = Decoder::open(welcome.codec == control::Codec::hevc ? VideoCodec::hevc : VideoCodec::h264);
  if (!reassembler || !feedback_packetizer || !decoder) {
    return fail(Errc::unsupported, "cannot set up the receive path");
  }
  Feedback feedback(std::move(*feedback_packetizer));
  const net::Address data_address = host->with_port(welcome.data_port);
  std::unique_ptr<AudioReceiver> sound;  // before the receiver: its thread feeds it until joined
  Receiver receiver(o, welcome.source, std::move(*reassembler), std::move(*decoder), *socket);
  receiver.set_window(window.get());
  if (welcome.audio_channels != 0) {
    auto opened = open_audio(o, welcome, key);
    if (!opened) {
      kLog.warn("no sound: {}", opened.error().message);
    } else {
      sound = std::move(*opened);
      receiver.set_audio(sound.get());
    }
  } else if (o.audio_channels != 0) {
    kLog.info("the host streams no sound in this session");
  }
  receiver.start();
  if (auto sent = stream.send(control::Start{socket->local().port()}); !sent) {
    return tl::unexpected(sent.error());
  }
  feedback.send(*socket, data_address);

  const TimePoint started = steady_clock().now();
  const Nanos cpu_at_start = process_cpu_time();
  TimePoint next_keepalive = started + kKeepAlive;
  TimePoint next_loss = started + kLossReport;
  TimePoint next_second = started;
  TimePoint next_probe = started;
  int probes = 0;
  std::optional<TimePoint> first_frame;
  double best_rtt_ms = 1e9;
  std::vector<double> host_p50s;
  std::vector<double> host_p99s;
  bool mode_done = false, bitrate_done = false, keyframe_done = false, garbage_done = false;
  std::size_t next_input = 0;  // into o.input_script
  std::vector<input::Event> window_input;
  const auto send_input = [&](std::span<const input::Event> events) {
    for (std::size_t at = 0; at < events.size(); at += input::kMaxEventsPerPacket) {
      const auto batch = events.subspan(at, std::min(input::kMaxEventsPerPacket, events.size() - at));
      feedback.send_input(*socket, data_address, batch);
      report.input_events_sent += batch.size();
    }
  };
  std::string ended_by;

  while (!stop.load(std::memory_order_relaxed)) {
    const TimePoint now = steady_clock().now();
    if (!first_frame && receiver.first_frame_decoded()) {
      first_frame = now;
      report.first_frame_ms = std::chrono::duration<double, std::milli>(now - connect_started).count();
    }
    if (o.duration.count() > 0 && first_frame && now - *first_frame >= o.duration) {
      break;
    }
    if (!first_frame && now - started > kSetupTimeout) {
      return fail(Errc::timeout, "no picture within {} s of the session's start",
                  std::chrono::duration_cast<std::chrono::seconds>(kSetupTimeout).count());
    }
    // Scripted actions (tests and demos).
    const auto due = [&](Nanos at, bool& done) {
      return !done && first_frame && now - *first_frame >= at && (done = true);
    };
    const Nanos never = Nanos::max();
    const Nanos mode_at = o.change_mode ? o.change_mode->first : never;
    const Nanos bitrate_at = o.change_bitrate ? o.change_bitrate->first : never;
    if (due(mode_at, mode_done)) {
      (void)stream.send(control::Reconfigure{o.change_mode->second});
    }
    if (due(bitrate_at, bitrate_done)) {
      (void)stream.send(control::SetBitrate{o.change_bitrate->second});
    }
    if (due(o.request_keyframe.value_or(never), keyframe_done)) {
      receiver.note_keyframe_request();
      (void)stream.send(control::RequestKeyframe{});
      ++report.keyframe_requests;
    }
    if (due(o.send_garbage.value_or(never), garbage_done)) {
      // Well-framed control messages with bad bodies, an unknown type, and
      // forged datagrams from this socket and another: all must be refused
      // and counted while the session goes on.
      const std::vector<std::uint8_t> bad = {2, 0, 0, 0, 9, 0, 0, 0, 1, 2,   // short InvalidateFrames
                                             4, 0, 0, 0, 200, 0, 0, 0, 1, 2, 3, 4};  // unknown type 200
      (void)stream.send_bytes(bad);
      std::array<std::uint8_t, 600> junk{};
      junk.fill(0x9F);
      const std::array<Bytes, 1> one{Bytes(junk)};
      net::UdpSender raw(false);
      (void)raw.send(*socket, one, data_address);
      if (auto other = net::UdpSocket::open(local->with_port(0))) {
        (void)raw.send(*other, one, data_address);
      }
    }
    if (first_frame && next_input < o.input_script.size()) {
      std::vector<input::Event> batch;
      while (next_input < o.input_script.size() && now - *first_frame >= o.input_script[next_input].at &&
             batch.size() < input::kMaxEventsPerPacket) {
        batch.push_back(o.input_script[next_input++].event);
      }
      send_input(batch);
    }
    if (window) {
      window_input.clear();
      window->take_input(window_input);
      send_input(window_input);
      if (window->closed()) {
        break;  // as at the end of --seconds: Goodbye (quit)
      }
    }
    const auto requests = receiver.take_requests();
    for (const auto& [first, last] : requests.invalidations) {
      (void)stream.send(control::InvalidateFrames{first, last});
      ++report.invalidations;
    }
    if (requests.keyframe) {
      (void)stream.send(control::RequestKeyframe{});
      ++report.keyframe_requests;
    }
    if (now >= next_keepalive) {
      next_keepalive = now + kKeepAlive;
      feedback.send(*socket, data_address);
    }
    if (now >= next_loss) {
      next_loss = now + kLossReport;
      (void)stream.send(receiver.loss_report());
    }
    if (first_frame && now >= next_probe) {
      // Probes start once the host streams (before, it is busy setting up
      // and answers late); five quick ones, then one a second. The
      // fastest exchange is trusted.
      next_probe = now + (++probes < 5 ? kQuickProbe : kOncePerSecond);
      (void)stream.send(control::ClockProbe{ns_of(now)});
    }
    if (now >= next_second) {
      next_second = now + kOncePerSecond;
      receiver.report(report, false);
      control::Stats stats;
      stats.frames_decoded = static_cast<std::uint32_t>(report.frames_decoded);
      stats.frames_corrupt = static_cast<std::uint32_t>(report.frames_corrupt);
      stats.frames_lost = static_cast<std::uint32_t>(report.frames_lost);
      (void)stream.send(stats);
      if (status && first_frame) {
        status(report);
      }
    }
    // The control connection, and the window's input (sent at once).
    std::array<pollfd, 2> fds{{{stream.fd(), POLLIN, 0}, {window ? window->wake_fd() : -1, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), 20) > 0 && fds[0].revents != 0) {
      const TimePoint received = steady_clock().now();
      const auto read = stream.read_available();
      for (auto next = stream.next(); next.outcome != control::StreamDecoder::Outcome::need_more;
           next = stream.next()) {
        if (next.outcome == control::StreamDecoder::Outcome::fatal) {
          return fail(Errc::malformed, "the host's control stream is broken");
        }
        if (next.outcome != control::StreamDecoder::Outcome::message) {
          continue;
        }
        const auto& m = next.message.message;
        if (const auto* echo = std::get_if<control::ClockEcho>(&m)) {
          const auto t4 = static_cast<std::int64_t>(ns_of(received));
          const auto t1 = static_cast<std::int64_t>(echo->t1_ns);
          const auto t2 = static_cast<std::int64_t>(echo->t2_ns);
          const auto t3 = static_cast<std::int64_t>(echo->t3_ns);
          const double rtt_ms = static_cast<double>((t4 - t1) - (t3 - t2)) / 1e6;
          if (rtt_ms < best_rtt_ms) {  // the fastest exchange bounds the error best
            best_rtt_ms = rtt_ms;
            const std::int64_t offset = ((t2 - t1) + (t3 - t4)) / 2;
            receiver.set_clock_offset(offset);
            if (sound) {
              sound->set_clock_offset(offset);
            }
            report.clock_offset_ms = static_cast<double>(offset) / 1e6;
            report.clock_rtt_ms = rtt_ms;
          }
        } else if (const auto* hs = std::get_if<control::HostStats>(&m)) {
          report.host = *hs;
          if (hs->frames > 0) {
            host_p50s.push_back(hs->host_p50_us / 1000.0);
            host_p99s.push_back(hs->host_p99_us / 1000.0);
          }
        } else if (const auto* rc_msg = std::get_if<control::Reconfigured>(&m)) {
          if (rc_msg->accepted != 0) {
            report.mode = rc_msg->mode;
            ++report.mode_changes;
          }
        } else if (std::holds_alternative<control::BitrateChanged>(m)) {
          ++report.bitrate_changes;
        } else if (const auto* rumble = std::get_if<control::Rumble>(&m)) {
          ++report.rumbles;
          if (window) {
            window->rumble(*rumble);
          }
        } else if (const auto* notice = std::get_if<control::AccessNotice>(&m)) {
          ++report.access_notices;
          kLog.warn("host: {}", notice->detail);
        } else if (const auto* bye = std::get_if<control::Goodbye>(&m)) {
          report.host_goodbye = bye->reason;
          ended_by = fmt::format("the host ended the session ({})", control::to_string(bye->reason));
        }
      }
      if (!ended_by.empty()) {
        break;
      }
      if (!read) {
        ended_by = "the host closed the connection";
        break;
      }
    }
  }
  if (ended_by.empty()) {
    (void)stream.send(control::Goodbye{control::GoodbyeReason::quit}, std::chrono::milliseconds(500));
  } else {
    kLog.warn("{}", ended_by);
  }
  receiver.stop();
  receiver.report(report, true);
  if (window) {
    window->report(report);
  }
  if (sound) {
    sound->stop();
    sound->report(report);
    report.av_offset_ms = report.audio_latency_p50_ms - report.e2e_p50_ms;
  }
  report.cpu_pct = 100.0 * static_cast<double>((process_cpu_time() - cpu_at_start).count()) /
                   static_cast<double>(std::max<Nanos::rep>(1, (steady_clock().now() - started).count()));
  report.host_p50_ms = quantile(host_p50s, 0.5);
  report.host_p99_ms = quantile(host_p99s, 0.5);
  if (!o.save_frame.empty()) {
    if (auto saved = receiver.save_last_picture(o.save_frame); !saved) {
      kLog.warn("--save-frame: {}", saved.error().message);
    }
  }
  if (!ended_by.empty() && report.frames_decoded == 0) {
    return fail(Errc::closed, "{}", ended_by);
  }
  return report;
}

std::string report_json(const ClientReport& r) {
  std::ostringstream out;
  out << "{";
  bool first = true;
  const auto put = [&](std::string_view key, double value) {
    out << (first ? "" : ",") << "\n  \"" << key << "\": ";
    if (std::isfinite(value)) {
      out << fmt::format("{}", value);
    } else {
      out << "null";
    }
    first = false;
  };
  put("session_id", static_cast<double>(r.session_id));
  put("host_goodbye_reason", static_cast<unsigned>(r.host_goodbye));
  put("access_notices", r.access_notices);
  put("rumbles", r.rumbles);
  put("input_events_sent", static_cast<double>(r.input_events_sent));
  put("window_frames_shown", static_cast<double>(r.window_frames_shown));
  put("window_frames_dropped", static_cast<double>(r.window_frames_dropped));
  put("window_input_dropped", static_cast<double>(r.window_input_dropped));
  put("width", r.mode.width);
  put("height", r.mode.height);
  put("seconds", r.seconds);
 put("first_frame_ms", r.first_frame_ms);
  put("frames_received", static_cast<double>(r.frames_received));
  put("frames_decoded", static_cast<double>(r.frames_decoded));
  put("frames_verified", static_cast<double>(r.frames_verified));
  put("frames_corrupt", static_cast<double>(r.frames_corrupt));
  put("frames_lost", static_cast<double>(r.frames_lost));
  put("frames_recovered", static_cast<double>(r.frames_recovered));
  put("frames_skipped", static_cast<double>(r.frames_skipped));
  put("keyframes", static_cast<double>(r.keyframes));
  put("recovery_points", static_cast<double>(r.recovery_points));
  put("invalidations", static_cast<double>(r.invalidations));
  put("host_invalidations", r.host.invalidations);
  put("keyframe_requests", static_cast<double>(r.keyframe_requests));
  put("frames_after_keyframe_request", r.frames_after_keyframe_request);
  put("mode_changes", r.mode_changes);
  put("bitrate_changes", r.bitrate_changes);
  put("last_width", r.last_width);
  put("last_height", r.last_height);
  put("datagrams", static_cast<double>(r.datagrams));
  put("datagrams_dropped_by_knob", static_cast<double>(r.datagrams_dropped_by_knob));
  put("max_freeze_ms", r.max_freeze_ms);
  put("max_freeze_frames", r.max_freeze_frames);
  put("audio_channels", r.audio_channels);
  put("audio_frames_received", static_cast<double>(r.audio_frames_received));
  put("audio_frames_played", static_cast<double>(r.audio_frames_played));
  put("audio_frames_from_redundancy", static_cast<double>(r.audio_frames_from_redundancy));
  put("audio_frames_concealed", static_cast<double>(r.audio_frames_concealed));
  put("audio_frames_late", static_cast<double>(r.audio_frames_late));
  put("audio_frames_malformed", static_cast<double>(r.audio_frames_malformed));
  put("audio_frames_lost", static_cast<double>(r.audio_frames_lost));
  put("audio_latency_p50_ms", r.audio_latency_p50_ms);
  put("audio_latency_p99_ms", r.audio_latency_p99_ms);
  put("av_offset_ms", r.av_offset_ms);
  put("e2e_p50_ms", r.e2e_p50_ms);
  put("e2e_p99_ms", r.e2e_p99_ms);
  put("received_p50_ms", r.received_p50_ms);
  put("received_p99_ms", r.received_p99_ms);
  put("reassemble_p50_ms", r.reassemble_p50_ms);
  put("reassemble_p99_ms", r.reassemble_p99_ms);
  put("decode_p50_ms", r.decode_p50_ms);
  put("decode_p99_ms", r.decode_p99_ms);
  put("host_p50_ms", r.host_p50_ms);
  put("host_p99_ms", r.host_p99_ms);
  // The host's stages over its last report (about a second).
  put("host_capture_wait_p50_ms", r.host.capture_wait_p50_us / 1000.0);
  put("host_capture_wait_p99_ms", r.host.capture_wait_p99_us / 1000.0);
  put("host_convert_p50_ms", r.host.convert_p50_us / 1000.0);
  put("host_convert_p99_ms", r.host.convert_p99_us / 1000.0);
  put("host_encode_p50_ms", r.host.encode_p50_us / 1000.0);
  put("host_encode_p99_ms", r.host.encode_p99_us / 1000.0);
  put("host_packetize_p50_ms", r.host.packetize_p50_us / 1000.0);
  put("host_packetize_p99_ms", r.host.packetize_p99_us / 1000.0);
  put("host_send_p50_ms", r.host.send_p50_us / 1000.0);
  put("host_send_p99_ms", r.host.send_p99_us / 1000.0);
  put("fec_pct", r.host.fec_pct);
  put("clock_offset_ms", r.clock_offset_ms);
  put("clock_rtt_ms", r.clock_rtt_ms);
  put("cpu_pct", r.cpu_pct);
  out << "\n}\n";
  return out.str();
}

}  // namespace pf::client
