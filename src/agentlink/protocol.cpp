#include "pf/agentlink/protocol.hpp"

namespace pf::agentlink {
namespace {

void write_strings(SpanWriter& w, const std::vector<std::string>& list) noexcept {
  if (list.size() > 0xFFFF) {
    static_cast<void>(w.reserve(kMaxDatagramBytes + 1));  // fails the writer: too long to encode
    return;
  }
  w.u16le(static_cast<std::uint16_t>(list.size()));
  for (const auto& s : list) {
    w.string16(s);
  }
}

// Reads a list; stops at the first failure (the reader's sticky error
// then fails the whole body), so a lying count costs nothing.
std::vector<std::string> read_strings(SpanReader& r) {
  const std::uint16_t count = r.u16le();
  std::vector<std::string> out;
  for (std::uint16_t i = 0; i < count && r.ok(); ++i) {
    out.emplace_back(r.string16());
  }
  return out;
}

struct BodyWriter {
  SpanWriter& w;
  void operator()(const Hello& m) const { w.u32le(m.protocol_version); w.u32le(m.min_version); }
  void operator()(const AddDisplay& m) const {
    w.u64le(m.session_id);
    w.u32le(m.width);
    w.u32le(m.height);
    w.u32le(m.refresh_mhz);
    w.u32le(m.preferred_id);
    w.u32le(m.max_luminance_nits);
    w.u32le(m.max_frame_avg_nits);
    w.u32le(m.min_luminance_millinits);
    w.u32le(static_cast<std::uint32_t>(m.backend));
  }
  void operator()(const RemoveDisplay& m) const { w.u32le(m.display_id); }
  void operator()(const SetRenderGpu& m) const { w.u32le(m.gpu_index); }
  void operator()(const Ping&) const {}
  void operator()(const ClearAll&) const {}
  void operator()(const SetFrameChannel& m) const {
    w.u32le(m.display_id);
    w.u32le(m.generation);
    w.u32le(m.ring_length);
  }
  void operator()(const UpdateMode& m) const {
    w.u32le(m.display_id);
    w.u32le(m.width);
    w.u32le(m.height);
    w.u32le(m.refresh_mhz);
  }
  void operator()(const LaunchApp& m) const {
    w.u32le(m.display_id);
    w.u32le(m.app_token);
    write_strings(w, m.argv);
    w.string16(m.working_dir);
    write_strings(w, m.environment);
  }
  void operator()(const AppExited& m) const {
    w.u32le(m.display_id);
    w.u32le(m.app_token);
    w.u32le(m.pid);
    w.u32le(m.wait_status);
    w.u32le(static_cast<std::uint32_t>(m.how));
  }
  void operator()(const InjectInput& m) const {
    w.u32le(m.display_id);
    w.u16le(static_cast<std::uint16_t>(m.events.size()));
    for (const auto& e : m.events) {
      input::write_event(w, e);
    }
  }
  void operator()(const PadRumble& m) const {
    w.u32le(m.display_id);
    w.u32le(m.pad);
    w.u16le(m.strong);
    w.u16le(m.weak);
    w.u32le(m.duration_ms);
  }
  void operator()(const Reply& m) const {
    w.u32le(static_cast<std::uint32_t>(m.status));
    w.u32le(m.detail);
    w.u32le(m.a);
    w.u32le(m.b);
    w.u32le(m.c);
    w.u32le(m.d);
  }
};

// Minimum body sizes: the first version of each body. Never lowered.
std::size_t min_body_bytes(MessageType type, bool reply) noexcept {
  if (reply) {
    return 8;  // status + detail
  }
  switch (type) {
    case MessageType::hello: return 8;
    case MessageType::add_display: return 20;  // session id, width, height, refresh
    case MessageType::remove_display: return 4;
    case MessageType::set_render_gpu: return 4;
    case MessageType::ping:
    case MessageType::clear_all: return 0;
    case MessageType::set_frame_channel: return 12;
    case MessageType::update_mode: return 16;
    case MessageType::launch_app: return 14;  // ids, three empty lists/strings
    case MessageType::app_exited: return 20;
    case MessageType::inject_input: return 6;  // display id, count
    case MessageType::pad_rumble: return 16;
    case MessageType::unset: break;
  }
  return 0;
}

Message read_body(MessageType type, bool reply, SpanReader& r) {
  if (reply) {
    Reply m;
    m.to = type;
    m.status = static_cast<ReplyStatus>(r.u32le());
    m.detail = r.u32le();
    m.a = r.u32le_or_zero();
    m.b = r.u32le_or_zero();
    m.c = r.u32le_or_zero();
    m.d = r.u32le_or_zero();
    return m;
  }
  switch (type) {
    case MessageType::hello: return Hello{r.u32le(), r.u32le()};
    case MessageType::add_display: {
      AddDisplay m;
      m.session_id = r.u64le();
      m.width = r.u32le();
      m.height = r.u32le();
      m.refresh_mhz = r.u32le();
      m.preferred_id = r.u32le_or_zero();
      m.max_luminance_nits = r.u32le_or_zero();
      m.max_frame_avg_nits = r.u32le_or_zero();
      m.min_luminance_millinits = r.u32le_or_zero();
      m.backend = static_cast<DisplayBackend>(r.u32le_or_zero());
      return m;
    }
    case MessageType::remove_display: return RemoveDisplay{r.u32le()};
    case MessageType::set_render_gpu: return SetRenderGpu{r.u32le()};
    case MessageType::ping: return Ping{};
    case MessageType::clear_all: return ClearAll{};
    case MessageType::set_frame_channel: return SetFrameChannel{r.u32le(), r.u32le(), r.u32le()};
    case MessageType::update_mode: return UpdateMode{r.u32le(), r.u32le(), r.u32le(), r.u32le()};
    case MessageType::launch_app: {
      LaunchApp m;
      m.display_id = r.u32le();
      m.app_token = r.u32le();
      m.argv = read_strings(r);
      m.working_dir = std::string(r.string16());
      m.environment = read_strings(r);
      return m;
    }
    case MessageType::app_exited:
      return AppExited{r.u32le(), r.u32le(), r.u32le(), r.u32le(), static_cast<AppEnd>(r.u32le())};
    case MessageType::inject_input: {
      InjectInput m;
      m.display_id = r.u32le();
      const std::uint16_t count = r.u16le();
      if (count > input::kMaxEventsPerPacket) {
        r.skip(r.remaining() + 1);  // fails the reader
        return m;
      }
      for (std::uint16_t i = 0; i < count && r.ok(); ++i) {
        m.events.push_back(input::read_event(r));
      }
      return m;
    }
    case MessageType::pad_rumble: {
      PadRumble m;
      m.display_id = r.u32le();
      m.pad = r.u32le();
      m.strong = r.u16le();
      m.weak = r.u16le();
      m.duration_ms = r.u32le();
      return m;
    }
    case MessageType::unset: break;
  }
  return Ping{};  // unreachable: decode() rejects unknown types first
}

}  // namespace

std::string_view to_string(ReplyStatus status) noexcept {
  switch (status) {
    case ReplyStatus::ok: return "ok";
    case ReplyStatus::bad_request: return "bad request";
    case ReplyStatus::unsupported: return "unsupported";
    case ReplyStatus::no_such_display: return "no such display";
    case ReplyStatus::limit_reached: return "limit reached";
    case ReplyStatus::attach_failed: return "attach failed";
    case ReplyStatus::internal: return "internal error";
  }
  return "unknown status";
}

std::string_view to_string(MessageType type) noexcept {
  switch (type) {
    case MessageType::unset: return "unset";
    case MessageType::hello: return "Hello";
    case MessageType::add_display: return "AddDisplay";
    case MessageType::remove_display: return "RemoveDisplay";
    case MessageType::set_render_gpu: return "SetRenderGpu";
    case MessageType::ping: return "Ping";
    case MessageType::clear_all: return "ClearAll";
    case MessageType::set_frame_channel: return "SetFrameChannel";
    case MessageType::update_mode: return "UpdateMode";
    case MessageType::launch_app: return "LaunchApp";
    case MessageType::app_exited: return "AppExited";
    case MessageType::inject_input: return "InjectInput";
    case MessageType::pad_rumble: return "PadRumble";
  }
  return "unknown";
}

MessageType type_of(const Message& message) noexcept {
  struct Visitor {
    MessageType operator()(const Hello&) const { return MessageType::hello; }
    MessageType operator()(const AddDisplay&) const { return MessageType::add_display; }
    MessageType operator()(const RemoveDisplay&) const { return MessageType::remove_display; }
    MessageType operator()(const SetRenderGpu&) const { return MessageType::set_render_gpu; }
    MessageType operator()(const Ping&) const { return MessageType::ping; }
    MessageType operator()(const ClearAll&) const { return MessageType::clear_all; }
    MessageType operator()(const SetFrameChannel&) const { return MessageType::set_frame_channel; }
    MessageType operator()(const UpdateMode&) const { return MessageType::update_mode; }
    MessageType operator()(const LaunchApp&) const { return MessageType::launch_app; }
    MessageType operator()(const AppExited&) const { return MessageType::app_exited; }
    MessageType operator()(const InjectInput&) const { return MessageType::inject_input; }
    MessageType operator()(const PadRumble&) const { return MessageType::pad_rumble; }
    MessageType operator()(const Reply& r) const { return r.to; }
  };
  return std::visit(Visitor{}, message);
}

Result<Bytes> encode(const Message& message, std::uint32_t request_id, MutableBytes out) {
  const bool reply = std::holds_alternative<Reply>(message);
  const MessageType type = type_of(message);
  if (type == MessageType::unset) {
    return fail(Errc::invalid_argument, "a reply must name the request type it answers");
  }
  if (const auto* inject = std::get_if<InjectInput>(&message); inject != nullptr &&
                                                               inject->events.size() > input::kMaxEventsPerPacket) {
    return fail(Errc::invalid_argument, "InjectInput with {} events; at most {}", inject->events.size(),
                input::kMaxEventsPerPacket);
  }
  SpanWriter w(out.first(std::min(out.size(), kMaxDatagramBytes)));
  w.u16le(static_cast<std::uint16_t>(static_cast<std::uint16_t>(type) | (reply ? kReplyBit : 0)));
  w.u16le(0);
  w.u32le(request_id);
  const MutableBytes length = w.reserve(4);
  const std::size_t body_start = w.size();
  std::visit(BodyWriter{w}, message);
  if (auto st = w.finish(to_string(type)); !st) {
    return tl::unexpected(st.error());
  }
  SpanWriter(length).u32le(static_cast<std::uint32_t>(w.size() - body_start));
  return Bytes(w.written());
}

Result<Decoded> decode(Bytes datagram) {
  if (datagram.size() > kMaxDatagramBytes) {
    return fail(Errc::overflow, "control datagram of {} bytes exceeds {}", datagram.size(),
                kMaxDatagramBytes);
  }
  SpanReader r(datagram);
  const std::uint16_t raw_type = r.u16le();
  static_cast<void>(r.u16le());  // reserved
  const std::uint32_t request_id = r.u32le();
  const std::uint32_t body_bytes = r.u32le();
  if (auto st = r.finish("control envelope"); !st) {
    return tl::unexpected(st.error());
  }
  if (body_bytes != r.remaining()) {
    return fail(Errc::malformed, "control envelope says {} body bytes, datagram carries {}",
                body_bytes, r.remaining());
  }
  const bool reply = (raw_type & kReplyBit) != 0;
  const auto type = static_cast<MessageType>(raw_type & ~kReplyBit);
  if (type == MessageType::unset || raw_type == kReplyBit ||
      static_cast<std::uint16_t>(type) > static_cast<std::uint16_t>(MessageType::pad_rumble)) {
    return fail(Errc::unsupported, "unknown control message type 0x{:04x}", raw_type);
  }
  const std::size_t min_body = min_body_bytes(type, reply);
  if (body_bytes < min_body) {
    return fail(Errc::truncated, "{}{} body is {} bytes; at least {} needed", to_string(type),
                reply ? " reply" : "", body_bytes, min_body);
  }
  SpanReader body(r.rest());
  Decoded out{request_id, read_body(type, reply, body), 0};
  if (auto st = body.finish(to_string(type)); !st) {
    return tl::unexpected(st.error());
  }
  out.ignored_tail_bytes = body.remaining();
  if (const auto* launch = std::get_if<LaunchApp>(&out.message)) {
    if (launch->argv.empty() || launch->argv.size() > kMaxAppArgs ||
        launch->environment.size() > kMaxAppEnv) {
      return fail(Errc::malformed, "LaunchApp with {} arguments and {} environment entries (1-{} and 0-{})",
                  launch->argv.size(), launch->environment.size(), kMaxAppArgs, kMaxAppEnv);
    }
  }
  return out;
}

}  // namespace pf::agentlink
