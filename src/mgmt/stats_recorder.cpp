#include "pf/mgmt/stats_recorder.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"

namespace pf::mgmt {
namespace {

const log::Logger kLog{"mgmt"};
using nlohmann::json;

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// "rec-<secs>-<n>" → secs·1000.
std::int64_t started_of(std::string_view id) {
  id.remove_prefix(4);
  std::int64_t secs = 0;
  for (const char c : id.substr(0, id.find('-'))) {
    secs = secs * 10 + (c - '0');
  }
  return secs * 1000;
}

}  // namespace

bool valid_recording_id(std::string_view id) noexcept {
  if (!id.starts_with("rec-") || id.size() > 40) {
    return false;
  }
  id.remove_prefix(4);
  const auto dash = id.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash + 1 == id.size()) {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || c == '-'; }) &&
         id.find('-', dash + 1) == std::string_view::npos;
}

StatsRecorder::StatsRecorder(std::filesystem::path dir, Sampler sampler, RecorderLimits limits)
    : dir_(std::move(dir)), sampler_(std::move(sampler)), limits_(limits) {
  if (auto made = ensure_private_dir(dir_); !made) {
    kLog.warn("stats recordings: {}", made.error().message);
  }
  thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

StatsRecorder::~StatsRecorder() {
  thread_.request_stop();
  wake_.notify_all();
}

void StatsRecorder::run(const std::stop_token& stop) {
  pthread_setname_np(pthread_self(), "pf-stats");
  while (!stop.stop_requested()) {
    json sample = sampler_();
    sample["unix_ms"] = unix_ms();
    {
      const MutexLock lock(mutex_);
      live_ = sample;
    }
    record(sample);
    const MutexLock lock(mutex_);
    (void)wake_.wait_for(mutex_, stop, limits_.interval, [] { return false; });
  }
}

std::filesystem::path StatsRecorder::file_of(std::string_view id) const {
  return dir_ / fmt::format("{}.jsonl", id);
}

void StatsRecorder::record(const json& sample) {
  const MutexLock lock(mutex_);
  if (!current_ || !current_->running) {
    return;
  }
  const std::string line = sample.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  if (current_->bytes + line.size() > limits_.max_recording_bytes) {
    kLog.info("stats recording {} reached its size cap ({} bytes); stopped", current_->id, current_->bytes);
    current_->running = false;
    return;
  }
  std::ofstream out(file_of(current_->id), std::ios::app | std::ios::binary);
  out << line;
  if (!out) {
    kLog.warn("stats recording {}: cannot write; stopped", current_->id);
    current_->running = false;
    return;
  }
  current_->bytes += line.size();
  ++current_->samples;
}

json StatsRecorder::live() const {
  const MutexLock lock(mutex_);
  return live_;
}

Result<RecordingInfo> StatsRecorder::start() {
  const MutexLock lock(mutex_);
  if (current_ && current_->running) {
    return fail(Errc::refused, "recording {} is running; stop it first", current_->id);
  }
  enforce_total_cap();
  const std::int64_t now = unix_ms();
  RecordingInfo info{fmt::format("rec-{}-{}", now / 1000, ++started_), now, 0, 0, true};
  const int fd = ::open(file_of(info.id).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return fail(Errc::io, "cannot create a recording in {}: {}", dir_.string(), std::strerror(errno));
  }
  ::close(fd);
  current_ = info;
  kLog.info("stats recording {} started", info.id);
  return info;
}

Result<RecordingInfo> StatsRecorder::stop() {
  const MutexLock lock(mutex_);
  if (!current_) {
    return fail(Errc::refused, "no recording was started");
  }
  current_->running = false;
  kLog.info("stats recording {} stopped after {} samples", current_->id, current_->samples);
  return *current_;
}

std::optional<RecordingInfo> StatsRecorder::current() const {
  const MutexLock lock(mutex_);
  return current_;
}

std::vector<RecordingInfo> StatsRecorder::list() const {
  std::vector<RecordingInfo> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const auto name = entry.path().filename().string();
    if (!name.ends_with(".jsonl")) {
      continue;
    }
    const std::string id = name.substr(0, name.size() - 6);
    if (!valid_recording_id(id)) {
      continue;
    }
    RecordingInfo info{id, started_of(id), 0, entry.file_size(ec), false};
    std::ifstream in(entry.path());
    info.samples = static_cast<std::uint64_t>(std::count(std::istreambuf_iterator<char>(in), {}, '\n'));
    out.push_back(std::move(info));
  }
  const MutexLock lock(mutex_);
  for (auto& r : out) {
    r.running = current_ && current_->running && current_->id == r.id;
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

Result<json> StatsRecorder::read(std::string_view id) const {
  if (!valid_recording_id(id)) {
    return fail(Errc::not_found, "no recording '{}'", id);
  }
  auto text = read_small_file(file_of(id), limits_.max_recording_bytes + 4096);
  if (!text) {
    return fail(text.error().code == Errc::not_found ? Errc::not_found : text.error().code, "no recording '{}'", id);
  }
  json samples = json::array();
  std::string_view rest = *text;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    const auto line = rest.substr(0, nl);
    auto j = json::parse(line, nullptr, false);
    if (!j.is_discarded()) {
      samples.push_back(std::move(j));
    }
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  }
  return json{{"id", id}, {"started_unix_ms", started_of(id)}, {"samples", std::move(samples)}};
}

Status StatsRecorder::remove(std::string_view id) {
  if (!valid_recording_id(id)) {
    return fail(Errc::not_found, "no recording '{}'", id);
  }
  const MutexLock lock(mutex_);
  if (current_ && current_->running && current_->id == id) {
    return fail(Errc::refused, "recording {} is running; stop it first", id);
  }
  std::error_code ec;
  if (!std::filesystem::remove(file_of(id), ec)) {
    return fail(Errc::not_found, "no recording '{}'", id);
  }
  return {};
}

void StatsRecorder::enforce_total_cap() {
  std::vector<std::pair<std::string, std::uint64_t>> files;
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const auto name = entry.path().filename().string();
    if (name.ends_with(".jsonl") && valid_recording_id(name.substr(0, name.size() - 6))) {
      files.emplace_back(name, entry.file_size(ec));
      total += files.back().second;
    }
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return started_of(a.first) < started_of(b.first) || (started_of(a.first) == started_of(b.first) && a.first < b.first);
  });
  // Room for the new recording at its cap.
  for (const auto& [name, size] : files) {
    if (total + limits_.max_recording_bytes <= limits_.max_total_bytes) {
      break;
    }
    std::filesystem::remove(dir_ / name, ec);
    total -= size;
    kLog.info("stats recordings: removed {} to stay within {} bytes", name, limits_.max_total_bytes);
  }
}

}  // namespace pf::mgmt
