// Input into a wlroots compositor (sway) through its virtual keyboard
// (virtual-keyboard-unstable-v1) and virtual pointer
// (wlr-virtual-pointer-unstable-v1, version 2), on a Wayland connection of
// its own, so the capture's connection is never shared.
//
// Keys are evdev scancodes typed with an XKB keymap of ours (compiled from
// RMLVO names, handed to the compositor in a sealed memfd); the modifier
// state that keymap gives is sent after each key, because a virtual
// keyboard's modifiers are the client's to say. Text is typed key by key:
// each code point on a key of that keymap (with the modifiers its level
// needs), the rest on a keymap of their own that is swapped in for them and
// out again (a text event counts as unsupported when any of its code points
// could not be typed). A key event with code 0 types the keysym in its x.
// Absolute positions are in the pixels of the compositor's first output,
// whose current mode is followed as it changes. Closing the injector
// releases the keys and buttons it holds pressed.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "pf/agent/source.hpp"

namespace pf::agent {

/// The XKB names the virtual keyboard's keymap is compiled from.
struct KeyboardLayout {
  std::string rules = "evdev";
  std::string model = "pc105";
  std::string layout = "us";
  std::string variant;
  std::string options;
};

/// Connects to the compositor's Wayland socket and binds seat "seat0" (the
/// first seat when none has that name), its first output and both managers.
/// unsupported: the compositor lacks a manager, a seat or an output.
[[nodiscard]] Result<std::unique_ptr<InputInjector>> open_wlr_injector(
    const std::filesystem::path& socket, const KeyboardLayout& layout);

}  // namespace pf::agent
