// GameStream's nvhttp answers (HTTP 47989, HTTPS 47984), sans-I/O: the XML
// documents Moonlight clients read. Every answer is HTTP 200 with
// `<root status_code="…">`: clients fetch with errors-as-failures on, so a
// refusal is said in the status code attribute, never in the HTTP status.
// Queries arrive as an ordinary query string (pf::parse_query).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pf::gamestream {

/// `<?xml …?><root status_code="200"><name>value</name>…</root>`, values
/// escaped; `status_message` is set when not empty.
struct XmlReply {
  int status_code = 200;
  std::string status_message;
  std::vector<std::pair<std::string, std::string>> fields;  ///< in order; names are ours, values anyone's
  std::string elements;  ///< after the fields: child elements our own code rendered (values escaped there)
};
[[nodiscard]] std::string render(const XmlReply& reply);
/// &, <, >, " and ' as entities; bytes below 0x20 other than tab and newline dropped.
[[nodiscard]] std::string xml_escape(std::string_view text);

/// ServerCodecModeSupport bits.
enum CodecModes : std::uint32_t {
  kScmH264 = 0x1,
  kScmHevc = 0x100,
  kScmHevcMain10 = 0x200,
  kScmAv1Main8 = 0x10000,
  kScmAv1Main10 = 0x20000,
  kScmH264_444 = 0x40000,
  kScmHevc444 = 0x80000,
};

struct ServerInfo {
  std::string hostname;
  std::string unique_id;      ///< the server's id (not the client's)
  std::uint16_t https_port = 47984;
  std::uint16_t http_port = 47989;
  std::string local_ip;
  std::string mac = "00:00:00:00:00:00";  ///< the real one only for a paired client over HTTPS
  std::uint32_t codec_modes = kScmH264;
  bool hevc = false;          ///< MaxLumaPixelsHEVC is 0 without it
  std::uint32_t current_game = 0;
  bool busy = false;
  bool paired = false;        ///< only ever true for a paired certificate over HTTPS
  std::string gpu = "punktfunk";  ///< gputype: shown by some clients
};

/// The version we claim: major 7 and ≥ 7.1.431 for the modern control
/// protocol; the negative last part marks a host with the x-ss extensions.
inline constexpr std::string_view kAppVersion = "7.1.431.-1";
inline constexpr std::string_view kGfeVersion = "3.23.0.74";

[[nodiscard]] XmlReply serverinfo_reply(const ServerInfo& info);

struct AppEntry {
  std::uint32_t id = 0;
  std::string title;
  bool hdr = false;
};
[[nodiscard]] XmlReply applist_reply(const std::vector<AppEntry>& apps);

}  // namespace pf::gamestream
