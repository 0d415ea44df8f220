#include "pf/transport/lossy_link.hpp"

#include <fmt/format.h>

namespace pf::transport {

std::string LinkModel::describe() const {
  std::string s;
  switch (loss) {
    case Loss::none:
      s = "no loss";
      break;
    case Loss::periodic:
      s = fmt::format("1-in-{}", period);
      break;
    case Loss::bernoulli:
      s = fmt::format("bernoulli {:g}%", drop * 100);
      break;
    case Loss::gilbert_elliott:
      s = fmt::format("bursts {:g}%/{:g}% (p {:g}/{:g})", drop_good * 100, drop_bad * 100, good_to_bad,
                      bad_to_good);
      break;
  }
  if (reorder > 0) {
    s += fmt::format(" +reorder {:g}%/{}", reorder * 100, reorder_depth);
  }
  if (duplicate > 0) {
    s += fmt::format(" +dup {:g}%", duplicate * 100);
  }
  return s;
}

LossyLink::LossyLink(const LinkModel& model) : model_(model), rng_(model.seed) {}

bool LossyLink::chance(double p) {
  return p > 0 && std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < p;
}

bool LossyLink::drop_next() {
  ++sent_;
  switch (model_.loss) {
    case LinkModel::Loss::none:
      return false;
    case LinkModel::Loss::periodic:
      return model_.period != 0 && sent_ % model_.period == 0;
    case LinkModel::Loss::bernoulli:
      return chance(model_.drop);
    case LinkModel::Loss::gilbert_elliott: {
      const bool dropped = chance(bad_ ? model_.drop_bad : model_.drop_good);
      if (chance(bad_ ? model_.bad_to_good : model_.good_to_bad)) {
        bad_ = !bad_;
      }
      return dropped;
    }
  }
  return false;
}

void LossyLink::transmit(std::span<const Bytes> in, std::vector<Bytes>& out) {
  out.clear();
  // held_[i] is released after `countdown` more packets have gone out.
  std::vector<std::pair<Bytes, std::uint32_t>> held;
  for (const Bytes& d : in) {
    if (drop_next()) {
      ++dropped_;
      continue;
    }
    if (model_.reorder_depth > 0 && chance(model_.reorder)) {
      const auto depth = static_cast<std::uint32_t>(1 + rng_() % model_.reorder_depth);
      held.emplace_back(d, depth);
    } else {
      out.push_back(d);
      if (chance(model_.duplicate)) {
        out.push_back(d);
      }
      for (auto it = held.begin(); it != held.end();) {
        if (--it->second == 0) {
          out.push_back(it->first);
          it = held.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  for (const auto& h : held) {
    out.push_back(h.first);
  }
}

}  // namespace pf::transport
