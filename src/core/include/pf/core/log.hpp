// The logging facade: one process-wide sink (spdlog on stderr), module tags,
// per-module levels, and extra sinks for anything that wants the records
// (tests, and later the management API's event stream).
//
//   static const pf::log::Logger log{"config"};
//   log.info("loaded {} keys from {}", n, path);
//
// Levels are set by a spec such as "info" or "warn,framering=debug"
// (PUNKTFUNK_LOG). A disabled call costs one relaxed atomic load and formats
// nothing. Hot paths never log directly: use RateLimitedLog or a
// SummaryWindow. Never log key material, tokens, passwords or PINs.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "pf/core/clock.hpp"
#include "pf/core/rate_limit.hpp"
#include "pf/core/result.hpp"

namespace pf::log {

enum class Level : std::uint8_t { unset = 0, trace, debug, info, warn, error, off };

[[nodiscard]] std::string_view to_string(Level level) noexcept;

/// A parsed level spec: a default level and per-module overrides.
struct Spec {
  Level default_level = Level::info;
  std::vector<std::pair<std::string, Level>> modules;
};

/// Parses "LEVEL[,MODULE=LEVEL]..." (levels: trace debug info warn error off).
[[nodiscard]] Result<Spec> parse_spec(std::string_view text);

/// Applies a spec to every module, present and future. Thread-safe.
void configure(const Spec& spec);

namespace detail {
struct Module;
}

class Logger {
 public:
  /// `module` is a short lowercase tag ("config", "framering"); loggers with
  /// the same tag share one level setting.
  explicit Logger(std::string_view module);

  [[nodiscard]] bool enabled(Level level) const noexcept;
  [[nodiscard]] std::string_view module() const noexcept;

  /// Writes an already formatted message if `level` is enabled.
  void write(Level level, std::string_view message) const;

  template <typename... Args>
  void log(Level level, fmt::format_string<Args...> format, Args&&... args) const {
    if (enabled(level)) {
      write(level, fmt::format(format, std::forward<Args>(args)...));
    }
  }
  template <typename... Args>
  void trace(fmt::format_string<Args...> format, Args&&... args) const {
    log(Level::trace, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void debug(fmt::format_string<Args...> format, Args&&... args) const {
    log(Level::debug, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void info(fmt::format_string<Args...> format, Args&&... args) const {
    log(Level::info, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void warn(fmt::format_string<Args...> format, Args&&... args) const {
    log(Level::warn, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void error(fmt::format_string<Args...> format, Args&&... args) const {
    log(Level::error, format, std::forward<Args>(args)...);
  }

 private:
  detail::Module* module_;  // owned by the process-wide registry, never freed
};

/// A logger that reports a recurring condition at most once per interval and
/// appends how many occurrences it folded in:
///   "malformed datagram from 10.0.0.2: bad length (+41 suppressed)".
/// `what` names the condition for flush()'s summary line. Safe to share
/// between threads.
class RateLimitedLog {
 public:
  RateLimitedLog(Logger logger, Level level, Nanos interval, std::string_view what) noexcept
      : logger_(logger), level_(level), limiter_(interval), what_(what) {}

  template <typename... Args>
  void operator()(TimePoint now, fmt::format_string<Args...> format, Args&&... args) {
    const auto decision = limiter_.admit(now);
    if (decision.report && logger_.enabled(level_)) {
      emit(fmt::format(format, std::forward<Args>(args)...), decision.suppressed);
    }
  }

  /// Reports folded occurrences of a burst that has stopped; call it from a
  /// periodic tick.
  void flush(TimePoint now);

  [[nodiscard]] std::uint64_t total() const noexcept { return limiter_.total(); }

 private:
  void emit(std::string message, std::uint64_t suppressed) const;

  Logger logger_;
  Level level_;
  RateLimiter limiter_;
  std::string_view what_;  // a string literal at every call site
};

/// One log record as handed to extra sinks.
struct Record {
  Level level = Level::unset;
  std::string_view module;
  std::string_view message;
};

using SinkFn = std::function<void(const Record&)>;

/// Keeps an extra sink attached; detaches it on destruction. Sinks are
/// called synchronously on the logging thread, under the sink lock.
class SinkRegistration {
 public:
  SinkRegistration() = default;
  SinkRegistration(SinkRegistration&& other) noexcept : id_(std::exchange(other.id_, 0)) {}
  SinkRegistration& operator=(SinkRegistration&& other) noexcept;
  SinkRegistration(const SinkRegistration&) = delete;
  SinkRegistration& operator=(const SinkRegistration&) = delete;
  ~SinkRegistration();

 private:
  friend SinkRegistration add_sink(SinkFn sink);
  explicit SinkRegistration(std::uint64_t id) noexcept : id_(id) {}
  std::uint64_t id_ = 0;
};

[[nodiscard]] SinkRegistration add_sink(SinkFn sink);

}  // namespace pf::log
