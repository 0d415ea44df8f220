#include "xkb_keymap.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <sys/mman.h>

namespace pf::agent {
namespace {

// evdev scancodes are XKB keycodes less 8.
constexpr xkb_keycode_t kEvdevOffset = 8;

struct FreeText {
  void operator()(char* p) const noexcept { std::free(p); }
};

// Writes `text` and its NUL into a memfd that no one can change afterwards.
Result<UniqueFd> sealed_memfd(const char* text, std::size_t size) {
  UniqueFd fd(::memfd_create("punktfunk-keymap", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) {
    return fail_errno(errno, "memfd for the keymap");
  }
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd.get(), text + done, size - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return fail_errno(errno, "writing the keymap");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) !=
      0) {
    return fail_errno(errno, "sealing the keymap");
  }
  return fd;
}

}  // namespace

Result<Keymap> Keymap::from_names(xkb_context* context, const KeyboardLayout& names) {
  const xkb_rule_names rmlvo{names.rules.c_str(), names.model.c_str(), names.layout.c_str(),
                             names.variant.c_str(), names.options.c_str()};
  XkbKeymapHandle keymap(xkb_keymap_new_from_names(context, &rmlvo, XKB_KEYMAP_COMPILE_NO_FLAGS));
  if (!keymap) {
    return fail(Errc::config_invalid,
                "cannot compile an XKB keymap from rules '{}', model '{}', layout '{}', variant "
                "'{}', options '{}' "
                "(is xkb-data installed?)",
                names.rules, names.model, names.layout, names.variant, names.options);
  }
  return adopt(std::move(keymap));
}

Result<Keymap> Keymap::with_keysyms(xkb_context* context, std::span<const xkb_keysym_t> keysyms) {
  if (keysyms.empty() || keysyms.size() > kMaxExtraKeys) {
    return fail(Errc::invalid_argument, "a keymap of {} keysyms (1-{})", keysyms.size(),
                kMaxExtraKeys);
  }
  std::string codes;
  std::string symbols;
  for (std::size_t i = 0; i < keysyms.size(); ++i) {
    std::array<char, 64> name{};
    if (xkb_keysym_get_name(keysyms[i], name.data(), name.size()) <= 0) {
      return fail(Errc::invalid_argument, "keysym {:#x} has no name", keysyms[i]);
    }
    codes += fmt::format("<K{}> = {}; ", i + 1, i + 1 + kEvdevOffset);
    symbols += fmt::format("key <K{}> {{ [ {} ] }}; ", i + 1, name.data());
  }
  const std::string text = fmt::format(
      "xkb_keymap {{\n"
      "  xkb_keycodes \"punktfunk\" {{ minimum = 8; maximum = 255; {}}};\n"
      "  xkb_types \"punktfunk\" {{ include \"complete\" }};\n"
      "  xkb_compat \"punktfunk\" {{ include \"complete\" }};\n"
      "  xkb_symbols \"punktfunk\" {{ {}}};\n"
      "}};\n",
      codes, symbols);
  XkbKeymapHandle keymap(xkb_keymap_new_from_string(
      context, text.c_str(), XKB_KEYMAP_FORMAT_TEXT_V1, XKB_KEYMAP_COMPILE_NO_FLAGS));
  if (!keymap) {
    return fail(Errc::unsupported, "cannot compile a keymap for {} extra keysyms", keysyms.size());
  }
  return adopt(std::move(keymap));
}

Result<Keymap> Keymap::adopt(XkbKeymapHandle keymap) {
  const std::unique_ptr<char, FreeText> text(
      xkb_keymap_get_as_string(keymap.get(), XKB_KEYMAP_FORMAT_TEXT_V1));
  if (!text) {
    return fail(Errc::io, "cannot write the keymap as text");
  }
  const std::size_t size = std::strlen(text.get()) + 1;  // the compositor reads a C string
  auto fd = sealed_memfd(text.get(), size);
  if (!fd) {
    return tl::unexpected(fd.error());
  }
  Keymap out;
  out.keymap_ = std::move(keymap);
  out.fd_ = std::move(*fd);
  out.size_ = static_cast<std::uint32_t>(size);
  out.index();
  return out;
}

// Every level of every key that yields exactly one keysym, kept where it
// takes the fewest modifiers (then the lowest layout, then the lowest key).
void Keymap::index() {
  xkb_keymap* km = keymap_.get();
  const xkb_keycode_t last = xkb_keymap_max_keycode(km);
  for (xkb_keycode_t kc = std::max(xkb_keymap_min_keycode(km), kEvdevOffset + 1); kc <= last;
       ++kc) {
    const xkb_layout_index_t layouts = xkb_keymap_num_layouts_for_key(km, kc);
    for (xkb_layout_index_t layout = 0; layout < layouts; ++layout) {
      const xkb_level_index_t levels = xkb_keymap_num_levels_for_key(km, kc, layout);
      for (xkb_level_index_t level = 0; level < levels; ++level) {
        const xkb_keysym_t* syms = nullptr;
        if (xkb_keymap_key_get_syms_by_level(km, kc, layout, level, &syms) != 1) {
          continue;
        }
        std::array<xkb_mod_mask_t, 16> masks{};
        const std::size_t n =
            xkb_keymap_key_get_mods_for_level(km, kc, layout, level, masks.data(), masks.size());
        if (n == 0) {
          continue;  // no modifier combination reaches this level
        }
        xkb_mod_mask_t mods = masks[0];
        for (std::size_t i = 1; i < n; ++i) {
          if (std::popcount(masks[i]) < std::popcount(mods)) {
            mods = masks[i];
          }
        }
        const KeyPlace place{kc - kEvdevOffset, layout, mods};
        const auto [it, inserted] = places_.try_emplace(syms[0], place);
        if (!inserted && (std::popcount(mods) < std::popcount(it->second.mods) ||
                          (std::popcount(mods) == std::popcount(it->second.mods) &&
                           layout < it->second.layout))) {
          it->second = place;
        }
      }
    }
  }
}

std::optional<KeyPlace> Keymap::find(xkb_keysym_t keysym) const {
  const auto it = places_.find(keysym);
  if (it == places_.end()) {
    return std::nullopt;
  }
  return it->second;
}

xkb_keysym_t keysym_of(char32_t cp) noexcept {
  if (cp == U'\n' || cp == U'\r') {
    return XKB_KEY_Return;
  }
  return xkb_utf32_to_keysym(static_cast<std::uint32_t>(cp));
}

}  // namespace pf::agent
