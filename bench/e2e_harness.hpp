// punktfunk-bench e2e: the whole native path on loopback at 1280x720@60 and
// 1920x1080@60 — the host (display service on the synthetic source, native
// server, x264) in this process, punktfunk-client as a child process.
#pragma once

#include <filesystem>

namespace pf::bench {

struct E2eOptions {
  double seconds = 15;  ///< streamed per mode, after the first picture
  bool json = false;
  /// When set: e2e_720p60.csv and e2e_1080p60.csv there, one row per
  /// decoded frame (the client's --latency-csv), for the histogram.
  std::filesystem::path csv_dir;
};

/// Prints the report (flat JSON or a table). Exit code 1 if a run failed or
/// a frame arrived corrupt.
int run_e2e(const E2eOptions& options);

}  // namespace pf::bench
