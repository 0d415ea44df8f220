#include "conflicts.hpp"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "pf/core/fs.hpp"

namespace pf::host {
namespace {

std::string_view field(std::string_view& line) {
  while (!line.empty() && line.front() == ' ') {
    line.remove_prefix(1);
  }
  const auto end = line.find(' ');
  const auto out = line.substr(0, end);
  line = end == std::string_view::npos ? std::string_view{} : line.substr(end);
  return out;
}

template <typename T>
bool number(std::string_view s, T& out, int base) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc{} && end == s.data() + s.size() && !s.empty();
}

std::string comm_of(pid_t pid) {
  auto text = read_small_file(fmt::format("/proc/{}/comm", pid), 256);
  if (!text) {
    return "?";
  }
  while (!text->empty() && text->back() == '\n') {
    text->pop_back();
  }
  return *text;
}

/// socket inode → pid, for every process this user may look into.
std::map<std::uint64_t, pid_t> socket_owners() {
  std::map<std::uint64_t, pid_t> out;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) {
    return out;
  }
  while (const dirent* e = ::readdir(proc)) {
    pid_t pid = 0;
    if (!number(std::string_view(e->d_name), pid, 10)) {
      continue;
    }
    const std::string fd_dir = fmt::format("/proc/{}/fd", pid);
    DIR* fds = ::opendir(fd_dir.c_str());
    if (fds == nullptr) {
      continue;
    }
    while (const dirent* f = ::readdir(fds)) {
      char target[64] = {};
      const std::string link = fd_dir + "/" + f->d_name;
      const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
      std::string_view t(target, n > 0 ? static_cast<std::size_t>(n) : 0);
      if (t.starts_with("socket:[") && t.ends_with("]")) {
        std::uint64_t inode = 0;
        if (number(t.substr(8, t.size() - 9), inode, 10)) {
          out.emplace(inode, pid);
        }
      }
    }
    ::closedir(fds);
  }
  ::closedir(proc);
  return out;
}

}  // namespace

std::vector<BoundSocket> parse_proc_net(std::string_view table, bool tcp) {
  std::vector<BoundSocket> out;
  while (!table.empty()) {
    const auto nl = table.find('\n');
    std::string_view line = table.substr(0, nl);
    table = nl == std::string_view::npos ? std::string_view{} : table.substr(nl + 1);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    const auto slot = field(line);
    const auto local = field(line);
    (void)field(line);  // remote
    const auto state = field(line);
    for (int i = 0; i < 5; ++i) {
      (void)field(line);
    }
    const auto inode_text = field(line);
    const auto colon = local.rfind(':');
    BoundSocket s;
    unsigned state_value = 0;
    if (!slot.ends_with(":") || colon == std::string_view::npos || !number(local.substr(colon + 1), s.port, 16) ||
        !number(state, state_value, 16) || !number(inode_text, s.inode, 10)) {
      continue;
    }
    s.listening = !tcp || state_value == 0x0A;
    out.push_back(s);
  }
  return out;
}

std::vector<Conflict> find_conflicts(const std::vector<PortUse>& uses) {
  std::vector<Conflict> out;
  std::map<std::uint64_t, pid_t> owners;
  bool owners_read = false;
  for (const auto& [file, tcp] : std::vector<std::pair<std::string, bool>>{
           {"/proc/net/tcp", true}, {"/proc/net/tcp6", true}, {"/proc/net/udp", false}, {"/proc/net/udp6", false}}) {
    auto text = read_small_file(file, 16U << 20);
    if (!text) {
      continue;
    }
    for (const auto& s : parse_proc_net(*text, tcp)) {
      if (!s.listening) {
        continue;
      }
      for (const auto& use : uses) {
        if (use.port != s.port || (use.protocol == "TCP") != tcp) {
          continue;
        }
        if (!owners_read) {
          owners = socket_owners();
          owners_read = true;
        }
        const auto owner = owners.find(s.inode);
        const std::string who = owner == owners.end()
                                    ? "a process this user cannot see"
                                    : fmt::format("pid {} ({})", owner->second, comm_of(owner->second));
        out.push_back({fmt::format("{} {} ({}) is held by {}", use.protocol, use.port, use.what, who)});
      }
    }
  }
  DIR* proc = ::opendir("/proc");
  while (proc != nullptr) {
    const dirent* e = ::readdir(proc);
    if (e == nullptr) {
      ::closedir(proc);
      break;
    }
    pid_t pid = 0;
    if (!number(std::string_view(e->d_name), pid, 10)) {
      continue;
    }
    const std::string comm = comm_of(pid);
    for (const char* other : {"sunshine", "apollo"}) {
      if (comm == other) {
        out.push_back({fmt::format("another streaming host runs: pid {} ({})", pid, comm)});
      }
    }
  }
  return out;
}

}  // namespace pf::host
