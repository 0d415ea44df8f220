// Bounds-checked reading and writing of wire formats.
//
// Peer input is hostile. Every parser reads through SpanReader, which never
// reads past its span: a read that does not fit marks the reader failed,
// returns zero/empty, and every later read also fails ("sticky"). Parse a
// whole message, then check ok() (or finish()) once:
//
//   pf::SpanReader r(datagram);
//   const auto version = r.u8();
//   const auto length = r.u16be();
//   const auto body = r.bytes(length);
//   if (auto st = r.finish("hello"); !st) return tl::unexpected(st.error());
//
// SpanWriter is the mirror image over caller-owned memory: it never writes
// past its span and never allocates, so it is safe on the hot path.
#pragma once

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "pf/core/result.hpp"

namespace pf {

using Bytes = std::span<const std::uint8_t>;
using MutableBytes = std::span<std::uint8_t>;

namespace detail {
template <std::unsigned_integral T>
[[nodiscard]] constexpr T byteswap(T v) noexcept {
  if constexpr (sizeof(T) == 1) {
    return v;
  } else if constexpr (sizeof(T) == 2) {
    return __builtin_bswap16(v);
  } else if constexpr (sizeof(T) == 4) {
    return __builtin_bswap32(v);
  } else {
    static_assert(sizeof(T) == 8);
    return __builtin_bswap64(v);
  }
}

template <std::unsigned_integral T, std::endian Order>
[[nodiscard]] constexpr T to_native(T v) noexcept {
  if constexpr (Order == std::endian::native) {
    return v;
  } else {
    return byteswap(v);
  }
}
}  // namespace detail

class SpanReader {
 public:
  explicit SpanReader(Bytes input) noexcept : input_(input) {}

  [[nodiscard]] std::uint8_t u8() noexcept { return read<std::uint8_t, std::endian::little>(); }
  [[nodiscard]] std::uint16_t u16be() noexcept { return read<std::uint16_t, std::endian::big>(); }
  [[nodiscard]] std::uint32_t u32be() noexcept { return read<std::uint32_t, std::endian::big>(); }
  [[nodiscard]] std::uint64_t u64be() noexcept { return read<std::uint64_t, std::endian::big>(); }
  [[nodiscard]] std::uint16_t u16le() noexcept {
    return read<std::uint16_t, std::endian::little>();
  }
  [[nodiscard]] std::uint32_t u32le() noexcept {
    return read<std::uint32_t, std::endian::little>();
  }
  [[nodiscard]] std::uint64_t u64le() noexcept {
    return read<std::uint64_t, std::endian::little>();
  }

  /// The next `n` bytes (a view into the input), or an empty span on failure.
  [[nodiscard]] Bytes bytes(std::size_t n) noexcept {
    if (!take(n)) {
      return {};
    }
    return input_.subspan(pos_ - n, n);
  }

  /// Copies exactly out.size() bytes; on failure `out` is zero-filled.
  void copy_to(MutableBytes out) noexcept {
    const Bytes src = bytes(out.size());
    if (src.size() == out.size() && !out.empty()) {
      std::memcpy(out.data(), src.data(), out.size());
    } else if (!out.empty()) {
      std::memset(out.data(), 0, out.size());
    }
  }

  /// A byte string with a u16 little-endian length prefix, as a view into
  /// the input (empty on failure).
  [[nodiscard]] std::string_view string16() noexcept {
    const Bytes b = bytes(u16le());
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }
  /// Size-tolerant tails: a field appended in a later version is read when
  /// the input still holds it and is 0 when it does not (the reader does
  /// not fail).
  [[nodiscard]] std::uint8_t u8_or_zero() noexcept { return remaining() >= 1 ? u8() : 0; }
  [[nodiscard]] std::uint16_t u16le_or_zero() noexcept { return remaining() >= 2 ? u16le() : 0; }
  [[nodiscard]] std::uint32_t u32le_or_zero() noexcept { return remaining() >= 4 ? u32le() : 0; }
  [[nodiscard]] std::uint64_t u64le_or_zero() noexcept { return remaining() >= 8 ? u64le() : 0; }
  void skip(std::size_t n) noexcept { static_cast<void>(take(n)); }

  /// Everything not read yet; the reader is then at the end.
  [[nodiscard]] Bytes rest() noexcept { return bytes(remaining()); }

  [[nodiscard]] bool ok() const noexcept { return !failed_; }
  [[nodiscard]] std::size_t consumed() const noexcept { return pos_; }
  [[nodiscard]] std::size_t remaining() const noexcept { return failed_ ? 0 : input_.size() - pos_; }

  /// Errc::truncated naming `what` and where the input ran out, if any read failed.
  [[nodiscard]] Status finish(std::string_view what) const;
  /// As finish(), and additionally Errc::malformed if unread bytes remain.
  [[nodiscard]] Status finish_exact(std::string_view what) const;

 private:
  template <std::unsigned_integral T, std::endian Order>
  [[nodiscard]] T read() noexcept {
    if (!take(sizeof(T))) {
      return 0;
    }
    T v;
    std::memcpy(&v, input_.data() + (pos_ - sizeof(T)), sizeof(T));
    return detail::to_native<T, Order>(v);
  }

  [[nodiscard]] bool take(std::size_t n) noexcept {
    if (failed_ || n > input_.size() - pos_) {
      if (!failed_) {
        failed_ = true;
        short_by_ = n - (input_.size() - pos_);
      }
      return false;
    }
    pos_ += n;
    return true;
  }

  Bytes input_;
  std::size_t pos_ = 0;
  std::size_t short_by_ = 0;
  bool failed_ = false;
};

class SpanWriter {
 public:
  explicit SpanWriter(MutableBytes output) noexcept : out_(output) {}

  void u8(std::uint8_t v) noexcept { write<std::uint8_t, std::endian::little>(v); }
  void u16be(std::uint16_t v) noexcept { write<std::uint16_t, std::endian::big>(v); }
  void u32be(std::uint32_t v) noexcept { write<std::uint32_t, std::endian::big>(v); }
  void u64be(std::uint64_t v) noexcept { write<std::uint64_t, std::endian::big>(v); }
  void u16le(std::uint16_t v) noexcept { write<std::uint16_t, std::endian::little>(v); }
  void u32le(std::uint32_t v) noexcept { write<std::uint32_t, std::endian::little>(v); }
  void u64le(std::uint64_t v) noexcept { write<std::uint64_t, std::endian::little>(v); }

  void bytes(Bytes data) noexcept {
    const MutableBytes dst = reserve(data.size());
    if (!dst.empty()) {
      std::memcpy(dst.data(), data.data(), data.size());
    }
  }
  /// A byte string with a u16 little-endian length prefix; longer than
  /// 65,535 bytes fails the writer.
  void string16(std::string_view s) noexcept {
    if (s.size() > 0xFFFF) {
      failed_ = true;
      return;
    }
    u16le(static_cast<std::uint16_t>(s.size()));
    bytes(Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  }
  void zeros(std::size_t n) noexcept {
    const MutableBytes dst = reserve(n);
    if (!dst.empty()) {
      std::memset(dst.data(), 0, n);
    }
  }

  /// Claims the next `n` bytes to be filled in later (e.g. a length prefix
  /// or a tag computed over what follows). Empty on failure.
  [[nodiscard]] MutableBytes reserve(std::size_t n) noexcept {
    if (failed_ || n > out_.size() - pos_) {
      failed_ = true;
      return {};
    }
    pos_ += n;
    return out_.subspan(pos_ - n, n);
  }

  [[nodiscard]] bool ok() const noexcept { return !failed_; }
  [[nodiscard]] std::size_t size() const noexcept { return pos_; }
  [[nodiscard]] std::size_t remaining() const noexcept { return out_.size() - pos_; }
  /// What has been written so far (also after a failure: the complete prefix).
  [[nodiscard]] MutableBytes written() const noexcept { return out_.first(pos_); }

  /// Errc::overflow naming `what` if any write did not fit.
  [[nodiscard]] Status finish(std::string_view what) const;

 private:
  template <std::unsigned_integral T, std::endian Order>
  void write(T v) noexcept {
    const MutableBytes dst = reserve(sizeof(T));
    if (!dst.empty()) {
      const T wire = detail::to_native<T, Order>(v);  // the swap is its own inverse
      std::memcpy(dst.data(), &wire, sizeof(T));
    }
  }

  MutableBytes out_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace pf
