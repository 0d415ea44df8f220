// The management API as the host runs it: the token, the route table, the
// stats recorder and the HTTPS listener, and `mgmt-endpoint` in the config
// dir (the URL other local processes use, rewritten on every start).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "pf/core/result.hpp"
#include "pf/mgmt/api.hpp"
#include "pf/mgmt/event_bus.hpp"
#include "pf/mgmt/https_server.hpp"
#include "pf/mgmt/log_buffer.hpp"
#include "pf/mgmt/stats_recorder.hpp"

namespace pf::mgmt {

struct ManagementOptions {
  HttpsOptions https;
  std::string token_override;         ///< PUNKTFUNK_MGMT_TOKEN
  std::filesystem::path recordings;   ///< where stats recordings live
  std::string version;
};

class Management {
 public:
  /// `host`, `logs` must outlive it.
  [[nodiscard]] static Result<std::unique_ptr<Management>> start(ManagementOptions options, HostControl& host,
                                                                 LogBuffer& logs, std::shared_ptr<EventBus> events,
                                                                 PairedCheck paired);
  ~Management();  // ends event streams, then the listener, then the recorder
  Management(const Management&) = delete;
  Management& operator=(const Management&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return https_->port(); }
  [[nodiscard]] std::string url() const { return https_->local_url(); }

 private:
  Management() = default;
  ApiCounters counters_;
  std::shared_ptr<EventBus> events_;
  std::unique_ptr<StatsRecorder> stats_;
  Router router_;
  std::unique_ptr<HttpsServer> https_;
};

}  // namespace pf::mgmt
