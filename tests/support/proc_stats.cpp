#include "support/proc_stats.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "pf/core/build_info.hpp"

namespace pf::test {
namespace {

std::string proc_dir(pid_t pid) { return pid == 0 ? "/proc/self" : "/proc/" + std::to_string(pid); }

}  // namespace

int open_fd_count(pid_t pid) {
  std::error_code ec;
  int n = 0;
  for (auto it = std::filesystem::directory_iterator(proc_dir(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return ec ? -1 : (pid == 0 ? n - 1 : n);  // minus the iterator's own descriptor
}

std::int64_t rss_kib(pid_t pid) {
  std::ifstream in(proc_dir(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      std::int64_t kib = -1;
      in >> kib;
      return kib;
    }
    in.ignore(4096, '\n');
  }
  return -1;
}

namespace {

// Calls f(pid, state, ppid) for every process whose command name is `comm`.
template <typename F>
void for_each_named(const char* comm, F&& f) {
  const std::string tag = std::string("(") + comm + ")";
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::ifstream in(it->path() / "stat");
    std::string line;
    if (!std::getline(in, line) || line.find(tag) == std::string::npos) {
      continue;
    }
    // After "(comm) ": state, ppid, ...
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string state;
    long ppid = 0;
    rest >> state >> ppid;
    f(state, ppid, static_cast<pid_t>(std::atol(it->path().filename().c_str())));
  }
}

}  // namespace

int child_count(pid_t parent, const char* comm) {
  const pid_t want = parent == 0 ? ::getpid() : parent;
  int n = 0;
  for_each_named(comm, [&](const std::string& state, long ppid, pid_t) {
    n += (ppid == want && state != "Z") ? 1 : 0;
  });
  return n;
}

std::vector<pid_t> child_pids(pid_t parent, const char* comm) {
  const pid_t want = parent == 0 ? ::getpid() : parent;
  std::vector<pid_t> out;
  for_each_named(comm, [&](const std::string& state, long ppid, pid_t pid) {
    if (ppid == want && state != "Z") {
      out.push_back(pid);
    }
  });
  return out;
}

bool has_exited(pid_t pid) {
  const char state = process_state(pid);
  return state == 0 || state == 'Z' || state == 'X';
}

int process_count(const char* comm) {
  int n = 0;
  for_each_named(comm, [&](const std::string& state, long, pid_t) { n += state != "Z" ? 1 : 0; });
  return n;
}

char process_state(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line) || line.rfind(')') == std::string::npos || line.size() < line.rfind(')') + 3) {
    return 0;
  }
  return line[line.rfind(')') + 2];
}

bool sanitized_build() { return !build_info::sanitizers.empty(); }

}  // namespace pf::test
