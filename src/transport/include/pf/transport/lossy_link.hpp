// A deterministic model of a bad network path, for tests and the loss
// harness: drops (every Nth, Bernoulli, or Gilbert–Elliott bursts), reorder
// and duplication, all driven by one seed. Pure: no sockets or clocks.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "pf/core/span_io.hpp"

namespace pf::transport {

struct LinkModel {
  enum class Loss : std::uint8_t { none = 0, periodic = 1, bernoulli = 2, gilbert_elliott = 3 };
  Loss loss = Loss::none;
  std::uint32_t period = 0;      ///< periodic: drop every period-th packet
  double drop = 0.0;             ///< bernoulli: drop probability
  // Gilbert–Elliott: two states; drop probability per state and the chance
  // of switching after each packet.
  double good_to_bad = 0.0;
  double bad_to_good = 0.0;
  double drop_good = 0.0;
  double drop_bad = 0.0;
  double reorder = 0.0;          ///< chance a packet is held back…
  std::uint32_t reorder_depth = 0;  ///< …behind up to this many later ones
  double duplicate = 0.0;        ///< chance a packet arrives twice
  std::uint64_t seed = 1;

  /// "none", "1-in-8", "bernoulli 5%", "gilbert-elliott 2%→30%" …
  [[nodiscard]] std::string describe() const;
};

class LossyLink {
 public:
  explicit LossyLink(const LinkModel& model);

  /// The datagrams that come out of the path for `in`, in arrival order;
  /// views into `in`'s memory.
  void transmit(std::span<const Bytes> in, std::vector<Bytes>& out);

  [[nodiscard]] std::uint64_t sent() const noexcept { return sent_; }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }

 private:
  [[nodiscard]] bool drop_next();
  [[nodiscard]] bool chance(double p);

  LinkModel model_;
  std::mt19937_64 rng_;
  bool bad_ = false;
  std::uint64_t sent_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace pf::transport
