#include "pf/transport/video_payload.hpp"

namespace pf::transport {

void write_video_info(const VideoFrameInfo& info, MutableBytes out) noexcept {
  SpanWriter w(out.first(kVideoInfoBytes));
  w.u16le(kVideoInfoBytes);
  w.u16le(0);
  w.u32le(info.recovers_from);
  w.u64le(info.source_frame_id);
}

std::optional<VideoPayload> read_video_payload(Bytes frame) noexcept {
  SpanReader r(frame);
  const std::uint16_t info_bytes = r.u16le();
  r.skip(2);
  VideoPayload p;
  p.info.recovers_from = r.u32le();
  p.info.source_frame_id = r.u64le();
  if (!r.ok() || info_bytes < kVideoInfoBytes || info_bytes > frame.size()) {
    return std::nullopt;
  }
  p.access_unit = frame.subspan(info_bytes);
  return p;
}

}  // namespace pf::transport
