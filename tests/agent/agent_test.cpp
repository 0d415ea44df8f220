// pf-vdisplay's control loop, in-process: hostile input on the channel.
#include "pf/agent/agent.hpp"

#include <array>
#include <atomic>
#include <fcntl.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

namespace pf::agent {
namespace {

using namespace std::chrono_literals;

TEST(Agent, GarbageOnTheChannelIsSkippedAndServiceContinues) {
  auto [host, agent_end] = agentlink::Channel::pair().value();
  std::atomic<int> rc{-1};
  std::jthread agent_thread([&rc, ch = std::move(agent_end)]() mutable {
    Agent agent(std::move(ch), AgentOptions{});
    rc = agent.run();
  });
  // Destroyed before the thread on every path: closing our end ends run().
  struct CloseOnExit {
    agentlink::Channel& channel;
    ~CloseOnExit() { [[maybe_unused]] UniqueFd closing = channel.release(); }
  } close_on_exit{host};
  const std::uint8_t garbage[] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3};
  ASSERT_TRUE(host.send(garbage));
  const std::uint8_t empty[1] = {0};
  ASSERT_TRUE(host.send(pf::Bytes(empty, 0)));
  std::array<std::uint8_t, agentlink::kMaxDatagramBytes> buf{};
  ASSERT_TRUE(host.send(*agentlink::encode(agentlink::Ping{}, 9, buf)));
  auto reply = host.receive(5s);
  ASSERT_TRUE(reply) << reply.error().message;
  const auto decoded = agentlink::decode(reply->bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->request_id, 9U);  // no reply was sent for the garbage
  { [[maybe_unused]] UniqueFd closing = host.release(); }
  agent_thread.join();
  EXPECT_EQ(rc.load(), 0);
}

TEST(Agent, DescriptorsOfAFailedRequestAreClosed) {
  auto [host, agent_end] = agentlink::Channel::pair().value();
  Agent agent(std::move(agent_end), AgentOptions{});
  std::vector<UniqueFd> fds;
  fds.emplace_back(::dup(0));
  fds.emplace_back(::dup(0));
  const int first = fds[0].get();
  const auto r = agent.handle(agentlink::SetFrameChannel{77, 1, 6}, fds);
  EXPECT_EQ(r.status, agentlink::ReplyStatus::no_such_display);
  EXPECT_TRUE(fds.empty());
  EXPECT_EQ(::fcntl(first, F_GETFD), -1) << "descriptor leaked";
}

TEST(Agent, DisplayLimitAndBadModesAreRefused) {
  auto [host, agent_end] = agentlink::Channel::pair().value();
  Agent agent(std::move(agent_end), AgentOptions{10s, 2});
  std::vector<UniqueFd> none;
  EXPECT_EQ(agent.handle(agentlink::AddDisplay{1, 0, 64, 60'000}, none).status,
            agentlink::ReplyStatus::bad_request);
  EXPECT_EQ(agent.handle(agentlink::AddDisplay{1, 64, 64, 60'000}, none).status, agentlink::ReplyStatus::ok);
  EXPECT_EQ(agent.handle(agentlink::AddDisplay{2, 64, 64, 60'000}, none).status, agentlink::ReplyStatus::ok);
  const auto r = agent.handle(agentlink::AddDisplay{3, 64, 64, 60'000}, none);
  EXPECT_EQ(r.status, agentlink::ReplyStatus::limit_reached);
  EXPECT_EQ(agent.display_count(), 2U);
  EXPECT_EQ(agent.handle(agentlink::ClearAll{}, none).status, agentlink::ReplyStatus::ok);
  EXPECT_EQ(agent.display_count(), 0U);
}

}  // namespace
}  // namespace pf::agent
