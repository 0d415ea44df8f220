// The client side of GameStream video (what Moonlight's RtpVideoQueue and
// VideoDepacketizer do), for our tests and as a fuzzed parser: datagrams
// in, whole access units or "lost" out.
#include <algorithm>
#include <cstring>

#include "pf/fec/coder.hpp"
#include "pf/gamestream/video_packets.hpp"
#include "video_wire.hpp"

namespace pf::gamestream {

namespace vw = video_wire;

namespace {

struct Block {
  bool open = false;
  bool complete = false;
  std::uint32_t data = 0;
  std::uint32_t parity = 0;
  std::uint32_t pct = 0;
  std::uint16_t base_sequence = 0;
  std::uint32_t received = 0;
  std::uint32_t received_data = 0;
  std::uint32_t recovered = 0;
  std::vector<std::uint8_t> shards;  ///< (data + parity) × shard bytes
  std::vector<std::uint8_t> present;

  [[nodiscard]] std::uint32_t total() const noexcept { return data + parity; }
};

struct Frame {
  std::uint32_t index = 0;
  std::uint32_t blocks = 0;  ///< from multiFecBlocks
  std::uint32_t rtp_timestamp = 0;
  std::uint32_t complete_blocks = 0;
  bool failed = false;  ///< cannot be delivered; reported lost in order later
  std::size_t bytes = 0;
  std::array<Block, kMaxVideoFecBlocks> block;
};

constexpr std::uint32_t kMaxFrameJump = 1U << 30;

struct Parsed {
  std::uint16_t sequence = 0;
  std::uint32_t rtp_timestamp = 0;
  std::uint32_t frame_index = 0;
  std::uint32_t block = 0;
  std::uint32_t blocks = 0;
  std::uint32_t shard = 0;
  std::uint32_t data = 0;
  std::uint32_t parity = 0;
  std::uint32_t pct = 0;
};

}  // namespace

struct VideoReassembler::State {
  VideoReassemblerConfig config;
  std::optional<AesGcm> gcm;
  std::unique_ptr<fec::Coder> coder;
  std::size_t shard_bytes = 0;
  std::size_t chunk_bytes = 0;
  std::uint32_t next_frame = 0;
  std::vector<Frame> frames;  ///< open, oldest first
  std::size_t bytes = 0;
  std::vector<std::uint8_t> plain;
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t*> pointers;
  VideoReassemblerCounters counters;

  // Reports next_frame .. last lost and drops the open frames among them.
  void lose_through(std::uint32_t last, VideoFrameSink& sink) {
    const std::uint32_t count = last - next_frame + 1;
    while (!frames.empty() && !vw::serial_before(last, frames.front().index)) {
      bytes -= frames.front().bytes;
      frames.erase(frames.begin());
    }
    next_frame = last + 1;
    counters.frames_lost += count;
    sink.on_lost(last - count + 1, count);
  }

  void evict_oldest(VideoFrameSink& sink) {
    ++counters.evicted;
    lose_through(frames.front().index, sink);
  }

  [[nodiscard]] Frame* find(std::uint32_t index) noexcept {
    for (Frame& f : frames) {
      if (f.index == index) {
        return &f;
      }
    }
    return nullptr;
  }

  // The frame, opened if new; nullptr when there is no room for it because
  // every open frame is newer.
  Frame* find_or_open(std::uint32_t index, VideoFrameSink& sink) {
    if (Frame* f = find(index)) {
      return f;
    }
    while (frames.size() >= config.max_frames_in_flight) {
      if (vw::serial_before(index, frames.front().index)) {
        return nullptr;
      }
      evict_oldest(sink);
    }
    auto at = std::find_if(frames.begin(), frames.end(),
                           [&](const Frame& f) { return vw::serial_before(index, f.index); });
    Frame& f = *frames.insert(at, Frame{});
    f.index = index;
    return &f;
  }

  // Makes room for `need` more bytes by evicting frames older than `index`.
  [[nodiscard]] bool make_room(std::size_t need, std::uint32_t index, VideoFrameSink& sink) {
    if (need > config.max_bytes_in_flight) {
      return false;
    }
    while (bytes + need > config.max_bytes_in_flight) {
      if (frames.empty() || !vw::serial_before(frames.front().index, index)) {
        return false;
      }
      evict_oldest(sink);
    }
    return true;
  }

  void fail_frame(Frame& f) {
    f.failed = true;
    bytes -= f.bytes;
    f.bytes = 0;
    for (Block& b : f.block) {
      b = Block{};
    }
  }

  [[nodiscard]] std::uint8_t* shard(Block& b, std::uint32_t i) noexcept {
    return b.shards.data() + std::size_t{i} * shard_bytes;
  }

  bool decrypt(Bytes& datagram);
  bool parse(Bytes in, Parsed& parsed);
  void place(const Parsed& p, Bytes bytes_in, VideoFrameSink& sink);
  bool complete_block(Frame& f, std::uint32_t block_index);
  void deliver(std::uint32_t index, VideoFrameSink& sink);
};

bool VideoReassembler::State::decrypt(Bytes& datagram) {
  if (datagram.size() < kEncVideoHeaderBytes + kVideoShardHeaderBytes ||
      datagram.size() > kEncVideoHeaderBytes + shard_bytes) {
    ++counters.malformed;
    return false;
  }
  // Before decrypting, as the client does: a shard of a frame already done
  // costs no work (the number is not trusted for anything else).
  const std::uint32_t frame_number = vw::get_le32(datagram.data() + vw::kEncFrameNumber);
  if (frame_number != 0 && vw::serial_before(frame_number, next_frame)) {
    ++counters.late;
    return false;
  }
  const Bytes cipher = datagram.subspan(kEncVideoHeaderBytes);
  const MutableBytes clear(plain.data(), cipher.size());
  if (!gcm->open(datagram.subspan(vw::kEncIv, kGcmIvBytes), cipher, datagram.subspan(vw::kEncTag, kGcmTagBytes),
                 clear)) {
    ++counters.auth_failed;
    return false;
  }
  datagram = clear;
  return true;
}

bool VideoReassembler::State::parse(Bytes in, Parsed& parsed) {
  if (in.size() < kVideoShardHeaderBytes || in.size() > shard_bytes) {
    ++counters.malformed;
    return false;
  }
  const std::uint8_t* p = in.data();
  // RTP version 2 with the extension bit: the 4 reserved bytes follow.
  if ((p[vw::kRtpHeader] & 0xC0) != 0x80 || (p[vw::kRtpHeader] & 0x10) == 0) {
    ++counters.malformed;
    return false;
  }
  parsed.sequence = vw::get_be16(p + vw::kRtpSequence);
  parsed.rtp_timestamp = vw::get_be32(p + vw::kRtpTimestamp);
  parsed.frame_index = vw::get_le32(p + vw::kFrameIndex);
  const std::uint8_t mfb = p[vw::kMultiFecBlocks];
  parsed.block = (mfb >> 4) & 0x3U;
  parsed.blocks = ((mfb >> 6) & 0x3U) + 1;
  const std::uint32_t fec = vw::get_le32(p + vw::kFecInfo);
  parsed.shard = (fec >> 12) & 0x3FFU;
  parsed.data = fec >> 22;
  parsed.pct = (fec >> 4) & 0xFFU;
  parsed.parity = static_cast<std::uint32_t>((std::uint64_t{parsed.data} * parsed.pct + 99) / 100);
  if (parsed.data == 0 || parsed.data + parsed.parity > kMaxVideoBlockShards + 1 || parsed.shard >= parsed.data + parsed.parity ||
      parsed.block >= parsed.blocks) {
    ++counters.malformed;
    return false;
  }
  return true;
}

void VideoReassembler::State::place(const Parsed& p, Bytes in, VideoFrameSink& sink) {
  // An index 2^30 or more ahead is taken for a stale one: frame numbers
  // advance by one per frame, so only a forger jumps that far.
  if (vw::serial_before(p.frame_index, next_frame) || p.frame_index - next_frame >= kMaxFrameJump) {
    ++counters.late;
    return;
  }
  Frame* f = find_or_open(p.frame_index, sink);
  if (f == nullptr) {
    ++counters.dropped;
    return;
  }
  if (f->failed) {
    ++counters.surplus;
    return;
  }
  if (f->blocks == 0) {
    f->blocks = p.blocks;
    f->rtp_timestamp = p.rtp_timestamp;
  } else if (f->blocks != p.blocks) {
    ++counters.inconsistent;
    return;
  }
  Block* b = &f->block[p.block];
  if (b->complete) {
    ++counters.surplus;
    return;
  }
  const auto base = static_cast<std::uint16_t>(p.sequence - p.shard);
  if (!b->open) {
    const std::size_t need = std::size_t{p.data + p.parity} * shard_bytes;
    const std::uint32_t index = f->index;
    if (!make_room(need, index, sink)) {
      ++counters.dropped;
      return;
    }
    f = find(index);  // evictions moved it
    b = &f->block[p.block];
    b->open = true;
    b->data = p.data;
    b->parity = p.parity;
    b->pct = p.pct;
    b->base_sequence = base;
    b->shards.assign(need, 0);
    b->present.assign(p.data + p.parity, 0);
    f->bytes += need;
    bytes += need;
  } else if (b->data != p.data || b->pct != p.pct || b->base_sequence != base) {
    ++counters.inconsistent;
    return;
  }
  if (b->present[p.shard] != 0) {
    ++counters.duplicate;
    return;
  }
  std::uint8_t* dst = shard(*b, p.shard);
  std::memcpy(dst, in.data(), in.size());  // a short shard is zero-padded, as the client does
  b->present[p.shard] = 1;
  ++b->received;
  b->received_data += p.shard < b->data ? 1U : 0U;
  if (complete_block(*f, p.block) && f->complete_blocks == f->blocks) {
    deliver(f->index, sink);
  }
}

// Whether block `block_index` of `f` is now whole (rebuilding it if it can).
bool VideoReassembler::State::complete_block(Frame& f, std::uint32_t block_index) {
  Block& b = f.block[block_index];
  if (b.received_data != b.data) {
    if (b.received < b.data || b.parity == 0 || !fec::valid_shape(fec::Scheme::gf8, b.data, b.parity, shard_bytes)) {
      return false;
    }
    pointers.resize(b.total());
    for (std::uint32_t i = 0; i < b.total(); ++i) {
      pointers[i] = shard(b, i);
    }
    if (!coder->reconstruct(b.data, pointers, b.present, shard_bytes)) {
      return false;
    }
    for (std::uint32_t i = 0; i < b.data; ++i) {
      if (b.present[i] != 0) {
        continue;
      }
      // What the client does with a rebuilt shard: it rewrites the RTP
      // header, frameIndex and multiFecBlocks, then checks the flags.
      std::uint8_t* p = shard(b, i);
      vw::write_block_fields(p, static_cast<std::uint16_t>(b.base_sequence + i), f.rtp_timestamp, f.index,
                             vw::multi_fec_blocks(block_index, f.blocks), vw::fec_info(i, b.data, b.pct));
      const std::uint8_t flags = p[vw::kFlags];
      const bool sane = (flags & ~(kVideoFlagPicData | kVideoFlagSof | kVideoFlagEof)) == 0 &&
                        (i != 0 || (flags & kVideoFlagSof) != 0) &&
                        (i + 1 != b.data || (flags & kVideoFlagEof) != 0) &&
                        (i == 0 || i + 1 == b.data || (flags & kVideoFlagPicData) != 0);
      if (!sane) {
        ++counters.corrupt;
        fail_frame(f);
        return false;
      }
      b.present[i] = 1;
      ++b.recovered;
      ++counters.shards_recovered;
    }
    b.received_data = b.data;
  }
  b.complete = true;
  ++f.complete_blocks;
  return true;
}

// Frame `index` has every block: check it as the depacketizer does, strip
// the short header and the padding, and hand it out after reporting every
// earlier frame still missing as lost.
void VideoReassembler::State::deliver(std::uint32_t index, VideoFrameSink& sink) {
  Frame& f = *find(index);
  std::size_t shards = 0;
  std::uint32_t recovered = 0;
  bool ok = true;
  for (std::uint32_t bi = 0; bi < f.blocks && ok; ++bi) {
    Block& b = f.block[bi];
    shards += b.data;
    recovered += b.recovered;
    const std::uint32_t first_packet = vw::get_le32(shard(b, 0) + vw::kStreamPacketIndex) >> 8;
    for (std::uint32_t i = 0; i < b.data && ok; ++i) {
      const std::uint8_t* p = shard(b, i);
      const std::uint8_t flags = p[vw::kFlags];
      const std::uint8_t want = static_cast<std::uint8_t>(kVideoFlagPicData | (i == 0 ? kVideoFlagSof : 0) |
                                                          (i + 1 == b.data ? kVideoFlagEof : 0));
      ok = flags == want && ((vw::get_le32(p + vw::kStreamPacketIndex) >> 8) & 0xFFFFFFU) ==
                                ((first_packet + i) & 0xFFFFFFU);
    }
  }
  std::size_t au_bytes = 0;
  std::array<std::uint8_t, kShortFrameHeaderBytes> header{};
  if (ok) {
    std::memcpy(header.data(), shard(f.block[0], 0) + vw::kPayload, header.size());
    const std::size_t last_len = static_cast<std::size_t>(header[4]) | static_cast<std::size_t>(header[5]) << 8;
    const std::size_t total = (shards - 1) * chunk_bytes + last_len;
    ok = header[0] == 0x01 && last_len >= 1 && last_len <= chunk_bytes && total >= kShortFrameHeaderBytes;
    au_bytes = ok ? total - kShortFrameHeaderBytes : 0;
  }
  if (!ok) {
    ++counters.corrupt;
    fail_frame(f);
    return;
  }
  if (out.size() < au_bytes) {
    out.resize(au_bytes);
  }
  std::size_t frame_offset = 0;  // in header + access unit
  for (std::uint32_t bi = 0; bi < f.blocks; ++bi) {
    Block& b = f.block[bi];
    for (std::uint32_t i = 0; i < b.data; ++i, frame_offset += chunk_bytes) {
      const std::uint8_t* payload = shard(b, i) + vw::kPayload;
      std::size_t from = 0;
      if (frame_offset < kShortFrameHeaderBytes) {
        from = kShortFrameHeaderBytes - frame_offset;
      }
      const std::size_t at = frame_offset + from - kShortFrameHeaderBytes;
      if (from >= chunk_bytes || at >= au_bytes) {
        continue;
      }
      std::memcpy(out.data() + at, payload + from, std::min(chunk_bytes - from, au_bytes - at));
    }
  }
  ReassembledVideoFrame frame;
  frame.frame_index = f.index;
  frame.rtp_timestamp = f.rtp_timestamp;
  frame.frame_type = header[3];
  frame.host_latency_tenths_ms = static_cast<std::uint16_t>(header[1] | header[2] << 8);
  frame.ltr_frame = (shard(f.block[0], 0)[vw::kExtraFlags] & kVideoExtraFlagLtr) != 0;
  frame.fec_blocks = f.blocks;
  frame.recovered_shards = recovered;
  frame.access_unit = Bytes(out.data(), au_bytes);
  if (f.index != next_frame) {
    lose_through(f.index - 1, sink);  // f stays: it is newer
  }
  Frame& done = frames.front();  // every frame before it is gone
  bytes -= done.bytes;
  frames.erase(frames.begin());
  next_frame = index + 1;
  ++counters.frames_delivered;
  counters.frames_recovered += recovered != 0 ? 1U : 0U;
  sink.on_frame(frame);
}

Result<VideoReassembler> VideoReassembler::create(const VideoReassemblerConfig& config) {
  if (config.packet_size < kMinVideoPacketSize || config.packet_size > kMaxVideoPacketSize) {
    return fail(Errc::invalid_argument, "video packet size {} is outside [{}, {}]", config.packet_size,
                kMinVideoPacketSize, kMaxVideoPacketSize);
  }
  if (config.max_frames_in_flight == 0 || config.max_bytes_in_flight == 0) {
    return fail(Errc::invalid_argument, "the video reassembler needs room for at least one frame");
  }
  auto state = std::make_unique<State>();
  state->config = config;
  state->shard_bytes = std::size_t{config.packet_size} + kVideoRtpHeaderBytes;
  state->chunk_bytes = std::size_t{config.packet_size} - kNvVideoPacketBytes;
  state->next_frame = config.first_frame_index;
  state->plain.resize(state->shard_bytes);
  auto coder = fec::make_coder(fec::Scheme::gf8);
  if (!coder) {
    return tl::unexpected(coder.error());
  }
  state->coder = std::move(*coder);
  if (config.encrypted) {
    auto gcm = AesGcm::create(config.key);
    if (!gcm) {
      return tl::unexpected(gcm.error());
    }
    state->gcm.emplace(std::move(*gcm));
  }
  return VideoReassembler(std::move(state));
}

VideoReassembler::VideoReassembler(std::unique_ptr<State> state) : state_(std::move(state)) {}
VideoReassembler::VideoReassembler(VideoReassembler&&) noexcept = default;
VideoReassembler& VideoReassembler::operator=(VideoReassembler&&) noexcept = default;
VideoReassembler::~VideoReassembler() = default;

void VideoReassembler::receive(Bytes datagram, VideoFrameSink& sink) {
  State& s = *state_;
  ++s.counters.datagrams;
  if (s.gcm && !s.decrypt(datagram)) {
    return;
  }
  Parsed p;
  if (!s.parse(datagram, p)) {
    return;
  }
  s.place(p, datagram, sink);
}

void VideoReassembler::flush(VideoFrameSink& sink) {
  State& s = *state_;
  if (!s.frames.empty()) {
    s.lose_through(s.frames.back().index, sink);
  }
}

const VideoReassemblerCounters& VideoReassembler::counters() const noexcept { return state_->counters; }
std::size_t VideoReassembler::frames_in_flight() const noexcept { return state_->frames.size(); }
std::size_t VideoReassembler::bytes_in_flight() const noexcept { return state_->bytes; }

}  // namespace pf::gamestream
