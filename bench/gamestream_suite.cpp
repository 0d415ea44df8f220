// gamestream: GameStream's media packet formats, each beside the floor of
// the work it must do, measured in turn within each iteration.
//
// A 1080p keyframe-sized access unit (150 KiB of random bytes), packet size
// 1392 (Moonlight on a LAN), 20 % parity with the client's minimum of 2:
//   video_packetize_us / video_packetize_sealed_us — our VideoPacketizer,
//     plain and with SS_ENC_VIDEO (AES-128-GCM per shard), per frame;
//   video_fec_floor_us — ISA-L's ec_encode_data over the same blocks (same
//     Moonlight Cauchy rows, tables prepared outside the loop) plus one copy
//     of the frame: what any host must spend;
//   video_packetize_vs_floor_ratio = ours ÷ floor (plain).
// Audio, one 5 ms CBR Opus packet (96 bytes) with AES-128-CBC, a FEC block
// every 4th packet:
//   audio_packetize_ns — our AudioPacketizer, per packet (FEC amortised);
//   audio_cbc_floor_ns — OpenSSL's AES-128-CBC of the same bytes alone;
//   audio_packetize_vs_floor_ratio = ours ÷ floor.
#include <isa-l/erasure_code.h>
#include <openssl/evp.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "pf/gamestream/audio_packets.hpp"
#include "pf/gamestream/video_packets.hpp"
#include "isal_reference.hpp"
#include "suite.hpp"

namespace pf::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint32_t kPacketSize = 1392;
constexpr std::size_t kFrameBytes = 150 * 1024;
constexpr std::uint32_t kPct = 20;

std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint64_t seed) {
  std::vector<std::uint8_t> out(n);
  std::mt19937_64 rng(seed);
  for (auto& b : out) {
    b = static_cast<std::uint8_t>(rng());
  }
  return out;
}

void bm_video(benchmark::State& state, bool sealed) {
  auto packetizer = gamestream::VideoPacketizer::create(
      {.packet_size = kPacketSize, .fec_percentage = kPct, .min_required_fec_packets = 2, .encrypt = sealed});
  if (!packetizer) {
    state.SkipWithError(packetizer.error().message.c_str());
    return;
  }
  const auto au = random_bytes(kFrameBytes, 7);
  // The floor: the same blocks' parity by ISA-L over shards of the same
  // size, and one copy of the frame into them.
  const std::size_t shard = kPacketSize + 16;
  const auto data_shards = static_cast<std::uint32_t>((au.size() + 8 + kPacketSize - 16 - 1) / (kPacketSize - 16));
  const auto plan = gamestream::plan_video_frame(data_shards, kPct, 2).value();
  struct Floor {
    std::size_t k, m;
    std::vector<unsigned char> tables;
    std::vector<std::uint8_t> bytes;
    std::vector<std::uint8_t*> ptrs;
  };
  std::vector<Floor> floors;
  for (std::uint32_t b = 0; b < plan.blocks; ++b) {
    Floor f{plan.block[b].data_shards, plan.block[b].parity_shards, {}, {}, {}};
    auto rows = cauchy_rows(f.k, f.m);
    f.tables.resize(32 * f.k * f.m);
    ec_init_tables(static_cast<int>(f.k), static_cast<int>(f.m), rows.data(), f.tables.data());
    f.bytes.resize((f.k + f.m) * shard);
    for (std::size_t i = 0; i < f.k + f.m; ++i) {
      f.ptrs.push_back(f.bytes.data() + i * shard);
    }
    floors.push_back(std::move(f));
  }
  double ours_ns = 0;
  double floor_ns = 0;
  std::uint32_t frame = 1;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    auto datagrams = packetizer->packetize({.frame_index = frame++,
                                            .rtp_timestamp = frame * 1500,
                                            .frame_type = gamestream::FrameType::idr,
                                            .host_latency_tenths_ms = 10,
                                            .ltr_frame = false,
                                            .access_unit = au});
    if (!datagrams) {
      state.SkipWithError(datagrams.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(datagrams->data());
    const auto t1 = Clock::now();
    std::size_t at = 0;
    for (auto& f : floors) {
      for (std::size_t i = 0; i < f.k && at < au.size(); ++i) {
        const std::size_t n = std::min(au.size() - at, static_cast<std::size_t>(kPacketSize - 16));
        std::memcpy(f.ptrs[i] + 32, au.data() + at, n);
        at += n;
      }
      ec_encode_data(static_cast<int>(shard), static_cast<int>(f.k), static_cast<int>(f.m), f.tables.data(),
                     f.ptrs.data(), f.ptrs.data() + f.k);
    }
    benchmark::ClobberMemory();
    const auto t2 = Clock::now();
    ours_ns += std::chrono::duration<double, std::nano>(t1 - t0).count();
    floor_ns += std::chrono::duration<double, std::nano>(t2 - t1).count();
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["ours_ns"] = ours_ns / n;
  state.counters["floor_ns"] = floor_ns / n;
}

void bm_audio(benchmark::State& state) {
  gamestream::AesKey key{};
  key[0] = 1;
  auto packetizer = gamestream::AudioPacketizer::create(
      {.encrypt = true, .key = key, .rikeyid = 12345, .packet_duration_ms = 5, .first_sequence = 0, .first_timestamp = 0});
  if (!packetizer) {
    state.SkipWithError(packetizer.error().message.c_str());
    return;
  }
  const auto opus = random_bytes(96, 3);
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::vector<std::uint8_t> out(opus.size() + 32);
  const std::array<std::uint8_t, 16> iv{};
  double ours_ns = 0;
  double floor_ns = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    auto datagrams = packetizer->packetize(opus);
    if (!datagrams) {
      state.SkipWithError(datagrams.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(datagrams->data());
    const auto t1 = Clock::now();
    int len = 0;
    int tail = 0;
    EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr, key.data(), iv.data());
    EVP_EncryptUpdate(ctx.get(), out.data(), &len, opus.data(), static_cast<int>(opus.size()));
    EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &tail);
    benchmark::DoNotOptimize(out.data());
    const auto t2 = Clock::now();
    ours_ns += std::chrono::duration<double, std::nano>(t1 - t0).count();
    floor_ns += std::chrono::duration<double, std::nano>(t2 - t1).count();
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["ours_ns"] = ours_ns / n;
  state.counters["floor_ns"] = floor_ns / n;
}

void register_cases() {
  benchmark::RegisterBenchmark("gamestream/video", bm_video, false);
  benchmark::RegisterBenchmark("gamestream/video_sealed", bm_video, true);
  benchmark::RegisterBenchmark("gamestream/audio", bm_audio);
}

Report report(const Timings& t) {
  Report r;
  const double ours = counter(t, "video.ours_ns");
  const double floor = counter(t, "video.floor_ns");
  r.emplace_back("video_packetize_us", ours / 1e3);
  r.emplace_back("video_packetize_sealed_us", counter(t, "video_sealed.ours_ns") / 1e3);
  r.emplace_back("video_fec_floor_us", floor / 1e3);
  r.emplace_back("video_packetize_vs_floor_ratio", ours / floor);
  const double audio = counter(t, "audio.ours_ns");
  const double cbc = counter(t, "audio.floor_ns");
  r.emplace_back("audio_packetize_ns", audio);
  r.emplace_back("audio_cbc_floor_ns", cbc);
  r.emplace_back("audio_packetize_vs_floor_ratio", audio / cbc);
  return r;
}

}  // namespace

const Suite& gamestream_suite() {
  static const Suite suite{"gamestream", "GameStream video and audio packets beside the floor of their work",
                           register_cases, report};
  return suite;
}

}  // namespace pf::bench
