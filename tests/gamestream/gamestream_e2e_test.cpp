// The GameStream host end to end (label gamestream): the host in process
// over a display service with the real pf-vdisplay agent (synthetic
// displays), a sound server, and the trust store; clients built from our
// own sans-I/O pieces (gs_test_client.hpp) pair with the PIN the "operator"
// enters, launch, run RTSP, connect the control stream and receive video
// and audio. Every port is ephemeral on 127.0.0.1. Waits have deadlines
// only as failure guards: nothing here measures time.
#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include "gamestream/gs_test_client.hpp"
#include "pf/audio/pulse.hpp"
#include "pf/gamestream/input.hpp"
#include "pf/gamestream/video_packets.hpp"
#include "pf/gshost/gamestream_host.hpp"
#include "pf/pairing/pairing_service.hpp"
#include "pf/vdisplay/display_service.hpp"
#include "support/temp_dir.hpp"

namespace pf::gstest {
namespace {

using namespace std::chrono_literals;
using gamestream::ClientFailure;
using gamestream::ServerProofCheck;

constexpr std::uint32_t kAllEncryption =
    gamestream::kEncryptControlV2 | gamestream::kEncryptVideo | gamestream::kEncryptAudio;

struct HostOptions {
  bool sound = false;
  Nanos pin_wait = std::chrono::seconds(60);
};

/// Polls `done` until true or the deadline (a guard against a hang).
bool eventually(const std::function<bool()>& done, std::chrono::seconds deadline = 60s) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

class GameStreamE2e : public ::testing::Test {
 protected:
  void start_host(const HostOptions& options = {}) {
    if (options.sound) {
      auto server = audio::PulseServer::ensure(dir_.path() / "pulse");
      ASSERT_TRUE(server) << server.error().message;
      pulse_ = std::move(*server);
    }
    vdisplay::SupervisorOptions agent;
    agent.spawn = vdisplay::AgentSpawnOptions{PF_VDISPLAY_BINARY, 10s, "warn"};
    vdisplay::DisplaySettings settings;
    settings.backend = vdisplay::Backend::synthetic;
    settings.keep_alive = vdisplay::KeepAlive{vdisplay::KeepAliveKind::duration, Millis(60'000)};  // outlives every test
    displays_.emplace(agent, settings, vdisplay::GpuChoice{0, "cpu", "test"});
    ASSERT_TRUE(displays_->wait_agent_running(20s));
    const auto config_dir = dir_.path() / "host";
    std::filesystem::create_directories(config_dir);
    pairing::PairingConfig trust;
    trust.config_dir = config_dir;
    trust.host_fingerprint = "e2e-host";
    pairing_.emplace(std::move(trust));
    gshost::GameStreamConfig config;
    config.config_dir = config_dir;
    config.bind = "127.0.0.1";
    config.http_port = 0;  // every port ephemeral
    config.hostname = "e2e";
    config.encoder = encode::Backend::software;
    config.pulse = pulse_.get();
    config.pin_wait = options.pin_wait;
    auto host = gshost::GameStreamHost::start(std::move(config), *displays_, *pairing_);
    ASSERT_TRUE(host) << host.error().message;
    host_ = std::move(*host);
    const auto ports = host_->ports();
    ASSERT_NE(ports.http, 0);
    ASSERT_NE(ports.https, 0);
    ASSERT_NE(ports.rtsp, 0);
    ASSERT_NE(ports.control, 0);
  }

  void TearDown() override {
    clients_.clear();  // each joins its media thread
    host_.reset();     // sessions end, listeners stop
    pairing_.reset();
    displays_.reset();
    pulse_.reset();
  }

  GsClient& new_client(const std::string& pin = "1234", ServerProofCheck check = ServerProofCheck::signature_and_hash) {
    auto c = GsClient::create("127.0.0.1", host_->ports().http, host_->ports().https, pin, check);
    EXPECT_TRUE(c) << c.error().message;
    clients_.push_back(std::move(c.value()));  // throws (failing the test) without one
    return *clients_.back();
  }

  /// Runs the client's pairing; the operator enters `host_pin` once the
  /// host shows the request (nothing when empty).
  PairOutcome pair(GsClient& c, const std::string& host_pin) {
    PairOutcome outcome;
    std::jthread pairing([&] { outcome = c.pair(); });
    if (!host_pin.empty()) {
      EXPECT_TRUE(eventually([&] { return host_->pin_request().has_value(); })) << "no PIN request reached the host";
      EXPECT_TRUE(host_->submit_pin(host_pin));
    }
    pairing.join();
    return outcome;
  }

  GsClient& paired_client(const std::string& pin) {
    GsClient& c = new_client(pin);
    const auto o = pair(c, pin);
    EXPECT_TRUE(o.paired) << "stopped at " << o.stopped_at << ": " << o.last.text;
    return c;
  }

  /// Launch, RTSP, control and pings, until a frame (and, with sound, audio) arrived.
  void stream(GsClient& c, const StreamRequest& s) {
    const std::uint32_t app = c.desktop_app_id();
    ASSERT_NE(app, 0U) << "no Desktop in /applist";
    const auto launched = c.launch(s, app);
    ASSERT_EQ(launched.status_code(), 200) << launched.text;
    ASSERT_EQ(launched.value("gamesession"), "1") << launched.text;
    const auto ok = c.handshake(s);
    ASSERT_TRUE(ok) << ok.error().message;
    c.start_media();
    ASSERT_TRUE(c.wait_media([&](const MediaView& v) { return v.frames >= 1 && (!pulse_ || v.audio_packets >= 8); }))
        << "video frames " << c.media().frames << ", audio packets " << c.media().audio_packets;
  }

  std::optional<gshost::GameStreamSessionInfo> session_of(const GsClient& c) const {
    for (auto& s : host_->sessions()) {
      if (s.fingerprint == c.fingerprint()) {
        return s;
      }
    }
    return std::nullopt;
  }

  bool session_eventually(const GsClient& c, const std::function<bool(const gshost::GameStreamSessionInfo&)>& done) {
    return eventually([&] {
      const auto s = session_of(c);
      return s && done(*s);
    });
  }

  std::vector<vdisplay::SlotView> slots_of(const GsClient& c) const {
    std::vector<vdisplay::SlotView> out;
    for (auto& s : displays_->snapshot()) {
      if (s.client == c.fingerprint()) {
        out.push_back(s);
      }
    }
    return out;
  }

  test::TempDir dir_;
  std::unique_ptr<audio::PulseServer> pulse_;
  std::optional<vdisplay::DisplayService> displays_;
  std::optional<pairing::PairingService> pairing_;
  std::unique_ptr<gshost::GameStreamHost> host_;
  std::vector<std::unique_ptr<GsClient>> clients_;
};

// --- pairing --------------------------------------------------------------------

TEST_F(GameStreamE2e, AClientPairsWithThePinTheOperatorEnters) {
  ASSERT_NO_FATAL_FAILURE(start_host());
  GsClient& c = new_client("4711");
  const auto before = c.http("/serverinfo");
  EXPECT_EQ(before.http_status, 200);
  EXPECT_EQ(before.status_code(), 200);
  EXPECT_EQ(before.value("PairStatus"), "0");
  EXPECT_EQ(before.value("appversion"), "7.1.431.-1");

  PairOutcome o;
  std::jthread pairing([&] { o = c.pair(); });
  ASSERT_TRUE(eventually([&] { return host_->pin_request().has_value(); }));
  const auto waiting = host_->pin_request();
  ASSERT_TRUE(waiting);
  EXPECT_EQ(waiting->fingerprint, c.fingerprint()) << "the host shows who waits";
  EXPECT_EQ(waiting->device_name, "e2e");
  EXPECT_EQ(gshost::status_json(*host_)["pin_request"]["fingerprint"], c.fingerprint());
  EXPECT_FALSE(host_->submit_pin("12a4")) << "four digits only";
  ASSERT_TRUE(host_->submit_pin("4711"));
  pairing.join();
  ASSERT_TRUE(o.paired) << "stopped at " << o.stopped_at << ": " << o.last.text;
  EXPECT_FALSE(host_->pin_request());

  const auto trusted = pairing_->trusted(c.fingerprint(), pairing::Protocol::gamestream);
  ASSERT_TRUE(trusted) << "the certificate is in the trust store";
  EXPECT_EQ(trusted->name, "e2e");
  EXPECT_EQ(trusted->access, pairing::Access::full);
  EXPECT_FALSE(pairing_->trusted(c.fingerprint(), pairing::Protocol::native)) << "a GameStream pairing only";

  const auto secure = c.https("/serverinfo");
  EXPECT_EQ(secure.status_code(), 200) << secure.text;
  EXPECT_EQ(secure.value("PairStatus"), "1");
  EXPECT_EQ(secure.value("currentgame"), "0");
  EXPECT_EQ(c.http("/serverinfo").value("PairStatus"), "0") << "plain HTTP never says paired";
  const auto apps = c.https("/applist").apps();
  ASSERT_FALSE(apps.empty());
  EXPECT_EQ(apps.front().second, "Desktop");
}

TEST_F(GameStreamE2e, AWrongPinNeverPairs) {
  ASSERT_NO_FATAL_FAILURE(start_host());
  // A client that checks only the signature (moonlight-embedded) learns it
  // from the host at step 4; one that checks the host's hash too (Qt,
  // Android) catches it itself after step 3.
  GsClient& embedded = new_client("1234", ServerProofCheck::signature_only);
  const auto refused = pair(embedded, "4321");
  EXPECT_FALSE(refused.paired);
  EXPECT_EQ(refused.stopped_at, "clientpairingsecret") << refused.last.text;
  EXPECT_EQ(refused.last.value("paired"), "0") << refused.last.text;

  GsClient& qt = new_client("1234", ServerProofCheck::signature_and_hash);
  const auto caught = pair(qt, "4321");
  EXPECT_FALSE(caught.paired);
  EXPECT_EQ(caught.stopped_at, "serverchallengeresp");
  EXPECT_EQ(caught.client_failure, ClientFailure::wrong_pin);

  for (GsClient* c : {&embedded, &qt}) {
    EXPECT_FALSE(pairing_->trusted(c->fingerprint(), pairing::Protocol::gamestream));
    const auto secure = c->https("/serverinfo");
    EXPECT_EQ(secure.status_code(), 401) << secure.text;
    EXPECT_NE(secure.value("PairStatus"), "1");
  }
}

TEST_F(GameStreamE2e, AnUnpairedCertificateLearnsNothingOverHttps) {
  ASSERT_NO_FATAL_FAILURE(start_host());
  GsClient& c = new_client();
  for (const char* path : {"/serverinfo", "/applist", "/launch", "/cancel", "/pair"}) {
    const auto x = c.https(path, "phrase=pairchallenge");
    EXPECT_EQ(x.http_status, 200) << path << ": errors are said in the XML";
    EXPECT_EQ(x.status_code(), 401) << path << ": " << x.text;
    EXPECT_NE(x.value("PairStatus"), "1") << path;
    EXPECT_NE(x.value("paired"), "1") << path;
  }
  // Over plain HTTP serverinfo answers, never paired; the rest wants pairing.
  EXPECT_EQ(c.http("/serverinfo").value("PairStatus"), "0");
  EXPECT_EQ(c.http("/applist").status_code(), 401);
  EXPECT_EQ(c.launch({}, 1).status_code(), 401) << "launch is HTTPS and paired only";
}

TEST_F(GameStreamE2e, WithoutAPinInTimeTheHostAnswersNotPaired) {
  ASSERT_NO_FATAL_FAILURE(start_host({.pin_wait = std::chrono::seconds(1)}));
  GsClient& c = new_client();
  const auto o = pair(c, "");
  EXPECT_FALSE(o.paired);
  EXPECT_EQ(o.stopped_at, "getservercert");
  EXPECT_EQ(o.last.status_code(), 200) << o.last.text;
  EXPECT_EQ(o.last.value("paired"), "0") << o.last.text;
  EXPECT_FALSE(host_->pin_request()) << "the request is gone";
  EXPECT_FALSE(host_->submit_pin("1234")) << "nobody waits for it now";
  EXPECT_FALSE(pairing_->trusted(c.fingerprint(), pairing::Protocol::gamestream));
}

// --- streaming ------------------------------------------------------------------

TEST_F(GameStreamE2e, ALaunchedSessionStreamsVideoAndAudioAndTakesControlMessages) {
  ASSERT_NO_FATAL_FAILURE(start_host({.sound = true}));
  GsClient& c = paired_client("1234");
  const StreamRequest s{.width = 1280, .height = 720, .fps = 30, .encryption = kAllEncryption};
  ASSERT_NO_FATAL_FAILURE(stream(c, s));
  EXPECT_TRUE(c.session_url().starts_with("rtspenc://127.0.0.1:")) << c.session_url();

  const MediaView first = c.media();
  EXPECT_TRUE(first.control_connected);
  EXPECT_EQ(first.first_frame_index, 1U);
  EXPECT_EQ(first.first_frame_type, static_cast<std::uint8_t>(gamestream::FrameType::idr));
  EXPECT_TRUE(first.first_frame_has_sps_before_idr) << "the IDR carries its SPS in band";
  EXPECT_EQ(first.video_auth_failed, 0U) << "every video shard opened with the session key";
  EXPECT_EQ(first.video_corrupt, 0U);
  EXPECT_GE(first.audio_packets, 8U);
  EXPECT_EQ(first.audio_decrypt_failed, 0U);
  EXPECT_EQ(first.audio_celt_packets, first.audio_packets) << "what decrypts is the host's Opus";

  ASSERT_TRUE(session_eventually(c, [](const auto& i) { return i.state == "streaming" && i.frames > 0; }));
  const auto status = gshost::status_json(*host_);
  ASSERT_EQ(status["sessions"].size(), 1U) << status.dump(2);
  const auto& session = status["sessions"][0];
  EXPECT_EQ(session["state"], "streaming");
  EXPECT_EQ(session["fingerprint"], c.fingerprint());
  EXPECT_EQ(session["app"], "desktop");
  EXPECT_EQ(session["mode"]["width"], 1280);
  EXPECT_EQ(session["mode"]["height"], 720);
  EXPECT_EQ(session["codec"], "h264");
  EXPECT_EQ(session["encryption"], kAllEncryption);
  EXPECT_GT(session["frames"].get<std::uint64_t>(), 0U);
  const auto busy = c.https("/serverinfo");
  EXPECT_EQ(busy.value("currentgame"), std::to_string(c.desktop_app_id()));
  EXPECT_EQ(busy.value("state"), "SUNSHINE_SERVER_BUSY");

  // An IDR request (beyond the one the client sent on connecting) brings a new IDR.
  ASSERT_TRUE(session_eventually(c, [](const auto& i) { return i.idr_requests >= 1; }));
  const std::uint64_t frames_now = c.media().frames;
  ASSERT_TRUE(c.wait_media([&](const MediaView& v) { return v.frames >= frames_now + 5; }));
  const std::uint32_t last = c.media().last_frame_index;
  const std::uint64_t requests = session_of(c)->idr_requests;
  c.send(gamestream::RequestIdr{});
  EXPECT_TRUE(session_eventually(c, [&](const auto& i) { return i.idr_requests > requests; }));
  EXPECT_TRUE(c.wait_media([&](const MediaView& v) { return v.last_idr_index > last; }))
      << "no IDR after frame " << last;
  EXPECT_GT(c.media().idr_frames_with_sps, 1U);

  // Reference invalidation: the client says it lost a frame it had; the
  // host answers with a frame that references nothing from there on (the
  // software encoder can), typed "after invalidation", not an IDR.
  // Lose two P-frames well after the last IDR, so older references remain.
  const std::uint32_t idrs = c.media().last_idr_index;
  ASSERT_TRUE(c.wait_media([&](const MediaView& v) { return v.last_frame_index >= idrs + 6; }));
  const std::uint32_t seen = c.media().last_frame_index;
  const std::uint64_t invalidations = session_of(c)->invalidations;
  c.send(gamestream::InvalidateReferences{.first_frame = seen - 1, .last_frame = seen});
  EXPECT_TRUE(session_eventually(c, [&](const auto& i) { return i.invalidations > invalidations; }));
  EXPECT_TRUE(c.wait_media([&](const MediaView& v) { return v.last_recovery_index > seen; }))
      << "no recovery frame after frame " << seen;
  EXPECT_EQ(c.media().last_idr_index, idrs) << "invalidation was answered without an IDR";

  // Input reaches the session's gate; a synthetic display takes none of it.
  std::vector<std::uint8_t> key_down;
  std::vector<std::uint8_t> key_up;
  std::vector<std::uint8_t> mouse;
  gamestream::append_input(gamestream::KeyInput{.down = true, .vk = 0x41}, key_down);
  gamestream::append_input(gamestream::KeyInput{.down = false, .vk = 0x41}, key_up);
  gamestream::append_input(gamestream::MouseMoveInput{.dx = 5, .dy = -3}, mouse);
  for (const auto* packet : {&key_down, &key_up, &mouse}) {
    c.send(gamestream::InputData{*packet});
  }
  ASSERT_TRUE(session_eventually(c, [](const auto& i) { return i.input.received >= 3; }))
      << "received " << session_of(c)->input.received;
  const auto input = session_of(c)->input;
  EXPECT_EQ(input.malformed, 0U);
  EXPECT_EQ(input.injected, 0U) << "synthetic displays cannot inject";
  EXPECT_EQ(input.unsupported, input.received);
  EXPECT_EQ(session_of(c)->control_rejected, 0U);
  const auto end = c.media();
  EXPECT_EQ(end.frames_lost, 0U) << "loopback, FEC: nothing lost";
  std::cout << "client saw " << end.frames << " frames (" << end.idr_frames << " IDR), " << end.audio_packets
            << " audio packets (" << end.audio_lost << " lost), " << end.control_messages << " control messages\n";
}

TEST_F(GameStreamE2e, PlainRtspStreamsForAClientWithoutRtspEncryption) {
  ASSERT_NO_FATAL_FAILURE(start_host({.sound = true}));
  GsClient& c = paired_client("1234");
  const std::uint32_t app = c.desktop_app_id();

  // Told rtspenc://, the session takes no plain RTSP.
  StreamRequest sealed;
  ASSERT_EQ(c.launch(sealed, app).status_code(), 200);
  ASSERT_TRUE(c.session_url().starts_with("rtspenc://")) << c.session_url();
  const auto refused = c.rtsp_as(false, "OPTIONS", "rtsp://127.0.0.1");
  ASSERT_TRUE(refused.answered);
  EXPECT_EQ(refused.status, 454);
  const auto accepted = c.rtsp_as(true, "OPTIONS", "rtsp://127.0.0.1");
  ASSERT_TRUE(accepted.answered);
  EXPECT_EQ(accepted.status, 200);
  EXPECT_EQ(accepted.cseq, 2U);

  // No corever: plain RTSP, and no encryption asked for at all (the legacy
  // control IV, audio in the clear).
  const StreamRequest plain{.rtsp_encryption = false, .encryption = 0, .nv_feature_flags = 0x07};
  ASSERT_NO_FATAL_FAILURE(stream(c, plain));
  EXPECT_TRUE(c.session_url().starts_with("rtsp://127.0.0.1:")) << c.session_url();
  const auto v = c.media();
  EXPECT_EQ(v.first_frame_type, static_cast<std::uint8_t>(gamestream::FrameType::idr));
  EXPECT_TRUE(v.first_frame_has_sps_before_idr);
  EXPECT_EQ(v.audio_celt_packets, v.audio_packets);
  ASSERT_TRUE(session_eventually(c, [](const auto& i) { return i.state == "streaming" && i.idr_requests >= 1; }))
      << "the client's IDR request, sealed with the legacy IV, was taken";
  EXPECT_EQ(session_of(c)->encryption, 0U);
  EXPECT_EQ(session_of(c)->control_rejected, 0U);
  EXPECT_EQ(host_->sessions().size(), 1U) << "the second launch replaced the first";
}

TEST_F(GameStreamE2e, CancelEndsTheSessionWithAGracefulTermination) {
  ASSERT_NO_FATAL_FAILURE(start_host());
  GsClient& c = paired_client("1234");
  ASSERT_NO_FATAL_FAILURE(stream(c, {}));
  ASSERT_TRUE(session_eventually(c, [](const auto& i) { return i.state == "streaming"; }));
  ASSERT_EQ(slots_of(c).size(), 1U);

  const auto cancelled = c.https("/cancel");
  EXPECT_EQ(cancelled.status_code(), 200);
  EXPECT_EQ(cancelled.value("cancel"), "1");
  EXPECT_TRUE(c.wait_media([](const MediaView& v) { return !v.terminations.empty() && v.control_disconnected; }))
      << "no termination and disconnect from the host";
  const auto v = c.media();
  ASSERT_EQ(v.terminations.size(), 1U);
  EXPECT_EQ(v.terminations.front(), gamestream::kTerminationGraceful);
  EXPECT_TRUE(session_eventually(c, [](const auto& i) { return i.state == "ended"; }));
  EXPECT_EQ(session_of(c)->end_reason, "quit");
  const auto info = c.https("/serverinfo");
  EXPECT_EQ(info.value("currentgame"), "0");
  EXPECT_EQ(info.value("state"), "SUNSHINE_SERVER_FREE");
  EXPECT_TRUE(eventually([&] { return slots_of(c).empty(); })) << "a quit display goes at once";
  EXPECT_EQ(c.https("/resume", "rikey=00000000000000000000000000000000&rikeyid=1").status_code(), 404)
      << "nothing to resume after a cancel";
}

TEST_F(GameStreamE2e, AfterADisconnectTheClientResumesOnAFreshDisplay) {
  ASSERT_NO_FATAL_FAILURE(start_host());
  GsClient& c = paired_client("1234");
  const StreamRequest s;
  ASSERT_NO_FATAL_FAILURE(stream(c, s));
  ASSERT_TRUE(session_eventually(c, [](const auto& i) { return i.state == "streaming"; }));
  const std::uint64_t first_id = session_of(c)->id;
  const auto first_slots = slots_of(c);
  ASSERT_EQ(first_slots.size(), 1U);
  EXPECT_EQ(first_slots[0].state, vdisplay::DisplayState::active);

  // The client goes away without /cancel.
  c.drop_control();
  ASSERT_TRUE(c.wait_media([](const MediaView& v) { return v.control_disconnected; }));
  ASSERT_TRUE(session_eventually(c, [](const auto& i) { return i.state == "ended"; }));
  EXPECT_EQ(session_of(c)->end_reason, "disconnected");
  c.stop_media();
  const std::uint32_t app = c.desktop_app_id();
  const auto dropped = c.https("/serverinfo");
  EXPECT_EQ(dropped.value("currentgame"), std::to_string(app)) << "the game still runs for it";
  EXPECT_EQ(dropped.value("state"), "SUNSHINE_SERVER_BUSY") << "so Moonlight offers to resume it";
  ASSERT_TRUE(eventually([&] {
    const auto slots = slots_of(c);
    return slots.size() == 1 && slots[0].state == vdisplay::DisplayState::lingering;
  })) << "the display lingers";

  // Resume with a new key: a new session on a fresh display.
  const auto resumed = c.launch(s, 0, true);
  ASSERT_EQ(resumed.status_code(), 200) << resumed.text;
  EXPECT_EQ(resumed.value("resume"), "1");
  const auto ok = c.handshake(s);
  ASSERT_TRUE(ok) << ok.error().message;
  c.start_media();
  ASSERT_TRUE(c.wait_media([](const MediaView& v) { return v.frames >= 1; }));
  EXPECT_EQ(c.media().first_frame_type, static_cast<std::uint8_t>(gamestream::FrameType::idr));
  ASSERT_TRUE(session_eventually(c, [&](const auto& i) { return i.id != first_id && i.state == "streaming"; }));
  EXPECT_GT(session_of(c)->id, first_id);
  EXPECT_EQ(host_->sessions().size(), 1U);
  const auto slots = slots_of(c);
  ASSERT_EQ(slots.size(), 1U) << "the lingering display was replaced, not kept beside";
  EXPECT_EQ(slots[0].state, vdisplay::DisplayState::active);
  EXPECT_TRUE(slots[0].display != first_slots[0].display || slots[0].generation != first_slots[0].generation)
      << "a fresh display, not the lingering one";
}

TEST_F(GameStreamE2e, TwoClientsStreamAtOnceEachOnADisplayOfItsOwnMode) {
  ASSERT_NO_FATAL_FAILURE(start_host());
  GsClient& a = paired_client("1234");
  GsClient& b = paired_client("5678");
  ASSERT_NE(a.fingerprint(), b.fingerprint());
  ASSERT_NO_FATAL_FAILURE(stream(a, {.width = 1280, .height = 720}));
  ASSERT_NO_FATAL_FAILURE(stream(b, {.width = 640, .height = 480}));
  for (GsClient* c : {&a, &b}) {
    const auto before = c->media().frames;
    EXPECT_TRUE(c->wait_media([&](const MediaView& v) { return v.frames >= before + 3; })) << "both keep streaming";
    EXPECT_EQ(c->media().first_frame_type, static_cast<std::uint8_t>(gamestream::FrameType::idr));
    EXPECT_TRUE(session_eventually(*c, [](const auto& i) { return i.state == "streaming"; }));
  }
  const auto sessions = host_->sessions();
  ASSERT_EQ(sessions.size(), 2U);
  EXPECT_NE(sessions[0].id, sessions[1].id);
  const auto slots_a = slots_of(a);
  const auto slots_b = slots_of(b);
  ASSERT_EQ(slots_a.size(), 1U);
  ASSERT_EQ(slots_b.size(), 1U);
  EXPECT_NE(slots_a[0].display, slots_b[0].display);
  EXPECT_EQ(slots_a[0].mode.width, 1280U);
  EXPECT_EQ(slots_a[0].mode.height, 720U);
  EXPECT_EQ(slots_b[0].mode.width, 640U);
  EXPECT_EQ(slots_b[0].mode.height, 480U);
  EXPECT_EQ(session_of(a)->width, 1280U);
  EXPECT_EQ(session_of(b)->width, 640U);
}

TEST_F(GameStreamE2e, MalformedInputNeverHurtsTheHost) {
  ASSERT_NO_FATAL_FAILURE(start_host());
  GsClient& c = paired_client("1234");
  // nvhttp: unknown paths, bad queries, a pairing step out of nowhere.
  EXPECT_EQ(c.https("/nosuchthing").status_code(), 404);
  EXPECT_EQ(c.http("/nosuchthing").status_code(), 404);
  EXPECT_EQ(c.http("/serverinfo", "bad=%zz").status_code(), 400);
  EXPECT_EQ(c.http("/pair", "clientchallenge=00").status_code(), 400);
  EXPECT_EQ(c.https("/launch", "appid=1&rikey=nothex&rikeyid=1").status_code(), 400);
  EXPECT_EQ(c.https("/launch", "appid=1&rikey=00000000000000000000000000000000&rikeyid=1&mode=big").status_code(),
            400);

  // RTSP: garbage, a sealed message no session's key opens, an endless header.
  const std::uint32_t app = c.desktop_app_id();
  ASSERT_EQ(c.launch({}, app).status_code(), 200);
  EXPECT_TRUE(c.rtsp_raw("HELLO\r\n\r\n").starts_with("RTSP/1.0 400")) << "a request line that is none";
  EXPECT_EQ(c.rtsp_raw(std::string("\x80\x00\x00\x20", 4) + std::string(56, 'x')), "") << "closed, unanswered";
  EXPECT_EQ(c.rtsp_raw(std::string("\xff\xff\xff\xff", 4) + std::string(28, 'y')), "") << "a length beyond the limit";
  EXPECT_TRUE(c.rtsp_raw("OPTIONS * RTSP/1.0\r\n" + std::string(9000, 'A')).starts_with("RTSP/1.0 4"));

  // The host still serves: a whole session streams.
  ASSERT_NO_FATAL_FAILURE(stream(c, {}));
  // A control packet that is no sealed message is refused and counted; the session goes on.
  c.send_raw({0x01, 0x00, 0x30, 0x00, 1, 2, 3, 4, 5, 6, 7, 8});
  std::vector<std::uint8_t> forged(40, 0x5a);
  forged[0] = 0x01;
  forged[1] = 0x00;
  forged[2] = 36;  // the length agrees; the tag cannot
  forged[3] = 0x00;
  c.send_raw(forged);
  ASSERT_TRUE(session_eventually(c, [](const auto& i) { return i.control_rejected >= 2; }));
  const auto frames = c.media().frames;
  EXPECT_TRUE(c.wait_media([&](const MediaView& v) { return v.frames >= frames + 5; })) << "the stream goes on";
  EXPECT_EQ(session_of(c)->state, "streaming");
  ASSERT_TRUE(session_eventually(c, [](const auto& i) { return i.idr_requests >= 1; }));
  const std::uint64_t requests = session_of(c)->idr_requests;
  c.send(gamestream::RequestIdr{});
  EXPECT_TRUE(session_eventually(c, [&](const auto& i) { return i.idr_requests > requests; }))
      << "sealed messages still open after forged ones";
  // A control connection whose connect data names no session is sent away.
  EXPECT_TRUE(c.control_refused(c.connect_data() + 1));
  EXPECT_EQ(session_of(c)->state, "streaming") << "a stranger's connection leaves the session alone";
  EXPECT_EQ(c.https("/serverinfo").status_code(), 200);
  // Every refusal above was counted where the operator can see it.
  const auto refused = gshost::status_json(*host_)["refused"];
  EXPECT_GE(refused["nvhttp"].get<std::uint64_t>(), 5U) << refused.dump();
  EXPECT_GE(refused["rtsp"].get<std::uint64_t>(), 2U) << refused.dump();
  EXPECT_GE(refused["control"].get<std::uint64_t>(), 1U) << refused.dump();
}

}  // namespace
}  // namespace pf::gstest
