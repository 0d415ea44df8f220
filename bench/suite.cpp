#include "suite.hpp"

#include <cstdio>
#include <cstdlib>

namespace pf::bench {

std::span<const Suite> suites() {
  static const Suite all[] = {core_suite()};
  return all;
}

double timing_ns(const Timings& timings, std::string_view name) {
  const auto it = timings.find(std::string(name));
  if (it == timings.end()) {
    std::fprintf(stderr, "punktfunk-bench: case '%.*s' produced no timing\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return it->second;
}

}  // namespace pf::bench
