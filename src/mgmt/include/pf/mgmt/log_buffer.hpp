// The last few thousand log records, kept for the management API's `logs`
// (an extra sink of the logging facade). Messages are already free of
// secrets: nothing logs keys, tokens, passwords or PINs.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "pf/core/log.hpp"
#include "pf/core/thread_annotations.hpp"

namespace pf::mgmt {

struct LogLine {
  std::uint64_t seq = 0;      ///< increasing from 1; `since` pages on it
  std::int64_t unix_ms = 0;
  log::Level level = log::Level::unset;
  std::string module;
  std::string message;
};

struct LogQuery {
  std::uint64_t since = 0;             ///< only lines with a larger seq
  log::Level min_level = log::Level::trace;
  std::string module;                  ///< exact; empty: any
  std::string contains;                ///< substring; empty: any
  std::size_t limit = 500;             ///< the newest that match
};

class LogBuffer {
 public:
  explicit LogBuffer(std::size_t capacity = 4096);
  ~LogBuffer() = default;
  LogBuffer(const LogBuffer&) = delete;
  LogBuffer& operator=(const LogBuffer&) = delete;

  /// Starts receiving the process's log records (until destroyed).
  void attach();
  void add(const log::Record& record) PF_EXCLUDES(mutex_);
  [[nodiscard]] std::vector<LogLine> query(const LogQuery& query) const PF_EXCLUDES(mutex_);

 private:
  const std::size_t capacity_;
  mutable Mutex mutex_;
  std::deque<LogLine> lines_ PF_GUARDED_BY(mutex_);
  std::uint64_t next_ PF_GUARDED_BY(mutex_) = 1;
  log::SinkRegistration registration_;  // last: detached before the lines go
};

}  // namespace pf::mgmt
