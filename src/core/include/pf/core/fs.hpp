// Filesystem helpers with the host's security defaults.
#pragma once

#include <cstdint>
#include <filesystem>

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

}  // namespace pf
