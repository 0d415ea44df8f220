#include "pf/console/login_throttle.hpp"

#include <algorithm>

namespace pf::console {
namespace {

std::chrono::seconds round_up(Nanos wait) {
  const auto s = std::chrono::ceil<std::chrono::seconds>(wait);
  return std::max(s, std::chrono::seconds(1));
}

}  // namespace

LoginThrottle::Verdict LoginThrottle::attempt(std::string_view address, TimePoint now) {
  const MutexLock lock(mutex_);
  // The global floor first: under a flood, one attempt per gap from anywhere.
  while (!recent_.empty() && now - recent_.front() >= std::chrono::minutes(1)) {
    recent_.pop_front();
  }
  if (recent_.size() >= limits_.flood_attempts) {
    if (now < next_flood_slot_) {
      return {false, round_up(next_flood_slot_ - now)};
    }
    next_flood_slot_ = now + limits_.flood_gap;
  }
  const std::string key(address);
  auto it = entries_.find(key);
  if (it != entries_.end() && now - it->second.last >= limits_.forget_after) {
    entries_.erase(it);
    it = entries_.end();
  }
  if (it != entries_.end() && now < it->second.locked_until) {
    return {false, round_up(it->second.locked_until - now)};
  }
  if (it == entries_.end()) {
    make_room(now);
    it = entries_.emplace(key, Entry{}).first;
  }
  Entry& e = it->second;
  e.attempts += 1;
  e.last = now;
  if (e.attempts >= limits_.free_attempts) {
    const std::uint32_t doublings = std::min<std::uint32_t>(e.attempts - limits_.free_attempts, 30);
    Nanos lockout = limits_.first_lockout;
    for (std::uint32_t i = 0; i < doublings && lockout < limits_.max_lockout; ++i) {
      lockout *= 2;
    }
    e.locked_until = now + std::min(lockout, limits_.max_lockout);
  }
  if (recent_.size() < limits_.flood_attempts + 1) {
    recent_.push_back(now);
  } else {  // bounded: the oldest is within the minute anyway
    recent_.pop_front();
    recent_.push_back(now);
  }
  return {true, {}};
}

void LoginThrottle::succeeded(std::string_view address) {
  const MutexLock lock(mutex_);
  entries_.erase(std::string(address));
}

std::size_t LoginThrottle::entries() const {
  const MutexLock lock(mutex_);
  return entries_.size();
}

void LoginThrottle::make_room(TimePoint now) {
  if (entries_.size() < limits_.max_entries) {
    return;
  }
  std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.last >= limits_.forget_after; });
  if (entries_.size() < limits_.max_entries) {
    return;
  }
  const auto stalest = std::min_element(entries_.begin(), entries_.end(),
                                        [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
  entries_.erase(stalest);
}

}  // namespace pf::console
