#include "pf/core/log.hpp"

#include <algorithm>
#include <atomic>
#include <memory>

#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "pf/core/text.hpp"
#include "pf/core/thread_annotations.hpp"

namespace pf::log {

namespace detail {
struct Module {
  explicit Module(std::string_view n, Level level) : name(n), threshold(level) {}
  const std::string name;
  std::atomic<Level> threshold;
};
}  // namespace detail

namespace {

spdlog::level::level_enum to_spdlog(Level level) noexcept {
  switch (level) {
    case Level::trace: return spdlog::level::trace;
    case Level::debug: return spdlog::level::debug;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
    case Level::off: return spdlog::level::off;
    case Level::unset:
    case Level::info: break;
  }
  return spdlog::level::info;
}

Level level_for(const Spec& spec, std::string_view module) {
  for (const auto& [name, level] : spec.modules) {
    if (name == module) {
      return level;
    }
  }
  return spec.default_level;
}

// The one piece of process-wide mutable state: a logging registry, like every
// logging library has. It is never destroyed, so code running during static
// destruction can still log.
class Registry {
 public:
  static Registry& instance() {
    static auto* registry = new Registry();
    return *registry;
  }

  detail::Module* module(std::string_view name) PF_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    for (const auto& m : modules_) {
      if (m->name == name) {
        return m.get();
      }
    }
    modules_.push_back(std::make_unique<detail::Module>(name, level_for(spec_, name)));
    return modules_.back().get();
  }

  void configure(const Spec& spec) PF_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    spec_ = spec;
    for (const auto& m : modules_) {
      m->threshold.store(level_for(spec_, m->name), std::memory_order_relaxed);
    }
  }

  void write(Level level, std::string_view module, std::string_view message)
      PF_EXCLUDES(sink_mutex_) {
    stderr_->log(to_spdlog(level), "[{}] {}", module, message);
    MutexLock lock(sink_mutex_);
    const Record record{level, module, message};
    for (const auto& [id, sink] : sinks_) {
      sink(record);
    }
  }

  std::uint64_t add_sink(SinkFn sink) PF_EXCLUDES(sink_mutex_) {
    MutexLock lock(sink_mutex_);
    const std::uint64_t id = ++next_sink_id_;
    sinks_.emplace_back(id, std::move(sink));
    return id;
  }

  void remove_sink(std::uint64_t id) PF_EXCLUDES(sink_mutex_) {
    MutexLock lock(sink_mutex_);
    std::erase_if(sinks_, [id](const auto& entry) { return entry.first == id; });
  }

 private:
  Registry() : stderr_(std::make_shared<spdlog::logger>("punktfunk", make_stderr_sink())) {
    stderr_->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
    stderr_->set_level(spdlog::level::trace);  // filtering happens per module
    stderr_->flush_on(spdlog::level::trace);
  }

  static spdlog::sink_ptr make_stderr_sink() {
    return std::make_shared<spdlog::sinks::stderr_color_sink_mt>(spdlog::color_mode::automatic);
  }

  Mutex mutex_;
  std::vector<std::unique_ptr<detail::Module>> modules_ PF_GUARDED_BY(mutex_);
  Spec spec_ PF_GUARDED_BY(mutex_);

  Mutex sink_mutex_;
  std::vector<std::pair<std::uint64_t, SinkFn>> sinks_ PF_GUARDED_BY(sink_mutex_);
  std::uint64_t next_sink_id_ PF_GUARDED_BY(sink_mutex_) = 0;

  const std::shared_ptr<spdlog::logger> stderr_;
};

Result<Level> parse_level(std::string_view text) {
  static constexpr std::pair<std::string_view, Level> kLevels[] = {
      {"trace", Level::trace}, {"debug", Level::debug}, {"info", Level::info},
      {"warn", Level::warn},   {"error", Level::error}, {"off", Level::off},
  };
  for (const auto& [name, level] : kLevels) {
    if (text == name) {
      return level;
    }
  }
  return fail(Errc::config_invalid, "unknown log level '{}' (accepted: trace, debug, info, warn, error, off)",
              text);
}

bool valid_module_name(std::string_view name) {
  return !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

}  // namespace

std::string_view to_string(Level level) noexcept {
  switch (level) {
    case Level::unset: return "unset";
    case Level::trace: return "trace";
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
    case Level::off: return "off";
  }
  return "unknown";
}

Result<Spec> parse_spec(std::string_view text) {
  Spec spec;
  bool have_default = false;
  std::string_view rest = text;
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view item = trim_blanks(rest.substr(0, comma));
    if (item.empty()) {
      return fail(Errc::config_invalid, "empty item in log spec '{}'", text);
    }
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      if (have_default) {
        return fail(Errc::config_invalid, "log spec '{}' names two default levels", text);
      }
      auto level = parse_level(item);
      if (!level) {
        return tl::unexpected(level.error());
      }
      spec.default_level = *level;
      have_default = true;
    } else {
      const std::string_view module = trim_blanks(item.substr(0, eq));
      if (!valid_module_name(module)) {
        return fail(Errc::config_invalid,
                    "bad module name '{}' in log spec (lowercase letters, digits, '_' or '-')",
                    module);
      }
      auto level = parse_level(trim_blanks(item.substr(eq + 1)));
      if (!level) {
        return tl::unexpected(level.error());
      }
      spec.modules.emplace_back(std::string(module), *level);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(comma + 1);
  }
  return spec;
}

void configure(const Spec& spec) { Registry::instance().configure(spec); }

Logger::Logger(std::string_view module) : module_(Registry::instance().module(module)) {}

bool Logger::enabled(Level level) const noexcept {
  const Level threshold = module_->threshold.load(std::memory_order_relaxed);
  return level != Level::off && level != Level::unset && threshold != Level::off &&
         level >= threshold;
}

std::string_view Logger::module() const noexcept { return module_->name; }

void Logger::write(Level level, std::string_view message) const {
  if (enabled(level)) {
    Registry::instance().write(level, module_->name, message);
  }
}

void RateLimitedLog::flush(TimePoint now) {
  if (const auto pending = limiter_.take_pending(now)) {
    if (logger_.enabled(level_)) {
      logger_.write(level_, fmt::format("{}: {} more since the last report", what_, *pending));
    }
  }
}

void RateLimitedLog::emit(std::string message, std::uint64_t suppressed) const {
  if (suppressed > 0) {
    fmt::format_to(std::back_inserter(message), " (+{} suppressed)", suppressed);
  }
  logger_.write(level_, message);
}

SinkRegistration& SinkRegistration::operator=(SinkRegistration&& other) noexcept {
  if (this != &other) {
    if (id_ != 0) {
      Registry::instance().remove_sink(id_);
    }
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

SinkRegistration::~SinkRegistration() {
  if (id_ != 0) {
    Registry::instance().remove_sink(id_);
  }
}

SinkRegistration add_sink(SinkFn sink) {
  return SinkRegistration(Registry::instance().add_sink(std::move(sink)));
}

}  // namespace pf::log
