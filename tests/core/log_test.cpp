#include "pf/core/log.hpp"

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace {

// Counts how often it is formatted, to prove disabled calls format nothing.
struct Costly {
  static inline std::atomic<int> formatted{0};
};

}  // namespace

template <>
struct fmt::formatter<Costly> : fmt::formatter<std::string_view> {
  auto format(const Costly&, fmt::format_context& ctx) const -> decltype(ctx.out()) {
    Costly::formatted.fetch_add(1);
    return fmt::format_to(ctx.out(), "costly");
  }
};

namespace pf::log {
namespace {

using namespace std::chrono_literals;

struct Captured {
  Level level;
  std::string module;
  std::string message;
};

// Captures records of one module (other tests' modules are ignored) and
// restores the default spec afterwards.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registration_ = add_sink([this](const Record& r) {
      if (r.module.starts_with("test")) {
        const std::lock_guard lock(mutex_);
        records_.push_back({r.level, std::string(r.module), std::string(r.message)});
      }
    });
  }
  void TearDown() override { configure(Spec{}); }

  std::vector<Captured> records() {
    const std::lock_guard lock(mutex_);
    return records_;
  }

  std::mutex mutex_;
  std::vector<Captured> records_;
  SinkRegistration registration_;
};

TEST(LogSpec, ParsesDefaultAndModuleLevels) {
  const auto spec = parse_spec("warn, config=debug,framering=trace");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->default_level, Level::warn);
  ASSERT_EQ(spec->modules.size(), 2U);
  EXPECT_EQ(spec->modules[0].first, "config");
  EXPECT_EQ(spec->modules[0].second, Level::debug);
  EXPECT_EQ(spec->modules[1].second, Level::trace);
}

TEST(LogSpec, ModuleOnlySpecKeepsTheDefaultLevel) {
  const auto spec = parse_spec("host=off");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->default_level, Level::info);
}

TEST(LogSpec, RejectsWhatItDoesNotKnow) {
  for (const char* bad : {"", "loud", "info,", ",info", "info,warn", "Config=debug", "x=",
                          "=debug", "info,,x=debug", "INFO"}) {
    const auto spec = parse_spec(bad);
    EXPECT_FALSE(spec) << "'" << bad << "' was accepted";
    if (!spec) {
      EXPECT_EQ(spec.error().code, Errc::config_invalid);
    }
  }
}

TEST_F(LogTest, LevelsApplyPerModule) {
  const Logger a{"test_a"};
  const Logger b{"test_b"};
  configure(*parse_spec("warn,test_b=debug"));
  EXPECT_FALSE(a.enabled(Level::info));
  EXPECT_TRUE(a.enabled(Level::warn));
  EXPECT_TRUE(b.enabled(Level::debug));
  EXPECT_FALSE(b.enabled(Level::trace));
  a.info("hidden");
  a.error("shown {}", 1);
  b.debug("shown {}", 2);
  const auto got = records();
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].module, "test_a");
  EXPECT_EQ(got[0].message, "shown 1");
  EXPECT_EQ(got[0].level, Level::error);
  EXPECT_EQ(got[1].module, "test_b");
  EXPECT_EQ(got[1].level, Level::debug);
}

TEST_F(LogTest, LoggersCreatedAfterConfigureGetTheirLevel) {
  configure(*parse_spec("info,test_late=error"));
  const Logger late{"test_late"};
  EXPECT_FALSE(late.enabled(Level::warn));
  EXPECT_TRUE(late.enabled(Level::error));
}

TEST_F(LogTest, OffSilencesEverything) {
  configure(*parse_spec("off"));
  const Logger quiet{"test_quiet"};
  EXPECT_FALSE(quiet.enabled(Level::error));
  quiet.error("nothing");
  EXPECT_TRUE(records().empty());
}

TEST_F(LogTest, DisabledCallsFormatNothing) {
  configure(*parse_spec("info"));
  const Logger logger{"test_cost"};
  Costly::formatted = 0;
  logger.debug("{}", Costly{});
  EXPECT_EQ(Costly::formatted.load(), 0);
  logger.info("{}", Costly{});
  EXPECT_EQ(Costly::formatted.load(), 1);
}

TEST_F(LogTest, SinkStopsReceivingWhenDetached) {
  const Logger logger{"test_detach"};
  std::atomic<int> seen{0};
  {
    const SinkRegistration extra = add_sink([&](const Record& r) {
      if (r.module == "test_detach") {
        seen.fetch_add(1);
      }
    });
    logger.info("one");
  }
  logger.info("two");
  EXPECT_EQ(seen.load(), 1);
  EXPECT_EQ(records().size(), 2U);
}

TEST_F(LogTest, RateLimitedLogFoldsRepeatsAndFlushesTheRest) {
  ManualClock clock;
  RateLimitedLog limited(Logger{"test_rl"}, Level::warn, 1s, "bad datagram");
  for (int i = 0; i < 10; ++i) {
    limited(clock.now(), "bad datagram from {}", "peer");
    clock.advance(10ms);
  }
  clock.advance(1s);
  limited(clock.now(), "bad datagram from {}", "peer");
  limited(clock.now(), "bad datagram from {}", "peer");
  limited.flush(clock.now() + 500ms);  // not yet
  limited.flush(clock.now() + 1s);
  const auto got = records();
  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(got[0].message, "bad datagram from peer");
  EXPECT_EQ(got[1].message, "bad datagram from peer (+9 suppressed)");
  EXPECT_EQ(got[2].message, "bad datagram: 1 more since the last report");
  EXPECT_EQ(got[2].level, Level::warn);
  EXPECT_EQ(limited.total(), 12U);
}

TEST_F(LogTest, ConcurrentLoggingDeliversEveryRecord) {
  const Logger logger{"test_mt"};
  constexpr int kThreads = 4;
  constexpr int kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        logger.debug("thread {} message {}", t, i);  // below the default level
        logger.warn("thread {} message {}", t, i);
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(records().size(), static_cast<std::size_t>(kThreads * kEach));
}

}  // namespace
}  // namespace pf::log
