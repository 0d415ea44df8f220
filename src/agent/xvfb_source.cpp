// An Xvfb server per display, captured with MIT-SHM into a memfd shared
// with the server (no SysV segment that could leak), with damage tracking:
// an unchanged screen is not copied again. The server admits only holders
// of its cookie (written to a 0600 file before the server starts). Its
// root window is white (-wr): an idle display is never black, so a black
// frame always means something is wrong (the seed's lost-display symptom). xcb, not Xlib: Xlib exits the
// process when a server dies, and one dead display must not end the agent.
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <xcb/damage.h>
#include <xcb/shm.h>
#include <xcb/xcb.h>

#include "pf/agent/source.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"
#include "pf/core/process.hpp"
#include "pf/core/unique.hpp"
#include "pf/framering/ring.hpp"
#include "xtest_injector.hpp"

namespace pf::agent {
namespace {

const log::Logger kLog{"xvfb"};
constexpr auto kStartTimeout = std::chrono::seconds(10);

using Connection = Unique<xcb_connection_t*, &xcb_disconnect>;

struct FreeDeleter {
  void operator()(void* p) const noexcept { std::free(p); }
};
template <typename T>
using XcbReply = std::unique_ptr<T, FreeDeleter>;

constexpr std::string_view kAuthName = "MIT-MAGIC-COOKIE-1";
constexpr std::size_t kCookieBytes = 16;

// One Xauthority entry (big-endian lengths) for any address and display
// number (FamilyWild): the display number is not known until Xvfb picks it.
std::string xauthority_entry(std::string_view cookie) {
  std::string out;
  const auto field = [&out](std::string_view bytes) {
    out.push_back(static_cast<char>(bytes.size() >> 8));
    out.push_back(static_cast<char>(bytes.size() & 0xFF));
    out.append(bytes);
  };
  out.append("\xff\xff");  // FamilyWild
  field("");              // address
  field("");              // display number
  field(kAuthName);
  field(cookie);
  return out;
}

// Reads Xvfb's "-displayfd" answer: the display number and a newline.
Result<std::uint32_t> read_display_number(int fd) {
  std::string text;
  const TimePoint deadline = steady_clock().now() + kStartTimeout;
  while (text.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock().now());
    if (left.count() <= 0) {
      return fail(Errc::timeout, "Xvfb did not report a display number within {} s", kStartTimeout.count());
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      continue;
    }
    char buf[32];
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) {
      return fail(Errc::closed, "Xvfb exited before it was ready (is the xvfb package installed?)");
    }
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > 16) {
      return fail(Errc::malformed, "Xvfb wrote an unexpected display number");
    }
  }
  std::uint32_t number = 0;
  for (const char c : text.substr(0, text.find('\n'))) {
    if (c < '0' || c > '9') {
      return fail(Errc::malformed, "Xvfb wrote an unexpected display number");
    }
    number = number * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return number;
}

class XvfbSource final : public FrameSource {
 public:
  XvfbSource(std::string xvfb, std::filesystem::path runtime_dir)
      : xvfb_(std::move(xvfb)), runtime_dir_(std::move(runtime_dir)) {}
  ~XvfbSource() override {
    shutdown();
    forget_cookie();
  }
  XvfbSource(const XvfbSource&) = delete;
  XvfbSource& operator=(const XvfbSource&) = delete;

  Status launch(const Mode& mode) {
    if (auto st = write_cookie(); !st) {
      return st;
    }
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) {
      return fail_errno(errno, "pipe for Xvfb");
    }
    const UniqueFd ready_r(p[0]);
    UniqueFd ready_w(p[1]);
    auto server = ChildProcess::spawn(SpawnSpec{
        .argv = {xvfb_, "-displayfd", "3", "-screen", "0",
                 fmt::format("{}x{}x24", mode.width, mode.height), "-nolisten", "tcp", "-noreset", "-wr",
                 "-auth", auth_file_.string()},
        .fd_map = {{ready_w.get(), 3}},
        .output = "/dev/null"});
    if (!server) {
      return tl::unexpected(server.error());
    }
    server_ = std::move(*server);
    ready_w.reset();
    auto number = read_display_number(ready_r.get());
    if (!number) {
      return tl::unexpected(number.error());
    }
    display_ = *number;
    if (auto st = connect(mode); !st) {
      return st;
    }
    kLog.info("Xvfb :{} (pid {}) at {}x{}", display_, server_->pid(), mode.width, mode.height);
    return ok();
  }

  Result<SourceFrame> capture(std::uint64_t, std::uint64_t) override {
    if (!changed()) {
      return SourceFrame{pixels_.data(), pitch_, width_, height_, false, 0, 0};
    }
    if (auto st = get_image(segment_, 0); !st) {
      return tl::unexpected(st.error());
    }
    return SourceFrame{pixels_.data(), pitch_, width_, height_, true, 0, 0};
  }

  bool changed() override {
    xcb_connection_t* c = conn_.get();
    while (xcb_generic_event_t* ev = xcb_poll_for_event(c)) {
      if ((ev->response_type & 0x7F) == damage_event_ + XCB_DAMAGE_NOTIFY) {
        damaged_ = true;
      }
      std::free(ev);
    }
    return damaged_;
  }

  bool use_ring(int memfd, std::size_t bytes, std::uint32_t pitch_bytes) override {
    detach_ring();
    if (pitch_bytes != pitch_ || bytes > std::numeric_limits<std::uint32_t>::max()) {
      return false;  // the server writes rows of exactly width × 4 bytes
    }
    xcb_connection_t* c = conn_.get();
    const int sent = ::fcntl(memfd, F_DUPFD_CLOEXEC, 0);  // xcb closes what it sends
    if (sent < 0) {
      return false;
    }
    const xcb_shm_seg_t seg = xcb_generate_id(c);
    if (xcb_generic_error_t* e = xcb_request_check(c, xcb_shm_attach_fd_checked(c, seg, sent, 0))) {
      std::free(e);
      kLog.warn("Xvfb :{} refused the frame ring as a MIT-SHM segment; capturing with a copy", display_);
      return false;
    }
    ring_segment_ = seg;
    damaged_ = true;  // the new ring gets a whole frame at once
    return true;
  }

  Status capture_into(std::size_t offset) override {
    if (ring_segment_ == 0 || offset > std::numeric_limits<std::uint32_t>::max()) {
      return fail(Errc::invalid_argument, "no ring attached to Xvfb :{}", display_);
    }
    return get_image(ring_segment_, static_cast<std::uint32_t>(offset));
  }

  Status set_mode(const Mode& mode) override {
    // Xvfb's RandR offers only its predefined sizes; a new server is exact.
    shutdown();
    return launch(mode);
  }

  std::vector<std::string> app_environment() const override {
    return {fmt::format("DISPLAY=:{}", display_), fmt::format("XAUTHORITY={}", auth_file_.string())};
  }
  std::optional<std::uint32_t> x_display() const override { return display_; }
  Result<std::unique_ptr<InputInjector>> open_input() const override {
    return open_xtest_injector(display_, cookie_);
  }

 private:
  // The whole screen into `segment` at `offset`. Damage is subtracted
  // first, so a change that lands during the copy is seen next time.
  Status get_image(xcb_shm_seg_t segment, std::uint32_t offset) {
    xcb_connection_t* c = conn_.get();
    if (c == nullptr || xcb_connection_has_error(c) != 0) {
      return fail(Errc::closed, "lost the connection to Xvfb :{}", display_);
    }
    xcb_damage_subtract(c, damage_, XCB_NONE, XCB_NONE);
    damaged_ = false;
    xcb_generic_error_t* err = nullptr;
    const XcbReply<xcb_shm_get_image_reply_t> reply(xcb_shm_get_image_reply(
        c, xcb_shm_get_image(c, root_, 0, 0, static_cast<std::uint16_t>(width_),
                             static_cast<std::uint16_t>(height_), ~0U, XCB_IMAGE_FORMAT_Z_PIXMAP, segment, offset),
        &err));
    if (!reply) {
      std::free(err);
      damaged_ = true;
      return fail(Errc::io, "MIT-SHM capture of Xvfb :{} failed", display_);
    }
    return ok();
  }

  void detach_ring() {
    if (ring_segment_ != 0 && conn_) {
      xcb_shm_detach(conn_.get(), ring_segment_);
      xcb_flush(conn_.get());
    }
    ring_segment_ = 0;
  }

  Status write_cookie() {
    if (!auth_file_.empty()) {
      return ok();  // one cookie for this source's servers
    }
    auto cookie = random_bytes(kCookieBytes);
    if (!cookie) {
      return tl::unexpected(cookie.error());
    }
    std::string templ = (runtime_dir_ / "xauth-XXXXXX").string();
    const UniqueFd fd(::mkostemp(templ.data(), O_CLOEXEC));  // mode 0600
    if (!fd) {
      return fail_errno(errno, fmt::format("cannot create an X cookie file in {}", runtime_dir_.string()));
    }
    auth_file_ = templ;
    const std::string entry = xauthority_entry(*cookie);
    if (::write(fd.get(), entry.data(), entry.size()) != static_cast<ssize_t>(entry.size())) {
      return fail_errno(errno, fmt::format("writing {}", templ));
    }
    cookie_ = std::move(*cookie);
    return ok();
  }

  Status connect(const Mode& mode) {
    std::string name(kAuthName);
    xcb_auth_info_t auth{static_cast<int>(name.size()), name.data(), static_cast<int>(cookie_.size()),
                         cookie_.data()};
    conn_.reset(xcb_connect_to_display_with_auth_info(fmt::format(":{}", display_).c_str(), &auth, nullptr));
    xcb_connection_t* c = conn_.get();
    if (xcb_connection_has_error(c) != 0) {
      return fail(Errc::io, "cannot connect to Xvfb :{}", display_);
    }
    const xcb_screen_t* screen = xcb_setup_roots_iterator(xcb_get_setup(c)).data;
    root_ = screen->root;
    width_ = screen->width_in_pixels;
    height_ = screen->height_in_pixels;
    if (width_ != mode.width || height_ != mode.height || screen->root_depth != 24) {
      return fail(Errc::unsupported, "Xvfb :{} came up at {}x{} depth {}", display_, width_, height_,
                  screen->root_depth);
    }
    pitch_ = width_ * 4;  // 24-bit depth is 32 bits per pixel, rows padded to 32 bits

    const XcbReply<xcb_shm_query_version_reply_t> shm(
        xcb_shm_query_version_reply(c, xcb_shm_query_version(c), nullptr));
    if (!shm || (shm->major_version == 1 && shm->minor_version < 2)) {
      return fail(Errc::unsupported, "Xvfb :{} lacks MIT-SHM 1.2 (descriptor passing)", display_);
    }
    memfd_.reset(::memfd_create("punktfunk-xshm", MFD_CLOEXEC));
    const std::size_t bytes = std::size_t{pitch_} * height_;
    if (!memfd_ || ::ftruncate(memfd_.get(), static_cast<off_t>(bytes)) != 0) {
      return fail_errno(errno, "memfd for MIT-SHM");
    }
    void* map = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd_.get(), 0);
    if (map == MAP_FAILED) {
      return fail_errno(errno, "mapping the MIT-SHM buffer");
    }
    pixels_ = framering::Mapping(map, bytes);
    segment_ = xcb_generate_id(c);
    const int sent = ::fcntl(memfd_.get(), F_DUPFD_CLOEXEC, 0);  // xcb closes what it sends
    if (sent < 0) {
      return fail_errno(errno, "dup of the MIT-SHM memfd");
    }
    if (xcb_generic_error_t* e = xcb_request_check(c, xcb_shm_attach_fd_checked(c, segment_, sent, 0))) {
      std::free(e);
      return fail(Errc::io, "Xvfb :{} refused the MIT-SHM buffer", display_);
    }

    const XcbReply<xcb_damage_query_version_reply_t> dmg(
        xcb_damage_query_version_reply(c, xcb_damage_query_version(c, 1, 1), nullptr));
    const xcb_query_extension_reply_t* ext = xcb_get_extension_data(c, &xcb_damage_id);
    if (!dmg || ext == nullptr || ext->present == 0) {
      return fail(Errc::unsupported, "Xvfb :{} lacks the DAMAGE extension", display_);
    }
    damage_event_ = ext->first_event;
    damage_ = xcb_generate_id(c);
    xcb_damage_create(c, damage_, root_, XCB_DAMAGE_REPORT_LEVEL_NON_EMPTY);
    xcb_flush(c);
    damaged_ = true;  // the first capture takes the whole screen
    ring_segment_ = 0;
    return ok();
  }

  void shutdown() {
    conn_.reset();  // the server releases the segment with the client
    pixels_ = framering::Mapping();
    memfd_.reset();
    if (server_) {
      server_->signal(SIGTERM);
      server_->stop(std::chrono::seconds(2));
      server_.reset();
    }
  }

  void forget_cookie() noexcept {
    if (!auth_file_.empty()) {
      std::error_code ec;
      std::filesystem::remove(auth_file_, ec);
      auth_file_.clear();
    }
  }

  std::string xvfb_;
  std::filesystem::path runtime_dir_;
  std::filesystem::path auth_file_;
  std::string cookie_;
  std::optional<ChildProcess> server_;
  Connection conn_;
  UniqueFd memfd_;
  framering::Mapping pixels_;
  xcb_window_t root_ = 0;
  xcb_shm_seg_t segment_ = 0;
  xcb_damage_damage_t damage_ = 0;
  std::uint8_t damage_event_ = 0;
  std::uint32_t display_ = 0;
  std::uint32_t width_ = 0;
  std::uint32_t height_ = 0;
  std::uint32_t pitch_ = 0;
  xcb_shm_seg_t ring_segment_ = 0;  // the frame ring's memfd, when adopted
  bool damaged_ = true;
};

}  // namespace

Result<std::unique_ptr<FrameSource>> make_xvfb_source(const Mode& mode, const std::string& xvfb,
                                                      const std::filesystem::path& runtime_dir) {
  auto source = std::make_unique<XvfbSource>(xvfb, runtime_dir);
  if (auto st = source->launch(mode); !st) {
    return tl::unexpected(st.error());
  }
  return std::unique_ptr<FrameSource>(std::move(source));
}

}  // namespace pf::agent
