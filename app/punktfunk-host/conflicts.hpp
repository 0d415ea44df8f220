// What `punktfunk-host detect-conflicts` looks at: sockets holding our
// ports (from /proc/net/{tcp,tcp6,udp,udp6}) and the processes behind them
// (from /proc/<pid>/fd), plus other streaming hosts by process name.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pf::host {

struct BoundSocket {
  std::uint16_t port = 0;
  std::uint64_t inode = 0;
  bool listening = false;  ///< TCP: state LISTEN; UDP: always bound
};

/// The sockets of one /proc/net/{tcp,udp}[6] table. Lines that do not
/// parse are skipped (the table's header among them).
[[nodiscard]] std::vector<BoundSocket> parse_proc_net(std::string_view table, bool tcp);

struct PortUse {
  std::string protocol;  ///< "TCP" or "UDP"
  std::uint16_t port = 0;
  std::string what;  ///< what we use the port for
};

struct Conflict {
  std::string description;
};

/// Every port `uses` names that a socket on this machine holds, with the
/// process when it can be found, and other streaming hosts by name.
[[nodiscard]] std::vector<Conflict> find_conflicts(const std::vector<PortUse>& uses);

}  // namespace pf::host
