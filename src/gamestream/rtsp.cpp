#include "pf/gamestream/rtsp.hpp"

#include <array>
#include <charconv>

#include <fmt/format.h>

#include "pf/core/span_io.hpp"
#include "pf/core/text.hpp"

namespace pf::gamestream {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

template <typename T>
bool whole_number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// A token of the request line: printable ASCII without spaces.
bool is_token(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (const char c : s) {
    if (c <= ' ' || c == 0x7f) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (same_name(key, name)) {
      return std::string_view(value);
    }
  }
  return std::nullopt;
}

Result<std::optional<RtspRequest>> parse_request(std::string_view buffer, std::size_t& consumed) {
  consumed = 0;
  const auto end_of_head = buffer.find("\r\n\r\n");
  if (end_of_head == std::string_view::npos) {
    if (buffer.size() > kMaxRtspHeaderBytes) {
      return fail(Errc::overflow, "RTSP request headers exceed {} bytes", kMaxRtspHeaderBytes);
    }
    return std::optional<RtspRequest>{};
  }
  if (end_of_head > kMaxRtspHeaderBytes) {
    return fail(Errc::overflow, "RTSP request headers exceed {} bytes", kMaxRtspHeaderBytes);
  }
  std::string_view head = buffer.substr(0, end_of_head);
  const auto next_line = [&head]() {
    const auto eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
    return line;
  };

  // "METHOD target RTSP/1.0"
  const std::string_view first = next_line();
  const auto sp1 = first.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : first.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || first.substr(sp2 + 1) != "RTSP/1.0") {
    return fail(Errc::malformed, "not an RTSP/1.0 request line");
  }
  RtspRequest request;
  const std::string_view method = first.substr(0, sp1);
  const std::string_view target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  if (!is_token(method) || !is_token(target)) {
    return fail(Errc::malformed, "RTSP request line with an empty or unprintable method or target");
  }
  request.method = std::string(method);
  request.target = std::string(target);

  while (!head.empty()) {
    const std::string_view line = next_line();
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return fail(Errc::malformed, "RTSP header line without a name");
    }
    if (request.headers.size() == kMaxRtspHeaders) {
      return fail(Errc::overflow, "more than {} RTSP headers", kMaxRtspHeaders);
    }
    const std::string_view name = line.substr(0, colon);
    if (!is_token(name)) {
      return fail(Errc::malformed, "RTSP header name with spaces or control characters");
    }
    request.headers.emplace_back(std::string(name), std::string(trim_blanks(line.substr(colon + 1))));
  }

  const auto cseq = find_header(request.headers, "CSeq");
  if (!cseq || !whole_number(*cseq, request.cseq)) {
    return fail(Errc::malformed, "RTSP request without a numeric CSeq");
  }
  std::size_t body_bytes = 0;
  if (const auto length = find_header(request.headers, "Content-Length")) {
    if (!whole_number(*length, body_bytes)) {
      return fail(Errc::malformed, "RTSP Content-Length '{}' is not a number", *length);
    }
    if (body_bytes > kMaxRtspBodyBytes) {
      return fail(Errc::overflow, "RTSP body of {} bytes exceeds {}", body_bytes, kMaxRtspBodyBytes);
    }
  }
  const std::size_t body_at = end_of_head + 4;
  if (buffer.size() - body_at < body_bytes) {
    return std::optional<RtspRequest>{};
  }
  request.body = std::string(buffer.substr(body_at, body_bytes));
  consumed = body_at + body_bytes;
  return std::optional<RtspRequest>(std::move(request));
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 454: return "Session Not Found";
    case 455: return "Method Not Valid in This State";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

std::string render(const RtspResponse& response) {
  std::string out = fmt::format("RTSP/1.0 {} {}\r\nCSeq: {}\r\n", response.status, reason_phrase(response.status),
                                response.cseq);
  for (const auto& [name, value] : response.headers) {
    out += fmt::format("{}: {}\r\n", name, value);
  }
  if (!response.body.empty()) {
    out += fmt::format("Content-Length: {}\r\n", response.body.size());
  }
  out += "\r\n";
  out += response.body;
  return out;
}

SetupStream setup_stream_of(std::string_view target) noexcept {
  // The target may be a whole URL ending in it ("rtsp://…/streamid=video/0/0").
  const auto at = target.find("streamid=");
  if (at == std::string_view::npos) {
    return SetupStream::unset;
  }
  const std::string_view id = target.substr(at + 9);
  const auto kind = id.substr(0, id.find('/'));
  if (kind == "audio") {
    return SetupStream::audio;
  }
  if (kind == "video") {
    return SetupStream::video;
  }
  if (kind == "control") {
    return SetupStream::control;
  }
  return SetupStream::unset;
}

namespace {

std::array<std::uint8_t, 12> rtsp_iv(RtspSender sender, std::uint32_t seq) {
  std::array<std::uint8_t, 12> iv{};
  iv[0] = static_cast<std::uint8_t>(seq);
  iv[1] = static_cast<std::uint8_t>(seq >> 8);
  iv[2] = static_cast<std::uint8_t>(seq >> 16);
  iv[3] = static_cast<std::uint8_t>(seq >> 24);
  iv[10] = sender == RtspSender::host ? 'H' : 'C';
  iv[11] = 'R';
  return iv;
}

}  // namespace

Result<std::vector<std::uint8_t>> seal_rtsp(const AesKey& key, RtspSender sender, std::uint32_t seq,
                                            std::string_view message) {
  auto gcm = AesGcm::create(key);
  if (!gcm) {
    return tl::unexpected(gcm.error());
  }
  std::vector<std::uint8_t> out(kRtspEncryptedHeaderBytes + message.size());
  SpanWriter w(out);
  w.u32be(kRtspEncryptedBit | static_cast<std::uint32_t>(message.size()));
  w.u32be(seq);
  const auto iv = rtsp_iv(sender, seq);
  const Bytes plain(reinterpret_cast<const std::uint8_t*>(message.data()), message.size());
  auto tag = std::span<std::uint8_t, kGcmTagBytes>(out.data() + 8, kGcmTagBytes);
  if (auto sealed = gcm->seal(iv, plain, MutableBytes(out).subspan(kRtspEncryptedHeaderBytes), tag); !sealed) {
    return tl::unexpected(sealed.error());
  }
  return out;
}

Result<std::string> open_rtsp(const AesKey& key, RtspSender sender, Bytes packet, std::uint32_t& seq) {
  if (packet.size() < kRtspEncryptedHeaderBytes) {
    return fail(Errc::malformed, "encrypted RTSP: {} bytes, shorter than its header", packet.size());
  }
  SpanReader r(packet);
  const std::uint32_t type_and_length = r.u32be();
  seq = r.u32be();
  if ((type_and_length & kRtspEncryptedBit) == 0) {
    return fail(Errc::malformed, "encrypted RTSP: the encryption bit is not set");
  }
  const std::size_t length = type_and_length & ~kRtspEncryptedBit;
  if (length != packet.size() - kRtspEncryptedHeaderBytes) {
    return fail(Errc::malformed, "encrypted RTSP: the header says {} bytes, {} came", length,
                packet.size() - kRtspEncryptedHeaderBytes);
  }
  auto gcm = AesGcm::create(key);
  if (!gcm) {
    return tl::unexpected(gcm.error());
  }
  std::string plain(length, '\0');
  const auto iv = rtsp_iv(sender, seq);
  if (auto opened = gcm->open(iv, packet.subspan(kRtspEncryptedHeaderBytes), packet.subspan(8, 16),
                              MutableBytes(reinterpret_cast<std::uint8_t*>(plain.data()), plain.size()));
      !opened) {
    return tl::unexpected(opened.error());
  }
  return plain;
}

}  // namespace pf::gamestream
