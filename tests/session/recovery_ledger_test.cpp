#include "pf/session/recovery_ledger.hpp"

#include <gtest/gtest.h>

namespace pf::session {
namespace {

TEST(RecoveryLedger, AReportInsideASentRecoveryIsCovered) {
  RecoveryLedger ledger;
  EXPECT_FALSE(ledger.covers(100, 100));
  ledger.recovery_sent(100, 106);  // frames 100..105 forgotten; 106 references only < 100
  EXPECT_TRUE(ledger.covers(100, 100));
  EXPECT_TRUE(ledger.covers(103, 105));  // lost while the client waited for 106
  EXPECT_FALSE(ledger.covers(106, 106));  // the recovery point itself lost: answer it
  EXPECT_FALSE(ledger.covers(104, 107));  // reaches past it
  EXPECT_FALSE(ledger.covers(99, 100));   // starts before it
}

TEST(RecoveryLedger, EverythingBeforeAKeyframeIsCovered) {
  RecoveryLedger ledger;
  ledger.keyframe_sent(0);
  EXPECT_FALSE(ledger.covers(0, 0));
  ledger.keyframe_sent(500);
  EXPECT_TRUE(ledger.covers(10, 499));
  EXPECT_FALSE(ledger.covers(499, 500));
  EXPECT_FALSE(ledger.covers(501, 501));
}

TEST(RecoveryLedger, IndicesWrap) {
  RecoveryLedger ledger;
  ledger.recovery_sent(0xFFFF'FFFEU, 3);
  EXPECT_TRUE(ledger.covers(0xFFFF'FFFFU, 2));
  EXPECT_FALSE(ledger.covers(3, 3));
  ledger.keyframe_sent(2);
  EXPECT_TRUE(ledger.covers(0xFFFF'FFF0U, 1));
}

TEST(RecoveryLedger, RemembersTheLastEightRecoveries) {
  RecoveryLedger ledger;
  for (std::uint32_t i = 0; i < 9; ++i) {
    ledger.recovery_sent(i * 10, i * 10 + 5);
  }
  EXPECT_FALSE(ledger.covers(1, 2));  // the first, pushed out
  EXPECT_TRUE(ledger.covers(11, 12));
  EXPECT_TRUE(ledger.covers(81, 84));
}

}  // namespace
}  // namespace pf::session
