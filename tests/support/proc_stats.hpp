// Resource counts of a live process, read from /proc: for leak tests.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace pf::test {

/// Number of open descriptors of `pid` (0 = this process), -1 if unreadable.
[[nodiscard]] int open_fd_count(pid_t pid = 0);
/// Resident set size in KiB (VmRSS), -1 if unreadable.
[[nodiscard]] std::int64_t rss_kib(pid_t pid = 0);
/// How many live (non-zombie) children of `parent` (0 = this process) have
/// the command name `comm` (e.g. "Xvfb").
[[nodiscard]] int child_count(pid_t parent, const char* comm);
/// The pids of those children.
[[nodiscard]] std::vector<pid_t> child_pids(pid_t parent, const char* comm);
/// True once `pid` has exited (gone, or a zombie waiting for its reaper).
[[nodiscard]] bool has_exited(pid_t pid);
/// The state letter of `pid` from /proc ('R', 'S', 'Z', ...), or 0 when gone.
[[nodiscard]] char process_state(pid_t pid);
/// How many live (non-zombie) processes anywhere have the command name `comm`.
[[nodiscard]] int process_count(const char* comm);
/// True when this build runs under a sanitizer (RSS figures are then not comparable).
[[nodiscard]] bool sanitized_build();

}  // namespace pf::test
