// A host (display service + native server, in this process) and real
// punktfunk-client processes against it, for the end-to-end tests.
#pragma once

#include <signal.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pf/session/server.hpp"
#include "pf/vdisplay/display_service.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace pf::e2e {

/// Frames the host may send between the client's last one and its reading
/// of the client's Goodbye.
inline constexpr std::uint64_t kFramesInFlightAtQuit = 12;

struct Report {
  std::string client_name;  ///< as the host knows the client (its --name)
  nlohmann::json json;
  /// A numeric key of --stats-json; fails the test (and returns -1) when absent.
  [[nodiscard]] double number(const std::string& key) const;
};

class ClientRun {
 public:
  ClientRun(const std::vector<std::string>& argv, std::string name, std::filesystem::path stats,
            std::filesystem::path log);
  /// Waits for the client to end by itself and reads its report.
  [[nodiscard]] Report finish(std::chrono::seconds timeout = std::chrono::seconds(120));
  /// True once the live status line shows decoded frames.
  [[nodiscard]] bool wait_for_frames(std::chrono::seconds timeout = std::chrono::seconds(20));
  void kill() { child_.signal(SIGKILL); (void)child_.wait_for(std::chrono::seconds(5)); }

 private:
  std::string name_;
  std::filesystem::path stats_;
  test::Child child_;
};

class Host {
 public:
  explicit Host(vdisplay::Backend backend, Nanos linger = std::chrono::seconds(10), bool allow_tofu = true,
                const std::function<void(session::ServerConfig&)>& tweak = {});
  ~Host();

  /// Runs `punktfunk-client connect` to completion with `args` as client
  /// number `identity` (its own certificate); its report.
  [[nodiscard]] Report run_client(const std::vector<std::string>& args, std::size_t identity = 0);
  [[nodiscard]] test::Run run_client_raw(const std::vector<std::string>& args, std::size_t identity = 0);
  [[nodiscard]] std::unique_ptr<ClientRun> start_client(const std::vector<std::string>& args, std::size_t identity);

  /// The host's record of the session `r` came from, once that session has
  /// ended (it ends a moment after the client quits).
  [[nodiscard]] session::SessionInfo ended_session(const Report& r);
  /// Everything the host sent reached the client and was decoded intact:
  /// no frame lost or corrupt, and the host sent no more than the client saw
  /// but those in flight when it quit. How many frames a loaded machine
  /// manages in the time is the benchmark's business, not this check's.
  void expect_all_delivered(const Report& r);

  [[nodiscard]] session::NativeServer& server() { return *server_; }
  [[nodiscard]] vdisplay::DisplayService& displays() { return *displays_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  [[nodiscard]] std::vector<std::string> argv(const std::vector<std::string>& args, std::size_t identity,
                                              const std::filesystem::path& stats) const;
  test::TempDir dir_;
  std::optional<vdisplay::DisplayService> displays_;
  std::unique_ptr<session::NativeServer> server_;
  std::size_t runs_ = 0;
};

}  // namespace pf::e2e
