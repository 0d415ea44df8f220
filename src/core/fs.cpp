#include "pf/core/fs.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

#include "pf/core/unique.hpp"

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

Status write_file_atomic(const std::filesystem::path& file, std::string_view content, unsigned mode) {
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : ".";
  std::string tmp = (dir / ("." + file.filename().string() + ".XXXXXX")).string();
  const UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));  // created 0600
  if (!fd) {
    return fail_errno(errno, fmt::format("cannot create a temporary file next to {}", file.string()));
  }
  auto remove_tmp = [&] { ::unlink(tmp.c_str()); };
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) {
    const int err = errno;
    remove_tmp();
    return fail_errno(err, fmt::format("chmod {}", tmp));
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const int err = errno;
      remove_tmp();
      return fail_errno(err, fmt::format("writing {}", tmp));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::rename(tmp.c_str(), file.c_str()) != 0) {
    const int err = errno;
    remove_tmp();
    return fail_errno(err, fmt::format("replacing {}", file.string()));
  }
  const UniqueFd dirfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dirfd) {
    ::fsync(dirfd.get());  // best effort: the rename itself already happened
  }
  return ok();
}

Result<std::string> read_small_file(const std::filesystem::path& file, std::size_t max_bytes) {
  const UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) {
    return fail_errno(errno, fmt::format("cannot open {}", file.string()));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail_errno(errno, fmt::format("cannot stat {}", file.string()));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(Errc::malformed, "{} is not a regular file", file.string());
  }
  std::string text(max_bytes + 1, '\0');
  std::size_t used = 0;
  while (used < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return fail_errno(errno, fmt::format("cannot read {}", file.string()));
    }
    if (n == 0) {
      break;
    }
    used += static_cast<std::size_t>(n);
  }
  if (used > max_bytes) {
    return fail(Errc::overflow, "{} is larger than {} bytes", file.string(), max_bytes);
  }
  text.resize(used);
  return text;
}

Result<ScratchDir> ScratchDir::create(const std::filesystem::path& parent, std::string_view prefix,
                                      unsigned mode) {
  std::string templ = (parent / fmt::format("{}XXXXXX", prefix)).string();
  if (::mkdtemp(templ.data()) == nullptr) {
    return fail_errno(errno, fmt::format("cannot create a directory in {}", parent.string()));
  }
  ScratchDir dir{std::filesystem::path(templ)};
  if (::chmod(templ.c_str(), static_cast<mode_t>(mode)) != 0) {
    return fail_errno(errno, fmt::format("chmod {}", templ));
  }
  return dir;
}

ScratchDir& ScratchDir::operator=(ScratchDir&& other) noexcept {
  if (this != &other) {
    ScratchDir old(std::move(*this));
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

ScratchDir::~ScratchDir() {
  if (!path_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
}

Result<std::string> random_bytes(std::size_t count) {
  std::string out(count, '\0');
  std::size_t got = 0;
  while (got < count) {
    const ssize_t n = ::getrandom(out.data() + got, count - got, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail_errno(errno, "getrandom");
    }
    got += static_cast<std::size_t>(n);
  }
  return out;
}

}  // namespace pf
