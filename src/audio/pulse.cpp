#include "pf/audio/pulse.hpp"

#include <pulse/error.h>
#include <pulse/introspect.h>
#include <pulse/mainloop.h>
#include <pulse/simple.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "pf/audio/opus_codec.hpp"
#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"

extern char** environ;

namespace pf::audio {
namespace {

const log::Logger kLog{"audio"};

constexpr Nanos kCallTimeout = std::chrono::seconds(3);
constexpr Nanos kDaemonStart = std::chrono::seconds(5);

// One short-lived libpulse connection driven on the calling thread.
class Connection {
 public:
  Connection() = default;
  Connection(Connection&& o) noexcept
      : loop_(std::exchange(o.loop_, nullptr)), ctx_(std::exchange(o.ctx_, nullptr)) {}
  Connection& operator=(Connection&&) = delete;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (ctx_ != nullptr) {
      pa_context_disconnect(ctx_);
      pa_context_unref(ctx_);
    }
    if (loop_ != nullptr) {
      pa_mainloop_free(loop_);
    }
  }

  static Result<Connection> open(const std::string& server) {
    Connection c;
    c.loop_ = pa_mainloop_new();
    if (c.loop_ == nullptr) {
      return fail(Errc::io, "libpulse: cannot create a main loop");
    }
    c.ctx_ = pa_context_new(pa_mainloop_get_api(c.loop_), "punktfunk-host");
    if (c.ctx_ == nullptr) {
      return fail(Errc::io, "libpulse: cannot create a context");
    }
    if (pa_context_connect(c.ctx_, server.empty() ? nullptr : server.c_str(), PA_CONTEXT_NOAUTOSPAWN, nullptr) < 0) {
      return fail(Errc::not_found, "no sound server at {}: {}", server.empty() ? "the default address" : server,
                  pa_strerror(pa_context_errno(c.ctx_)));
    }
    pa_context_state_t state = PA_CONTEXT_UNCONNECTED;
    const bool settled = c.run_until([&] {
      state = pa_context_get_state(c.ctx_);
      return state == PA_CONTEXT_READY || !PA_CONTEXT_IS_GOOD(state);
    });
    if (!settled || state != PA_CONTEXT_READY) {
      return fail(Errc::not_found, "no sound server at {}: {}", server.empty() ? "the default address" : server,
                  settled ? pa_strerror(pa_context_errno(c.ctx_)) : "no answer within 3 s");
    }
    return c;
  }

  // Runs the loop until `done` or the timeout.
  template <typename Done>
  bool run_until(Done done) {
    const TimePoint deadline = steady_clock().now() + kCallTimeout;
    while (!done()) {
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - steady_clock().now());
      if (left.count() <= 0) {
        return false;
      }
      if (pa_mainloop_prepare(loop_, static_cast<int>(std::min<std::int64_t>(left.count(), 100'000))) < 0 ||
          pa_mainloop_poll(loop_) < 0 || pa_mainloop_dispatch(loop_) < 0) {
        return false;
      }
    }
    return true;
  }

  // Waits for an operation to finish; false on timeout or a lost connection.
  bool finish(pa_operation* op) {
    if (op == nullptr) {
      return false;
    }
    const bool done = run_until([&] { return pa_operation_get_state(op) != PA_OPERATION_RUNNING; });
    pa_operation_unref(op);
    return done;
  }

  [[nodiscard]] pa_context* context() const noexcept { return ctx_; }
  [[nodiscard]] std::string error() const { return pa_strerror(pa_context_errno(ctx_)); }

 private:
  pa_mainloop* loop_ = nullptr;
  pa_context* ctx_ = nullptr;
};

Result<std::string> server_description(Connection& c) {
  struct Info {
    bool done = false;
    std::string text;
  } info;
  auto* op = pa_context_get_server_info(
      c.context(),
      [](pa_context*, const pa_server_info* i, void* user) {
        auto* out = static_cast<Info*>(user);
        if (i != nullptr) {
          const std::string name = i->server_name != nullptr ? i->server_name : "sound server";
          // pipewire-pulse names itself "PulseAudio (on PipeWire x.y.z)"; the version is the protocol's.
          out->text = name.find("PipeWire") != std::string::npos
                          ? name
                          : fmt::format("{} {}", name == "pulseaudio" ? "PulseAudio" : name,
                                        i->server_version != nullptr ? i->server_version : "");
        }
        out->done = true;
      },
      &info);
  if (!c.finish(op) || !info.done) {
    return fail(Errc::io, "the sound server did not describe itself: {}", c.error());
  }
  return info.text;
}

std::filesystem::path find_in_path(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const auto dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    if (dir.empty()) {
      continue;
    }
    auto candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return {};
}

std::string log_tail(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
  }
  std::string out;
  for (std::size_t i = lines.size() > 3 ? lines.size() - 3 : 0; i < lines.size(); ++i) {
    out += (out.empty() ? "" : " | ") + lines[i];
  }
  return out;
}

bool valid_sink_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

}  // namespace

// ---- NullSink ----

NullSink::NullSink(NullSink&& other) noexcept
    : server_(std::move(other.server_)),
      name_(std::move(other.name_)),
      channels_(other.channels_),
      module_(std::exchange(other.module_, std::nullopt)) {}

NullSink& NullSink::operator=(NullSink&& other) noexcept {
  if (this != &other) {
    NullSink gone(std::move(*this));
    server_ = std::move(other.server_);
    name_ = std::move(other.name_);
    channels_ = other.channels_;
    module_ = std::exchange(other.module_, std::nullopt);
  }
  return *this;
}

NullSink::~NullSink() {
  if (!module_) {
    return;
  }
  auto c = Connection::open(server_);
  bool done = false;
  if (c) {
    done = c->finish(pa_context_unload_module(c->context(), *module_, nullptr, nullptr));
  }
  if (!done) {
    kLog.warn("could not remove the sink {} (module {}): {}", name_, *module_,
              c ? c->error() : c.error().message);
  }
}

// ---- PulseServer ----

PulseServer::~PulseServer() {
  if (daemon_) {
    daemon_->signal(SIGTERM);
    (void)daemon_->stop(std::chrono::seconds(2));
  }
}

Result<std::unique_ptr<PulseServer>> PulseServer::ensure(const std::filesystem::path& runtime_dir) {
  std::unique_ptr<PulseServer> server(new PulseServer());
  if (auto c = Connection::open("")) {
    auto description = server_description(*c);
    server->description_ = description ? *description : "a sound server";
    kLog.info("sound: {} at the default address", server->description_);
    return server;
  }
  const auto program = find_in_path("pulseaudio");
  if (program.empty()) {
    return fail(Errc::not_found,
                "no sound server answers and pulseaudio is not installed (apt install pulseaudio), so sessions "
                "stream no sound");
  }
  if (auto made = ensure_private_dir(runtime_dir); !made) {
    return tl::unexpected(made.error());
  }
  const auto socket = runtime_dir / "native";
  const auto log_file = runtime_dir / "pulseaudio.log";
  std::error_code ignored;
  std::filesystem::remove(socket, ignored);
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (!entry.starts_with("PULSE_")) {
      env.emplace_back(entry);
    }
  }
  env.push_back("PULSE_RUNTIME_PATH=" + runtime_dir.string());
  env.push_back("PULSE_STATE_PATH=" + (runtime_dir / "state").string());
  SpawnSpec spec;
  spec.argv = {program.string(),
               "-n",
               "--daemonize=no",
               "--exit-idle-time=-1",
               "--use-pid-file=no",
               "--realtime=no",
               "--high-priority=no",
               "--log-target=stderr",
               "--load=module-native-protocol-unix auth-anonymous=1 socket=" + socket.string()};
  spec.environment = std::move(env);
  spec.output = log_file;
  spec.group = ProcessGroup::own;
  auto daemon = ChildProcess::spawn(spec);
  if (!daemon) {
    return tl::unexpected(daemon.error());
  }
  server->daemon_.emplace(std::move(*daemon));
  server->address_ = "unix:" + socket.string();
  const TimePoint deadline = steady_clock().now() + kDaemonStart;
  while (true) {
    if (auto status = server->daemon_->try_reap()) {
      server->daemon_.reset();
      return fail(Errc::io, "pulseaudio {} at start ({}): {}", describe_wait_status(*status), log_file.string(),
                  log_tail(log_file));
    }
    if (std::filesystem::exists(socket, ignored)) {
      if (auto c = Connection::open(server->address_)) {
        auto description = server_description(*c);
        server->description_ = (description ? *description : "PulseAudio") + ", started by the host";
        break;
      }
    }
    if (steady_clock().now() >= deadline) {
      return fail(Errc::timeout, "pulseaudio did not answer within 5 s ({}): {}", log_file.string(),
                  log_tail(log_file));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kLog.info("sound: no server was reachable; started {} (pid {}, socket {})", server->description_,
            server->daemon_->pid(), socket.string());
  return server;
}

Result<NullSink> PulseServer::create_sink(const std::string& name, unsigned channels) const {
  if (!valid_sink_name(name)) {
    return fail(Errc::invalid_argument, "sink name '{}': letters, digits, '-', '_' and '.' only", name);
  }
  const auto map = pulse_channel_map(channels);
  if (map.empty()) {
    return fail(Errc::unsupported, "{} channels: stereo (2), 5.1 (6) and 7.1 (8) are supported", channels);
  }
  auto c = Connection::open(address_);
  if (!c) {
    return tl::unexpected(c.error());
  }
  const std::string args =
      fmt::format("sink_name={} rate={} channels={} channel_map={} format=float32le sink_properties=device.description={}",
                  name, kSampleRate, channels, map, name);
  struct Loaded {
    bool done = false;
    std::uint32_t index = PA_INVALID_INDEX;
  } loaded;
  auto* op = pa_context_load_module(
      c->context(), "module-null-sink", args.c_str(),
      [](pa_context*, std::uint32_t index, void* user) {
        auto* out = static_cast<Loaded*>(user);
        out->index = index;
        out->done = true;
      },
      &loaded);
  if (!c->finish(op) || !loaded.done || loaded.index == PA_INVALID_INDEX) {
    return fail(Errc::io, "cannot create the sink {}: {}", name, c->error());
  }
  return NullSink(address_, name, channels, loaded.index);
}

Status PulseServer::restart_clock(const NullSink& sink) const {
  auto c = Connection::open(address_);
  if (!c) {
    return tl::unexpected(c.error());
  }
  for (const int suspend : {1, 0}) {
    if (!c->finish(pa_context_suspend_sink_by_name(c->context(), sink.name().c_str(), suspend, nullptr, nullptr))) {
      return fail(Errc::io, "cannot restart the sink {}: {}", sink.name(), c->error());
    }
  }
  return ok();
}

std::vector<std::string> PulseServer::app_environment(const NullSink& sink) const {
  std::vector<std::string> env{"PULSE_SINK=" + sink.name()};
  if (!address_.empty()) {
    env.push_back("PULSE_SERVER=" + address_);
  }
  return env;
}

// ---- MonitorCapture ----

MonitorCapture::MonitorCapture(MonitorCapture&& other) noexcept : stream_(std::exchange(other.stream_, nullptr)) {}

MonitorCapture& MonitorCapture::operator=(MonitorCapture&& other) noexcept {
  if (this != &other) {
    if (stream_ != nullptr) {
      pa_simple_free(stream_);
    }
    stream_ = std::exchange(other.stream_, nullptr);
  }
  return *this;
}

MonitorCapture::~MonitorCapture() {
  if (stream_ != nullptr) {
    pa_simple_free(stream_);
  }
}

Result<MonitorCapture> MonitorCapture::open(const std::string& server, const std::string& source, unsigned channels,
                                            const std::string& stream_name) {
  pa_sample_spec spec{PA_SAMPLE_FLOAT32LE, static_cast<std::uint32_t>(kSampleRate), static_cast<std::uint8_t>(channels)};
  pa_channel_map map;
  if (pa_channel_map_parse(&map, std::string(pulse_channel_map(channels)).c_str()) == nullptr ||
      !pa_sample_spec_valid(&spec)) {
    return fail(Errc::unsupported, "{} channels: stereo (2), 5.1 (6) and 7.1 (8) are supported", channels);
  }
  const auto fragment = static_cast<std::uint32_t>(std::size_t{kFrameSamples} * channels * sizeof(float));
  const pa_buffer_attr attr{static_cast<std::uint32_t>(-1), static_cast<std::uint32_t>(-1),
                            static_cast<std::uint32_t>(-1), static_cast<std::uint32_t>(-1), fragment};
  int error = 0;
  MonitorCapture out;
  out.stream_ = pa_simple_new(server.empty() ? nullptr : server.c_str(), "punktfunk-host", PA_STREAM_RECORD,
                              source.c_str(), stream_name.c_str(), &spec, &map, &attr, &error);
  if (out.stream_ == nullptr) {
    return fail(Errc::io, "cannot record {}: {}", source, pa_strerror(error));
  }
  return out;
}

Status MonitorCapture::read(std::span<float> pcm) {
  int error = 0;
  if (pa_simple_read(stream_, pcm.data(), pcm.size_bytes(), &error) < 0) {
    return fail(Errc::io, "recording failed: {}", pa_strerror(error));
  }
  return ok();
}

void MonitorCapture::flush() noexcept {
  int error = 0;
  (void)pa_simple_flush(stream_, &error);
}

}  // namespace pf::audio
