// The loss harness: the real data plane (packetize → FEC → seal → a modelled
// path → open → reassemble) over deterministic and seeded loss models, with
// reorder and duplication. Each cell sends 100 frames in 1408-byte shards
// and counts the frames that arrive byte-exact; a frame delivered with wrong
// bytes is a failure of the harness, not a statistic.
//
// Frames of 100,000 bytes (72 shards) fit one block in either scheme, and
// both are MDS codes, so gf8 and gf16 recover exactly the same frames. At
// 1 MiB (745 shards) gf8 must split a frame into four blocks that each have
// to survive, while gf16 codes it as one: the columns marked "1 MiB" show
// what that is worth at the same overhead.
#include "loss_harness.hpp"

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pf/transport/lossy_link.hpp"
#include "transport_fixture.hpp"

namespace pf::bench {
namespace {

using namespace pf::transport;

constexpr std::uint32_t kFrames = 100;
constexpr std::size_t kSmallFrame = 100'000;
constexpr std::size_t kLargeFrame = std::size_t{1} << 20;

struct Column {
  fec::Scheme scheme;
  std::uint32_t pct;
  std::size_t frame_bytes = kSmallFrame;
  [[nodiscard]] std::string name() const {
    const std::string base =
        scheme == fec::Scheme::none ? "no FEC" : fmt::format("{} {}%", fec::to_string(scheme), pct);
    return frame_bytes == kLargeFrame ? base + " (1 MiB)" : base;
  }
};

const std::vector<Column> kColumns = {
    {fec::Scheme::none, 0},
    {fec::Scheme::gf8, 10},
    {fec::Scheme::gf8, 25},
    {fec::Scheme::gf8, 50},
    {fec::Scheme::gf16, 10},
    {fec::Scheme::gf16, 25},
    {fec::Scheme::gf16, 50},
    {fec::Scheme::gf8, 25, kLargeFrame},
    {fec::Scheme::gf16, 25, kLargeFrame},
};

const std::vector<std::vector<std::uint8_t>>& test_frames(std::size_t bytes) {
  static std::map<std::size_t, std::vector<std::vector<std::uint8_t>>> cache;
  auto& frames = cache[bytes];
  if (frames.empty()) {
    frames.assign(kFrames, std::vector<std::uint8_t>(bytes));
    std::uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (auto& f : frames) {
      for (auto& b : f) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b = static_cast<std::uint8_t>(x);
      }
    }
  }
  return frames;
}

struct Cell {
  std::uint32_t delivered = 0;
  std::uint32_t wrong = 0;
  double loss_pct = 0;
};

struct Sink final : FrameSink {
  const std::vector<std::vector<std::uint8_t>>* sent = nullptr;
  Cell* cell = nullptr;
  void on_frame(const ReceivedFrame& f) override {
    const auto& want = (*sent)[f.frame_index];
    if (f.data.size() == want.size() && std::equal(f.data.begin(), f.data.end(), want.begin())) {
      ++cell->delivered;
    } else {
      ++cell->wrong;
    }
  }
  void on_lost(std::uint32_t, std::uint32_t) override {}
};

Cell run_cell(const LinkModel& model, const Column& column) {
  const auto& frames = test_frames(column.frame_bytes);
  auto [packetizer, receiver] = make_transport_pair(column.scheme);
  LossyLink link(model);
  Cell cell;
  Sink sink;
  sink.sent = &frames;
  sink.cell = &cell;
  TimePoint now{std::chrono::hours(1)};
  std::vector<Bytes> arrived;
  for (std::uint32_t i = 0; i < frames.size(); ++i) {
    const auto datagrams = *packetizer.packetize({.frame_index = i}, frames[i], column.pct);
    link.transmit(datagrams, arrived);
    for (const Bytes& d : arrived) {
      receiver.receive(d, now, sink);
    }
    now += std::chrono::milliseconds(16);
    receiver.poll(now, sink);
  }
  receiver.poll(now + std::chrono::seconds(1), sink);
  cell.loss_pct = link.sent() == 0 ? 0 : 100.0 * static_cast<double>(link.dropped()) / static_cast<double>(link.sent());
  return cell;
}

std::vector<LinkModel> table_models() {
  std::vector<LinkModel> models;
  models.push_back({});
  for (std::uint32_t n : {32U, 16U, 8U, 6U, 4U, 3U, 2U}) {
    models.push_back({.loss = LinkModel::Loss::periodic, .period = n});
  }
  for (double p : {0.01, 0.05, 0.10, 0.20}) {
    models.push_back({.loss = LinkModel::Loss::bernoulli, .drop = p, .seed = 7});
  }
  models.push_back({.loss = LinkModel::Loss::gilbert_elliott, .good_to_bad = 0.01, .bad_to_good = 0.25,
                    .drop_good = 0.005, .drop_bad = 0.5, .seed = 11});
  models.push_back({.loss = LinkModel::Loss::gilbert_elliott, .good_to_bad = 0.02, .bad_to_good = 0.1,
                    .drop_good = 0.01, .drop_bad = 0.8, .seed = 13});
  models.push_back({.loss = LinkModel::Loss::bernoulli, .drop = 0.05, .reorder = 0.1, .reorder_depth = 40,
                    .duplicate = 0.05, .seed = 17});
  return models;
}

}  // namespace

int run_loss_harness(LossOutput output) {
  std::uint32_t wrong = 0;
  if (output == LossOutput::csv) {
    std::string header = "loss_pct";
    for (const auto& c : kColumns) {
      header += "," + c.name();
    }
    fmt::print("{}\n", header);
    for (int step = 0; step <= 20; ++step) {
      LinkModel model{.loss = LinkModel::Loss::bernoulli, .drop = step * 0.02, .seed = 100U + static_cast<unsigned>(step)};
      std::string line = fmt::format("{:.1f}", step * 2.0);
      for (const auto& c : kColumns) {
        const Cell cell = run_cell(model, c);
        wrong += cell.wrong;
        line += fmt::format(",{:.1f}", 100.0 * cell.delivered / kFrames);
      }
      fmt::print("{}\n", line);
    }
    return wrong == 0 ? 0 : 1;
  }
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  if (output == LossOutput::table) {
    fmt::print("Frames recovered byte-exact, of {} frames of {} bytes (1408-byte shards, {} per frame;\n"
               "\"1 MiB\" columns: {} shards per frame)\n\n",
               kFrames, kSmallFrame, (kSmallFrame + 1407) / 1408, (kLargeFrame + 1407) / 1408);
    std::string head = "| link | measured loss |";
    std::string rule = "|---|---:|";
    for (const auto& c : kColumns) {
      head += fmt::format(" {} |", c.name());
      rule += "---:|";
    }
    fmt::print("{}\n{}\n", head, rule);
  }
  for (const auto& model : table_models()) {
    std::string line = fmt::format("| {} |", model.describe());
    bool first = true;
    for (const auto& c : kColumns) {
      const Cell cell = run_cell(model, c);
      wrong += cell.wrong;
      if (first) {
        line += fmt::format(" {:.1f}% |", cell.loss_pct);
        first = false;
      }
      line += fmt::format(" {}% |", cell.delivered * 100 / kFrames);
      rows.push_back({{"link", model.describe()},
                      {"scheme", fec::to_string(c.scheme)},
                      {"fec_pct", c.pct},
                      {"loss_pct", cell.loss_pct},
                      {"frame_bytes", c.frame_bytes},
                      {"frames", kFrames},
                      {"recovered", cell.delivered},
                      {"wrong", cell.wrong}});
    }
    if (output == LossOutput::table) {
      fmt::print("{}\n", line);
    }
  }
  if (output == LossOutput::json) {
    fmt::print("{}\n", rows.dump());
  } else {
    fmt::print("\nFrames delivered with wrong bytes: {}\n", wrong);
  }
  return wrong == 0 ? 0 : 1;
}

}  // namespace pf::bench
