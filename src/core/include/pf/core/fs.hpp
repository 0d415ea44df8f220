// Filesystem helpers with the host's security defaults.
#pragma once

#include <cstdint>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "pf/core/result.hpp"

namespace pf {

/// What ensure_private_dir found or did.
enum class DirOutcome : std::uint8_t {
  unset = 0,
  created = 1,      ///< the directory did not exist and was created with mode 0700
  existed = 2,      ///< it existed with no group/other write permission
  too_open = 3,     ///< it existed and is writable by group or others (caller should warn)
};

/// Makes sure `dir` exists as a directory. Missing parents are created with
/// the default mode; the directory itself, when created, gets mode 0700.
/// An existing directory's mode is never changed (the operator chose it).
[[nodiscard]] Result<DirOutcome> ensure_private_dir(const std::filesystem::path& dir);

/// Replaces `file` atomically with `content`: writes a temporary file in the
/// same directory with `mode` (e.g. 0600 for secrets), fsyncs it, renames it
/// over `file`, and fsyncs the directory. Readers see the old or the new
/// content, never a mix; the mode never passes through anything wider.
[[nodiscard]] Status write_file_atomic(const std::filesystem::path& file, std::string_view content,
                                       unsigned mode);

/// Reads a whole regular file of at most `max_bytes`.
[[nodiscard]] Result<std::string> read_small_file(const std::filesystem::path& file,
                                                  std::size_t max_bytes);

}  // namespace pf
