// A benchmark suite: Google Benchmark cases registered under "<suite>/", and
// a function that turns their timings into the suite's report keys.
//
// Report keys are snake_case and carry their unit: _ns, _us, _ms, _gbps,
// _pct (of one core), _ratio (ours / reference, so < 1 means we are faster;
// copy ratios are throughputs, so there > 1 means faster), _speedup
// (reference time ÷ ours: > 1 means we are faster), _count; a
// qualifier such as _1080p may follow the unit.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pf::bench {

/// What a suite's cases produced, keyed by case name without the suite
/// prefix ("span_write_header"): the median real time per iteration in
/// nanoseconds, and user counters as "case.counter" (median over repetitions).
struct Timings {
  std::map<std::string, double> ns;
  std::map<std::string, double> counters;
};

/// The flat report, in insertion order.
using Report = std::vector<std::pair<std::string, double>>;

struct Suite {
  std::string_view name;
  std::string_view description;
  void (*register_cases)();
  Report (*report)(const Timings& timings);
};

[[nodiscard]] std::span<const Suite> suites();

/// The q-quantile (0..1) of samples, by nearest rank; 0 for none.
[[nodiscard]] double percentile(std::vector<double> samples, double q);

/// A timing by case name; a missing case is a bug in the suite (aborts).
[[nodiscard]] double timing_ns(const Timings& timings, std::string_view name);
/// A counter by "case.counter"; a missing one is a bug in the suite (aborts).
[[nodiscard]] double counter(const Timings& timings, std::string_view name);

// One declaration per suite, defined in <name>_suite.cpp.
[[nodiscard]] const Suite& core_suite();
[[nodiscard]] const Suite& framering_suite();
[[nodiscard]] const Suite& capture_suite();
[[nodiscard]] const Suite& convert_suite();
[[nodiscard]] const Suite& convert_gpu_suite();
[[nodiscard]] const Suite& encode_suite();
[[nodiscard]] const Suite& fec_suite();
[[nodiscard]] const Suite& crypto_suite();
[[nodiscard]] const Suite& pipeline_suite();
[[nodiscard]] const Suite& console_suite();
[[nodiscard]] const Suite& gamestream_suite();

}  // namespace pf::bench
