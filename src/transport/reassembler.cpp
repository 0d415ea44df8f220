#include "pf/transport/reassembler.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace pf::transport {
namespace {

// Frame indices wrap; a is newer than b when it is less than 2^31 ahead.
[[nodiscard]] bool newer(std::uint32_t a, std::uint32_t b) noexcept {
  return static_cast<std::int32_t>(a - b) > 0;
}

struct Block {
  std::uint32_t parity = 0;
  bool parity_known = false;
  std::uint32_t data_in = 0;
  std::uint32_t parity_in = 0;
  bool done = false;
};

struct Slot {
  bool active = false;
  PacketHeader first;  ///< the frame-level fields every packet must repeat
  FrameLayout layout;
  TimePoint first_packet{};
  std::uint32_t blocks_done = 0;
  std::uint32_t recovered = 0;
  std::vector<std::uint8_t> data;    ///< total_shards × shard_bytes, zero past frame_bytes
  std::vector<std::uint8_t> parity;  ///< room for max_parity_for(k) shards per block
  std::vector<std::uint8_t> data_present;
  std::vector<std::uint8_t> parity_present;
  std::vector<Block> blocks;

  [[nodiscard]] std::size_t capacity() const noexcept { return data.capacity() + parity.capacity(); }
  // Block b's parity shards start here: blocks never hold more than
  // max(2, k) parity shards, and Σ max(2, k_b) ≤ total + 2 · blocks.
  [[nodiscard]] std::size_t parity_base(std::uint32_t b) const noexcept {
    return layout.first_shard(b) + 2 * std::size_t{b};
  }
};

// A frame's data and parity buffers; at most 4 · frame_bytes + 4 · shard_bytes.
[[nodiscard]] std::size_t bytes_needed(const FrameLayout& l, std::size_t shard_bytes) noexcept {
  return (2 * std::size_t{l.total_shards} + 2 * std::size_t{l.block_count}) * shard_bytes;
}

// Sizes v to exactly n bytes without letting growth overshoot the budget
// (growing a vector may double its capacity; growing from empty does not).
void fit(std::vector<std::uint8_t>& v, std::size_t n) {
  if (v.capacity() < n) {
    std::vector<std::uint8_t>().swap(v);
  }
  v.resize(n);
}

}  // namespace

struct Reassembler::State {
  ReceiverConfig config;
  crypto::Opener opener;
  ReceiverCounters counters;
  std::vector<Slot> slots;
  std::uint32_t last_finished = 0;  ///< newest index delivered or reported lost
  /// The most recent delivered indices (by index mod 256), to tell surplus
  /// parity of a delivered frame from packets of a lost one.
  std::array<std::uint32_t, 256> delivered{};
  std::array<bool, 256> delivered_valid{};
  std::vector<std::uint8_t> scratch = std::vector<std::uint8_t>(kMaxShardBytes + kTagBytes);
  std::unique_ptr<fec::Coder> gf8;
  std::unique_ptr<fec::Coder> gf16;
  std::vector<std::uint8_t*> shards;
  std::vector<std::uint8_t> present;

  State(const ReceiverConfig& c, crypto::Opener o)
      : config(c),
        opener(std::move(o)),
        slots(std::max<std::size_t>(c.max_frames_in_flight, 1)),
        last_finished(c.first_frame_index - 1) {}

  Slot* find(std::uint32_t index) noexcept {
    for (auto& s : slots) {
      if (s.active && s.first.frame_index == index) {
        return &s;
      }
    }
    return nullptr;
  }

  Slot* oldest() noexcept {
    Slot* best = nullptr;
    for (auto& s : slots) {
      if (s.active && (best == nullptr || newer(best->first.frame_index, s.first.frame_index))) {
        best = &s;
      }
    }
    return best;
  }

  static void release(Slot& s) noexcept { s.active = false; }

  [[nodiscard]] std::size_t active_count() const noexcept {
    return static_cast<std::size_t>(
        std::count_if(slots.begin(), slots.end(), [](const Slot& s) { return s.active; }));
  }

  [[nodiscard]] std::size_t held_bytes(bool active_only) const noexcept {
    std::size_t total = 0;
    for (const auto& s : slots) {
      total += (s.active || !active_only) ? s.capacity() : 0;
    }
    return total;
  }

  // Everything after last_finished and before `index` is lost: open
  // frames and frames never seen alike, reported as one range.
  void finish_before(std::uint32_t index, FrameSink& sink) {
    const std::uint32_t start = last_finished + 1;
    const std::uint32_t count = index - start;  // 0: nothing older is pending
    last_finished = index - 1;
    if (count == 0) {
      return;
    }
    for (auto& s : slots) {
      if (s.active && newer(index, s.first.frame_index)) {
        release(s);
      }
    }
    counters.frames_lost += count;
    sink.on_lost(start, count);
  }

  // A slot for a new frame (newer than last_finished), or null.
  Slot* allocate(const PacketHeader& h, const FrameLayout& layout, TimePoint now, FrameSink& sink) {
    const std::size_t need = bytes_needed(layout, h.shard_bytes);
    if (need > config.max_bytes_in_flight) {
      ++counters.oversize;
      return nullptr;
    }
    const auto full = [&] {
      return active_count() == slots.size() || held_bytes(true) + need > config.max_bytes_in_flight;
    };
    // A straggler older than every open frame must not evict newer ones.
    if (const Slot* o = oldest(); full() && newer(o->first.frame_index, h.frame_index)) {
      ++counters.late;
      return nullptr;
    }
    while (full()) {
      const Slot* o = oldest();
      ++counters.evicted;
      finish_before(o->first.frame_index + 1, sink);
    }
    if (!newer(h.frame_index, last_finished)) {
      ++counters.late;
      return nullptr;
    }
    Slot* slot = &*std::find_if(slots.begin(), slots.end(), [](const Slot& s) { return !s.active; });
    // Keep the buffers of idle slots (this one included) only while they fit the budget.
    if (held_bytes(false) + need > config.max_bytes_in_flight) {
      for (auto& s : slots) {
        if (!s.active) {
          std::vector<std::uint8_t>().swap(s.data);
          std::vector<std::uint8_t>().swap(s.parity);
        }
      }
    }
    // Buffers first: the slot becomes active only once it is whole.
    Slot& s = *slot;
    const std::size_t shard = h.shard_bytes;
    fit(s.data, std::size_t{layout.total_shards} * shard);
    fit(s.parity, (std::size_t{layout.total_shards} + 2 * std::size_t{layout.block_count}) * shard);
    std::memset(s.data.data() + h.frame_bytes, 0, s.data.size() - h.frame_bytes);
    s.data_present.assign(layout.total_shards, 0);
    s.parity_present.assign(layout.total_shards + 2 * std::size_t{layout.block_count}, 0);
    s.blocks.assign(layout.block_count, Block{});
    s.first = h;
    s.layout = layout;
    s.first_packet = now;
    s.blocks_done = 0;
    s.recovered = 0;
    s.active = true;
    return &s;
  }

  fec::Coder* coder(fec::Scheme scheme) {
    auto& c = scheme == fec::Scheme::gf8 ? gf8 : gf16;
    if (!c) {
      auto made = fec::make_coder(scheme);
      if (!made) {
        return nullptr;
      }
      c = std::move(*made);
    }
    return c.get();
  }

  // Rebuilds block b's missing data. False if FEC could not (never expected:
  // the caller counted k shards in).
  bool complete_block(Slot& s, std::uint32_t b) {
    Block& blk = s.blocks[b];
    const std::uint32_t k = s.layout.data_shards(b);
    const std::size_t shard = s.first.shard_bytes;
    if (blk.data_in < k) {
      fec::Coder* c = coder(s.first.scheme);
      if (c == nullptr) {
        return false;
      }
      shards.resize(k + blk.parity);
      present.resize(k + blk.parity);
      const std::size_t first = s.layout.first_shard(b);
      for (std::uint32_t i = 0; i < k; ++i) {
        shards[i] = s.data.data() + (first + i) * shard;
        present[i] = s.data_present[first + i];
      }
      for (std::uint32_t j = 0; j < blk.parity; ++j) {
        shards[k + j] = s.parity.data() + (s.parity_base(b) + j) * shard;
        present[k + j] = s.parity_present[s.parity_base(b) + j];
      }
      if (!c->reconstruct(k, shards, present, shard)) {
        return false;
      }
      s.recovered += k - blk.data_in;
    }
    blk.done = true;
    ++s.blocks_done;
    return true;
  }

  void deliver(Slot& s, TimePoint now, FrameSink& sink) {
    const std::uint32_t index = s.first.frame_index;
    finish_before(index, sink);
    ReceivedFrame frame;
    frame.frame_index = index;
    frame.capture_ns = s.first.capture_ns;
    frame.flags = s.first.flags;
    frame.data = Bytes(s.data.data(), s.first.frame_bytes);
    frame.recovered_shards = s.recovered;
    frame.first_packet = s.first_packet;
    frame.completed = now;
    ++counters.frames_delivered;
    counters.frames_recovered += s.recovered > 0 ? 1U : 0U;
    counters.shards_recovered += s.recovered;
    last_finished = index;
    delivered[index % 256] = index;
    delivered_valid[index % 256] = true;
    sink.on_frame(frame);
    release(s);
  }

  void receive(Bytes datagram, TimePoint now, FrameSink& sink) {
    ++counters.datagrams;
    PacketHeader h;
    if (parse_header(datagram, h) != HeaderError::none || datagram.size() < kOverheadBytes) {
      ++counters.malformed;
      return;
    }
    if (h.stream != config.stream) {
      ++counters.wrong_stream;
      return;
    }
    const std::size_t payload = datagram.size() - kOverheadBytes;
    const FrameLayout layout = FrameLayout::of(h.frame_bytes, h.shard_bytes, h.block_count);
    const bool is_data = h.shard_index < h.data_shards;
    const std::uint32_t shard_number = layout.first_shard(h.block_index) + h.shard_index;
    std::size_t expected = h.shard_bytes;
    if (is_data && shard_number + 1 == layout.total_shards) {
      expected = h.frame_bytes - std::size_t{shard_number} * h.shard_bytes;
    }
    if (payload != expected) {
      ++counters.malformed;
      return;
    }
    if (h.frame_bytes > config.max_frame_bytes) {
      ++counters.oversize;
      return;
    }
    if (h.scheme == fec::Scheme::gf16 &&
        std::bit_ceil(std::size_t{h.parity_shards}) + h.data_shards > config.max_gf16_block_shards) {
      ++counters.oversize;
      return;
    }
    if (!newer(h.frame_index, last_finished)) {
      const std::size_t r = h.frame_index % 256;
      ++(delivered_valid[r] && delivered[r] == h.frame_index ? counters.surplus : counters.late);
      return;
    }
    switch (opener.open(h.sequence, datagram.first(kHeaderBytes), datagram.subspan(kHeaderBytes),
                        MutableBytes(scratch.data(), payload))) {
      case crypto::OpenOutcome::opened:
        ++counters.opened;
        counters.highest_sequence = std::max(counters.highest_sequence, h.sequence);
        break;
      case crypto::OpenOutcome::replayed:
        ++counters.replayed;
        return;
      case crypto::OpenOutcome::too_old:
        ++counters.too_old;
        return;
      case crypto::OpenOutcome::auth_failed:
      case crypto::OpenOutcome::malformed:
      case crypto::OpenOutcome::unset:
        ++counters.auth_failed;
        return;
    }

    Slot* s = find(h.frame_index);
    if (s == nullptr && (s = allocate(h, layout, now, sink)) == nullptr) {
      return;
    }
    const PacketHeader& f = s->first;
    if (f.frame_bytes != h.frame_bytes || f.shard_bytes != h.shard_bytes ||
        f.block_count != h.block_count || f.scheme != h.scheme || f.capture_ns != h.capture_ns ||
        f.flags != h.flags) {
      ++counters.inconsistent;
      return;
    }
    Block& blk = s->blocks[h.block_index];
    if (!blk.parity_known) {
      blk.parity = h.parity_shards;
      blk.parity_known = true;
    } else if (blk.parity != h.parity_shards) {
      ++counters.inconsistent;
      return;
    }
    if (blk.done) {
      ++counters.surplus;  // the block was whole without this shard
      return;
    }
    const std::size_t shard = h.shard_bytes;
    std::uint8_t* flag = nullptr;
    std::uint8_t* dst = nullptr;
    if (is_data) {
      flag = &s->data_present[shard_number];
      dst = s->data.data() + std::size_t{shard_number} * shard;
    } else {
      const std::size_t p = s->parity_base(h.block_index) + (h.shard_index - h.data_shards);
      flag = &s->parity_present[p];
      dst = s->parity.data() + p * shard;
    }
    if (*flag != 0) {
      ++counters.duplicate;
      return;
    }
    std::memcpy(dst, scratch.data(), payload);
    *flag = 1;
    ++(is_data ? blk.data_in : blk.parity_in);
    if (blk.data_in + blk.parity_in < h.data_shards) {
      return;
    }
    if (!complete_block(*s, h.block_index)) {
      finish_before(h.frame_index + 1, sink);
      return;
    }
    if (s->blocks_done == s->layout.block_count) {
      deliver(*s, now, sink);
    }
  }

  void poll(TimePoint now, FrameSink& sink) {
    const Slot* expired = nullptr;
    for (const auto& s : slots) {
      if (s.active && now - s.first_packet >= config.loss_window &&
          (expired == nullptr || newer(s.first.frame_index, expired->first.frame_index))) {
        expired = &s;
      }
    }
    if (expired != nullptr) {
      finish_before(expired->first.frame_index + 1, sink);
    }
  }
};

Reassembler::Reassembler(std::unique_ptr<State> state) : state_(std::move(state)) {}
Reassembler::Reassembler(Reassembler&&) noexcept = default;
Reassembler& Reassembler::operator=(Reassembler&&) noexcept = default;
Reassembler::~Reassembler() = default;

Result<Reassembler> Reassembler::create(const ReceiverConfig& config, crypto::Opener opener) {
  // A frame's buffers take up to 4 · frame_bytes + 4 · shard_bytes (data, and parity room).
  if (config.stream == Stream::unset || config.max_frame_bytes == 0 || config.max_gf16_block_shards == 0 ||
      config.max_bytes_in_flight < 4 * config.max_frame_bytes + 4 * kMaxShardBytes ||
      config.loss_window <= Nanos::zero()) {
    return fail(Errc::invalid_argument,
                "receiver: the in-flight budget must hold at least one largest frame (4 × {} bytes + 4 shards)",
                config.max_frame_bytes);
  }
  return Reassembler(std::make_unique<State>(config, std::move(opener)));
}

void Reassembler::receive(Bytes datagram, TimePoint now, FrameSink& sink) {
  state_->receive(datagram, now, sink);
}

void Reassembler::poll(TimePoint now, FrameSink& sink) { state_->poll(now, sink); }

TimePoint Reassembler::next_deadline() const noexcept {
  TimePoint next = TimePoint::max();
  for (const auto& s : state_->slots) {
    if (s.active) {
      next = std::min(next, s.first_packet + state_->config.loss_window);
    }
  }
  return next;
}

const ReceiverCounters& Reassembler::counters() const noexcept { return state_->counters; }

std::size_t Reassembler::frames_in_flight() const noexcept { return state_->active_count(); }

std::size_t Reassembler::buffer_bytes() const noexcept { return state_->held_bytes(false); }

}  // namespace pf::transport
