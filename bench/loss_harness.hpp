// punktfunk-bench loss: frames recovered over a lossy path, by FEC scheme
// and parity percentage.
#pragma once

namespace pf::bench {

enum class LossOutput { table, json, csv };

/// Prints the table (markdown), JSON rows, or the Bernoulli sweep as CSV
/// (for the plot). Returns the process exit code: 1 if any frame was
/// delivered with wrong bytes.
int run_loss_harness(LossOutput output);

}  // namespace pf::bench
