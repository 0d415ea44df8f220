// A sway (wlroots) compositor per display, headless with the software
// renderer, captured with wlr-screencopy into shm buffers of ours.
//
// One compositor per display: sway 1.7 can create headless outputs but not
// remove them, so a display's end is its compositor's end (SIGTERM to its
// process group). The compositor runs as the display user when the agent is
// root (sway refuses root), in a 0700 runtime directory of that user's
// inside the agent's; the agent (root) reaches its sockets through
// CAP_DAC_OVERRIDE. The mode is set with `output <name> mode --custom
// WxH@RHz` over sway's IPC socket, in place.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "pf/agent/source.hpp"
#include "pf/agent/sway_ipc.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"
#include "pf/core/process.hpp"
#include "screencopy.hpp"
#include "wlr_input_injector.hpp"

namespace pf::agent {
namespace {

const log::Logger kLog{"wlroots"};
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kFrameTimeout = std::chrono::seconds(3);

std::string mode_command(const std::string& output, const Mode& mode) {
  const std::uint32_t mhz = mode.refresh_mhz == 0 ? 60'000 : mode.refresh_mhz;
  return fmt::format("output {} mode --custom {}x{}@{}.{:03}Hz", output, mode.width, mode.height, mhz / 1000,
                     mhz % 1000);
}

// The last non-empty line of sway's log, to say why it did not come up.
std::string last_log_line(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::string line;
  std::string last;
  while (std::getline(in, line)) {
    if (!line.empty()) {
      last = line;
    }
  }
  return last.substr(0, 300);
}

class WlrootsSource final : public FrameSource {
 public:
  explicit WlrootsSource(WlrootsOptions options) : options_(std::move(options)) {}
  ~WlrootsSource() override { shutdown(); }
  WlrootsSource(const WlrootsSource&) = delete;
  WlrootsSource& operator=(const WlrootsSource&) = delete;

  Status launch(const Mode& mode) {
    if (::geteuid() == 0) {
      auto who = credentials_of(options_.display_user);
      if (!who) {
        return fail(who.error().code, "{} (sway refuses to run as root; scripts/setup.sh creates that user)",
                    who.error().message);
      }
      user_ = std::move(*who);
    }
    auto dir = ScratchDir::create(options_.runtime_dir, "wl-", 0700);
    if (!dir) {
      return tl::unexpected(dir.error());
    }
    dir_ = std::move(*dir);
    const auto conf = dir_.path() / "sway.conf";
    if (auto st = write_file_atomic(conf, "xwayland disable\n", 0644); !st) {
      return st;
    }
    std::filesystem::create_directory(dir_.path() / "cache");
    if (user_) {
      for (const auto& p : {dir_.path(), dir_.path() / "cache", conf}) {
        if (::chown(p.c_str(), user_->uid, user_->gid) != 0) {
          return fail_errno(errno, fmt::format("handing {} to {}", p.string(), user_->name));
        }
      }
    }
    const auto ipc_socket = dir_.path() / "sway.sock";
    auto server = ChildProcess::spawn(SpawnSpec{
        .argv = {options_.sway, "-c", conf.string()},
        .environment = std::vector<std::string>{"PATH=/usr/local/bin:/usr/bin:/bin",
                                                "HOME=" + (user_ ? user_->home.string() : dir_.path().string()),
                                                "XDG_RUNTIME_DIR=" + dir_.path().string(),
                                                "XDG_CACHE_HOME=" + (dir_.path() / "cache").string(),
                                                "SWAYSOCK=" + ipc_socket.string(), "WLR_BACKENDS=headless",
                                                "WLR_RENDERER=pixman", "WLR_LIBINPUT_NO_DEVICES=1",
                                                "WLR_HEADLESS_OUTPUTS=1"},
        .output = dir_.path() / "sway.log",
        .group = ProcessGroup::own,
        .run_as = user_});
    if (!server) {
      return fail(server.error().code, "{} (is the sway package installed?)", server.error().message);
    }
    server_ = std::move(*server);
    if (auto st = connect_ipc(ipc_socket); !st) {
      return st;
    }
    auto reply = ipc_->call(IpcType::get_outputs, "");
    auto names = reply ? output_names(*reply) : tl::unexpected(reply.error());
    if (!names || names->empty()) {
      return fail(Errc::unsupported, "sway started without an output{}", names ? "" : ": " + names.error().message);
    }
    output_ = names->front();
    if (auto st = ipc_->command(mode_command(output_, mode)); !st) {
      return st;
    }
    wayland_socket_ = find_wayland_socket();
    if (wayland_socket_.empty()) {
      return fail(Errc::unsupported, "sway made no Wayland socket in {}", dir_.path().string());
    }
    auto copy = Screencopy::connect(wayland_socket_);
    if (!copy) {
      return tl::unexpected(copy.error());
    }
    copy_ = std::move(*copy);
    if (auto st = copy_->wait_for_size(mode.width, mode.height, kFrameTimeout); !st) {
      return st;
    }
    kLog.info("sway (pid {}) output {} at {}x{} on {}", server_->pid(), output_, mode.width, mode.height,
              wayland_socket_.string());
    return ok();
  }

  Result<SourceFrame> capture(std::uint64_t, std::uint64_t) override { return copy_->poll(); }

  Status set_mode(const Mode& mode) override {
    if (auto st = ipc_->command(mode_command(output_, mode)); !st) {
      return st;
    }
    if (auto st = copy_->restart(); !st) {
      return st;
    }
    return copy_->wait_for_size(mode.width, mode.height, kFrameTimeout);
  }

  std::vector<std::string> app_environment() const override {
    return {"WAYLAND_DISPLAY=" + wayland_socket_.string(), "XDG_RUNTIME_DIR=" + dir_.path().string()};
  }
  std::optional<Credentials> app_user() const override { return user_; }

  // A connection of its own to the compositor's socket (as root, through
  // CAP_DAC_OVERRIDE like the capture's); its virtual devices go with it.
  Result<std::unique_ptr<InputInjector>> open_input() const override {
    return open_wlr_injector(wayland_socket_, KeyboardLayout{});
  }

 private:
  // sway listens on its IPC socket before its event loop runs: the first
  // answer means the outputs exist.
  Status connect_ipc(const std::filesystem::path& socket) {
    const TimePoint deadline = steady_clock().now() + kStartTimeout;
    while (steady_clock().now() < deadline) {
      if (const auto status = server_->try_reap()) {
        return fail(Errc::closed, "sway {}: {}", describe_wait_status(*status),
                    last_log_line(dir_.path() / "sway.log"));
      }
      if (std::filesystem::exists(socket)) {
        if (auto c = IpcClient::connect(socket); c) {
          if (auto v = c->call(IpcType::get_version, ""); v) {
            ipc_.emplace(std::move(*c));
            return ok();
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return fail(Errc::timeout, "sway did not open its IPC socket within {} s", kStartTimeout.count());
  }

  std::filesystem::path find_wayland_socket() const {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path(), ec)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("wayland-", 0) == 0 && e.is_socket(ec)) {
        return e.path();
      }
    }
    return {};
  }

  void shutdown() {
    copy_.reset();
    ipc_.reset();
    if (server_) {
      server_->signal(SIGTERM);  // the group: sway and anything it started
      server_->stop(std::chrono::seconds(2));
      server_.reset();
    }
    dir_ = ScratchDir();  // sockets, log and config go with it
  }

  WlrootsOptions options_;
  std::optional<Credentials> user_;
  ScratchDir dir_;
  std::optional<ChildProcess> server_;
  std::optional<IpcClient> ipc_;
  std::unique_ptr<Screencopy> copy_;
  std::string output_;
  std::filesystem::path wayland_socket_;
};

}  // namespace

Result<std::unique_ptr<FrameSource>> make_wlroots_source(const Mode& mode, const WlrootsOptions& options) {
  auto source = std::make_unique<WlrootsSource>(options);
  if (auto st = source->launch(mode); !st) {
    return tl::unexpected(st.error());
  }
  return std::unique_ptr<FrameSource>(std::move(source));
}

}  // namespace pf::agent
