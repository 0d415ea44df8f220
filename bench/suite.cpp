#include "suite.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

namespace pf::bench {

std::span<const Suite> suites() {
  static const Suite all[] = {core_suite(), framering_suite(), capture_suite(), convert_suite(), convert_gpu_suite(), encode_suite(),
                                fec_suite(), crypto_suite(), pipeline_suite()};
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
