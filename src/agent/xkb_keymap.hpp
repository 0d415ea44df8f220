// XKB keymaps for a virtual keyboard: compiled with libxkbcommon, written
// into a sealed memfd the compositor maps (XKB_V1 text, NUL-terminated), and
// indexed by keysym so text can be typed key by key.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>

#include <xkbcommon/xkbcommon.h>

#include "pf/core/result.hpp"
#include "pf/core/unique.hpp"
#include "wlr_input_injector.hpp"

namespace pf::agent {

using XkbContext = Unique<xkb_context*, &xkb_context_unref>;
using XkbKeymapHandle = Unique<xkb_keymap*, &xkb_keymap_unref>;
using XkbState = Unique<xkb_state*, &xkb_state_unref>;

/// Where a keysym is: the key (evdev scancode), its layout, and the
/// modifiers that select its level.
struct KeyPlace {
  std::uint32_t evdev_code = 0;
  xkb_layout_index_t layout = 0;
  xkb_mod_mask_t mods = 0;
};

class Keymap {
 public:
  /// Compiled from RMLVO names (no environment defaults: every name is ours).
  [[nodiscard]] static Result<Keymap> from_names(xkb_context* context, const KeyboardLayout& names);
  /// A keymap with one key per keysym (evdev 1, 2, …), each on level 1.
  /// invalid_argument: none, or more than kMaxExtraKeys.
  [[nodiscard]] static Result<Keymap> with_keysyms(xkb_context* context,
                                                   std::span<const xkb_keysym_t> keysyms);
  static constexpr std::size_t kMaxExtraKeys = 200;

  [[nodiscard]] xkb_keymap* get() const noexcept { return keymap_.get(); }
  /// The sealed memfd holding the keymap text, and its size with the NUL.
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  [[nodiscard]] std::uint32_t size() const noexcept { return size_; }
  /// The key that types `keysym` with the fewest modifiers; nullopt when no
  /// key of this keymap has it.
  [[nodiscard]] std::optional<KeyPlace> find(xkb_keysym_t keysym) const;

 private:
  static Result<Keymap> adopt(XkbKeymapHandle keymap);
  void index();

  XkbKeymapHandle keymap_;
  UniqueFd fd_;
  std::uint32_t size_ = 0;
  std::unordered_map<xkb_keysym_t, KeyPlace> places_;
};

/// The keysym that types code point `cp` (Return for a line feed);
/// XKB_KEY_NoSymbol when there is none.
[[nodiscard]] xkb_keysym_t keysym_of(char32_t cp) noexcept;

}  // namespace pf::agent
