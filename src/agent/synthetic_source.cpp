#include <vector>

#include "pf/agent/source.hpp"
#include "pf/core/clock.hpp"
#include "pf/framering/ring.hpp"
#include "pf/synth/synthetic.hpp"

namespace pf::agent {
namespace {

class SyntheticSource final : public FrameSource {
 public:
  explicit SyntheticSource(const Mode& mode) { resize(mode); }

  Result<SourceFrame> capture(std::uint64_t frame_id, std::uint64_t now_ns) override {
    // The picture "appears" once drawn, as an application's would: its
    // capture time is taken then, and the stamp says so.
    synth::render_bgra(pixels_.data(), pitch_, width_, height_, {frame_id, now_ns});
    const auto drawn_ns = static_cast<std::uint64_t>(steady_clock().now().time_since_epoch().count());
    synth::stamp_bgra(pixels_.data(), pitch_, width_, height_, {frame_id, drawn_ns});
    return SourceFrame{pixels_.data(), pitch_, width_, height_, true,
                       framering::frame_checksum(pixels_.data(), pitch_, pitch_, height_), drawn_ns};
  }

  Status set_mode(const Mode& mode) override {
    resize(mode);
    return ok();
  }

  std::vector<std::string> app_environment() const override { return {}; }

 private:
  void resize(const Mode& mode) {
    width_ = mode.width;
    height_ = mode.height;
    pitch_ = mode.width * 4;
    pixels_.assign(std::size_t{pitch_} * height_, 0);
  }

  std::uint32_t width_ = 0;
  std::uint32_t height_ = 0;
  std::uint32_t pitch_ = 0;
  std::vector<std::uint8_t> pixels_;
};

}  // namespace

std::unique_ptr<FrameSource> make_synthetic_source(const Mode& mode) {
  return std::make_unique<SyntheticSource>(mode);
}

}  // namespace pf::agent
