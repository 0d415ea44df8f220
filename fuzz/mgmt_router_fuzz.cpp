// The management API as a network peer drives it: any method, path, query
// string, body and lane into the real route table (with a fixed stand-in
// behind HostControl). Every request must get an answer whose body is a
// JSON object naming its status, never a crash.
//
// Input: byte 0 picks the method, byte 1 the lane; then "path\nquery\nbody".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "fuzz_target.hpp"
#include "pf/mgmt/api.hpp"
#include "pf/mgmt/event_bus.hpp"
#include "pf/mgmt/log_buffer.hpp"
#include "pf/mgmt/router.hpp"
#include "pf/mgmt/stats_recorder.hpp"

namespace {

using nlohmann::json;
using namespace pf;

/// Answers every call from fixed data; checks what the routes hand it.
class StandIn final : public mgmt::HostControl {
 public:
  json host() override { return {{"name", "fuzz"}}; }
  json status() override { return {{"sessions", json::array()}}; }
  json sessions() override { return {{"sessions", json::array()}}; }
  Status end_session(std::uint64_t id) override { return id == 1 ? ok() : fail(Errc::not_found, "no"); }
  Status request_keyframe(std::uint64_t) override { return ok(); }
  Status set_bitrate(std::uint64_t, std::uint32_t kbps) override {
    if (kbps < 500 || kbps > 500'000) {
      std::abort();  // the route's bounds must hold
    }
    return ok();
  }
  json display_state() override { return json::array(); }
  json display_settings() override { return json::object(); }
  Result<json> put_display_settings(std::string_view document) override {
    auto j = json::parse(document, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return fail(Errc::malformed, "not an object");
    }
    return j;
  }
  Result<json> release_displays() override { return json{{"released", 0}}; }
  json pairing() override { return {{"armed", false}}; }
  Result<json> arm_pairing(const json& body) override {
    if (!body.is_object()) {
      std::abort();
    }
    return json{{"armed", true}};
  }
  json disarm_pairing() override { return pairing(); }
  json pending() override { return {{"pending", json::array()}}; }
  Status approve(std::uint64_t, std::string_view) override { return ok(); }
  Status deny(std::uint64_t) override { return fail(Errc::not_found, "no"); }
  json gamestream() override { return {{"enabled", false}}; }
  Status gamestream_pin(std::string_view pin) override {
    return pin.size() == 4 ? Status{} : fail(Errc::malformed, "a PIN is four digits");
  }
  Result<json> clients() override { return json{{"clients", json::array()}}; }
  Result<json> update_client(std::string_view, const json& body) override {
    if (body.contains("access") && !body["access"].is_string()) {
      std::abort();
    }
    return json::object();
  }
  Status unpair(std::string_view) override { return fail(Errc::not_found, "no"); }
  json gpus() override { return {{"gpus", json::array()}}; }
  Result<json> set_gpu_preference(std::string_view) override { return gpus(); }
  Result<json> apps() override { return json{{"apps", json::array()}}; }
  Result<json> put_app(std::string_view, const json& body, bool) override {
    if (body.contains("command") && !body["command"].is_array()) {
      std::abort();
    }
    return json::object();
  }
  Status remove_app(std::string_view) override { return ok(); }
  json settings() override { return {{"settings", json::array()}}; }
  Result<json> patch_settings(const json& body) override {
    if (!body.is_object()) {
      std::abort();
    }
    return settings();
  }
  json stats_sample() override { return {{"sessions", json::array()}}; }
  void metrics(mgmt::PromWriter& out) override { out.family("x", "gauge", "x"); }
};

struct World {
  World()
      : stats(std::filesystem::temp_directory_path() / ("pf-mgmt-fuzz-" + std::to_string(::getpid())),
              [this] { return host.stats_sample(); }),
        router(mgmt::make_router({&host, &logs, &stats, bus, &counters, "fuzz"})) {}
  StandIn host;
  mgmt::LogBuffer logs;
  std::shared_ptr<mgmt::EventBus> bus = mgmt::EventBus::create();
  mgmt::ApiCounters counters;
  mgmt::StatsRecorder stats;
  mgmt::Router router;
};

std::string_view take_line(std::string_view& rest) {
  const auto nl = rest.find('\n');
  const auto line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = new World();  // one for the process: routes hold no per-request state
  if (size < 2) {
    return 0;
  }
  static constexpr mgmt::Method kMethods[] = {mgmt::Method::get, mgmt::Method::post, mgmt::Method::put,
                                              mgmt::Method::patch, mgmt::Method::del, mgmt::Method::unset};
  mgmt::Request request;
  request.method = kMethods[data[0] % 6];
  request.lane = static_cast<mgmt::Lane>(data[1] % 3);
  std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  const auto path = take_line(rest);
  request.path = path.starts_with("/") ? std::string(path) : "/api/v1/" + std::string(path);
  auto query = pf::parse_query(take_line(rest));
  if (query) {
    request.query = std::move(*query);
  }
  request.body = std::string(rest);
  if (request.path == "/api/v1/events") {
    return 0;  // a stream, not an answer
  }
  const auto response = world->router.dispatch(request);
  if (response.status < 200 || response.status > 599) {
    std::abort();
  }
  if (response.content_type == "application/json") {
    const auto body = json::parse(response.body, nullptr, false);
    if (body.is_discarded() || (response.status >= 400 && (!body.is_object() || body.value("status", 0) != response.status))) {
      std::abort();
    }
  }
  return 0;
}
