// Which lost frames a recovery already answered.
//
// A client reports each lost frame it sees. While it waits, frozen, for the
// recovery of its first loss, it may lose more frames and report those
// too; the recovery point the host then sends (it references only frames
// before the first loss) covers them, and so does any keyframe. A report
// that arrives after such a recovery was sent is stale: answering it
// would make the encoder forget frames the client has since decoded and
// fall back on references its decoder may have let go (it then withholds
// pictures until its references are whole again). The ledger remembers
// the last few recoveries and the last keyframe so such reports are
// dropped. Frame indices are u32 and wrap; comparisons are modular.
#pragma once

#include <array>
#include <cstdint>

namespace pf::session {

class RecoveryLedger {
 public:
  /// A recovery point was sent at frame `at`, covering frames [from, at).
  void recovery_sent(std::uint32_t from, std::uint32_t at) noexcept {
    spans_[next_++ % spans_.size()] = {from, at};
  }
  /// A keyframe was sent at frame `at`: everything before it is covered.
  void keyframe_sent(std::uint32_t at) noexcept { keyframe_ = at; has_keyframe_ = true; }

  /// True when a recovery already sent covers every frame in [first, last].
  [[nodiscard]] bool covers(std::uint32_t first, std::uint32_t last) const noexcept {
    if (has_keyframe_ && static_cast<std::int32_t>(keyframe_ - last) > 0) {
      return true;
    }
    for (const Span& s : spans_) {
      if (s.end != s.from && within(first, s) && within(last, s)) {
        return true;
      }
    }
    return false;
  }

 private:
  struct Span {
    std::uint32_t from = 0;
    std::uint32_t end = 0;  // exclusive
  };
  static bool within(std::uint32_t x, const Span& s) noexcept { return x - s.from < s.end - s.from; }

  std::array<Span, 8> spans_{};
  std::uint32_t next_ = 0;
  std::uint32_t keyframe_ = 0;
  bool has_keyframe_ = false;
};

}  // namespace pf::session
