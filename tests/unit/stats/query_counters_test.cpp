// The fixed label tables and the per-thread counters' sums.
#include "horizon/stats/query_counters.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "horizon/stats/view_labels.hpp"

namespace horizon::stats {
namespace {

TEST(QueryCounters, RareTypesAndRcodesFoldIntoOther) {
  EXPECT_STREQ(typeLabel(typeIndex(1)), "A");
  EXPECT_STREQ(typeLabel(typeIndex(28)), "AAAA");
  EXPECT_STREQ(typeLabel(typeIndex(65)), "HTTPS");
  EXPECT_STREQ(typeLabel(typeIndex(99)), "other");  // SPF
  EXPECT_STREQ(typeLabel(typeIndex(65535)), "other");
  EXPECT_STREQ(rcodeLabel(rcodeIndex(0)), "NOERROR");
  EXPECT_STREQ(rcodeLabel(rcodeIndex(3)), "NXDOMAIN");
  EXPECT_STREQ(rcodeLabel(rcodeIndex(5)), "REFUSED");
  EXPECT_STREQ(rcodeLabel(rcodeIndex(16)), "BADVERS");
  EXPECT_STREQ(rcodeLabel(rcodeIndex(9)), "other");  // NOTAUTH
}

TEST(QueryCounters, ThreadsCountApartAndTheScrapeSumsThem) {
  auto a = std::make_unique<QueryCounters>();
  auto b = std::make_unique<QueryCounters>();
  const std::uint16_t lan = viewLabelId("counters-test-lan");
  std::thread one([&] {
    for (int i = 0; i < 1000; ++i) {
      a->request({lan, Transport::kUdp, false, 1});
      a->response({lan, Source::kAuthoritative, Transport::kUdp, 0, false, 100, 30'000});
    }
  });
  std::thread two([&] {
    for (int i = 0; i < 500; ++i) {
      b->request({lan, Transport::kTcp, true, 28});
      b->response({lan, Source::kCache, Transport::kTcp, 3, true, 3000, 2'000'000});
    }
  });
  one.join();
  two.join();
  auto totals = std::make_unique<QueryTotals>();
  totals->add(*a);
  totals->add(*b);
  EXPECT_EQ(totals->requests[lan][0][0][typeIndex(1)], 1000u);
  EXPECT_EQ(totals->requests[lan][1][1][typeIndex(28)], 500u);
  EXPECT_EQ(totals->responses[lan][0][0], 1000u);
  EXPECT_EQ(totals->responses[lan][static_cast<int>(Source::kCache)][3], 500u);
  EXPECT_EQ(totals->truncated[lan], 500u);
  // 30 us falls in the first duration bucket (<= 50 us), 2 ms in the 2.5 ms one.
  EXPECT_EQ(totals->duration[lan][0].buckets[0], 1000u);
  EXPECT_EQ(totals->duration[lan][static_cast<int>(Source::kCache)].buckets[5], 500u);
  EXPECT_EQ(totals->duration[lan][0].sum, 1000u * 30'000u);
  // 100 bytes: the 128 bucket; 3000 bytes: the 4096 one.
  EXPECT_EQ(totals->size[0].buckets[1], 1000u);
  EXPECT_EQ(totals->size[1].buckets[7], 500u);
  EXPECT_EQ(totals->size[1].sum, 500u * 3000u);
}

TEST(QueryCounters, ValuesAboveTheLastBoundGoToInf) {
  SizeHistogram h;
  h.observe(70000, kSizeBounds);
  EXPECT_EQ(h.bucket(kSizeBounds.size()), 1u);
}

TEST(ViewLabels, SameNameSameId) {
  const std::uint16_t first = viewLabelId("labels-test-a");
  EXPECT_EQ(viewLabelId("labels-test-a"), first);
  EXPECT_EQ(viewLabelName(first), "labels-test-a");
  EXPECT_NE(first, kNoView);
  EXPECT_EQ(viewLabelName(kNoView), "none");
}

// Filling the process-wide table would change what later tests in this process see, so it is
// filled in a child process (gtest's death-test fork) that reports through its exit status.
TEST(ViewLabels, TheTableIsBounded) {
  EXPECT_EXIT(
      {
        const std::uint16_t first = viewLabelId("labels-test-a");
        bool ok = true;
        for (int i = 0; i < 100; ++i)
          ok = ok && viewLabelId("labels-test-many-" + std::to_string(i)) < kMaxViews;
        ok = ok && viewLabelId("labels-test-one-more") == kOtherView;
        ok = ok && viewLabelName(kOtherView) == "other";
        ok = ok && viewLabelId("labels-test-a") == first;  // earlier names keep theirs
        ok = ok && viewLabelCount() == kOtherView;
        std::exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace horizon::stats
