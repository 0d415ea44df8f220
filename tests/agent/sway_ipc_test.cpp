#include "pf/agent/sway_ipc.hpp"

#include <cstring>

#include <gtest/gtest.h>

namespace pf::agent {
namespace {

TEST(SwayIpc, RequestsCarryMagicLengthAndType) {
  const auto bytes = encode_ipc(IpcType::run_command, "output HEADLESS-1 mode --custom 1280x720@60.000Hz");
  ASSERT_EQ(bytes.size(), kIpcHeaderBytes + 49);
  EXPECT_EQ(std::memcmp(bytes.data(), "i3-ipc", 6), 0);
  const auto h = decode_ipc_header(Bytes(bytes.data(), kIpcHeaderBytes));
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->payload_bytes, 49U);
  EXPECT_EQ(h->type, 0U);
}

TEST(SwayIpc, BadHeadersAreRefused) {
  auto bytes = encode_ipc(IpcType::get_outputs, "");
  EXPECT_EQ(decode_ipc_header(Bytes(bytes.data(), 5)).error().code, Errc::truncated);
  bytes[0] = 'x';
  EXPECT_EQ(decode_ipc_header(Bytes(bytes.data(), bytes.size())).error().code, Errc::malformed);
  bytes = encode_ipc(IpcType::get_outputs, "");
  const std::uint32_t huge = kMaxIpcPayload + 1;
  std::memcpy(bytes.data() + 6, &huge, 4);
  EXPECT_EQ(decode_ipc_header(Bytes(bytes.data(), bytes.size())).error().code, Errc::overflow);
}

TEST(SwayIpc, CommandRepliesSayWhatFailed) {
  EXPECT_TRUE(check_command_reply(R"([{"success": true}, {"success": true}])"));
  const auto refused = check_command_reply(R"([{"success": true}, {"success": false, "error": "Invalid output"}])");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::refused);
  EXPECT_EQ(refused.error().message, "sway refused the command: Invalid output");
  EXPECT_FALSE(check_command_reply("[]"));
  EXPECT_FALSE(check_command_reply(R"([{"ok": true}])"));
  EXPECT_FALSE(check_command_reply("not json"));
}

TEST(SwayIpc, OutputNamesComeInSwaysOrder) {
  const auto names = output_names(R"([{"name": "HEADLESS-1", "active": true}, {"name": "HEADLESS-2"}])");
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, (std::vector<std::string>{"HEADLESS-1", "HEADLESS-2"}));
  EXPECT_FALSE(output_names(R"([{"id": 3}])"));
  EXPECT_FALSE(output_names("{}"));
}

}  // namespace
}  // namespace pf::agent
