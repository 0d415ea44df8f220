// The running host as `serve` and `demo` bring it up: the display service
// (which supervises pf-vdisplay), the native protocol's server and, when
// on, the GameStream host.
#pragma once

#include <signal.h>

#include <memory>
#include <optional>

#include "admin_socket.hpp"
#include "pf/audio/pulse.hpp"
#include "pf/config/host_config.hpp"
#include "pf/core/result.hpp"
#include "pf/core/thread_annotations.hpp"
#include "pf/discovery/mdns.hpp"
#include "pf/gshost/gamestream_host.hpp"
#include "pf/mgmt/live_host.hpp"
#include "pf/mgmt/management.hpp"
#include "pf/net/address.hpp"
#include "pf/session/server.hpp"
#include "pf/vdisplay/display_service.hpp"

namespace pf::host {

class HostRuntime {
 public:
  /// Reads the display settings and apps from the config dir, picks the
  /// display backend (PUNKTFUNK_DISPLAY_BACKEND first; xvfb falls back to
  /// synthetic when Xvfb is not installed) and the render GPU, starts the
  /// display service, the native server on `listen`, the admin socket
  /// (pairing commands), the GameStream host when PUNKTFUNK_GAMESTREAM is on,
  /// the management API when `logs` is given and
  /// PUNKTFUNK_MGMT_BIND is not off, and the mDNS advertisement
  /// (PUNKTFUNK_MDNS). Says what it chose in the log.
  [[nodiscard]] static Result<std::unique_ptr<HostRuntime>> start(const config::HostConfig& config,
                                                                  const net::Address& listen,
                                                                  mgmt::LogBuffer* logs = nullptr);
  ~HostRuntime();  // ends every session (Goodbye), then the displays and the agent
  HostRuntime(const HostRuntime&) = delete;
  HostRuntime& operator=(const HostRuntime&) = delete;

  [[nodiscard]] session::NativeServer& server() { return *server_; }
  [[nodiscard]] vdisplay::DisplayService& displays() { return *displays_; }
  [[nodiscard]] vdisplay::Backend backend() const noexcept { return backend_; }
  /// Null unless PUNKTFUNK_GAMESTREAM is on.
  [[nodiscard]] gshost::GameStreamHost* gamestream() noexcept { return gamestream_.get(); }
  /// Null when the management API is off.
  [[nodiscard]] const mgmt::Management* management() const noexcept { return mgmt_.get(); }

 private:
  HostRuntime() = default;
  vdisplay::Backend backend_ = vdisplay::Backend::synthetic;
  std::optional<vdisplay::DisplayService> displays_;
  std::shared_ptr<mgmt::EventBus> events_ = mgmt::EventBus::create();
  std::unique_ptr<audio::PulseServer> pulse_;  // before the server: its sessions' sinks live in it
  std::unique_ptr<session::NativeServer> server_;
  std::unique_ptr<gshost::GameStreamHost> gamestream_;  // after the server: it trusts the server's pairing
  // Where the display service's app-exit reports go (its supervisor thread):
  // the GameStream host while it exists.
  Mutex app_exits_mutex_;
  gshost::GameStreamHost* app_exits_ PF_GUARDED_BY(app_exits_mutex_) = nullptr;
  std::unique_ptr<mgmt::LiveHost> live_;
  std::unique_ptr<mgmt::Management> mgmt_;
  std::unique_ptr<AdminSocket> admin_;  // before the server goes: it answers from the server's pairing
  std::unique_ptr<discovery::Advertiser> mdns_;
};

/// Blocks SIGINT and SIGTERM in the calling thread (threads started later
/// inherit the mask, so only a sigwait() sees them) and ignores SIGPIPE.
/// A launcher may have left them ignored (a shell's background job ignores
/// SIGINT); the host answers them regardless. Children start unblocked.
[[nodiscard]] sigset_t block_shutdown_signals();

}  // namespace pf::host
