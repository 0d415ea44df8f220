#include "suite.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

namespace pf::bench {

double percentile(std::vector<double> samples, double q) {
  if (samples.empty()) {
    return 0;
  }
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(samples.size()));
  return samples[std::min(samples.size() - 1, rank)];
}

std::span<const Suite> suites() {
  static const Suite all[] = {core_suite(), framering_suite(), capture_suite(), convert_suite(), convert_gpu_suite(), encode_suite(),
                                fec_suite(), crypto_suite(), pipeline_suite(), console_suite(),
                                gamestream_suite()};
  return all;
}

namespace {

double lookup(const std::map<std::string, double>& values, std::string_view name) {
  const auto it = values.find(std::string(name));
  if (it == values.end()) {
    std::fprintf(stderr, "punktfunk-bench: '%.*s' was not measured\n", static_cast<int>(name.size()),
                 name.data());
    std::abort();
  }
  return it->second;
}

}  // namespace

double timing_ns(const Timings& timings, std::string_view name) { return lookup(timings.ns, name); }

double counter(const Timings& timings, std::string_view name) {
  return lookup(timings.counters, name);
}

}  // namespace pf::bench
