#include "pf/crypto/replay.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace pf::crypto {

ReplayWindow::ReplayWindow(std::size_t size)
    : size_(std::bit_ceil(std::max<std::size_t>(size, 64))), bits_(size_ / 64, 0) {}

bool ReplayWindow::test(std::uint64_t sequence) const noexcept {
  const std::uint64_t bit = sequence & (size_ - 1);
  return ((bits_[bit / 64] >> (bit % 64)) & 1U) != 0;
}

ReplayWindow::Verdict ReplayWindow::check(std::uint64_t sequence) const noexcept {
  if (empty_ || sequence > top_) {
    return Verdict::fresh;
  }
  if (top_ - sequence >= size_) {
    return Verdict::too_old;
  }
  return test(sequence) ? Verdict::replayed : Verdict::fresh;
}

void ReplayWindow::clear(std::uint64_t from, std::uint64_t count) noexcept {
  if (count >= size_) {
    std::fill(bits_.begin(), bits_.end(), 0);
    return;
  }
  const std::uint64_t mask = size_ - 1;
  for (; count > 0 && (from % 64) != 0; ++from, --count) {
    bits_[(from & mask) / 64] &= ~(std::uint64_t{1} << (from % 64));
  }
  for (; count >= 64; from += 64, count -= 64) {
    bits_[(from & mask) / 64] = 0;
  }
  for (; count > 0; ++from, --count) {
    bits_[(from & mask) / 64] &= ~(std::uint64_t{1} << (from % 64));
  }
}

void ReplayWindow::accept(std::uint64_t sequence) noexcept {
  if (empty_) {
    std::fill(bits_.begin(), bits_.end(), 0);
    empty_ = false;
    top_ = sequence;
  } else if (sequence > top_) {
    // The slots of top_+1 .. sequence held numbers a window older: forget them.
    clear(top_ + 1, sequence - top_);
    top_ = sequence;
  } else if (top_ - sequence >= size_) {
    return;  // too old; check() said so
  }
  const std::uint64_t bit = sequence & (size_ - 1);
  bits_[bit / 64] |= std::uint64_t{1} << (bit % 64);
}

}  // namespace pf::crypto
