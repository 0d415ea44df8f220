// GameStream's RTSP on TCP 48010, sans-I/O: requests in, responses out.
//
// A Moonlight client sends one request per connection and reads the answer
// until the host closes it: OPTIONS, DESCRIBE, SETUP (audio, video,
// control), ANNOUNCE (the stream description, an SDP-like body), PLAY.
// Requests look like HTTP/1.x: "METHOD target RTSP/1.0", header lines
// "Name: value" (names compared without case), a blank line, then
// Content-Length bytes of body. Every request carries CSeq, echoed in the
// response.
//
// Peer input is hostile: the header block, the number of headers and the
// body are bounded, and anything that does not parse is an error naming
// what was wrong; nothing is read past the buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pf/core/result.hpp"
#include "pf/core/span_io.hpp"
#include "pf/gamestream/cipher.hpp"

namespace pf::gamestream {

inline constexpr std::size_t kMaxRtspHeaderBytes = 8 * 1024;
inline constexpr std::size_t kMaxRtspHeaders = 64;
inline constexpr std::size_t kMaxRtspBodyBytes = 64 * 1024;

using Headers = std::vector<std::pair<std::string, std::string>>;

/// The value of header `name` (case-insensitive), the first if repeated.
[[nodiscard]] std::optional<std::string_view> find_header(const Headers& headers, std::string_view name);

struct RtspRequest {
  std::string method;  ///< "OPTIONS", "DESCRIBE", "SETUP", "ANNOUNCE", "PLAY", …
  std::string target;  ///< "rtsp://10.0.0.2:48010", "streamid=video/0/0", "/"
  std::uint32_t cseq = 0;
  Headers headers;
  std::string body;
};

/// Reads one request from the front of `buffer`. nullopt: not all of it is
/// there yet (read more, call again). On success `consumed` is its length.
/// Errors (malformed, overflow): the connection should get 400 and close.
[[nodiscard]] Result<std::optional<RtspRequest>> parse_request(std::string_view buffer, std::size_t& consumed);

struct RtspResponse {
  int status = 200;
  std::uint32_t cseq = 0;
  Headers headers;  ///< besides CSeq and Content-Length, which render() writes
  std::string body;
};

/// "RTSP/1.0 200 OK\r\nCSeq: 3\r\n…\r\n\r\nbody".
[[nodiscard]] std::string render(const RtspResponse& response);

/// The reason phrase for the status codes this host answers with.
[[nodiscard]] std::string_view reason_phrase(int status) noexcept;

/// What a SETUP's target asks for: "streamid=audio/0/0", "streamid=video/0/0",
/// "streamid=control/13/0" (the number after control is the control
/// protocol's version).
enum class SetupStream : std::uint8_t { unset = 0, audio = 1, video = 2, control = 3 };
[[nodiscard]] SetupStream setup_stream_of(std::string_view target) noexcept;

// The encrypted form (a client told `rtspenc://` by /launch): each message is
// BE32 0x80000000 | length (the plaintext's, which the ciphertext equals),
// BE32 sequence, tag[16], then AES-128-GCM under the session key with the IV
// = sequence (LE32) ‖ 6 zero bytes ‖ sender ('C' or 'H') ‖ 'R'.
inline constexpr std::uint32_t kRtspEncryptedBit = 0x80000000U;
inline constexpr std::size_t kRtspEncryptedHeaderBytes = 24;
enum class RtspSender : std::uint8_t { client = 1, host = 2 };
/// One sealed message.
[[nodiscard]] Result<std::vector<std::uint8_t>> seal_rtsp(const AesKey& key, RtspSender sender, std::uint32_t seq,
                                                          std::string_view message);
/// Opens one message of exactly header + length bytes sealed by `sender`;
/// `seq` is its sequence number. malformed: short, the bit unset, a length
/// that disagrees, a tag that does not authenticate.
[[nodiscard]] Result<std::string> open_rtsp(const AesKey& key, RtspSender sender, Bytes packet, std::uint32_t& seq);

}  // namespace pf::gamestream
