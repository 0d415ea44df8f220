#include "support/xvfb.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>

#include "pf/core/fs.hpp"
#include "pf/core/unique.hpp"

namespace pf::test {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);

// One Xauthority entry for any address and display number (FamilyWild):
// Xvfb picks the number after the file is written.
std::string xauthority_entry(std::string_view cookie) {
  std::string out("\xff\xff", 2);
  const auto field = [&out](std::string_view bytes) {
    out.push_back(static_cast<char>(bytes.size() >> 8));
    out.push_back(static_cast<char>(bytes.size() & 0xFF));
    out.append(bytes);
  };
  field("");  // address
  field("");  // display number
  field("MIT-MAGIC-COOKIE-1");
  field(cookie);
  return out;
}

}  // namespace

Result<Xvfb> Xvfb::start(const std::filesystem::path& dir, std::uint32_t width,
                         std::uint32_t height) {
  if (::access(kXvfbBinary, X_OK) != 0) {
    return fail(Errc::not_found, "{} is not installed (package xvfb)", kXvfbBinary);
  }
  auto cookie = random_bytes(16);
  if (!cookie) {
    return tl::unexpected(cookie.error());
  }
  const auto auth = dir / "xauthority";
  std::filesystem::create_directories(dir);
  std::ofstream(auth, std::ios::binary | std::ios::trunc) << xauthority_entry(*cookie);
  std::filesystem::permissions(
      auth, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    return fail_errno(errno, "pipe for Xvfb");
  }
  const UniqueFd ready_r(p[0]);
  UniqueFd ready_w(p[1]);
  auto server = ChildProcess::spawn(
      SpawnSpec{.argv = {kXvfbBinary, "-displayfd", "3", "-screen", "0",
                         std::to_string(width) + "x" + std::to_string(height) + "x24", "-nolisten",
                         "tcp", "-noreset", "-auth", auth.string()},
                .fd_map = {{ready_w.get(), 3}},
                .output = dir / "xvfb.log"});
  if (!server) {
    return tl::unexpected(server.error());
  }
  ready_w.reset();
  std::string text;  // "N\n"
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (text.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd pfd{ready_r.get(), POLLIN, 0};
    if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) < 0) {
      return fail(Errc::timeout, "Xvfb named no display within {} s", kStartTimeout.count());
    }
    char buf[16];
    const ssize_t n = ::read(ready_r.get(), buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
      return fail(Errc::closed, "Xvfb exited before it was ready (see {})",
                  (dir / "xvfb.log").string());
    }
    if (n > 0) {
      text.append(buf, static_cast<std::size_t>(n));
    }
  }
  return Xvfb(std::move(*server), ":" + text.substr(0, text.find('\n')), auth);
}

std::map<std::string, std::string> Xvfb::environment() const {
  return {{"DISPLAY", display_}, {"XAUTHORITY", auth_.string()}};
}

}  // namespace pf::test
