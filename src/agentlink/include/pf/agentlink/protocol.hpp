// The host ↔ pf-vdisplay control protocol (sans-I/O: bytes in, bytes out).
//
// Every datagram: u16 type, u16 reserved (0), u32 request id, u32 body
// bytes, then the body; little-endian; at most kMaxDatagramBytes.
// Replies use the request's type with kReplyBit set and the same request id;
// every reply body starts with u32 status, u32 detail.
//
// Strings are u16 length + bytes; string lists are u16 count + strings.
// Messages normally flow host → agent and are answered; the exceptions are
// AppExited and PadRumble, which the agent sends on its own (request id 0,
// no reply).
//
// Size-tolerant tails: each body has a minimum size (its first version).
// Fields appended later are read when present and are 0 when absent; bytes
// beyond what this version knows are ignored and counted. Types are only
// ever appended; a field's meaning never changes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/input/events.hpp"
#include "pf/core/span_io.hpp"

namespace pf::agentlink {

inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr std::uint32_t kMinProtocolVersion = 1;
inline constexpr std::size_t kEnvelopeBytes = 12;
inline constexpr std::size_t kMaxDatagramBytes = 4096;
inline constexpr std::uint16_t kReplyBit = 0x8000;
inline constexpr std::size_t kMaxFdsPerMessage = 4;

enum class MessageType : std::uint16_t {
  unset = 0,
  hello = 1,
  add_display = 2,
  remove_display = 3,
  set_render_gpu = 4,
  ping = 5,
  clear_all = 6,
  set_frame_channel = 7,  ///< carries two descriptors: the ring memfd, then its eventfd
  update_mode = 8,
  launch_app = 9,         ///< reply a = the app's pid (it leads its own process group)
  app_exited = 10,        ///< agent → host, unsolicited
  inject_input = 11,      ///< reply a = events injected, b = events this display cannot take
  pad_rumble = 12,        ///< agent → host, unsolicited
};
inline constexpr std::size_t kMaxAppArgs = 64;
inline constexpr std::size_t kMaxAppEnv = 128;

enum class ReplyStatus : std::uint32_t {
  ok = 0,
  bad_request = 1,       ///< the request could not be decoded
  unsupported = 2,       ///< unknown type or version
  no_such_display = 3,
  limit_reached = 4,
  attach_failed = 5,     ///< detail = framering::AttachVerdict
  internal = 6,
};
[[nodiscard]] std::string_view to_string(ReplyStatus status) noexcept;

struct Hello {
  std::uint32_t protocol_version = kProtocolVersion;
  std::uint32_t min_version = kMinProtocolVersion;
};
/// Which source a display's pixels come from.
enum class DisplayBackend : std::uint32_t {
  unset = 0,      ///< the agent's default (synthetic)
  synthetic = 1,  ///< the built-in animated test pattern
  xvfb = 2,       ///< an Xvfb server of its own, captured over MIT-SHM
  wlroots = 3,    ///< a headless sway of its own, captured with wlr-screencopy
};

struct AddDisplay {
  std::uint64_t session_id = 0;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t refresh_mhz = 0;  ///< millihertz: 59940 = 59.94 Hz
  std::uint32_t preferred_id = 0; ///< 0 = any
  std::uint32_t max_luminance_nits = 0;
  std::uint32_t max_frame_avg_nits = 0;
  std::uint32_t min_luminance_millinits = 0;
  DisplayBackend backend = DisplayBackend::unset;  ///< appended in protocol 1
};
struct RemoveDisplay {
  std::uint32_t display_id = 0;
};
struct SetRenderGpu {
  std::uint32_t gpu_index = 0;  ///< 0 = CPU rendering, n = the n-th GPU
};
struct Ping {};
struct ClearAll {};
struct SetFrameChannel {
  std::uint32_t display_id = 0;
  std::uint32_t generation = 0;
  std::uint32_t ring_length = 0;
};
struct UpdateMode {
  std::uint32_t display_id = 0;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t refresh_mhz = 0;
};

/// Starts a program in a display's session (DISPLAY / WAYLAND_DISPLAY are
/// added by the agent). It runs until it exits or the display goes away,
/// which ends its whole process group.
struct LaunchApp {
  std::uint32_t display_id = 0;
  std::uint32_t app_token = 0;           ///< the host's handle, echoed in AppExited
  std::vector<std::string> argv;         ///< argv[0]: an absolute path
  std::string working_dir;               ///< empty = the agent's
  std::vector<std::string> environment;  ///< NAME=VALUE, on top of the display's
};
enum class AppEnd : std::uint32_t {
  unset = 0,
  exited = 1,           ///< it ended by itself (or by a signal from elsewhere)
  display_removed = 2,  ///< its display went away and took the group with it
  agent_lost = 3,       ///< the agent died, and its apps with it (host side only)
};
struct AppExited {
  std::uint32_t display_id = 0;
  std::uint32_t app_token = 0;
  std::uint32_t pid = 0;
  std::uint32_t wait_status = 0;  ///< as waitpid() reports it
  AppEnd how = AppEnd::unset;
};

/// A game set the motors of one of a display's session's pads.
struct PadRumble {
  std::uint32_t display_id = 0;
  std::uint32_t pad = 0;  ///< the client's pad index
  std::uint16_t strong = 0;
  std::uint16_t weak = 0;
  std::uint32_t duration_ms = 0;
};

/// A reply to any request. The tail fields are type-specific (hello:
/// a = protocol version, b = min version, c = watchdog timeout ms, d = pid;
/// add_display: a = display id, b = X display number when c = 1;
/// update_mode: b = X display number when c = 1).
struct Reply {
  MessageType to = MessageType::unset;
  ReplyStatus status = ReplyStatus::ok;
  std::uint32_t detail = 0;
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  std::uint32_t c = 0;
  std::uint32_t d = 0;
};

/// Input for a display's session: u16 count + 16-byte events (pf/input/events.hpp).
struct InjectInput {
  std::uint32_t display_id = 0;
  std::vector<input::Event> events;  ///< at most input::kMaxEventsPerPacket
};

using Message = std::variant<Hello, AddDisplay, RemoveDisplay, SetRenderGpu, Ping, ClearAll,
                             SetFrameChannel, UpdateMode, LaunchApp, AppExited, InjectInput, PadRumble, Reply>;
/// What the agent sends on its own.
using AgentEvent = std::variant<AppExited, PadRumble>;

struct Decoded {
  std::uint32_t request_id = 0;
  Message message;
  std::size_t ignored_tail_bytes = 0;  ///< body bytes from a newer peer that this version skips
};

/// Encodes into `out` (at least kMaxDatagramBytes); returns the bytes used.
[[nodiscard]] Result<Bytes> encode(const Message& message, std::uint32_t request_id,
                                   MutableBytes out);

/// Decodes one datagram. Errors name the problem: truncated envelope or
/// body, body length that disagrees with the datagram, oversized datagram,
/// unknown type.
[[nodiscard]] Result<Decoded> decode(Bytes datagram);

[[nodiscard]] MessageType type_of(const Message& message) noexcept;
[[nodiscard]] std::string_view to_string(MessageType type) noexcept;

}  // namespace pf::agentlink
