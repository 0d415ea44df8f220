// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pf::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  /// Writes `content` to path()/name (creating parents) with the given mode.
  std::filesystem::path write(std::string_view name, std::string_view content, mode_t mode = 0644) const;

 private:
  std::filesystem::path path_;
};

/// The lines of a text file (none when it cannot be read), e.g. what a
/// recording test client has written so far.
[[nodiscard]] std::vector<std::string> lines_of(const std::filesystem::path& file);

/// The permission bits (07777) of `path`; fails the current test if it cannot be read.
[[nodiscard]] mode_t mode_of(const std::filesystem::path& path);

}  // namespace pf::test
