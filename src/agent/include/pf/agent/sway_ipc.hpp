// sway's IPC (the i3 protocol) over its UNIX socket: the few calls the
// wlroots backend makes (run a command, list outputs, version).
//
// Frame: the 6 bytes "i3-ipc", u32 payload length, u32 message type (both
// in host byte order), then the JSON payload. The codec is sans-I/O and
// bounds-checked (a reply is at most kMaxIpcPayload bytes); IpcClient adds
// a blocking socket with a deadline on every call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/core/unique.hpp"

namespace pf::agent {

inline constexpr std::size_t kIpcHeaderBytes = 14;
inline constexpr std::size_t kMaxIpcPayload = 1 << 20;

enum class IpcType : std::uint32_t {
  run_command = 0,
  get_outputs = 3,
  get_version = 7,
};

/// The bytes of one request.
[[nodiscard]] std::vector<std::uint8_t> encode_ipc(IpcType type, std::string_view payload);

struct IpcHeader {
  std::uint32_t payload_bytes = 0;
  std::uint32_t type = 0;
};
/// Reads a reply header: the magic must match and the payload must be at
/// most kMaxIpcPayload bytes.
[[nodiscard]] Result<IpcHeader> decode_ipc_header(Bytes header);

/// A RUN_COMMAND reply: ok when every command in it succeeded, otherwise
/// the first error sway gave.
[[nodiscard]] Status check_command_reply(std::string_view json);
/// The names of the outputs in a GET_OUTPUTS reply, in sway's order.
[[nodiscard]] Result<std::vector<std::string>> output_names(std::string_view json);

class IpcClient {
 public:
  /// Connects to the socket at `path`.
  [[nodiscard]] static Result<IpcClient> connect(const std::filesystem::path& path);
  /// Sends one request and returns the reply's payload.
  [[nodiscard]] Result<std::string> call(IpcType type, std::string_view payload,
                                         Nanos timeout = std::chrono::seconds(5));
  /// RUN_COMMAND, checked.
  [[nodiscard]] Status command(std::string_view command);

 private:
  explicit IpcClient(UniqueFd fd) noexcept : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace pf::agent
