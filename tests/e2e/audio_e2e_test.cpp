// Sound end to end (label av): a real sound server (this machine's, else
// the pulseaudio PulseServer starts), an in-process host whose sessions
// make their sinks in it, a real punktfunk-client writing what it plays to
// a WAV file, and a 1 kHz tone played into the session's sink.
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "audio/player.hpp"
#include "audio/tone.hpp"
#include "e2e/streaming_fixture.hpp"
#include "pf/audio/pulse.hpp"

namespace pf::e2e {
namespace {

using namespace std::chrono_literals;

constexpr double kAmplitude = 0.5;  // −6 dBFS

// Our client's WAV (16-bit PCM, the 44-byte header it writes), as floats.
std::vector<float> read_wav(const std::filesystem::path& file, unsigned& channels) {
  std::ifstream in(file, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 44 || std::string(bytes.data(), 4) != "RIFF" || std::string(bytes.data() + 36, 4) != "data") {
    ADD_FAILURE() << file << " is not a WAV file of ours";
    return {};
  }
  channels = static_cast<unsigned char>(bytes[22]);
  std::vector<float> out((bytes.size() - 44) / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto lo = static_cast<unsigned char>(bytes[44 + 2 * i]);
    const auto hi = static_cast<unsigned char>(bytes[45 + 2 * i]);
    out[i] = static_cast<float>(static_cast<std::int16_t>(static_cast<std::uint16_t>(lo | hi << 8))) / 32767.0F;
  }
  return out;
}

class Audio : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = audio::PulseServer::ensure(dir_.path() / "pulse");
    ASSERT_TRUE(server) << server.error().message;
    pulse_ = std::move(*server);
    host_.emplace(vdisplay::Backend::synthetic, 10s, true, [this](session::ServerConfig& c) { c.pulse = pulse_.get(); });
  }
  void TearDown() override {
    host_.reset();  // sessions end before the server goes
    pulse_.reset();
  }

  // Streams with `args`, plays 3 s of tone into the session's sink once
  // pictures flow; the client's report and its WAV's samples.
  Report stream_tone(const std::vector<std::string>& args, std::vector<float>& samples, unsigned& channels) {
    const auto wav = dir_.path() / fmt::format("out-{}.wav", runs_++);
    std::vector<std::string> all = {"--mode", "640x360@60", "--seconds", "5", "--audio-out", wav.string()};
    all.insert(all.end(), args.begin(), args.end());
    auto client = host_->start_client(all, 0);
    EXPECT_TRUE(client->wait_for_frames());
    std::string sink;
    for (const auto& s : host_->server().sessions()) {
      if (s.state == session::SessionState::streaming) {
        sink = s.audio.sink;
      }
    }
    EXPECT_FALSE(sink.empty()) << "the session has no sink";
    {
      audio::tone::Player player(pulse_->address(), sink, 2, audio::tone::tone(1000, kAmplitude, 3.0, 2));
    }
    auto report = client->finish();
    samples = read_wav(wav, channels);
    return report;
  }

  pf::test::TempDir dir_;
  std::unique_ptr<audio::PulseServer> pulse_;
  std::optional<Host> host_;
  int runs_ = 0;
};

TEST_F(Audio, AToneInTheSessionsSinkArrivesAtItsFrequencyAndLevelWithLatencyReported) {
  unsigned channels = 0;
  std::vector<float> samples;
  const auto r = stream_tone({}, samples, channels);
  EXPECT_EQ(channels, 2U);
  EXPECT_EQ(r.number("audio_channels"), 2);
  for (unsigned c = 0; c < 2; ++c) {
    const auto f = audio::tone::measure(samples, channels, c, kAmplitude);
    ASSERT_TRUE(f) << "no tone in channel " << c;
    EXPECT_NEAR(f->hz, 1000, 10) << "±1 %";
    EXPECT_NEAR(f->level_db, 0, 1) << "±1 dB";
    EXPECT_EQ(f->longest_dip_ms, 0);
    std::cout << "channel " << c << ": " << f->hz << " Hz, " << f->level_db << " dB\n";
  }
  EXPECT_GT(r.number("audio_frames_played"), 500);
  EXPECT_EQ(r.number("audio_frames_malformed"), 0);
  EXPECT_GT(r.number("audio_latency_p50_ms"), 0);
  std::cout << "capture → played p50 " << r.number("audio_latency_p50_ms") << " ms, p99 "
            << r.number("audio_latency_p99_ms") << " ms; A/V offset " << r.number("av_offset_ms") << " ms\n";
  const auto s = host_->ended_session(r);
  EXPECT_EQ(s.audio.channels, 2U);
  EXPECT_GE(s.audio.frames, static_cast<std::uint64_t>(r.number("audio_frames_received")));
  EXPECT_EQ(s.audio.errors, 0U);
  // The sink went with the session.
  EXPECT_FALSE(audio::MonitorCapture::open(pulse_->address(), s.audio.sink + ".monitor", 2, "test"));
}

TEST_F(Audio, WithFivePercentLossTheToneHasNoGapLongerThanOneFrame) {
  unsigned channels = 0;
  std::vector<float> samples;
  const auto r = stream_tone({"--test-drop-pct", "5", "--test-drop-seed", "7"}, samples, channels);
  const auto f = audio::tone::measure(samples, channels, 0, kAmplitude);
  ASSERT_TRUE(f) << "no tone";
  // Lost frames come back from the next packet's copy, or are concealed;
  // what is left is at most one frame (5 ms) below half the tone's level.
  EXPECT_LE(f->longest_dip_ms, 5);
  EXPECT_NEAR(f->hz, 1000, 10);
  EXPECT_GT(r.number("audio_frames_lost"), 0);
  EXPECT_GT(r.number("audio_frames_from_redundancy"), 0);
  std::cout << "lost " << r.number("audio_frames_lost") << ", from the redundant copy "
            << r.number("audio_frames_from_redundancy") << ", concealed " << r.number("audio_frames_concealed")
            << "; longest dip " << f->longest_dip_ms << " ms, level " << f->level_db << " dB\n";
}

TEST_F(Audio, AClientThatAsksForNoSoundGetsNone) {
  const auto r = host_->run_client({"--mode", "640x360@60", "--seconds", "1", "--audio-channels", "0"});
  EXPECT_EQ(r.number("audio_channels"), 0);
  EXPECT_EQ(host_->ended_session(r).audio.channels, 0U);
}

TEST_F(Audio, A51SessionGetsASixChannelSink) {
  const auto wav = dir_.path() / "surround.wav";
  const auto r = host_->run_client(
      {"--mode", "640x360@60", "--seconds", "1", "--audio-channels", "6", "--audio-out", wav.string()});
  EXPECT_EQ(r.number("audio_channels"), 6);
  EXPECT_GT(r.number("audio_frames_played"), 100) << r.json.dump();
  unsigned channels = 0;
  (void)read_wav(wav, channels);
  EXPECT_EQ(channels, 6U);
  const auto s = host_->ended_session(r);
  EXPECT_EQ(s.audio.channels, 6U);
  EXPECT_EQ(s.audio.errors, 0U);
  EXPECT_GT(s.audio.frames, 100U);
}

}  // namespace
}  // namespace pf::e2e
