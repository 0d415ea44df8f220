// Display policy settings: keep-alive, mode conflicts, the display budget
// and the render-GPU preference. Persisted in display-settings.json in the
// config dir (the console edits it); parsed strictly, written atomically
// with mode 0600.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "pf/core/clock.hpp"
#include "pf/core/result.hpp"

namespace pf::vdisplay {

/// How long a display outlives its last session.
enum class KeepAliveKind : std::uint8_t { unset = 0, off = 1, duration = 2, forever = 3 };
struct KeepAlive {
  KeepAliveKind kind = KeepAliveKind::duration;
  Millis duration{10'000};  ///< for KeepAliveKind::duration
  friend bool operator==(const KeepAlive&, const KeepAlive&) = default;
};
/// "off", "forever", or a duration: "10s", "500ms", "2m", "1h".
[[nodiscard]] Result<KeepAlive> parse_keep_alive(std::string_view text);
[[nodiscard]] std::string to_string(const KeepAlive& keep_alive);

/// What happens when a client that already has an active display asks for
/// another mode.
enum class ModeConflict : std::uint8_t {
  unset = 0,
  separate = 1,  ///< give it a second display at the new mode
  steal = 2,     ///< change the existing display's mode in place (its other viewers follow)
  join = 3,      ///< join the existing display at its current mode
  reject = 4,    ///< refuse the request
};
[[nodiscard]] Result<ModeConflict> parse_mode_conflict(std::string_view text);
[[nodiscard]] std::string_view to_string(ModeConflict conflict) noexcept;

/// Where new displays' pixels come from (the agent's sources).
enum class Backend : std::uint8_t { unset = 0, synthetic = 1, xvfb = 2, wlroots = 3 };
[[nodiscard]] Result<Backend> parse_backend(std::string_view text);
[[nodiscard]] std::string_view to_string(Backend backend) noexcept;

struct DisplaySettings {
  KeepAlive keep_alive;
  Backend backend = Backend::xvfb;  ///< X11 apps and games run as they are; no window manager
  ModeConflict mode_conflict = ModeConflict::separate;
  std::uint32_t max_displays = 4;
  std::string render_gpu;  ///< "" = no saved preference; "cpu"; or a GPU name/id substring
  friend bool operator==(const DisplaySettings&, const DisplaySettings&) = default;
};

inline constexpr std::string_view kDisplaySettingsFile = "display-settings.json";
inline constexpr std::uint32_t kMaxDisplaysLimit = 64;

/// Parses the JSON text; unknown members are an error (a typo must not be
/// silently ignored), missing members keep their defaults.
[[nodiscard]] Result<DisplaySettings> parse_display_settings(std::string_view json);
[[nodiscard]] std::string render_display_settings(const DisplaySettings& settings);
/// Missing file → defaults.
[[nodiscard]] Result<DisplaySettings> load_display_settings(const std::filesystem::path& file);
/// Atomic replace (write a temporary, fsync, rename) with mode 0600.
[[nodiscard]] Status save_display_settings(const std::filesystem::path& file,
                                           const DisplaySettings& settings);

/// A GPU the host could render on.
struct GpuInfo {
  std::string id;    ///< stable identifier, e.g. a PCI address
  std::string name;  ///< marketing name
  std::uint64_t memory_bytes = 0;
};

struct GpuChoice {
  std::uint32_t gpu_index = 0;  ///< 0 = CPU rendering; n = gpus[n-1]
  std::string name;             ///< "cpu" or the GPU's name
  std::string reason;           ///< why this one, for logs and the console
};

/// saved preference → PUNKTFUNK_RENDER_GPU → the GPU with the most memory
/// (ties broken by id, so the pick is stable) → "cpu" when there is none.
/// A preference matches a GPU by case-insensitive substring of id or name;
/// "cpu" selects CPU rendering; a preference that matches nothing is skipped
/// (and said so in the reason).
[[nodiscard]] GpuChoice choose_render_gpu(std::string_view saved, std::string_view env,
                                          std::span<const GpuInfo> gpus);

}  // namespace pf::vdisplay
