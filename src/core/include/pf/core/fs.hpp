// Filesystem helpers with the host's security defaults.
#pragma once

#include <cstdint>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

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

/// Reads and parses a small settings file (`parse`: string_view →
/// Result<T>); a missing file is T's defaults, and errors name the file.
template <typename T, typename Parse>
[[nodiscard]] Result<T> load_settings_file(const std::filesystem::path& file, std::size_t max_bytes,
                                           Parse&& parse) {
  auto text = read_small_file(file, max_bytes);
  if (!text) {
    if (text.error().code == Errc::not_found) {
      return T{};
    }
    return tl::unexpected(text.error());
  }
  Result<T> parsed = parse(std::string_view(*text));
  if (!parsed) {
    return fail(parsed.error().code, "{}: {}", file.string(), parsed.error().message);
  }
  return parsed;
}

/// A directory of our own that lives as long as this object: created
/// fresh (mkdtemp) under `parent` with `mode`, removed with everything in
/// it on destruction. For runtime state such as sockets and X cookies.
class ScratchDir {
 public:
  [[nodiscard]] static Result<ScratchDir> create(const std::filesystem::path& parent,
                                                 std::string_view prefix, unsigned mode);
  ScratchDir() = default;
  ScratchDir(ScratchDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  ScratchDir& operator=(ScratchDir&& other) noexcept;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir();

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  explicit ScratchDir(std::filesystem::path path) noexcept : path_(std::move(path)) {}
  std::filesystem::path path_;
};

/// `count` bytes from the kernel's random source (for cookies, not for keys).
[[nodiscard]] Result<std::string> random_bytes(std::size_t count);

}  // namespace pf
