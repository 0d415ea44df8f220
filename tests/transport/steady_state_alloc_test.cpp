// The data plane's hot path allocates nothing once warm: every frame after
// the first few is packetized, coded, sealed, opened, rebuilt and
// reassembled in memory reused from earlier frames. Counts C++ and OpenSSL
// heap allocations on this thread while it runs.
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <cstdlib>
#include <new>
#include <random>

#include "transport/transport_harness.hpp"

// The replacements below pair malloc with free themselves; GCC cannot see
// that through inlining and warns at every delete site.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {

thread_local bool g_counting = false;
thread_local std::size_t g_allocations = 0;

void* counted_malloc(std::size_t n) {
  if (g_counting) {
    ++g_allocations;
  }
  return std::malloc(n == 0 ? 1 : n);
}

void* openssl_malloc(std::size_t n, const char*, int) { return counted_malloc(n); }
void* openssl_realloc(void* p, std::size_t n, const char*, int) {
  if (g_counting) {
    ++g_allocations;
  }
  return std::realloc(p, n);
}
void openssl_free(void* p, const char*, int) { std::free(p); }

// Before main, so before OpenSSL has allocated anything.
const bool g_openssl_counted = CRYPTO_set_mem_functions(openssl_malloc, openssl_realloc, openssl_free) == 1;

}  // namespace

// ThreadSanitizer's runtime defines the global operator new itself (not
// weakly); under it only OpenSSL's allocations are counted.
#if defined(__SANITIZE_THREAD__)
#define PF_COUNT_CXX_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PF_COUNT_CXX_ALLOCATIONS 0
#endif
#endif
#ifndef PF_COUNT_CXX_ALLOCATIONS
#define PF_COUNT_CXX_ALLOCATIONS 1
#endif

#if PF_COUNT_CXX_ALLOCATIONS
void* operator new(std::size_t n) {
  if (void* p = counted_malloc(n)) {
    return p;
  }
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace pf::transport {
namespace {

using testing::Loopback;
using testing::pattern;

// Checks frames in place; recording them would allocate.
struct CheckingSink final : FrameSink {
  const std::vector<std::uint8_t>* expected = nullptr;
  std::size_t exact = 0;
  std::size_t lost = 0;
  void on_frame(const ReceivedFrame& f) override {
    exact += std::equal(f.data.begin(), f.data.end(), expected->begin(), expected->end()) ? 1U : 0U;
  }
  void on_lost(std::uint32_t, std::uint32_t count) override { lost += count; }
};

class SteadyState : public ::testing::TestWithParam<fec::Scheme> {};

TEST_P(SteadyState, NoAllocationPerFrameOrPacketOnceWarm) {
  EXPECT_TRUE(g_openssl_counted) << "OpenSSL allocated before the counters were installed";
  SenderConfig sc;
  sc.scheme = GetParam();
  auto lb = Loopback::make(sc);
  const auto frame = pattern(1U << 20, 9);
  std::mt19937_64 rng(3);
  CheckingSink sink;
  sink.expected = &frame;
  const auto send = [&](std::uint32_t index) {
    FrameMeta meta;
    meta.frame_index = index;
    auto datagrams = lb.sender.packetize(meta, frame, 20);
    ASSERT_TRUE(datagrams.has_value());
    for (const Bytes& d : *datagrams) {
      if (rng() % 10 != 0) {  // 10 % loss: FEC rebuilds every frame
        lb.receiver.receive(d, lb.now, sink);
      }
    }
  };
  for (std::uint32_t i = 0; i < 4; ++i) {
    send(i);
  }
  g_allocations = 0;
  g_counting = true;
  for (std::uint32_t i = 4; i < 12; ++i) {
    send(i);
  }
  g_counting = false;
  EXPECT_EQ(g_allocations, 0U);
  EXPECT_EQ(sink.exact, 12U);
  EXPECT_EQ(sink.lost, 0U);
  EXPECT_GT(lb.receiver.counters().shards_recovered, 0U);
}

INSTANTIATE_TEST_SUITE_P(Fec, SteadyState, ::testing::Values(fec::Scheme::gf8, fec::Scheme::gf16),
                         [](const auto& p) { return std::string(fec::to_string(p.param)); });

}  // namespace
}  // namespace pf::transport
