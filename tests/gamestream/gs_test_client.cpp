#include "gamestream/gs_test_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include <fmt/format.h>
#include <httplib.h>

#include "pf/core/fs.hpp"
#include "pf/core/text.hpp"
#include "pf/core/unique.hpp"

namespace pf::gstest {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kRtspDeadline = 15s;

std::string unescape_xml(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    bool matched = false;
    for (const auto& [entity, c] : kEntities) {
      if (text.substr(i, entity.size()) == entity) {
        out.push_back(c);
        i += entity.size() - 1;
        matched = true;
        break;
      }
    }
    if (!matched) {
      out.push_back('&');
    }
  }
  return out;
}

std::optional<std::string> element(std::string_view xml, std::string_view name) {
  const std::string open = fmt::format("<{}>", name);
  const std::string close = fmt::format("</{}>", name);
  const auto start = xml.find(open);
  if (start == std::string_view::npos) {
    return std::nullopt;
  }
  const auto end = xml.find(close, start + open.size());
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  return unescape_xml(xml.substr(start + open.size(), end - start - open.size()));
}

std::string random_hex(std::size_t bytes) {
  const auto raw = random_bytes(bytes).value();
  return hex_encode(Bytes(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()));
}

/// "…server_port=47998…" → 47998.
std::uint16_t server_port(std::string_view transport) {
  const auto at = transport.find("server_port=");
  if (at == std::string_view::npos) {
    return 0;
  }
  const auto digits = transport.substr(at + 12);
  unsigned port = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), port);
  return port <= 65535 ? static_cast<std::uint16_t>(port) : 0;
}

UniqueFd connect_tcp(const std::string& host, std::uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    return fd;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &to.sin_addr);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) {
    return UniqueFd();
  }
  return fd;
}

/// Sends `bytes`, optionally half-closes, and reads until the peer closes
/// (or the deadline, a guard against a host that never does).
std::string exchange(int fd, std::string_view bytes, bool half_close) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      break;
    }
    sent += static_cast<std::size_t>(n);
  }
  if (half_close) {
    ::shutdown(fd, SHUT_WR);
  }
  std::string in;
  const auto deadline = Clock::now() + kRtspDeadline;
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) {
      continue;
    }
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      break;
    }
    in.append(chunk, static_cast<std::size_t>(n));
  }
  return in;
}

}  // namespace

// --- Xml ------------------------------------------------------------------------

int Xml::status_code() const {
  const auto at = text.find("status_code=\"");
  if (at == std::string::npos) {
    return -1;
  }
  int code = -1;
  const char* begin = text.data() + at + 13;
  std::from_chars(begin, text.data() + text.size(), code);
  return code;
}

std::optional<std::string> Xml::value(std::string_view name) const { return element(text, name); }

std::vector<std::pair<std::uint32_t, std::string>> Xml::apps() const {
  std::vector<std::pair<std::uint32_t, std::string>> out;
  std::string_view rest = text;
  for (;;) {
    const auto start = rest.find("<App>");
    const auto end = rest.find("</App>");
    if (start == std::string_view::npos || end == std::string_view::npos || end < start) {
      return out;
    }
    const std::string_view app = rest.substr(start, end - start);
    const auto id = element(app, "ID");
    const auto title = element(app, "AppTitle");
    if (id && title) {
      out.emplace_back(static_cast<std::uint32_t>(std::stoul(*id)), *title);
    }
    rest = rest.substr(end + 6);
  }
}

std::string RtspAnswer::header(std::string_view name) const {
  const auto v = gamestream::find_header(headers, name);
  return v ? std::string(*v) : std::string();
}

// --- GsClient ------------------------------------------------------------------

std::string GsClient::common_query() const {
  return "uniqueid=0123456789ABCDEF&uuid=" + random_hex(16);
}

template <typename HttpClient>
Xml GsClient::get(HttpClient& c, std::string_view path, std::string_view query) const {
  std::string target = std::string(path) + "?" + common_query();
  if (!query.empty()) {
    target += "&" + std::string(query);
  }
  Xml x;
  if (auto r = c.Get(target)) {
    x.http_status = r->status;
    x.text = r->body;
  }
  return x;
}

Xml GsClient::http(std::string_view path, std::string_view query, std::chrono::seconds timeout) {
  httplib::Client c(host_, http_port_);
  c.set_connection_timeout(10s);
  c.set_read_timeout(timeout);
  return get(c, path, query);
}

Xml GsClient::https(std::string_view path, std::string_view query) {
  httplib::SSLClient c(host_, https_port_, pairing_.identity().certificate.get(), pairing_.identity().key.get());
  c.enable_server_certificate_verification(false);
  c.set_connection_timeout(10s);
  c.set_read_timeout(30s);
  return get(c, path, query);
}

PairOutcome GsClient::pair() {
  PairOutcome o;
  const auto stopped = [&](std::string_view step) {
    o.stopped_at = step;
    o.client_failure = pairing_.failure();
    return o;
  };
  // Whether the host answered this step with paired=1.
  const auto paired = [&](const Xml& answer) {
    o.last = answer;
    return o.last.status_code() == 200 && o.last.value("paired") == "1";
  };
  const std::string base = "devicename=e2e&updateState=1";
  auto request = pairing_.server_cert_request();
  if (!request) {
    return stopped("request");
  }
  // Step 1 waits for the operator's PIN: a long read timeout.
  if (!paired(http("/pair",
                   base + "&phrase=getservercert&salt=" + request->salt_hex + "&clientcert=" + request->client_cert_hex,
                   std::chrono::seconds(120)))) {
    return stopped("getservercert");
  }
  auto challenge = pairing_.on_server_cert(o.last.value("plaincert").value_or(""));
  if (!challenge) {
    return stopped("getservercert");
  }
  if (!paired(http("/pair", base + "&clientchallenge=" + *challenge))) {
    return stopped("clientchallenge");
  }
  auto response = pairing_.on_challenge_response(o.last.value("challengeresponse").value_or(""));
  if (!response) {
    return stopped("clientchallenge");
  }
  if (!paired(http("/pair", base + "&serverchallengeresp=" + *response))) {
    return stopped("serverchallengeresp");
  }
  auto secret = pairing_.on_pairing_secret(o.last.value("pairingsecret").value_or(""));
  if (!secret) {
    return stopped("serverchallengeresp");  // the client caught it (wrong PIN, or "MITM")
  }
  if (!paired(http("/pair", base + "&clientpairingsecret=" + *secret))) {
    return stopped("clientpairingsecret");
  }
  if (!paired(https("/pair", base + "&phrase=pairchallenge"))) {
    return stopped("pairchallenge");
  }
  o.paired = true;
  return o;
}

std::uint32_t GsClient::desktop_app_id() {
  for (const auto& [id, title] : https("/applist").apps()) {
    if (title == "Desktop") {
      return id;
    }
  }
  return 0;
}

Xml GsClient::launch(const StreamRequest& stream, std::uint32_t app_id, bool resume) {
  const auto raw = random_bytes(key_.size() + 4).value();
  std::copy_n(reinterpret_cast<const std::uint8_t*>(raw.data()), key_.size(), key_.begin());
  std::int32_t key_id = 0;
  std::memcpy(&key_id, raw.data() + key_.size(), sizeof(key_id));
  key_id_ = static_cast<std::uint32_t>(key_id);
  stream_ = stream;
  // Signed, as Moonlight writes it.
  std::string query = fmt::format(
      "appid={}&mode={}x{}x{}&additionalStates=1&sops=0&rikey={}&rikeyid={}&localAudioPlayMode=0"
      "&surroundAudioInfo=196610&remoteControllersBitmap=0&gcmap=0",
      app_id, stream.width, stream.height, stream.fps, hex_encode(key_), key_id);
  if (stream.rtsp_encryption) {
    query += "&corever=1";
  }
  auto x = https(resume ? "/resume" : "/launch", query);
  session_url_ = x.value("sessionUrl0").value_or("");
  rtsp_sealed_ = session_url_.starts_with("rtspenc://");
  const auto colon = session_url_.rfind(':');
  rtsp_port_ = 0;
  if (colon != std::string::npos) {
    unsigned port = 0;
    std::from_chars(session_url_.data() + colon + 1, session_url_.data() + session_url_.size(), port);
    rtsp_port_ = static_cast<std::uint16_t>(port);
  }
  rtsp_seq_ = 0;
  cseq_ = 0;
  return x;
}

RtspAnswer GsClient::rtsp(std::string_view method, std::string_view target, const gamestream::Headers& headers,
                          std::string_view body) {
  return rtsp_as(rtsp_sealed_, method, target, headers, body);
}

RtspAnswer GsClient::rtsp_as(bool sealed, std::string_view method, std::string_view target,
                             const gamestream::Headers& headers, std::string_view body) {
  std::string request = fmt::format("{} {} RTSP/1.0\r\nCSeq: {}\r\nX-GS-ClientVersion: 14\r\nHost: {}\r\n", method,
                                    target, ++cseq_, host_);
  for (const auto& [name, value] : headers) {
    request += fmt::format("{}: {}\r\n", name, value);
  }
  if (!body.empty()) {
    request += fmt::format("Content-type: application/sdp\r\nContent-length: {}\r\n", body.size());
  }
  request += "\r\n";
  request += body;
  RtspAnswer a;
  const UniqueFd fd = connect_tcp(host_, rtsp_port_);
  if (!fd) {
    return a;
  }
  std::string text;
  if (sealed) {
    const std::uint32_t seq = ++rtsp_seq_;
    auto packet = gamestream::seal_rtsp(key_, gamestream::RtspSender::client, seq, request);
    if (!packet) {
      return a;
    }
    const std::string in = exchange(
        fd.get(), std::string_view(reinterpret_cast<const char*>(packet->data()), packet->size()), false);
    std::uint32_t answered_seq = 0;
    auto opened = gamestream::open_rtsp(
        key_, gamestream::RtspSender::host,
        Bytes(reinterpret_cast<const std::uint8_t*>(in.data()), in.size()), answered_seq);
    if (!opened) {
      // Not sealed: the plain refusal a host sends when nothing opens.
      if (in.starts_with("RTSP/1.0 ")) {
        text = in;
      } else {
        return a;
      }
    } else {
      text = std::move(*opened);
    }
  } else {
    text = exchange(fd.get(), request, false);
  }
  const auto head_end = text.find("\r\n\r\n");
  if (!text.starts_with("RTSP/1.0 ") || head_end == std::string::npos) {
    return a;
  }
  a.answered = true;
  std::from_chars(text.data() + 9, text.data() + text.size(), a.status);
  std::string_view head = std::string_view(text).substr(0, head_end);
  const auto status_end = head.find("\r\n");
  head.remove_prefix(status_end == std::string_view::npos ? head.size() : status_end + 2);  // the status line
  while (!head.empty()) {
    const auto eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
      }
      a.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
  }
  a.cseq = static_cast<std::uint32_t>(std::strtoul(a.header("CSeq").c_str(), nullptr, 10));
  a.body = text.substr(head_end + 4);
  return a;
}

std::string GsClient::rtsp_raw(std::string_view bytes, bool half_close) {
  const UniqueFd fd = connect_tcp(host_, rtsp_port_);
  return fd ? exchange(fd.get(), bytes, half_close) : std::string();
}

Status GsClient::handshake(const StreamRequest& stream) {
  stream_ = stream;
  const std::string url = fmt::format("rtsp://{}:{}", host_, rtsp_port_);
  const auto expect = [](const RtspAnswer& a, std::string_view what) -> Status {
    if (!a.answered) {
      return fail(Errc::io, "{}: no answer", what);
    }
    if (a.status != 200) {
      return fail(Errc::refused, "{}: RTSP {}", what, a.status);
    }
    return {};
  };
  if (auto ok = expect(rtsp("OPTIONS", url), "OPTIONS"); !ok) {
    return ok;
  }
  const auto describe = rtsp("DESCRIBE", url, {{"Accept", "application/sdp"}});
  if (auto ok = expect(describe, "DESCRIBE"); !ok) {
    return ok;
  }
  if (describe.body.find("x-ss-general.encryptionSupported") == std::string::npos) {
    return fail(Errc::malformed, "DESCRIBE: no encryption attributes in {}", describe.body);
  }
  const gamestream::Headers transport = {{"Transport", "unicast;X-GS-ClientPort=50000-50001"},
                                         {"If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}};
  const auto audio = rtsp("SETUP", "streamid=audio/0/0", transport);
  if (auto ok = expect(audio, "SETUP audio"); !ok) {
    return ok;
  }
  const auto video = rtsp("SETUP", "streamid=video/0/0", transport);
  if (auto ok = expect(video, "SETUP video"); !ok) {
    return ok;
  }
  const auto control = rtsp("SETUP", "streamid=control/13/0", transport);
  if (auto ok = expect(control, "SETUP control"); !ok) {
    return ok;
  }
  audio_port_ = server_port(audio.header("Transport"));
  video_port_ = server_port(video.header("Transport"));
  control_port_ = server_port(control.header("Transport"));
  ping_payload_ = video.header("X-SS-Ping-Payload");
  connect_data_ = static_cast<std::uint32_t>(std::strtoul(control.header("X-SS-Connect-Data").c_str(), nullptr, 10));
  if (audio_port_ == 0 || video_port_ == 0 || control_port_ == 0 || ping_payload_.size() != 16 ||
      audio.header("X-SS-Ping-Payload") != ping_payload_ || connect_data_ == 0) {
    return fail(Errc::malformed, "SETUP answers lack ports, ping payload or connect data");
  }
  const std::string sdp = fmt::format(
      "v=0\r\n"
      "o=android 0 14 IN IPv4 {0}\r\n"
      "s=NVIDIA Streaming Client\r\n"
      "a=x-nv-video[0].clientViewportWd:{1} \r\n"
      "a=x-nv-video[0].clientViewportHt:{2} \r\n"
      "a=x-nv-video[0].maxFPS:{3} \r\n"
      "a=x-nv-video[0].packetSize:{4} \r\n"
      "a=x-nv-video[0].rateControlMode:4 \r\n"
      "a=x-nv-video[0].timeoutLengthMs:7000 \r\n"
      "a=x-nv-video[0].framesWithInvalidRefThreshold:0 \r\n"
      "a=x-nv-video[0].clientRefreshRateX100:{5} \r\n"
      "a=x-nv-vqos[0].bw.maximumBitrateKbps:{6} \r\n"
      "a=x-ml-video.configuredBitrateKbps:{6} \r\n"
      "a=x-nv-vqos[0].fec.minRequiredFecPackets:2 \r\n"
      "a=x-nv-vqos[0].bitStreamFormat:0 \r\n"
      "a=x-nv-video[0].dynamicRangeMode:0 \r\n"
      "a=x-nv-general.useReliableUdp:13 \r\n"
      "a=x-nv-general.featureFlags:{7} \r\n"
      "a=x-ss-general.encryptionEnabled:{8} \r\n"
      "a=x-ml-general.featureFlags:3 \r\n"
      "a=x-nv-aqos.packetDuration:5 \r\n"
      "a=x-nv-audio.surround.numChannels:2 \r\n"
      "a=x-nv-audio.surround.channelMask:3 \r\n"
      "a=x-nv-audio.surround.AudioQuality:0 \r\n"
      "t=0 0\r\n"
      "m=video 47998  \r\n",
      host_, stream.width, stream.height, stream.fps, stream.packet_size, stream.fps * 100, stream.bitrate_kbps,
      stream.nv_feature_flags, stream.encryption);
  if (auto ok = expect(rtsp("ANNOUNCE", "streamid=control/13/0", {{"Session", "DEADBEEFCAFE"}}, sdp), "ANNOUNCE");
      !ok) {
    return ok;
  }
  return expect(rtsp("PLAY", "/", {{"Session", "DEADBEEFCAFE"}}), "PLAY");
}

}  // namespace pf::gstest
