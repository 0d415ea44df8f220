// GameStream audio: the packetizer (RTP, CBC encryption, the fixed-matrix
// FEC) and the client's reassembly. The layout is in audio_packets.hpp.
#include "pf/gamestream/audio_packets.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "pf/fec/gf8_field.hpp"

namespace pf::gamestream {

namespace {

using fec::gf8::inv;
using fec::gf8::mul;

// Every pattern of up to 2 lost data shards is recoverable from the parity
// shards left iff every entry and every 2×2 minor of the matrix is non-zero.
consteval bool audio_matrix_is_mds() {
  const auto& m = kAudioFecMatrix;
  for (std::size_t i = 0; i < kAudioDataShards; ++i) {
    if (m[0][i] == 0 || m[1][i] == 0) {
      return false;
    }
    for (std::size_t k = i + 1; k < kAudioDataShards; ++k) {
      if ((mul(m[0][i], m[1][k]) ^ mul(m[0][k], m[1][i])) == 0) {
        return false;
      }
    }
  }
  return true;
}
static_assert(audio_matrix_is_mds());

constexpr std::size_t kRtpBytes = 12;
constexpr std::size_t kFecPacketHeaderBytes = kRtpBytes + kAudioFecHeaderBytes;
/// A payload this size still leaves room for the FEC packets' headers.
constexpr std::size_t kMaxAudioPayloadBytes = kMaxAudioDatagramBytes - kFecPacketHeaderBytes;

void put_be16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void put_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) {
    p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
  }
}
[[nodiscard]] std::uint16_t get_be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
[[nodiscard]] std::uint32_t get_be32(const std::uint8_t* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | static_cast<std::uint32_t>(p[3]);
}

void write_rtp(std::uint8_t* p, std::uint8_t payload_type, std::uint16_t sequence, std::uint32_t timestamp) noexcept {
  p[0] = 0x80;
  p[1] = payload_type;
  put_be16(p + 2, sequence);
  put_be32(p + 4, timestamp);
  put_be32(p + 8, 0);
}

[[nodiscard]] constexpr bool before16(std::uint16_t a, std::uint16_t b) noexcept {
  return static_cast<std::int16_t>(static_cast<std::uint16_t>(a - b)) < 0;
}

}  // namespace

AesBlock audio_iv(std::uint32_t rikeyid, std::uint16_t sequence) noexcept {
  AesBlock iv{};
  put_be32(iv.data(), rikeyid + sequence);
  return iv;
}

// ---------------------------------------------------------------------------

struct AudioPacketizer::State {
  AudioPacketizerConfig config;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t block_timestamp = 0;
  std::array<std::vector<std::uint8_t>, kAudioDataShards> payloads;  ///< as sent
  std::array<std::vector<std::uint8_t>, kAudioFecShards> parity;
  std::vector<std::uint8_t> cipher;
  std::vector<std::uint8_t> arena;  ///< the data datagram and the two FEC ones
  std::array<Bytes, 1 + kAudioFecShards> views;
  AudioPacketizerCounters counters;
};

Result<AudioPacketizer> AudioPacketizer::create(const AudioPacketizerConfig& config) {
  if (config.first_sequence % kAudioDataShards != 0 || config.packet_duration_ms == 0) {
    return fail(Errc::invalid_argument, "audio stream starting at sequence {} with {} ms packets: the first "
                "sequence must be a multiple of 4 and the duration positive", config.first_sequence,
                config.packet_duration_ms);
  }
  auto state = std::make_unique<State>();
  state->config = config;
  state->sequence = config.first_sequence;
  state->timestamp = config.first_timestamp;
  for (auto& p : state->payloads) {
    p.reserve(kMaxAudioPayloadBytes);
  }
  for (auto& p : state->parity) {
    p.reserve(kMaxAudioPayloadBytes);
  }
  state->cipher.reserve(kMaxAudioPayloadBytes + kAesBlockBytes);
  state->arena.resize((1 + kAudioFecShards) * kMaxAudioDatagramBytes);
  return AudioPacketizer(std::move(state));
}

AudioPacketizer::AudioPacketizer(std::unique_ptr<State> state) : state_(std::move(state)) {}
AudioPacketizer::AudioPacketizer(AudioPacketizer&&) noexcept = default;
AudioPacketizer& AudioPacketizer::operator=(AudioPacketizer&&) noexcept = default;
AudioPacketizer::~AudioPacketizer() = default;

const AudioPacketizerCounters& AudioPacketizer::counters() const noexcept { return state_->counters; }

Result<std::span<const Bytes>> AudioPacketizer::packetize(Bytes opus_packet) {
  State& s = *state_;
  if (opus_packet.empty()) {
    return fail(Errc::invalid_argument, "an empty audio packet");
  }
  const std::size_t sent_bytes =
      s.config.encrypt ? (opus_packet.size() / kAesBlockBytes + 1) * kAesBlockBytes : opus_packet.size();
  if (sent_bytes > kMaxAudioPayloadBytes) {
    return fail(Errc::overflow, "an audio packet of {} bytes ({} as sent) exceeds the {} a datagram carries",
                opus_packet.size(), sent_bytes, kMaxAudioPayloadBytes);
  }
  const std::uint32_t position = s.sequence % kAudioDataShards;
  Bytes payload = opus_packet;
  if (s.config.encrypt) {
    s.cipher.clear();
    if (auto st = aes_cbc_encrypt(s.config.key, audio_iv(s.config.rikeyid, s.sequence), opus_packet, s.cipher); !st) {
      return tl::unexpected(st.error());
    }
    payload = s.cipher;
  }
  s.payloads[position].assign(payload.begin(), payload.end());
  if (position == 0) {
    s.block_timestamp = s.timestamp;
  }

  std::uint8_t* data = s.arena.data();
  write_rtp(data, kRtpAudioPayloadType, s.sequence, s.timestamp);
  std::memcpy(data + kRtpBytes, payload.data(), payload.size());
  std::size_t count = 0;
  s.views[count++] = Bytes(data, kRtpBytes + payload.size());

  if (position + 1 == kAudioDataShards) {
    const std::size_t size = s.payloads[0].size();
    const bool equal = std::all_of(s.payloads.begin(), s.payloads.end(),
                                   [&](const std::vector<std::uint8_t>& p) { return p.size() == size; });
    if (equal) {
      const auto base = static_cast<std::uint16_t>(s.sequence - (kAudioDataShards - 1));
      for (std::uint32_t j = 0; j < kAudioFecShards; ++j) {
        auto& parity = s.parity[j];
        parity.assign(size, 0);
        for (std::uint32_t i = 0; i < kAudioDataShards; ++i) {
          const std::uint8_t c = kAudioFecMatrix[j][i];
          const std::uint8_t* d = s.payloads[i].data();
          for (std::size_t k = 0; k < size; ++k) {
            parity[k] ^= mul(c, d[k]);
          }
        }
        std::uint8_t* fec = s.arena.data() + (1 + j) * kMaxAudioDatagramBytes;
        write_rtp(fec, kRtpAudioFecPayloadType, static_cast<std::uint16_t>(s.sequence + 1 + j), 0);
        std::uint8_t* h = fec + kRtpBytes;
        h[0] = static_cast<std::uint8_t>(j);
        h[1] = kRtpAudioPayloadType;
        put_be16(h + 2, base);
        put_be32(h + 4, s.block_timestamp);
        put_be32(h + 8, 0);
        std::memcpy(fec + kFecPacketHeaderBytes, parity.data(), size);
        s.views[count++] = Bytes(fec, kFecPacketHeaderBytes + size);
      }
      s.counters.fec_packets += kAudioFecShards;
    } else {
      ++s.counters.fec_blocks_skipped;
    }
  }
  ++s.sequence;
  s.timestamp += s.config.packet_duration_ms;
  ++s.counters.packets;
  for (std::size_t i = 0; i < count; ++i) {
    s.counters.bytes += s.views[i].size();
  }
  return std::span<const Bytes>(s.views.data(), count);
}

// ---------------------------------------------------------------------------

namespace {

struct AudioBlock {
  bool used = false;
  std::uint16_t base = 0;
  bool timestamp_known = false;  ///< from a FEC header
  std::uint32_t base_timestamp = 0;
  std::array<std::vector<std::uint8_t>, kAudioDataShards> data;
  std::array<bool, kAudioDataShards> have{};
  std::array<bool, kAudioDataShards> recovered{};
  std::array<std::uint32_t, kAudioDataShards> timestamp{};
  std::array<std::vector<std::uint8_t>, kAudioFecShards> fec;
  std::array<bool, kAudioFecShards> have_fec{};
};

}  // namespace

struct AudioReassembler::State {
  AudioReassemblerConfig config;
  std::uint16_t next = 0;  ///< the next sequence number to hand out
  std::vector<AudioBlock> blocks;
  std::array<std::uint8_t, kMaxAudioDatagramBytes> scratch{};
  AudioReassemblerCounters counters;

  [[nodiscard]] AudioBlock* find(std::uint16_t base) noexcept {
    for (AudioBlock& b : blocks) {
      if (b.used && b.base == base) {
        return &b;
      }
    }
    return nullptr;
  }
  [[nodiscard]] std::size_t used() const noexcept {
    return static_cast<std::size_t>(std::count_if(blocks.begin(), blocks.end(), [](const AudioBlock& b) { return b.used; }));
  }
  // The stored block whose base is furthest from `next` (forward), or nearest.
  [[nodiscard]] AudioBlock* extreme(bool newest) noexcept {
    AudioBlock* best = nullptr;
    for (AudioBlock& b : blocks) {
      if (b.used && (best == nullptr || (newest ? before16(best->base, b.base) : before16(b.base, best->base)))) {
        best = &b;
      }
    }
    return best;
  }

  void lost(std::uint16_t first, std::uint32_t count, AudioPacketSink& sink) {
    counters.packets_lost += count;
    sink.on_lost(first, count);
  }

  bool recover(AudioBlock& b);
  void emit(AudioBlock& b, std::uint32_t position, AudioPacketSink& sink);
  void give_up_head(AudioPacketSink& sink);
  void deliver_ready(AudioPacketSink& sink);
  void place(Bytes datagram, AudioPacketSink& sink);
};

// Rebuilds the block's missing data shards when enough of it arrived.
bool AudioReassembler::State::recover(AudioBlock& b) {
  std::array<std::uint32_t, kAudioFecShards> lost_at{};
  std::array<std::uint32_t, kAudioFecShards> rows{};
  std::uint32_t lost_count = 0;
  std::uint32_t row_count = 0;
  for (std::uint32_t i = 0; i < kAudioDataShards; ++i) {
    if (!b.have[i]) {
      if (lost_count == kAudioFecShards) {
        return false;
      }
      lost_at[lost_count++] = i;
    }
  }
  for (std::uint32_t j = 0; j < kAudioFecShards; ++j) {
    if (b.have_fec[j] && row_count < lost_count) {
      rows[row_count++] = j;
    }
  }
  if (lost_count == 0 || row_count < lost_count || !b.timestamp_known) {
    return false;
  }
  const std::size_t size = b.fec[rows[0]].size();
  for (std::uint32_t i = 0; i < kAudioDataShards; ++i) {
    if (b.have[i] && b.data[i].size() != size) {
      return false;  // sizes differ: the sender sent this block without usable parity
    }
  }
  // s_r = parity_r ⊕ Σ_{known i} M[r][i]·d_i = Σ_{lost l} M[r][l]·d_l
  std::array<std::vector<std::uint8_t>*, kAudioFecShards> syndrome{};
  for (std::uint32_t r = 0; r < row_count; ++r) {
    std::vector<std::uint8_t>& s = b.fec[rows[r]];
    for (std::uint32_t i = 0; i < kAudioDataShards; ++i) {
      if (b.have[i]) {
        const std::uint8_t c = kAudioFecMatrix[rows[r]][i];
        for (std::size_t k = 0; k < size; ++k) {
          s[k] ^= mul(c, b.data[i][k]);
        }
      }
    }
    syndrome[r] = &s;
  }
  for (std::uint32_t l = 0; l < lost_count; ++l) {
    b.data[lost_at[l]].assign(size, 0);
  }
  if (lost_count == 1) {
    const std::uint8_t f = inv(kAudioFecMatrix[rows[0]][lost_at[0]]);
    for (std::size_t k = 0; k < size; ++k) {
      b.data[lost_at[0]][k] = mul(f, (*syndrome[0])[k]);
    }
  } else {
    const auto& m = kAudioFecMatrix;
    const std::uint8_t a = m[rows[0]][lost_at[0]];
    const std::uint8_t c01 = m[rows[0]][lost_at[1]];
    const std::uint8_t c10 = m[rows[1]][lost_at[0]];
    const std::uint8_t c11 = m[rows[1]][lost_at[1]];
    const std::uint8_t inv_det = inv(static_cast<std::uint8_t>(mul(a, c11) ^ mul(c01, c10)));
    for (std::size_t k = 0; k < size; ++k) {
      const std::uint8_t s0 = (*syndrome[0])[k];
      const std::uint8_t s1 = (*syndrome[1])[k];
      b.data[lost_at[0]][k] = mul(inv_det, static_cast<std::uint8_t>(mul(c11, s0) ^ mul(c01, s1)));
      b.data[lost_at[1]][k] = mul(inv_det, static_cast<std::uint8_t>(mul(c10, s0) ^ mul(a, s1)));
    }
  }
  for (std::uint32_t l = 0; l < lost_count; ++l) {
    const std::uint32_t i = lost_at[l];
    b.have[i] = true;
    b.recovered[i] = true;
    b.timestamp[i] = b.base_timestamp + i * config.packet_duration_ms;
  }
  b.have_fec = {};  // the syndromes overwrote them
  counters.packets_recovered += lost_count;
  return true;
}

void AudioReassembler::State::emit(AudioBlock& b, std::uint32_t position, AudioPacketSink& sink) {
  const auto sequence = static_cast<std::uint16_t>(b.base + position);
  ReassembledAudioPacket packet;
  packet.sequence = sequence;
  packet.timestamp = b.timestamp[position];
  packet.recovered = b.recovered[position];
  if (config.encrypted) {
    auto clear = aes_cbc_decrypt(config.key, audio_iv(config.rikeyid, sequence), b.data[position]);
    if (!clear || clear->size() > scratch.size()) {
      ++counters.decrypt_failed;
      lost(sequence, 1, sink);
      return;
    }
    std::copy(clear->begin(), clear->end(), scratch.begin());
    packet.opus = Bytes(scratch.data(), clear->size());
  } else {
    packet.opus = b.data[position];
  }
  ++counters.packets_delivered;
  sink.on_packet(packet);
}

// Hands out what the head-of-line block has and reports the rest lost.
void AudioReassembler::State::give_up_head(AudioPacketSink& sink) {
  const auto base = static_cast<std::uint16_t>(next & ~std::uint16_t{3});
  if (AudioBlock* b = find(base)) {
    for (std::uint32_t position = next % kAudioDataShards; position < kAudioDataShards; ++position) {
      if (b->have[position]) {
        emit(*b, position, sink);
      } else {
        lost(static_cast<std::uint16_t>(base + position), 1, sink);
      }
    }
    b->used = false;
    next = static_cast<std::uint16_t>(base + kAudioDataShards);
    return;
  }
  AudioBlock* oldest = extreme(false);
  if (oldest == nullptr) {
    return;
  }
  lost(next, static_cast<std::uint16_t>(oldest->base - next), sink);
  next = oldest->base;
}

void AudioReassembler::State::deliver_ready(AudioPacketSink& sink) {
  for (;;) {
    const auto base = static_cast<std::uint16_t>(next & ~std::uint16_t{3});
    const std::uint32_t position = next % kAudioDataShards;
    AudioBlock* b = find(base);
    if (b != nullptr && (b->have[position] || recover(*b))) {
      emit(*b, position, sink);
      next = static_cast<std::uint16_t>(next + 1);
      if (position + 1 == kAudioDataShards) {
        b->used = false;
      }
      continue;
    }
    const AudioBlock* newest = extreme(true);
    if (newest == nullptr ||
        static_cast<std::uint16_t>(newest->base - base) < 2 * kAudioDataShards) {
      return;
    }
    give_up_head(sink);
  }
}

void AudioReassembler::State::place(Bytes datagram, AudioPacketSink& sink) {
  const std::uint8_t* p = datagram.data();
  if (datagram.size() <= kRtpBytes || datagram.size() > kMaxAudioDatagramBytes || (p[0] & 0xC0) != 0x80) {
    ++counters.malformed;
    return;
  }
  const std::uint16_t sequence = get_be16(p + 2);
  std::uint16_t base = 0;
  Bytes payload;
  bool is_fec = false;
  std::uint32_t shard = 0;
  std::uint32_t base_timestamp = 0;
  if (p[1] == kRtpAudioPayloadType) {
    base = static_cast<std::uint16_t>(sequence & ~std::uint16_t{3});
    shard = sequence % kAudioDataShards;
    payload = datagram.subspan(kRtpBytes);
    if (before16(sequence, next)) {
      ++counters.late;
      return;
    }
  } else if (p[1] == kRtpAudioFecPayloadType) {
    if (datagram.size() <= kFecPacketHeaderBytes) {
      ++counters.malformed;
      return;
    }
    const std::uint8_t* h = p + kRtpBytes;
    shard = h[0];
    base = get_be16(h + 2);
    base_timestamp = get_be32(h + 4);
    if (shard >= kAudioFecShards || h[1] != kRtpAudioPayloadType || base % kAudioDataShards != 0) {
      ++counters.malformed;
      return;
    }
    is_fec = true;
    payload = datagram.subspan(kFecPacketHeaderBytes);
    if (before16(static_cast<std::uint16_t>(base + kAudioDataShards - 1), next)) {
      ++counters.late;
      return;
    }
  } else {
    ++counters.malformed;
    return;
  }
  AudioBlock* b = find(base);
  if (b == nullptr) {
    while (used() >= config.max_blocks_in_flight) {
      give_up_head(sink);
      if (before16(static_cast<std::uint16_t>(base + kAudioDataShards - 1), next) ||
          (!is_fec && before16(sequence, next))) {
        ++counters.late;
        return;
      }
    }
    b = &*std::find_if(blocks.begin(), blocks.end(), [](const AudioBlock& x) { return !x.used; });
    b->used = true;
    b->base = base;
    b->timestamp_known = false;
    b->have = {};
    b->recovered = {};
    b->have_fec = {};
  }
  if (is_fec) {
    if (b->have_fec[shard]) {
      ++counters.duplicate;
      return;
    }
    const std::uint32_t other = 1 - shard;
    if ((b->have_fec[other] && b->fec[other].size() != payload.size()) ||
        (b->timestamp_known && b->base_timestamp != base_timestamp)) {
      ++counters.inconsistent;
      return;
    }
    b->fec[shard].assign(payload.begin(), payload.end());
    b->have_fec[shard] = true;
    b->timestamp_known = true;
    b->base_timestamp = base_timestamp;
  } else {
    if (b->have[shard]) {
      ++counters.duplicate;
      return;
    }
    b->data[shard].assign(payload.begin(), payload.end());
    b->have[shard] = true;
    b->timestamp[shard] = get_be32(p + 4);
  }
  deliver_ready(sink);
}

Result<AudioReassembler> AudioReassembler::create(const AudioReassemblerConfig& config) {
  if (config.first_sequence % kAudioDataShards != 0 || config.max_blocks_in_flight < 2 ||
      config.max_blocks_in_flight > 64) {
    return fail(Errc::invalid_argument,
                "audio reassembly from sequence {} with {} blocks: a multiple of 4, and 2 to 64 blocks",
                config.first_sequence, config.max_blocks_in_flight);
  }
  auto state = std::make_unique<State>();
  state->config = config;
  state->next = config.first_sequence;
  state->blocks.resize(config.max_blocks_in_flight);
  return AudioReassembler(std::move(state));
}

AudioReassembler::AudioReassembler(std::unique_ptr<State> state) : state_(std::move(state)) {}
AudioReassembler::AudioReassembler(AudioReassembler&&) noexcept = default;
AudioReassembler& AudioReassembler::operator=(AudioReassembler&&) noexcept = default;
AudioReassembler::~AudioReassembler() = default;

void AudioReassembler::receive(Bytes datagram, AudioPacketSink& sink) {
  ++state_->counters.datagrams;
  state_->place(datagram, sink);
}

void AudioReassembler::flush(AudioPacketSink& sink) {
  State& s = *state_;
  while (s.used() != 0) {
    s.give_up_head(sink);
  }
}

const AudioReassemblerCounters& AudioReassembler::counters() const noexcept { return state_->counters; }

}  // namespace pf::gamestream
