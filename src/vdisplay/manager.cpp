#include "pf/vdisplay/manager.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pf/framering/abi.hpp"

namespace pf::vdisplay {
namespace {

bool valid(const Mode& m) {
  return m.width > 0 && m.height > 0 && m.width <= framering::kMaxDimension &&
         m.height <= framering::kMaxDimension && m.refresh_mhz >= 1'000 && m.refresh_mhz <= 1'000'000;
}

Action remove_action(DisplayId id) { return Action{ActionKind::remove_display, id, {}, 0, Backend::unset}; }

}  // namespace

std::string to_string(const Mode& m) {
  return fmt::format("{}x{}@{:.3f}", m.width, m.height, m.refresh_mhz / 1000.0);
}

DisplayManager::Slot* DisplayManager::find_leased(const Lease& lease) {
  const auto it = std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) {
    return s.display == lease.display && s.generation == lease.generation &&
           s.state == DisplayState::active;
  });
  return it == slots_.end() ? nullptr : &*it;
}

Result<Acquired> DisplayManager::acquire(std::string_view client, const Mode& mode, TimePoint now) {
  static_cast<void>(now);
  if (!valid(mode)) {
    return fail(Errc::invalid_argument, "display mode {} is not supported", to_string(mode));
  }
  std::vector<Action> actions;
  AcquireKind kind = AcquireKind::created;
  const auto exact = std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) {
    return s.client == client && s.mode == mode;
  });
  if (exact != slots_.end()) {
    switch (exact->state) {
      case DisplayState::active:
        ++exact->refs;
        return Acquired{{exact->display, exact->generation}, mode, AcquireKind::joined, {}};
      case DisplayState::lingering:
      case DisplayState::pinned:
        // A reconnect: never reuse a kept display. Remove it, add a fresh one.
        actions.push_back(remove_action(exact->display));
        slots_.erase(exact);
        kind = AcquireKind::preempted;
        break;
      case DisplayState::unset:
        break;
    }
  } else {
    const auto other = std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) {
      return s.client == client && s.state == DisplayState::active;
    });
    if (other != slots_.end()) {
      switch (settings_.mode_conflict) {
        case ModeConflict::steal:
          ++other->refs;
          other->mode = mode;
          return Acquired{{other->display, other->generation}, mode, AcquireKind::stolen,
                          {Action{ActionKind::update_mode, other->display, mode, 0, Backend::unset}}};
        case ModeConflict::join:
          ++other->refs;
          return Acquired{{other->display, other->generation}, other->mode,
                          AcquireKind::joined_other_mode, {}};
        case ModeConflict::reject:
          return fail(Errc::refused,
                      "client already has display {} at {}; the mode-conflict policy is 'reject'",
                      other->display, to_string(other->mode));
        case ModeConflict::separate:
        case ModeConflict::unset:
          break;
      }
    }
  }
  return create(client, mode, kind, std::move(actions));
}

Result<Acquired> DisplayManager::create(std::string_view client, const Mode& mode, AcquireKind kind,
                                        std::vector<Action> actions) {
  if (slots_.size() >= settings_.max_displays) {
    // Make room by ending the lingering display that would expire first.
    auto victim = slots_.end();
    for (auto it = slots_.begin(); it != slots_.end(); ++it) {
      if (it->state == DisplayState::lingering &&
          (victim == slots_.end() || it->linger_until < victim->linger_until)) {
        victim = it;
      }
    }
    if (victim == slots_.end()) {
      const auto pinned = std::count_if(slots_.begin(), slots_.end(),
                                        [](const Slot& s) { return s.state == DisplayState::pinned; });
      return fail(Errc::limit_reached,
                  "all {} displays are in use ({} active, {} pinned); raise max_displays or end a "
                  "session",
                  settings_.max_displays, static_cast<long>(slots_.size()) - pinned, pinned);
    }
    actions.push_back(remove_action(victim->display));
    slots_.erase(victim);
  }
  DisplayId id = next_display_++;
  while (id == 0 || std::any_of(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.display == id; })) {
    id = next_display_++;
  }
  const std::uint64_t generation = next_generation_++;
  // The render GPU is pinned before the display exists, every time.
  actions.push_back(Action{ActionKind::set_render_gpu, 0, {}, gpu_.gpu_index, Backend::unset});
  actions.push_back(Action{ActionKind::add_display, id, mode, 0, settings_.backend});
  slots_.push_back(Slot{std::string(client), id, mode, settings_.backend, DisplayState::active, 1, generation, {}});
  return Acquired{{id, generation}, mode, kind, std::move(actions)};
}

std::vector<Action> DisplayManager::release(const Lease& lease, ReleaseReason reason, TimePoint now) {
  Slot* slot = find_leased(lease);
  if (slot == nullptr) {
    return {};  // stale: that display was already removed (and maybe recreated)
  }
  if (--slot->refs > 0) {
    return {};
  }
  if (reason == ReleaseReason::quit || settings_.keep_alive.kind == KeepAliveKind::off) {
    const DisplayId id = slot->display;
    std::erase_if(slots_, [&](const Slot& s) { return s.display == id; });
    return {remove_action(id)};
  }
  if (settings_.keep_alive.kind == KeepAliveKind::forever) {
    slot->state = DisplayState::pinned;
  } else {
    slot->state = DisplayState::lingering;
    slot->linger_until = now + settings_.keep_alive.duration;
  }
  return {};
}

std::vector<Action> DisplayManager::expire(TimePoint now) {
  std::vector<Action> actions;
  std::erase_if(slots_, [&](const Slot& s) {
    if (s.state == DisplayState::lingering && s.linger_until <= now) {
      actions.push_back(remove_action(s.display));
      return true;
    }
    return false;
  });
  return actions;
}

std::vector<Action> DisplayManager::release_kept(std::optional<std::string_view> client) {
  std::vector<Action> actions;
  std::erase_if(slots_, [&](const Slot& s) {
    if ((s.state == DisplayState::lingering || s.state == DisplayState::pinned) && (!client || s.client == *client)) {
      actions.push_back(remove_action(s.display));
      return true;
    }
    return false;
  });
  return actions;
}

Result<std::vector<Action>> DisplayManager::change_mode(const Lease& lease, const Mode& mode) {
  if (!valid(mode)) {
    return fail(Errc::invalid_argument, "display mode {} is not supported", to_string(mode));
  }
  Slot* slot = find_leased(lease);
  if (slot == nullptr) {
    return fail(Errc::not_found, "display {} (generation {}) is not active", lease.display, lease.generation);
  }
  std::vector<Action> actions;
  const std::string client = slot->client;
  const DisplayId id = slot->display;
  const auto clash = std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) {
    return s.client == client && s.mode == mode && s.display != id;
  });
  if (clash != slots_.end()) {
    if (clash->state == DisplayState::active) {
      return fail(Errc::refused, "client already has active display {} at {}", clash->display,
                  to_string(mode));
    }
    actions.push_back(remove_action(clash->display));  // a kept display at that mode is never reused
    slots_.erase(clash);
  }
  slot = find_leased(lease);  // the erase may have moved it
  slot->mode = mode;
  actions.push_back(Action{ActionKind::update_mode, id, mode, 0, Backend::unset});
  return actions;
}

std::vector<Action> DisplayManager::recreate_all() {
  std::erase_if(slots_, [](const Slot& s) { return s.state != DisplayState::active; });
  std::vector<Action> actions;
  if (!slots_.empty()) {
    actions.push_back(Action{ActionKind::set_render_gpu, 0, {}, gpu_.gpu_index, Backend::unset});
  }
  for (const Slot& s : slots_) {
    actions.push_back(Action{ActionKind::add_display, s.display, s.mode, 0, s.backend});
  }
  return actions;
}

std::vector<SlotView> DisplayManager::snapshot() const {
  std::vector<SlotView> out;
  for (const Slot& s : slots_) {
    out.push_back(SlotView{s.client, s.display, s.mode, s.state, s.refs, s.generation,
                           s.state == DisplayState::lingering ? std::optional<TimePoint>(s.linger_until)
                                                              : std::nullopt});
  }
  return out;
}

std::optional<TimePoint> DisplayManager::next_deadline() const {
  std::optional<TimePoint> next;
  for (const Slot& s : slots_) {
    if (s.state == DisplayState::lingering && (!next || s.linger_until < *next)) {
      next = s.linger_until;
    }
  }
  return next;
}

}  // namespace pf::vdisplay
