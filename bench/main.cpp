// punktfunk-bench SUITE [--json] [--min-time S] [--repetitions N] [--quick]
// punktfunk-bench list
// punktfunk-bench loss [--json | --csv]
// punktfunk-bench e2e [--json] [--seconds S] [--csv-dir DIR]
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pf/core/log.hpp"
#include "e2e_harness.hpp"
#include "loss_harness.hpp"
#include "suite.hpp"

namespace pf::bench {
namespace {

// Collects every repetition's real time per iteration, in nanoseconds.
class Collector final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) {
        std::fprintf(stderr, "punktfunk-bench: %s: %s\n", run.run_name.function_name.c_str(),
                     run.error_message.c_str());
        continue;
      }
      if (run.run_type != Run::RT_Iteration) {
        continue;
      }
      const std::string name = run.run_name.function_name;
      samples_[name].push_back(run.GetAdjustedRealTime() * to_ns(run.time_unit));
      for (const auto& [counter, value] : run.counters) {
        counter_samples_[name + "." + counter].push_back(value.value);
      }
    }
  }

  [[nodiscard]] Timings medians(std::string_view prefix) const {
    Timings out;
    fold(samples_, prefix, out.ns);
    fold(counter_samples_, prefix, out.counters);
    return out;
  }

 private:
  static double to_ns(benchmark::TimeUnit unit) {
    switch (unit) {
      case benchmark::kNanosecond: return 1.0;
      case benchmark::kMicrosecond: return 1e3;
      case benchmark::kMillisecond: return 1e6;
      case benchmark::kSecond: return 1e9;
    }
    return 1.0;
  }

  static void fold(const std::map<std::string, std::vector<double>>& samples, std::string_view prefix,
                   std::map<std::string, double>& out) {
    for (auto [name, values] : samples) {
      std::sort(values.begin(), values.end());
      const std::size_t n = values.size();
      out[name.substr(std::min(name.size(), prefix.size()))] =
          n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
  }

  std::map<std::string, std::vector<double>> samples_;
  std::map<std::string, std::vector<double>> counter_samples_;
};

std::string format_value(double v) {
  return (v != 0 && (v < 0.01 || v >= 1e7)) ? fmt::format("{:.4g}", v) : fmt::format("{:.4f}", v);
}

int run_suite(const Suite& suite, bool json, double min_time_s, int repetitions) {
  suite.register_cases();
  // Google Benchmark reads its settings from argv-style flags.
  std::vector<std::string> flags = {
      "punktfunk-bench",
      fmt::format("--benchmark_min_time={}", min_time_s),
      fmt::format("--benchmark_repetitions={}", repetitions),
  };
  std::vector<char*> argv;
  for (auto& f : flags) {
    argv.push_back(f.data());
  }
  int argc = static_cast<int>(argv.size());
  benchmark::Initialize(&argc, argv.data());

  Collector collector;
  const std::string prefix = std::string(suite.name) + "/";
  benchmark::RunSpecifiedBenchmarks(&collector, "^" + prefix);
  benchmark::Shutdown();
  const Report report = suite.report(collector.medians(prefix));

  if (json) {
    nlohmann::ordered_json doc = nlohmann::ordered_json::object();
    for (const auto& [key, value] : report) {
      doc[key] = value;
    }
    fmt::print("{}\n", doc.dump());
    return 0;
  }
  std::size_t width = 0;
  for (const auto& entry : report) {
    width = std::max(width, entry.first.size());
  }
  fmt::print("{} — {}\n", suite.name, suite.description);
  for (const auto& [key, value] : report) {
    fmt::print("  {:<{}}  {:>14}\n", key, width, format_value(value));
  }
  return 0;
}

}  // namespace
}  // namespace pf::bench

int main(int argc, char** argv) {
  using namespace pf::bench;
  CLI::App app{"punktfunk-bench: benchmark suites; prints one flat JSON object with --json"};
  std::string suite_name;
  bool json = false;
  bool quick = false;
  double min_time_s = 0.2;
  int repetitions = 5;
  app.add_option("suite", suite_name, "Suite to run, 'loss' (the loss harness), 'e2e' (host and client), or 'list'")
      ->required();
  app.add_flag("--json", json, "Print one flat JSON object of snake_case keys with units");
  app.add_option("--min-time", min_time_s, "Minimum seconds per case and repetition")
      ->check(CLI::PositiveNumber);
  app.add_option("--repetitions", repetitions, "Repetitions per case; the median is reported")
      ->check(CLI::Range(1, 100));
  bool csv = false;
  app.add_flag("--csv", csv, "loss only: the Bernoulli sweep as CSV, for the plot");
  E2eOptions e2e;
  app.add_option("--seconds", e2e.seconds, "e2e only: seconds streamed per mode (default 15)")
      ->check(CLI::Range(1.0, 600.0));
  app.add_option("--csv-dir", e2e.csv_dir, "e2e only: per-frame latencies as e2e_<mode>.csv there");
  app.add_flag("--quick", quick, "One short repetition per case (smoke runs; noisy figures)");
  std::string log_spec = "warn";
  app.add_option("--log", log_spec, "Log levels while benchmarking (as PUNKTFUNK_LOG)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  const auto spec = pf::log::parse_spec(log_spec);
  if (!spec) {
    fmt::print(stderr, "punktfunk-bench: --log: {}\n", spec.error().message);
    return 2;
  }
  pf::log::configure(*spec);  // stdout carries only the report
  if (quick) {
    min_time_s = 0.001;
    repetitions = 1;
    e2e.seconds = 2;
  }
  if (suite_name == "list") {
    for (const Suite& s : suites()) {
      fmt::print("{:<12} {}\n", s.name, s.description);
    }
    fmt::print("{:<12} {}\n", "loss", "frames recovered over modelled lossy paths, by FEC scheme and %");
    fmt::print("{:<12} {}\n", "e2e", "host and reference client on loopback: stages, latency, CPU at 720p60, 1080p60");
    return 0;
  }
  if (suite_name == "e2e") {
    e2e.json = json;
    return run_e2e(e2e);
  }
  if (suite_name == "loss") {
    return run_loss_harness(csv ? LossOutput::csv : json ? LossOutput::json : LossOutput::table);
  }
  for (const Suite& s : suites()) {
    if (s.name == suite_name) {
      return run_suite(s, json, min_time_s, repetitions);
    }
  }
  fmt::print(stderr, "punktfunk-bench: unknown suite '{}' (see 'punktfunk-bench list')\n", suite_name);
  return 2;
}
