#include "pf/core/fs.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <system_error>

namespace pf {
namespace {

Result<DirOutcome> classify_existing(const std::filesystem::path& dir, const struct stat& st) {
  if (!S_ISDIR(st.st_mode)) {
    return fail(Errc::invalid_argument, "{} exists and is not a directory", dir.string());
  }
  return (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 ? DirOutcome::too_open : DirOutcome::existed;
}

}  // namespace

Result<DirOutcome> ensure_private_dir(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    return classify_existing(dir, st);
  }
  if (errno != ENOENT) {
    return fail_errno(errno, fmt::format("cannot inspect {}", dir.string()));
  }
  if (dir.has_parent_path() && dir.parent_path() != dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir.parent_path(), ec);
    if (ec) {
      return fail_errno(ec.value(), fmt::format("cannot create {}", dir.parent_path().string()));
    }
  }
  // mkdir honours the umask, which can only remove bits: the result is 0700 or tighter.
  if (::mkdir(dir.c_str(), 0700) == 0) {
    return DirOutcome::created;
  }
  if (errno == EEXIST && ::stat(dir.c_str(), &st) == 0) {  // created concurrently
    return classify_existing(dir, st);
  }
  return fail_errno(errno, fmt::format("cannot create {}", dir.string()));
}

}  // namespace pf
