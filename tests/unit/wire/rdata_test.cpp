// Rdata text <-> wire conversion (server/wire/rdata.cpp).
#include "horizon/wire/rdata.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"

namespace horizon::wire {
namespace {

using ::testing::HasSubstr;

// The origin most tests use, in wire format.
std::string origin() {
  return *nameFromText("madhan.app.", "");
}

std::string parse(std::uint16_t t, std::string_view text) {
  std::string error;
  auto rdata = rdataFromText(t, text, origin(), &error);
  EXPECT_TRUE(rdata.has_value()) << typeToName(t) << " '" << text << "': " << error;
  return rdata.value_or("");
}

std::string parseError(std::uint16_t t, std::string_view text, std::string_view org) {
  std::string error;
  auto rdata = rdataFromText(t, text, org, &error);
  EXPECT_FALSE(rdata.has_value()) << typeToName(t) << " '" << text << "' was accepted";
  EXPECT_FALSE(error.empty()) << typeToName(t) << " '" << text << "' gave no reason";
  return error;
}

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

struct RoundTrip {
  std::uint16_t type;
  const char* input;
  const char* text;  // what rdataToText renders
};

class RdataRoundTrip : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(RdataRoundTrip, TextToWireToText) {
  const RoundTrip& c = GetParam();
  std::string wire = parse(c.type, c.input);
  EXPECT_EQ(rdataToText(c.type, wire), c.text);
  // The rendered text parses back to the same bytes, with or without an origin.
  EXPECT_EQ(parse(c.type, c.text), wire);
  std::string error;
  EXPECT_EQ(rdataFromText(c.type, c.text, "", &error), wire) << error;
}

INSTANTIATE_TEST_SUITE_P(
    AllSupportedTypes, RdataRoundTrip,
    ::testing::Values(
        RoundTrip{type::A, "192.0.2.1", "192.0.2.1"},
        RoundTrip{type::AAAA, "2001:DB8:0:0::1", "2001:db8::1"},
        RoundTrip{type::NS, "ns1", "ns1.madhan.app."},
        RoundTrip{type::CNAME, "Web.Example.ORG.", "Web.Example.ORG."},
        RoundTrip{type::CNAME, "@", "madhan.app."},
        RoundTrip{type::PTR, "host.example.", "host.example."},
        RoundTrip{type::MX, "10 mail", "10 mail.madhan.app."}, RoundTrip{type::MX, "0 .", "0 ."},
        RoundTrip{type::TXT, "v=spf1", "\"v=spf1\""},
        RoundTrip{type::TXT, "\"hello world\" second", "\"hello world\" \"second\""},
        RoundTrip{type::TXT, "\"say \\\"hi\\\" \\\\ ok\"", "\"say \\\"hi\\\" \\\\ ok\""},
        RoundTrip{type::TXT, "\"a;b\" \"\\007\"", "\"a;b\" \"\\007\""},
        RoundTrip{type::TXT, "\"\"", "\"\""},
        RoundTrip{type::SRV, "10 5 5060 sip", "10 5 5060 sip.madhan.app."},
        RoundTrip{type::CAA, "0 issue \"letsencrypt.org\"", "0 issue \"letsencrypt.org\""},
        RoundTrip{type::CAA, "128 iodef mailto:ops@madhan.app",
                  "128 iodef \"mailto:ops@madhan.app\""},
        RoundTrip{type::SOA, "ns1 hostmaster 2024010101 3600 600 604800 300",
                  "ns1.madhan.app. hostmaster.madhan.app. 2024010101 3600 600 604800 300"},
        RoundTrip{type::SOA, "ns1 hostmaster ( 1 2\n 3 4 5 ) ; comment",
                  "ns1.madhan.app. hostmaster.madhan.app. 1 2 3 4 5"}));

TEST(Rdata, WireFormOfEachType) {
  EXPECT_EQ(parse(type::A, "192.0.2.1"), bytes({192, 0, 2, 1}));
  EXPECT_EQ(parse(type::AAAA, "::1"), std::string(15, '\0') + '\x01');
  EXPECT_EQ(parse(type::MX, "10 mail"), bytes({0, 10}) +
                                            "\x04mail\x06madhan\x03"
                                            "app" +
                                            std::string(1, '\0'));
  EXPECT_EQ(parse(type::SRV, "1 2 5060 sip."),
            bytes({0, 1, 0, 2, 0x13, 0xc4}) + "\x03sip" + std::string(1, '\0'));
  EXPECT_EQ(parse(type::CAA, "0 issue \"ca.example\""), bytes({0, 5}) + "issueca.example");
  EXPECT_EQ(parse(type::TXT, "\"ab\" c"),
            "\x02"
            "ab\x01"
            "c");
  std::string soa = parse(type::SOA, "a. b. 1 2 3 4 5");
  EXPECT_EQ(soa,
            "\x01"
            "a" +
                std::string(1, '\0') +
                "\x01"
                "b" +
                std::string(1, '\0') +
                bytes({0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5}));
}

TEST(Rdata, NamesKeepTheirCase) {
  std::string wire = parse(type::CNAME, "Grafana");
  EXPECT_EQ(wire.substr(0, 8), "\x07Grafana");
}

TEST(Rdata, LongTxtStringIsSplitIn255OctetChunks) {
  std::string text(300, 'k');
  std::string wire = parse(type::TXT, text);
  ASSERT_EQ(wire.size(), 1 + 255 + 1 + 45u);
  EXPECT_EQ(static_cast<std::uint8_t>(wire[0]), 255);
  EXPECT_EQ(static_cast<std::uint8_t>(wire[256]), 45);
  EXPECT_EQ(rdataToText(type::TXT, wire),
            "\"" + std::string(255, 'k') + "\" \"" + std::string(45, 'k') + "\"");
  // Exactly 255 stays one string.
  EXPECT_EQ(parse(type::TXT, std::string(255, 'x')).size(), 256u);
}

TEST(Rdata, GenericFormForAnyType) {
  EXPECT_EQ(parse(type::A, "\\# 4 c0000201"), bytes({192, 0, 2, 1}));
  EXPECT_EQ(parse(65280, "\\# 3 01 0203"), bytes({1, 2, 3}));
  EXPECT_EQ(rdataToText(65280, bytes({1, 2, 3})), "\\# 3 010203");
  EXPECT_EQ(rdataToText(65280, ""), "\\# 0");
  EXPECT_EQ(parse(65280, "\\# 0"), "");
  // Known types with bytes of the wrong shape fall back to the generic form.
  EXPECT_EQ(rdataToText(type::A, bytes({1, 2, 3})), "\\# 3 010203");
  EXPECT_EQ(rdataToText(type::MX, bytes({0, 1, 5, 'a'})), "\\# 4 00010561");
}

struct Bad {
  std::uint16_t type;
  const char* input;
  const char* reason;  // a piece of the error message
};

class RdataRejects : public ::testing::TestWithParam<Bad> {};

TEST_P(RdataRejects, WithAReason) {
  const Bad& c = GetParam();
  EXPECT_THAT(parseError(c.type, c.input, origin()), HasSubstr(c.reason));
}

INSTANTIATE_TEST_SUITE_P(
    BadInputs, RdataRejects,
    ::testing::Values(
        Bad{type::A, "256.1.1.1", "not an IPv4 address"},
        Bad{type::A, "::1", "not an IPv4 address"}, Bad{type::A, "", "too few fields"},
        Bad{type::A, "1.2.3.4 5.6.7.8", "too many fields"},
        Bad{type::A, "\"1.2.3.4\"", "not an IPv4 address"},
        Bad{type::AAAA, "1.2.3.4", "not an IPv6 address"},
        Bad{type::AAAA, "fe80::1%eth0", "not an IPv6 address"},
        Bad{type::CNAME, "a..b", "bad name"},
        Bad{type::CNAME, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "63"},
        Bad{type::NS, "a b", "too many fields"}, Bad{type::MX, "mail", "too few fields"},
        Bad{type::MX, "x mail", "MX preference"}, Bad{type::MX, "70000 mail", "MX preference"},
        Bad{type::MX, "-1 mail", "MX preference"}, Bad{type::SRV, "1 2 3", "too few fields"},
        Bad{type::SRV, "1 2 65536 sip", "SRV port"},
        Bad{type::TXT, "\"unterminated", "unterminated"}, Bad{type::TXT, "", "at least one string"},
        Bad{type::TXT, "\"\\300\"", "above 255"}, Bad{type::CAA, "0 issue", "too few fields"},
        Bad{type::CAA, "256 issue x", "CAA flags"}, Bad{type::CAA, "0 is-sue x", "CAA tag"},
        Bad{type::CAA, "0 abcdefghijklmnop x", "CAA tag"},
        Bad{type::SOA, "ns1 hm 1 2 3 4", "too few fields"},
        Bad{type::SOA, "ns1 hm 1 2 3 4 4294967296", "SOA minimum"},
        Bad{type::HINFO, "\"cpu\" \"os\"", "not supported"},
        Bad{type::A, "\\# 3 010203", "not valid A rdata"},
        Bad{type::A, "\\# 4 0102", "does not match"}, Bad{type::A, "\\# 1 zz", "bad hex"}));

TEST(Rdata, RelativeNameNeedsAnOrigin) {
  EXPECT_THAT(parseError(type::CNAME, "web", ""), HasSubstr("relative name"));
  EXPECT_THAT(parseError(type::MX, "10 @", ""), HasSubstr("origin"));
}

TEST(Rdata, NameOffsets) {
  EXPECT_EQ(rdataNameOffset(type::CNAME), 0u);
  EXPECT_EQ(rdataNameOffset(type::NS), 0u);
  EXPECT_EQ(rdataNameOffset(type::PTR), 0u);
  EXPECT_EQ(rdataNameOffset(type::MX), 2u);
  EXPECT_EQ(rdataNameOffset(type::SRV), 6u);
  EXPECT_FALSE(rdataNameOffset(type::A));
  EXPECT_FALSE(rdataNameOffset(type::TXT));
  EXPECT_FALSE(rdataNameOffset(type::SOA));
  // The offset really points at the name.
  std::string mx = parse(type::MX, "10 mail");
  EXPECT_EQ(nameToText(std::string_view(mx).substr(*rdataNameOffset(type::MX))),
            "mail.madhan.app.");
  std::string srv = parse(type::SRV, "10 5 5060 sip");
  EXPECT_EQ(nameToText(std::string_view(srv).substr(*rdataNameOffset(type::SRV))),
            "sip.madhan.app.");
}

}  // namespace
}  // namespace horizon::wire
