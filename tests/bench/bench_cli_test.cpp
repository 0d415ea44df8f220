// punktfunk-bench's output contract: one flat JSON object of snake_case
// keys with units in their names. Figures are not judged here (timings
// belong to benchmark runs, not to the unit suite).
#include <filesystem>
#include <regex>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace pf {
namespace {

struct SuiteKeys {
  const char* suite;
  std::vector<const char*> required;
};

class BenchSuite : public ::testing::TestWithParam<SuiteKeys> {};

TEST_P(BenchSuite, PrintsOneFlatJsonObjectWithItsKeys) {
  const test::TempDir tmp;
  const auto r = test::run({PF_BENCH_BINARY, GetParam().suite, "--json", "--quick"},
                           test::clean_environment(), tmp.path(), std::chrono::seconds(120));
  ASSERT_EQ(r.exit.code, 0) << r.output;
  const auto doc = nlohmann::json::parse(r.output);
  ASSERT_TRUE(doc.is_object());
  const std::regex key_shape("[a-z0-9]+(_[a-z0-9]+)*_(ns|us|ms|gbps|ratio|speedup|count|pct)(_[a-z0-9]+)?");
  for (const auto& [key, value] : doc.items()) {
    EXPECT_TRUE(std::regex_match(key, key_shape)) << key;
    EXPECT_TRUE(value.is_number()) << key;
    EXPECT_GT(value.get<double>(), 0.0) << key;
  }
  for (const char* required : GetParam().required) {
    EXPECT_TRUE(doc.contains(required)) << required;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Suites, BenchSuite,
    ::testing::Values(
        SuiteKeys{"core",
                  {"span_write_header_ns", "raw_write_header_ns", "span_write_vs_raw_ratio",
                   "span_read_header_ns", "raw_read_header_ns", "span_read_vs_raw_ratio",
                   "ratelimit_admit_ns", "log_disabled_call_ns", "summary_add_ns"}},
        SuiteKeys{"framering",
                  {"wake_p50_us", "wake_p99_us", "copy_vs_memcpy_ratio_1080p",
                   "copy_vs_memcpy_ratio_4k"}},
        SuiteKeys{"capture",
                  {"xvfb_capture_p50_ms_1080p", "xvfb_capture_p99_ms_1080p",
                   "xvfb_vs_xshmgetimage_ratio_1080p", "xvfb_cpu_pct_1080p60"}},
        SuiteKeys{"fec",
                  {"gf8_encode_gbps", "gf8_encode_vs_isal_ratio", "gf8_decode20_p50_us",
                   "gf8_decode_vs_isal_speedup", "gf16_encode_848_170_ms", "gf16_decode_848_170_ms"}},
        SuiteKeys{"crypto", {"aesgcm_seal_gbps", "aesgcm_vs_evp_ratio"}},
        SuiteKeys{"pipeline", {"pipeline_1mib_ms", "pipeline_1mib_loss10_ms"}},
        SuiteKeys{"console", {"console_proxy_vs_direct_ratio", "console_password_check_ms"}},
        SuiteKeys{"gamestream",
                  {"video_packetize_us", "video_packetize_sealed_us", "video_fec_floor_us",
                   "video_packetize_vs_floor_ratio", "audio_packetize_ns", "audio_packetize_vs_floor_ratio"}}),
    [](const auto& p) { return std::string(p.param.suite); });

// The e2e harness: real host and client, two short runs. Its latency
// figures may be 0 (the network stage on loopback), but every key the issue
// names is there and nothing arrived corrupt.
TEST(BenchE2e, ReportsEveryStageAtBothModes) {
  const test::TempDir tmp;
  const auto r = test::run({PF_BENCH_BINARY, "e2e", "--json", "--quick", "--csv-dir", tmp.path().string()},
                           test::clean_environment(), tmp.path(), std::chrono::seconds(180));
  ASSERT_EQ(r.exit.code, 0) << r.output;
  const auto doc = nlohmann::json::parse(r.output);
  for (const char* mode : {"720p60", "1080p60"}) {
    for (const char* key :
         {"e2e_p50_ms", "e2e_p99_ms", "host_p50_ms", "host_p99_ms", "capture_wait_p50_ms", "convert_p50_ms",
          "encode_p50_ms", "packetize_fec_seal_p50_ms", "pace_send_p50_ms", "network_p50_ms", "reassemble_p50_ms",
          "decode_p50_ms", "frames_decoded_ratio", "host_cpu_pct", "client_cpu_pct"}) {
      const std::string name = std::string(key) + "_" + mode;
      ASSERT_TRUE(doc.contains(name)) << name;
      EXPECT_GE(doc[name].get<double>(), 0.0) << name;
    }
    EXPECT_GT(doc[std::string("frames_decoded_count_") + mode].get<double>(), 0.0);
    EXPECT_EQ(doc[std::string("frames_corrupt_count_") + mode].get<double>(), 0.0);
    EXPECT_GT(doc[std::string("e2e_p50_ms_") + mode].get<double>(), 0.0);
    EXPECT_TRUE(std::filesystem::exists(tmp.path() / (std::string("e2e_") + mode + ".csv")));
  }
}

TEST(BenchCli, ListsSuitesAndRefusesUnknownOnes) {
  const test::TempDir tmp;
  const auto list = test::run({PF_BENCH_BINARY, "list"}, test::clean_environment(), tmp.path());
  EXPECT_EQ(list.exit.code, 0);
  EXPECT_NE(list.output.find("core"), std::string::npos);
  const auto bad = test::run({PF_BENCH_BINARY, "nosuch"}, test::clean_environment(), tmp.path());
  EXPECT_EQ(bad.exit.code, 2);
  EXPECT_NE(bad.output.find("unknown suite 'nosuch'"), std::string::npos);
}

}  // namespace
}  // namespace pf
