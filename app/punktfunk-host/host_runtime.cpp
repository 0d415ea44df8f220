#include "host_runtime.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>

#include <cstdlib>

#include <fmt/format.h>

#include "pf/core/build_info.hpp"
#include "pf/core/log.hpp"
#include "pf/core/process.hpp"
#include "pf/vdisplay/apps.hpp"
#include "pf/vdisplay/gpu_inventory.hpp"
#include "pf/vdisplay/policy.hpp"

namespace pf::host {
namespace {

const log::Logger kLog{"host"};

bool program_on_path(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const auto dir = dirs.substr(0, colon);
    if (!dir.empty() && ::access((std::filesystem::path(dir) / name).c_str(), X_OK) == 0) {
      return true;
    }
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
  }
  return false;
}

}  // namespace

sigset_t block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGPIPE, SIG_IGN);  // a vanished peer is an error value, not a crash
  return set;
}

Result<std::unique_ptr<HostRuntime>> HostRuntime::start(const config::HostConfig& config, const net::Address& listen,
                                                        mgmt::LogBuffer* logs) {
  const config::HostSettings& s = config.settings;
  const auto agent = sibling_executable("pf-vdisplay");
  if (::access(agent.c_str(), X_OK) != 0) {
    return fail(Errc::not_found, "display agent {} is missing or not executable; reinstall punktfunk", agent.string());
  }
  auto display_settings = vdisplay::load_display_settings(s.config_dir / vdisplay::kDisplaySettingsFile);
  if (!display_settings) {
    return tl::unexpected(display_settings.error());
  }
  const auto apps = vdisplay::load_apps(s.config_dir / vdisplay::kAppsFile);
  if (!apps) {
    return tl::unexpected(apps.error());
  }
  kLog.info("apps: {}", [&] {
    std::string ids;
    for (const auto& e : apps->entries()) {
      ids += (ids.empty() ? "" : ", ") + e.id;
    }
    return ids;
  }());
  if (!s.display_backend.empty()) {
    display_settings->backend = vdisplay::parse_backend(s.display_backend).value();
  }
  if (display_settings->backend == vdisplay::Backend::xvfb && !program_on_path("Xvfb")) {
    kLog.warn("Xvfb is not installed; displays use the synthetic test pattern instead");
    display_settings->backend = vdisplay::Backend::synthetic;
  }
  kLog.info("display backend: {}{}", vdisplay::to_string(display_settings->backend),
            s.display_backend.empty() ? "" : " (PUNKTFUNK_DISPLAY_BACKEND)");
  const auto gpus = vdisplay::discover_gpus();
  const auto gpu = vdisplay::choose_render_gpu(display_settings->render_gpu, s.render_gpu, gpus);

  std::unique_ptr<HostRuntime> host(new HostRuntime());
  host->backend_ = display_settings->backend;
  vdisplay::SupervisorOptions agent_options;
  agent_options.spawn = {agent, std::chrono::seconds(10), s.log_text};
  host->displays_.emplace(std::move(agent_options), *display_settings, gpu,
                          [raw = host.get()](const vdisplay::AppExit& exit) {
                            const MutexLock lock(raw->app_exits_mutex_);
                            if (raw->app_exits_ != nullptr) {
                              raw->app_exits_->on_app_exit(exit);
                            }
                          });
  const auto publish = [bus = host->events_](std::string type, std::string data) {
    bus->publish(std::move(type), std::move(data));
  };
  host->displays_->set_event_sink(publish);
  if (!host->displays_->wait_agent_running(std::chrono::seconds(10))) {
    kLog.warn("display agent not running yet; the supervisor keeps trying");
  }
  session::ServerConfig native;
  native.listen = listen;
  native.config_dir = s.config_dir;
  native.allow_tofu = s.allow_tofu;
  native.max_sessions = s.max_sessions;
  native.default_bitrate_kbps = s.bitrate_kbps;
  if (s.audio) {
    // Started from this (the main) thread: a daemon of our own lives as long as it.
    auto pulse = audio::PulseServer::ensure(s.state_dir / "pulse");
    if (pulse) {
      host->pulse_ = std::move(*pulse);
      native.pulse = host->pulse_.get();
      native.audio_bitrate_kbps = s.audio_bitrate_kbps;
    } else {
      kLog.warn("sessions stream without sound: {}", pulse.error().message);
    }
  }
  native.source = static_cast<control::DisplaySource>(display_settings->backend);
  native.events = publish;
  auto server = session::NativeServer::start(native, *host->displays_);
  if (!server) {
    return fail(server.error().code, "native protocol: {}", server.error().message);
  }
  host->server_ = std::move(*server);
  pairing::GameStreamAdmin gamestream_admin;
  if (s.gamestream) {
    gshost::GameStreamConfig gs;
    gs.config_dir = s.config_dir;
    gs.http_port = s.gamestream_port;
    gs.max_sessions = s.max_sessions;
    gs.default_bitrate_kbps = s.bitrate_kbps;
    gs.pulse = host->pulse_.get();
    gs.events = publish;
    auto gamestream = gshost::GameStreamHost::start(std::move(gs), *host->displays_, host->server_->pairing());
    if (!gamestream) {
      return fail(gamestream.error().code, "GameStream: {}", gamestream.error().message);
    }
    host->gamestream_ = std::move(*gamestream);
    {
      const MutexLock lock(host->app_exits_mutex_);
      host->app_exits_ = host->gamestream_.get();
    }
    gamestream_admin.submit_pin = [gs = host->gamestream_.get()](std::string_view pin) { return gs->submit_pin(pin); };
    gamestream_admin.status = [gs = host->gamestream_.get()] { return gshost::status_json(*gs); };
  }
  auto admin = AdminSocket::start(s.config_dir, host->server_->pairing(), std::move(gamestream_admin));
  if (!admin) {
    if (admin.error().code == Errc::refused) {
      return tl::unexpected(admin.error());
    }
    kLog.warn("no admin socket, so `punktfunk-host pair` cannot reach this host: {}", admin.error().message);
  } else {
    host->admin_ = std::move(*admin);
  }
  if (logs != nullptr && s.mgmt_bind != "off") {
    host->live_ = std::make_unique<mgmt::LiveHost>(mgmt::LiveHostParts{
        host->server_.get(), &*host->displays_, config, host->backend_, s.mgmt_port, publish, host->gamestream_.get()});
    mgmt::ManagementOptions options;
    options.https.bind = s.mgmt_bind;
    options.https.port = s.mgmt_port;
    options.https.config_dir = s.config_dir;
    options.token_override = s.mgmt_token;
    options.recordings = s.state_dir / "stats";
    options.version = std::string(build_info::version);
    auto* sessions = host->server_.get();
    auto management = mgmt::Management::start(std::move(options), *host->live_, *logs, host->events_,
                                               [sessions](std::string_view fingerprint) {
                                                 const auto c = sessions->pairing().trusted(fingerprint);
                                                 return c && !pairing::expired(*c, pairing::unix_now());
                                               });
    if (!management) {
      return fail(management.error().code, "management API: {}", management.error().message);
    }
    host->mgmt_ = std::move(*management);
  }
  if (s.mdns) {
    char name[256] = {};
    (void)::gethostname(name, sizeof(name) - 1);
    discovery::Advertisement ad{fmt::format("punktfunk on {}", name), host->server_->address().port(),
                                discovery::host_txt(host->server_->fingerprint(), !s.allow_tofu,
                                                    host->mgmt_ ? host->mgmt_->port() : 0)};
    auto advertiser = discovery::Advertiser::start(std::move(ad));
    if (!advertiser) {
      kLog.warn("{}; clients can still connect by address", advertiser.error().message);
    } else {
      host->mdns_ = std::move(*advertiser);
    }
  }
  return host;
}

HostRuntime::~HostRuntime() {
  mdns_.reset();
  mgmt_.reset();  // ends event streams and requests before what they read goes
  live_.reset();
  admin_.reset();
  {
    const MutexLock lock(app_exits_mutex_);
    app_exits_ = nullptr;
  }
  gamestream_.reset();  // ends its sessions (termination) before the displays go
  server_.reset();    // ends every session with Goodbye
  displays_.reset();  // stops the supervisor; the agent removes its displays and exits
}

}  // namespace pf::host
