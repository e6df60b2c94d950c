// Response rate limiting (server/net/response_limiter.hpp): the token bucket per client network
// and kind, slip, the keys answers share or not, the bound on the table, and the truncated form
// of a slipped answer.
#include "net/response_limiter.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "horizon/wire/constants.hpp"

namespace horizon::net {
namespace {

using Bytes = std::vector<std::uint8_t>;

ip::ClientAddress address(const std::string& text) {
  return *ip::ClientAddress::fromString(text);
}

// An answer to `name` ("www.example.test") of `qtype` with `rcode`; with one A record in the
// answer section when `records`, and an OPT record last when `edns`.
Bytes response(const std::string& name, std::uint16_t qtype, std::uint8_t rcode = 0,
               bool records = false, bool edns = false) {
  Bytes out = {0x12, 0x34, 0x84, rcode,
               0,    1,    0,    static_cast<std::uint8_t>(records ? 1 : 0),
               0,    0,    0,    static_cast<std::uint8_t>(edns ? 1 : 0)};
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    out.push_back(static_cast<std::uint8_t>(dot - start));
    out.insert(out.end(), name.begin() + static_cast<long>(start),
               name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  out.insert(out.end(), {static_cast<std::uint8_t>(qtype >> 8),
                         static_cast<std::uint8_t>(qtype & 0xFF), 0, 1});
  if (records)  // a pointer to the question name, A IN, TTL 300, 192.0.2.1
    out.insert(out.end(), {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 192, 0, 2, 1});
  if (edns)  // root name, OPT, 1232, no extended rcode, DO clear, no options
    out.insert(out.end(), {0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0});
  return out;
}

zone::RateLimitSettings limits(std::uint32_t answers, std::uint32_t errors, std::uint32_t slip) {
  zone::RateLimitSettings s = zone::kDefaultRateLimit;
  s.responses_per_second = answers;
  s.errors_per_second = errors;
  s.slip = slip;
  return s;
}

struct Tally {
  int sent = 0, slipped = 0, dropped = 0;
};

Tally burst(ResponseLimiter& limiter, const ip::ClientAddress& client,
            const zone::RateLimitSettings& settings, const Bytes& answer, int count,
            std::uint32_t now_ms, std::uint64_t scope = 7) {
  Tally t;
  for (int i = 0; i < count; ++i) {
    switch (limiter.decide(client, settings, scope, answer, now_ms)) {
      case LimitAction::kSend:
        ++t.sent;
        break;
      case LimitAction::kSlip:
        ++t.slipped;
        break;
      case LimitAction::kDrop:
        ++t.dropped;
        break;
    }
  }
  return t;
}

TEST(ResponseLimiter, AnswersABurstOfOneSecondThenSlipsEverySecondOne) {
  ResponseLimiter limiter(1);
  const Tally t = burst(limiter, address("198.51.100.7"), limits(20, 5, 2),
                        response("www.example.test", 1, 0, true), 100, 5000);
  EXPECT_EQ(t.sent, 20);
  EXPECT_EQ(t.slipped, 40);
  EXPECT_EQ(t.dropped, 40);
}

TEST(ResponseLimiter, RefillsAtTheRate) {
  ResponseLimiter limiter(1);
  const auto client = address("198.51.100.7");
  const auto settings = limits(20, 5, 0);
  const Bytes answer = response("www.example.test", 1);
  EXPECT_EQ(burst(limiter, client, settings, answer, 30, 1000).sent, 20);
  EXPECT_EQ(burst(limiter, client, settings, answer, 30, 1100).sent, 2);    // 100 ms: 2 more
  EXPECT_EQ(burst(limiter, client, settings, answer, 30, 1150).sent, 1);    // 50 ms: 1 more
  EXPECT_EQ(burst(limiter, client, settings, answer, 30, 61150).sent, 20);  // full, not more
}

TEST(ResponseLimiter, SlipZeroDropsAllAndSlipOneTruncatesAll) {
  const auto client = address("198.51.100.7");
  const Bytes answer = response("www.example.test", 1);
  ResponseLimiter never(1);
  const Tally none = burst(never, client, limits(10, 5, 0), answer, 50, 0);
  EXPECT_EQ(none.sent, 10);
  EXPECT_EQ(none.slipped, 0);
  EXPECT_EQ(none.dropped, 40);
  ResponseLimiter always(1);
  const Tally all = burst(always, client, limits(10, 5, 1), answer, 50, 0);
  EXPECT_EQ(all.sent, 10);
  EXPECT_EQ(all.slipped, 40);
  EXPECT_EQ(all.dropped, 0);
}

TEST(ResponseLimiter, ANetworkSharesItsBucketAndOthersHaveTheirOwn) {
  ResponseLimiter limiter(1);
  const auto settings = limits(10, 5, 2);
  const Bytes answer = response("www.example.test", 1);
  EXPECT_EQ(burst(limiter, address("198.51.100.7"), settings, answer, 10, 0).sent, 10);
  EXPECT_EQ(burst(limiter, address("198.51.100.200"), settings, answer, 10, 0).sent,
            0);  // same /24
  EXPECT_EQ(burst(limiter, address("198.51.101.7"), settings, answer, 10, 0).sent, 10);
  EXPECT_EQ(burst(limiter, address("2001:db8:0:ff::1"), settings, answer, 10, 0).sent, 10);
  EXPECT_EQ(burst(limiter, address("2001:db8:0:1::2"), settings, answer, 10, 0).sent, 0);  // /56
  EXPECT_EQ(burst(limiter, address("2001:db8:0:100::1"), settings, answer, 10, 0).sent, 10);
}

TEST(ResponseLimiter, NamesAndTypesHaveTheirOwnBucketsWhateverTheCase) {
  ResponseLimiter limiter(1);
  const auto client = address("198.51.100.7");
  const auto settings = limits(10, 5, 2);
  EXPECT_EQ(burst(limiter, client, settings, response("www.example.test", 1), 10, 0).sent, 10);
  EXPECT_EQ(burst(limiter, client, settings, response("WWW.Example.TEST", 1), 10, 0).sent, 0);
  EXPECT_EQ(burst(limiter, client, settings, response("www.example.test", 28), 10, 0).sent, 10);
  EXPECT_EQ(burst(limiter, client, settings, response("mail.example.test", 1), 10, 0).sent, 10);
  // The same name in another view (scope) counts apart.
  EXPECT_EQ(burst(limiter, client, settings, response("www.example.test", 1), 10, 0, 8).sent, 10);
}

TEST(ResponseLimiter, NxdomainAndErrorsHaveTheLowerLimitAndShareABucketPerKind) {
  ResponseLimiter limiter(1);
  const auto client = address("198.51.100.7");
  const auto settings = limits(20, 5, 2);
  int sent = 0;
  for (int i = 0; i < 20; ++i)  // random names: one bucket for every NXDOMAIN of the view
    sent +=
        burst(limiter, client, settings,
              response("r" + std::to_string(i) + ".example.test", 1, wire::rcode::NXDOMAIN), 1, 0)
            .sent;
  EXPECT_EQ(sent, 5);
  EXPECT_EQ(
      burst(limiter, client, settings, response("x.other", 1, wire::rcode::REFUSED), 20, 0).sent,
      5);
  // Answers with data still have their own, higher limit.
  EXPECT_EQ(burst(limiter, client, settings, response("www.example.test", 1), 30, 0).sent, 20);
}

TEST(ResponseLimiter, ARateOfZeroIsNoLimit) {
  ResponseLimiter limiter(1);
  const auto client = address("198.51.100.7");
  const auto settings = limits(0, 0, 2);
  EXPECT_EQ(burst(limiter, client, settings, response("www.example.test", 1), 1000, 0).sent, 1000);
  EXPECT_EQ(burst(limiter, client, settings, response("x.example.test", 1, wire::rcode::NXDOMAIN),
                  1000, 0)
                .sent,
            1000);
}

TEST(ResponseLimiter, AFloodOfNewNetworksDoesNotFreeALimitedOne) {
  ResponseLimiter limiter(1);
  const auto victim = address("198.51.100.7");
  const auto settings = limits(20, 5, 0);
  const Bytes answer = response("www.example.test", 1);
  EXPECT_EQ(burst(limiter, victim, settings, answer, 1000, 0).sent, 20);
  // Far more networks than the table holds, each asking once: the table stays the same size,
  // and the entries evicted are the full ones, not the victim's empty bucket.
  for (std::uint32_t i = 0; i < 200000; ++i) {
    ip::ClientAddress other;
    other.bytes = {10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                   static_cast<std::uint8_t>(i)};
    limiter.decide(other, settings, 7, answer, 100);
  }
  EXPECT_EQ(burst(limiter, victim, settings, answer, 1000, 100).sent, 2);  // 100 ms of refill
}

TEST(ResponseLimiter, TruncateKeepsTheQuestionAndTheOptRecord) {
  Bytes answer = response("www.example.test", 1, 0, true, true);
  const Bytes original = answer;
  const std::size_t question_end = 12 + 18 + 4;
  const std::size_t size = ResponseLimiter::truncate(answer);
  ASSERT_EQ(size, question_end + 11);
  EXPECT_EQ(answer[2] & 0x02, 0x02);  // TC
  EXPECT_EQ(answer[2] & ~0x02, original[2]);
  EXPECT_EQ(answer[3], original[3]);
  EXPECT_EQ((Bytes{answer.begin() + 4, answer.begin() + 12}), (Bytes{0, 1, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ((Bytes{answer.begin() + 12, answer.begin() + question_end}),
            (Bytes{original.begin() + 12, original.begin() + question_end}));
  EXPECT_EQ((Bytes{answer.begin() + question_end, answer.begin() + size}),
            (Bytes{original.end() - 11, original.end()}));

  Bytes plain = response("www.example.test", 1, 0, true, false);
  EXPECT_EQ(ResponseLimiter::truncate(plain), question_end);
  EXPECT_EQ((Bytes{plain.begin() + 4, plain.begin() + 12}), (Bytes{0, 1, 0, 0, 0, 0, 0, 0}));
}

TEST(ResponseLimiter, TruncateOfAMessageWithoutAReadableQuestionIsTheHeader) {
  Bytes broken = response("www.example.test", 1);
  broken.resize(20);  // the name runs past the end
  EXPECT_EQ(ResponseLimiter::truncate(broken), 12u);
  EXPECT_EQ(broken[5], 0);  // no question
}

}  // namespace
}  // namespace horizon::net
