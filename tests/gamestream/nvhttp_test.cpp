// nvhttp's XML answers as a Moonlight client reads them.
#include <gtest/gtest.h>

#include "pf/core/text.hpp"
#include "pf/gamestream/nvhttp.hpp"

namespace pf::gamestream {
namespace {

TEST(Nvhttp, ServerInfoSaysWhatTheHostIsAndPairedOnlyWhenItIs) {
  ServerInfo info;
  info.hostname = "den";
  info.unique_id = "8C3F1A2B";
  info.local_ip = "192.168.1.20";
  info.codec_modes = kScmH264 | kScmHevc;
  info.hevc = true;
  const std::string unpaired = render(serverinfo_reply(info));
  EXPECT_EQ(unpaired.rfind("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<root status_code=\"200\">", 0), 0U)
      << unpaired;
  for (const char* expect : {"<hostname>den</hostname>", "<appversion>7.1.431.-1</appversion>",
                             "<GfeVersion>3.23.0.74</GfeVersion>", "<uniqueid>8C3F1A2B</uniqueid>",
                             "<HttpsPort>47984</HttpsPort>", "<ExternalPort>47989</ExternalPort>",
                             "<MaxLumaPixelsHEVC>1869449984</MaxLumaPixelsHEVC>", "<mac>00:00:00:00:00:00</mac>",
                             "<LocalIP>192.168.1.20</LocalIP>", "<ServerCodecModeSupport>257</ServerCodecModeSupport>",
                             "<PairStatus>0</PairStatus>", "<currentgame>0</currentgame>",
                             "<state>SUNSHINE_SERVER_FREE</state>"}) {
    EXPECT_NE(unpaired.find(expect), std::string::npos) << expect << "\n" << unpaired;
  }
  info.paired = true;
  info.busy = true;
  info.current_game = 2;
  info.hevc = false;
  const std::string paired = render(serverinfo_reply(info));
  EXPECT_NE(paired.find("<PairStatus>1</PairStatus>"), std::string::npos);
  EXPECT_NE(paired.find("<currentgame>2</currentgame>"), std::string::npos);
  EXPECT_NE(paired.find("SERVER_BUSY"), std::string::npos) << "clients look for this substring";
  EXPECT_NE(paired.find("<MaxLumaPixelsHEVC>0</MaxLumaPixelsHEVC>"), std::string::npos);
}

TEST(Nvhttp, RefusalsAreInTheStatusCodeAndTextIsEscaped) {
  const std::string refused = render(XmlReply{401, "The client is not authorized", {}, {}});
  EXPECT_NE(refused.find("<root status_code=\"401\" status_message=\"The client is not authorized\"></root>"),
            std::string::npos)
      << refused;
  ServerInfo info;
  info.hostname = "<b>&\"it's\"";
  const std::string escaped = render(serverinfo_reply(info));
  EXPECT_NE(escaped.find("<hostname>&lt;b&gt;&amp;&quot;it&apos;s&quot;</hostname>"), std::string::npos) << escaped;
  EXPECT_EQ(xml_escape(std::string("a\x01\tb\n", 5)), "a\tb\n");
}

TEST(Nvhttp, TheAppListHasEachAppOnceWithItsTitleEscaped) {
  const std::string list = render(applist_reply({{1, "Desktop", false}, {7, "Tom & Jerry <HDR>", true}}));
  EXPECT_NE(list.find("<App><IsHdrSupported>0</IsHdrSupported><AppTitle>Desktop</AppTitle><ID>1</ID></App>"),
            std::string::npos)
      << list;
  EXPECT_NE(list.find("<App><IsHdrSupported>1</IsHdrSupported><AppTitle>Tom &amp; Jerry &lt;HDR&gt;</AppTitle>"
                      "<ID>7</ID></App>"),
            std::string::npos)
      << list;
}

TEST(Nvhttp, QueriesAsClientsSendThemParse) {
  const auto q = parse_query("uniqueid=0123456789ABCDEF&uuid=6f6d0a1b&devicename=roth&updateState=1"
                             "&phrase=getservercert&salt=00112233&clientcert=2d2d2d2d");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->at("phrase"), "getservercert");
  EXPECT_EQ(q->at("devicename"), "roth");
  EXPECT_FALSE(parse_query("appid=1&appid=2")) << "a repeated name is refused";
  EXPECT_FALSE(parse_query("rikey=%G1"));
}

}  // namespace
}  // namespace pf::gamestream
