#include "pf/gamestream/nvhttp.hpp"

#include <fmt/format.h>

namespace pf::gamestream {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') {
          out += c;
        }
    }
  }
  return out;
}

std::string render(const XmlReply& reply) {
  std::string out = fmt::format("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<root status_code=\"{}\"",
                                reply.status_code);
  if (!reply.status_message.empty()) {
    out += fmt::format(" status_message=\"{}\"", xml_escape(reply.status_message));
  }
  out += ">";
  for (const auto& [name, value] : reply.fields) {
    out += fmt::format("<{0}>{1}</{0}>", name, xml_escape(value));
  }
  out += reply.elements;
  out += "</root>\n";
  return out;
}

XmlReply serverinfo_reply(const ServerInfo& info) {
  XmlReply r;
  r.fields = {
      {"hostname", info.hostname},
      {"appversion", std::string(kAppVersion)},
      {"GfeVersion", std::string(kGfeVersion)},
      {"uniqueid", info.unique_id},
      {"HttpsPort", std::to_string(info.https_port)},
      {"ExternalPort", std::to_string(info.http_port)},
      {"MaxLumaPixelsHEVC", info.hevc ? "1869449984" : "0"},
      {"mac", info.mac},
      {"LocalIP", info.local_ip},
      {"ServerCodecModeSupport", std::to_string(info.codec_modes)},
      {"PairStatus", info.paired ? "1" : "0"},
      {"currentgame", std::to_string(info.current_game)},
      {"state", info.busy ? "SUNSHINE_SERVER_BUSY" : "SUNSHINE_SERVER_FREE"},
      {"gputype", info.gpu},
      {"GsVersion", std::string(kGfeVersion)},
  };
  // Modes to offer in a client's list: every display is made at the mode
  // asked for, so these are suggestions, not limits.
  r.elements = "<SupportedDisplayMode>";
  for (const auto& [w, h] : {std::pair{1280, 720}, {1920, 1080}, {2560, 1440}, {3840, 2160}}) {
    r.elements += fmt::format(
        "<DisplayMode><Width>{}</Width><Height>{}</Height><RefreshRate>60</RefreshRate></DisplayMode>", w, h);
  }
  r.elements += "</SupportedDisplayMode>";
  return r;
}

XmlReply applist_reply(const std::vector<AppEntry>& apps) {
  XmlReply r;
  for (const auto& app : apps) {
    r.elements += fmt::format("<App><IsHdrSupported>{}</IsHdrSupported><AppTitle>{}</AppTitle><ID>{}</ID></App>",
                              app.hdr ? 1 : 0, xml_escape(app.title), app.id);
  }
  return r;
}

}  // namespace pf::gamestream
