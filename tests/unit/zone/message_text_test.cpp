// Text for log and terminal lines: control characters escaped as \DDD, long values shortened with
// their length, a whole message bounded.
#include "horizon/zone/message_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace horizon::zone {
namespace {

TEST(MessageText, ControlCharactersAndHighOctetsAreEscaped) {
  EXPECT_EQ(escapeForLine("a\nb\x1b[2J\x7f\xc2\x9b"), "a\\010b\\027[2J\\127\\194\\155");
  EXPECT_EQ(escapeForLine("plain 'text' \\ stays"), "plain 'text' \\ stays");
}

TEST(MessageText, LongValuesAreShortenedWithTheirLength) {
  EXPECT_EQ(shortValue("short"), "short");
  const std::string big(5 * 1024 * 1024, 'A');
  EXPECT_EQ(shortValue(big), std::string(80, 'A') + "... (5242880 characters)");
  EXPECT_EQ(shortValue("x\ny", 3), "x\\010... (3 characters)");
}

TEST(MessageText, QuotedPartsOfAMessageAreShortened) {
  const std::string big(100000, 'B');
  EXPECT_EQ(boundedMessage("'" + big + "' is not an address"),
            "'" + std::string(80, 'B') + "...' (100000 characters) is not an address");
  // Apostrophes inside words are not quotes.
  const std::string prose =
      "the zone's id must be 32 hex characters long, as the dashboard's Overview page shows it to "
      "whoever looks there";
  EXPECT_EQ(boundedMessage(prose), prose);
  EXPECT_EQ(boundedMessage("unknown view 'a\nb' in recursion"),
            "unknown view 'a\\010b' in recursion");
  // Whatever the message, it stays bounded.
  const std::string unquoted = boundedMessage(std::string(10000, 'C'));
  EXPECT_LT(unquoted.size(), kMaxMessage + 60);
  EXPECT_NE(unquoted.find("(message cut, 10000 characters)"), std::string::npos);
}

}  // namespace
}  // namespace horizon::zone
