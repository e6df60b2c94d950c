// max-age from a DNS answer's TTLs (RFC 8484 5.1), negative answers by their SOA (RFC 2308 5).
#include "horizon/doh/cache_ttl.hpp"

#include <gtest/gtest.h>

#include "doh_test_support.hpp"

namespace horizon::doh {
namespace {

using testing::dnsMessage;

TEST(CacheMaxAge, IsTheSmallestTtlOfAllSectionsWithoutOpt) {
  const auto msg = dnsMessage("www.example.test.",
                              {{LDNS_SECTION_ANSWER, "www.example.test. 300 IN A 192.0.2.1"},
                               {LDNS_SECTION_ANSWER, "www.example.test. 120 IN A 192.0.2.2"},
                               {LDNS_SECTION_AUTHORITY, "example.test. 900 IN NS ns.example.test."},
                               {LDNS_SECTION_ADDITIONAL, "ns.example.test. 600 IN A 192.0.2.53"}},
                              true, true);
  EXPECT_EQ(cacheMaxAge(msg), 120u);
  const auto glue_smallest =
      dnsMessage("www.example.test.",
                 {{LDNS_SECTION_ANSWER, "www.example.test. 300 IN A 192.0.2.1"},
                  {LDNS_SECTION_ADDITIONAL, "ns.example.test. 30 IN A 192.0.2.53"}},
                 true, true);
  EXPECT_EQ(cacheMaxAge(glue_smallest), 30u);
}

TEST(CacheMaxAge, TheOptRecordDoesNotCount) {
  // With DO set, the OPT record's TTL field reads 32768: it would win if it were counted.
  const auto msg =
      dnsMessage("www.example.test.",
                 {{LDNS_SECTION_ANSWER, "www.example.test. 86400 IN A 192.0.2.1"}}, true, true);
  EXPECT_EQ(cacheMaxAge(msg), 86400u);
}

TEST(CacheMaxAge, ANegativeAnswerUsesTheSoaTtlCappedByItsMinimum) {
  const auto capped = dnsMessage(
      "nx.example.test.",
      {{LDNS_SECTION_AUTHORITY,
        "example.test. 3600 IN SOA ns.example.test. admin.example.test. 1 7200 900 86400 300"}},
      true, true);
  EXPECT_EQ(cacheMaxAge(capped), 300u);
  const auto ttl_smaller = dnsMessage(
      "nx.example.test.",
      {{LDNS_SECTION_AUTHORITY,
        "example.test. 60 IN SOA ns.example.test. admin.example.test. 1 7200 900 86400 300"}},
      true);
  EXPECT_EQ(cacheMaxAge(ttl_smaller), 60u);
}

TEST(CacheMaxAge, NoRecordsOrAMalformedMessageGiveZero) {
  EXPECT_EQ(cacheMaxAge(dnsMessage("www.example.test.", {}, true, true)), 0u);
  EXPECT_EQ(cacheMaxAge(dnsMessage("www.example.test.", {}, true, false)), 0u);
  auto msg = dnsMessage("www.example.test.",
                        {{LDNS_SECTION_ANSWER, "www.example.test. 300 IN A 192.0.2.1"}}, true);
  ASSERT_EQ(cacheMaxAge(msg), 300u);
  msg.pop_back();  // the rdata runs past the end
  EXPECT_EQ(cacheMaxAge(msg), 0u);
  EXPECT_EQ(cacheMaxAge(std::vector<std::uint8_t>(11, 0)), 0u);
}

TEST(CacheMaxAge, ATtlWithTheTopBitSetCountsAsZero) {
  auto msg = dnsMessage("www.example.test.",
                        {{LDNS_SECTION_ANSWER, "www.example.test. 300 IN A 192.0.2.1"}}, true);
  // The TTL sits 10 bytes before the end: 4 of rdata, 2 of rdlength, then the 4 TTL bytes.
  msg[msg.size() - 10] = 0x80;
  EXPECT_EQ(cacheMaxAge(msg), 0u);
}

}  // namespace
}  // namespace horizon::doh
