#include "pf/mgmt/log_buffer.hpp"

#include <chrono>

namespace pf::mgmt {

LogBuffer::LogBuffer(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

void LogBuffer::attach() {
  registration_ = log::add_sink([this](const log::Record& r) { add(r); });
}

void LogBuffer::add(const log::Record& r) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  const MutexLock lock(mutex_);
  if (lines_.size() >= capacity_) {
    lines_.pop_front();
  }
  lines_.push_back(LogLine{next_++, now.count(), r.level, std::string(r.module), std::string(r.message)});
}

std::vector<LogLine> LogBuffer::query(const LogQuery& q) const {
  std::vector<LogLine> out;
  const MutexLock lock(mutex_);
  for (auto it = lines_.rbegin(); it != lines_.rend() && out.size() < q.limit; ++it) {
    if (it->seq <= q.since) {
      break;
    }
    if (it->level < q.min_level || (!q.module.empty() && it->module != q.module) ||
        (!q.contains.empty() && it->message.find(q.contains) == std::string::npos)) {
      continue;
    }
    out.push_back(*it);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace pf::mgmt
