#include "pf/agent/agent.hpp"

#include <unistd.h>

#include <array>
#include <variant>

#include "pf/core/log.hpp"
#include "pf/framering/ring.hpp"

namespace pf::agent {
namespace {

using agentlink::Reply;
using agentlink::ReplyStatus;

const log::Logger kLog{"agent"};

Reply reply_to(const agentlink::Message& request, ReplyStatus status, std::uint32_t detail = 0) {
  return Reply{agentlink::type_of(request), status, detail, 0, 0, 0, 0};
}

bool valid_mode(std::uint32_t w, std::uint32_t h) {
  return framering::compute_layout(w, h, framering::PixelFormat::bgra8, 1).total_bytes != 0;
}

}  // namespace

Reply Agent::handle(const agentlink::Message& request, std::vector<UniqueFd>& fds) {
  using namespace agentlink;
  struct Visitor {
    Agent& self;
    std::vector<UniqueFd>& fds;
    const agentlink::Message& request;

    Reply operator()(const Hello& m) const {
      if (m.protocol_version < kMinProtocolVersion || m.min_version > kProtocolVersion) {
        return reply_to(request, ReplyStatus::unsupported, kProtocolVersion);
      }
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(self.options_.watchdog);
      return Reply{MessageType::hello, ReplyStatus::ok, 0, kProtocolVersion, kMinProtocolVersion,
                   static_cast<std::uint32_t>(ms.count()), static_cast<std::uint32_t>(::getpid())};
    }
    Reply operator()(const AddDisplay& m) const {
      if (!valid_mode(m.width, m.height)) {
        return reply_to(request, ReplyStatus::bad_request);
      }
      if (self.displays_.size() >= self.options_.max_displays) {
        return reply_to(request, ReplyStatus::limit_reached, self.options_.max_displays);
      }
      std::uint32_t id = m.preferred_id;
      if (id == 0 || self.displays_.contains(id)) {
        while (self.displays_.contains(self.next_display_id_) || self.next_display_id_ == 0) {
          ++self.next_display_id_;
        }
        id = self.next_display_id_++;
      }
      const Mode mode{m.width, m.height, m.refresh_mhz};
      std::unique_ptr<FrameSource> source;
      switch (m.backend) {
        case DisplayBackend::xvfb: {
          auto xvfb = make_xvfb_source(mode, self.options_.xvfb);
          if (!xvfb) {
            kLog.error("display {}: {}", id, xvfb.error().message);
            return reply_to(request, ReplyStatus::internal);
          }
          source = std::move(*xvfb);
          break;
        }
        case DisplayBackend::synthetic:
        case DisplayBackend::unset:
          source = make_synthetic_source(mode);
          break;
        default:
          return reply_to(request, ReplyStatus::unsupported, static_cast<std::uint32_t>(m.backend));
      }
      auto display = std::make_unique<VirtualDisplay>(id, mode, std::move(source));
      Reply r = reply_to(request, ReplyStatus::ok);
      r.a = id;
      if (const auto x = display->x_display()) {
        r.b = *x;
        r.c = 1;
      }
      self.displays_.emplace(id, std::move(display));
      kLog.info("added display {} ({}x{} @ {:.3f} Hz) for session {:#x}", id, m.width, m.height,
                m.refresh_mhz / 1000.0, m.session_id);
      return r;
    }
    Reply operator()(const RemoveDisplay& m) const {
      if (self.displays_.erase(m.display_id) == 0) {
        return reply_to(request, ReplyStatus::no_such_display);
      }
      kLog.info("removed display {}", m.display_id);
      return reply_to(request, ReplyStatus::ok);
    }
    Reply operator()(const SetRenderGpu&) const {
      return reply_to(request, ReplyStatus::ok);  // the synthetic source renders on the CPU
    }
    Reply operator()(const Ping&) const { return reply_to(request, ReplyStatus::ok); }
    Reply operator()(const ClearAll&) const {
      self.displays_.clear();
      return reply_to(request, ReplyStatus::ok);
    }
    Reply operator()(const SetFrameChannel& m) const {
      const auto it = self.displays_.find(m.display_id);
      if (it == self.displays_.end()) {
        return reply_to(request, ReplyStatus::no_such_display);
      }
      if (fds.size() != 2) {
        return reply_to(request, ReplyStatus::bad_request);
      }
      auto ring = framering::RingMemory::attach(std::move(fds[0]), {m.display_id, m.generation, 0});
      if (!ring) {
        kLog.warn("display {}: refused frame channel: {}", m.display_id, ring.error().message);
        return reply_to(request, ReplyStatus::attach_failed);
      }
      it->second->set_channel(std::move(*ring), std::move(fds[1]));
      return reply_to(request, ReplyStatus::ok);
    }
    Reply operator()(const UpdateMode& m) const {
      const auto it = self.displays_.find(m.display_id);
      if (it == self.displays_.end()) {
        return reply_to(request, ReplyStatus::no_such_display);
      }
      if (!valid_mode(m.width, m.height)) {
        return reply_to(request, ReplyStatus::bad_request);
      }
      if (auto st = it->second->set_mode(Mode{m.width, m.height, m.refresh_mhz}); !st) {
        kLog.error("display {}: mode change failed: {}", m.display_id, st.error().message);
        return reply_to(request, ReplyStatus::internal);
      }
      Reply r = reply_to(request, ReplyStatus::ok);
      if (const auto x = it->second->x_display()) {
        r.b = *x;
        r.c = 1;
      }
      return r;
    }
    Reply operator()(const Reply&) const { return reply_to(request, ReplyStatus::bad_request); }
  };
  Reply r = std::visit(Visitor{*this, fds, request}, request);
  fds.clear();  // whatever was not adopted is closed now
  return r;
}

void Agent::reap_on_watchdog(TimePoint now) {
  if (!displays_.empty() && now - last_message_ > options_.watchdog) {
    kLog.warn("host silent for more than {} ms: removing {} display(s)",
              std::chrono::duration_cast<std::chrono::milliseconds>(options_.watchdog).count(),
              displays_.size());
    displays_.clear();
  }
}

int Agent::run() {
  last_message_ = steady_clock().now();
  std::array<std::uint8_t, agentlink::kMaxDatagramBytes> out{};
  log::RateLimitedLog bad_request(kLog, log::Level::warn, std::chrono::seconds(5), "bad control message");
  const Nanos slice = std::min<Nanos>(options_.watchdog / 4, std::chrono::milliseconds(250));
  for (;;) {
    auto received = channel_.receive(slice);
    const TimePoint now = steady_clock().now();
    if (!received) {
      if (received.error().code == Errc::timeout) {
        reap_on_watchdog(now);
        continue;
      }
      if (received.error().code == Errc::closed) {
        kLog.info("host closed the control channel; removing {} display(s)", displays_.size());
        displays_.clear();
        return 0;
      }
      kLog.error("control channel: {}", received.error());
      return 1;
    }
    last_message_ = now;
    auto decoded = agentlink::decode(received->bytes);
    if (!decoded) {
      bad_request(now, "{}", decoded.error().message);
      continue;  // counted and logged; the host's call times out and it reconnects
    }
    const Reply reply = handle(decoded->message, received->fds);
    auto bytes = agentlink::encode(reply, decoded->request_id, out);
    if (!bytes || !channel_.send(*bytes)) {
      kLog.error("cannot answer the host; exiting");
      return 1;
    }
  }
}

}  // namespace pf::agent
