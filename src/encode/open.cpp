#include "pf/encode/open.hpp"

#include "pf/core/log.hpp"

namespace pf::encode {
namespace {

const log::Logger kLog{"encode"};

Result<std::unique_ptr<Encoder>> open_software(const EncoderConfig& config) {
  switch (config.codec) {
    case Codec::h264: return make_x264_encoder(config);
    case Codec::hevc: return make_x265_encoder(config);
    case Codec::av1:
    case Codec::unset: break;
  }
  return fail(Errc::unsupported, "no software encoder for {} in this build", to_string(config.codec));
}

}  // namespace

Result<OpenedEncoder> open_encoder(const EncoderConfig& config, Backend backend, const NvencOptions& nvenc) {
  if (backend != Backend::software) {
    auto hw = make_nvenc_encoder(config, nvenc);
    if (hw) {
      return OpenedEncoder{std::move(*hw), {}};
    }
    if (backend == Backend::nvenc) {
      return tl::unexpected(hw.error());
    }
    // Any NVENC failure falls back: a stream from the CPU beats no stream.
    kLog.info("{}; encoding {} on the CPU", hw.error().message, to_string(config.codec));
    auto sw = open_software(config);
    if (!sw) {
      return tl::unexpected(sw.error());
    }
    return OpenedEncoder{std::move(*sw), hw.error().message};
  }
  auto sw = open_software(config);
  if (!sw) {
    return tl::unexpected(sw.error());
  }
  return OpenedEncoder{std::move(*sw), {}};
}

}  // namespace pf::encode
