#include "pf/framering/ring.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "pf/framering/slot_lock.hpp"

namespace pf::framering {
namespace {

constexpr int kRequiredSeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

enum class Populate : std::uint8_t { no, yes };

// The creator populates: the pages are allocated and zeroed once, up front,
// not by page faults in the middle of the first frames.
Result<Mapping> map_shared(int fd, std::size_t bytes, Populate populate) {
  const int flags = MAP_SHARED | (populate == Populate::yes ? MAP_POPULATE : 0);
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, fd, 0);
  if (p == MAP_FAILED) {
    return fail_errno(errno, "mapping a frame ring");
  }
  return Mapping(p, bytes);
}

}  // namespace

Mapping::Mapping(Mapping&& o) noexcept
    : address_(std::exchange(o.address_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}

Mapping& Mapping::operator=(Mapping&& o) noexcept {
  if (this != &o) {
    if (address_ != nullptr) {
      ::munmap(address_, bytes_);
    }
    address_ = std::exchange(o.address_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

Mapping::~Mapping() {
  if (address_ != nullptr) {
    ::munmap(address_, bytes_);
  }
}

Result<RingMemory> RingMemory::create(const RingSpec& spec) {
  const Layout layout = compute_layout(spec.width, spec.height, spec.format, spec.ring_length);
  if (layout.total_bytes == 0) {
    return fail(Errc::invalid_argument, "unsupported ring geometry {}x{} format {} length {}",
                spec.width, spec.height, static_cast<std::uint32_t>(spec.format), spec.ring_length);
  }
  if (spec.generation == 0 || spec.generation > kGenerationMask) {
    return fail(Errc::invalid_argument, "ring generation {} is not in 1..2^24-1", spec.generation);
  }
  UniqueFd fd(::memfd_create("punktfunk-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) {
    return fail_errno(errno, "memfd_create");
  }
  if (::ftruncate(fd.get(), static_cast<off_t>(layout.total_bytes)) != 0) {
    return fail_errno(errno, "sizing a frame ring");
  }
  if (::fcntl(fd.get(), F_ADD_SEALS, kRequiredSeals) != 0) {
    return fail_errno(errno, "sealing a frame ring");
  }
  auto map = map_shared(fd.get(), layout.total_bytes, Populate::yes);
  if (!map) {
    return tl::unexpected(map.error());
  }
  // The memfd arrives zero-filled: latest, status and telemetry start at 0.
  auto& h = *reinterpret_cast<RingHeader*>(map->data());
  h.version = kVersion;
  h.min_version = kMinVersion;
  h.header_bytes = sizeof(RingHeader);
  h.generation = spec.generation;
  h.ring_length = spec.ring_length;
  h.width = spec.width;
  h.height = spec.height;
  h.pixel_format = static_cast<std::uint32_t>(spec.format);
  h.pitch_bytes = layout.pitch_bytes;
  h.display_id = spec.display_id;
  h.slot_header_bytes = sizeof(SlotHeader);
  h.pixels_offset = layout.pixels_offset;
  h.slot_stride_bytes = layout.slot_stride_bytes;
  auto* slots = reinterpret_cast<SlotHeader*>(map->data() + kSlotTableOffset);
  for (std::uint32_t i = 0; i < spec.ring_length; ++i) {
    if (auto st = init_slot_mutex(slots[i].mutex_storage); !st) {
      return tl::unexpected(st.error());
    }
  }
  std::atomic_ref<std::uint32_t>(h.magic).store(kMagic, std::memory_order_release);  // last
  return RingMemory(std::move(fd), std::move(*map), spec.generation);
}

Result<RingMemory> RingMemory::attach(UniqueFd memfd, const AttachExpectation& expected) {
  struct stat st {};
  if (::fstat(memfd.get(), &st) != 0) {
    return fail_errno(errno, "stat of a received frame ring");
  }
  const int seals = ::fcntl(memfd.get(), F_GET_SEALS);
  if (seals < 0 || (seals & kRequiredSeals) != kRequiredSeals) {
    return fail(Errc::permission_denied, "received frame ring is not sealed against resizing");
  }
  const auto bytes = static_cast<std::uint64_t>(st.st_size);
  if (bytes < sizeof(RingHeader)) {
    return fail(Errc::malformed, "received frame ring is only {} bytes", bytes);
  }
  auto map = map_shared(memfd.get(), bytes, Populate::no);
  if (!map) {
    return tl::unexpected(map.error());
  }
  auto& live = *reinterpret_cast<RingHeader*>(map->data());
  RingHeader snapshot{};
  snapshot.magic = std::atomic_ref<std::uint32_t>(live.magic).load(std::memory_order_acquire);
  if (snapshot.magic == kMagic) {
    std::memcpy(&snapshot, &live, offsetof(RingHeader, latest));  // the immutable first line
  }
  AttachExpectation with_size = expected;
  with_size.mapping_bytes = bytes;
  const AttachVerdict verdict = check_attach(snapshot, with_size);
  if (verdict != AttachVerdict::ok) {
    return fail(Errc::malformed, "cannot attach to frame ring: {}", to_string(verdict));
  }
  return RingMemory(std::move(memfd), std::move(*map), snapshot.generation);
}

Result<UniqueFd> make_wake_fd() {
  UniqueFd fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!fd) {
    return fail_errno(errno, "eventfd");
  }
  return fd;
}

std::uint64_t frame_checksum(const std::uint8_t* pixels, std::uint32_t pitch_bytes,
                             std::uint32_t row_bytes, std::uint32_t height) noexcept {
  // Four independent multiply-xor lanes over 8-byte words, folded at the end.
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  std::uint64_t lane[4] = {0x243F6A8885A308D3ULL, 0x13198A2E03707344ULL, 0xA4093822299F31D0ULL,
                           0x082EFA98EC4E6C89ULL};
  for (std::uint32_t y = 0; y < height; ++y) {
    const std::uint8_t* row = pixels + std::size_t{pitch_bytes} * y;
    std::size_t x = 0;
    for (; x + 32 <= row_bytes; x += 32) {
      for (int l = 0; l < 4; ++l) {
        std::uint64_t w;
        std::memcpy(&w, row + x + 8 * static_cast<std::size_t>(l), 8);
        lane[l] = (lane[l] ^ w) * kMul;
        lane[l] ^= lane[l] >> 31;
      }
    }
    for (; x < row_bytes; ++x) {
      lane[0] = (lane[0] ^ row[x]) * kMul;
    }
    lane[1] = (lane[1] ^ y) * kMul;
  }
  std::uint64_t h = lane[0] ^ (lane[1] * 3) ^ (lane[2] * 5) ^ (lane[3] * 7);
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  return h == 0 ? 1 : h;  // 0 means "not computed"
}

}  // namespace pf::framering
