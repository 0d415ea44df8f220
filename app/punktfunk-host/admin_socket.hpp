// The running host's admin socket (pf/pairing/admin_protocol.hpp): a Unix
// seqpacket socket in the config directory, mode 0600, answered by its own
// thread (`pf-admin`). Only the host's own user and root get answers
// (SO_PEERCRED); everyone else is refused before a byte is read.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "pf/core/result.hpp"
#include "pf/core/unique.hpp"
#include "pf/pairing/admin_protocol.hpp"
#include "pf/pairing/pairing_service.hpp"

namespace pf::host {

class AdminSocket {
 public:
  /// Binds `<config_dir>/admin.sock` (replacing a stale one; refusing when
  /// another host answers on it) and starts answering.
  [[nodiscard]] static Result<std::unique_ptr<AdminSocket>> start(const std::filesystem::path& config_dir,
                                                                  pairing::PairingService& pairing,
                                                                  pairing::GameStreamAdmin gamestream = {});
  ~AdminSocket();  // stops the thread, removes the socket file
  AdminSocket(const AdminSocket&) = delete;
  AdminSocket& operator=(const AdminSocket&) = delete;

 private:
  AdminSocket(std::filesystem::path path, UniqueFd listen, UniqueFd wake, pairing::PairingService& pairing,
              pairing::GameStreamAdmin gamestream);
  void run(const std::stop_token& stop);

  std::filesystem::path path_;
  UniqueFd listen_;
  UniqueFd wake_;
  pairing::PairingService& pairing_;
  const pairing::GameStreamAdmin gamestream_;
  std::jthread thread_;  // last
};

/// Sends one request to the host running with `config_dir`; its answer.
/// Errors say when no host runs there.
[[nodiscard]] Result<std::string> admin_call(const std::filesystem::path& config_dir, std::string_view request);

}  // namespace pf::host
