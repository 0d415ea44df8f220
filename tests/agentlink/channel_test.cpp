#include "pf/agentlink/channel.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "pf/agentlink/protocol.hpp"

namespace pf::agentlink {
namespace {

using namespace std::chrono_literals;

int open_fd_count() {
  int n = 0;
  for (int fd = 0; fd < 4096; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1) {
      ++n;
    }
  }
  return n;
}

TEST(Channel, CarriesDatagramsAndDescriptors) {
  auto [a, b] = Channel::pair().value();
  const UniqueFd ev(::eventfd(5, EFD_CLOEXEC));
  const std::uint8_t hi[] = {1, 2, 3};
  ASSERT_TRUE(a.send(hi, std::array<int, 1>{ev.get()}));
  auto got = b.receive(1s);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->bytes, (std::vector<std::uint8_t>{1, 2, 3}));
  ASSERT_EQ(got->fds.size(), 1U);
  EXPECT_NE(got->fds[0].get(), ev.get());  // the receiver's own copy
  std::uint64_t v = 0;
  ASSERT_EQ(::read(got->fds[0].get(), &v, sizeof(v)), static_cast<ssize_t>(sizeof(v)));
  EXPECT_EQ(v, 5U);
  EXPECT_NE(::fcntl(got->fds[0].get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST(Channel, TimeoutAndPeerGoneAreDistinct) {
  auto [a, b] = Channel::pair().value();
  auto none = b.receive(1ms);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::timeout);
  { [[maybe_unused]] UniqueFd gone = a.release(); }
  auto closed = b.receive(1s);
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code, Errc::closed);
  const std::uint8_t x[] = {1};
  auto send = b.send(x);
  ASSERT_FALSE(send);
  EXPECT_EQ(send.error().code, Errc::closed);
}

TEST(Channel, ReceivedDescriptorsAreClosedWhetherAdoptedOrNot) {
  auto [a, b] = Channel::pair().value();
  const UniqueFd ev(::eventfd(0, EFD_CLOEXEC));
  const int before = open_fd_count();
  for (int i = 0; i < 200; ++i) {
    const std::uint8_t x[] = {static_cast<std::uint8_t>(i)};
    ASSERT_TRUE(a.send(x, std::array<int, 2>{ev.get(), ev.get()}));
    auto got = b.receive(1s);
    ASSERT_TRUE(got);
    ASSERT_EQ(got->fds.size(), 2U);
  }  // dropped here: not adopted
  EXPECT_EQ(open_fd_count(), before);
}

TEST(Channel, TooManyDescriptorsIsRefusedBeforeSending) {
  auto [a, b] = Channel::pair().value();
  const std::uint8_t x[] = {1};
  const int fds[kMaxFdsPerMessage + 1] = {0, 0, 0, 0, 0};
  EXPECT_FALSE(a.send(x, fds));
}

}  // namespace
}  // namespace pf::agentlink
