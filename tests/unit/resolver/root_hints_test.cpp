// Root hints: the named.root format on a small loopback hints file, errors located by line, and
// the built-in IANA list (only inspected as data; no test sends a packet to it).
#include <gtest/gtest.h>

#include "horizon/resolver/upstream.hpp"

namespace horizon::resolver {
namespace {

Endpoint ep(const char* address) {
  return {boost::asio::ip::make_address(address), 53};
}

TEST(RootHintsTest, ParsesNamedRootFormat) {
  const std::string text =
      "; loopback hints for tests\n"
      "$TTL 3600\n"
      ".                        3600000      NS    A.ROOT.TEST.\n"
      "A.ROOT.TEST.             3600000      A     127.0.0.53 ; trailing comment\n"
      "a.root.test.             3600000 IN   AAAA  ::1\n"
      "\n"
      ".                        IN 3600000   NS    b.root.test.\n"
      "B.Root.Test.             A     127.0.0.54\n"
      "B.ROOT.TEST.             A     127.0.0.54\n"   // repeated: listed once
      "unlisted.test.           A     127.0.0.99\n";  // not a root NS: ignored
  std::string error;
  auto hints = parseRootHints(text, &error);
  ASSERT_TRUE(hints) << error;
  std::vector<Endpoint> want = {ep("127.0.0.53"), ep("::1"), ep("127.0.0.54")};
  EXPECT_EQ(*hints, want);
}

std::string errorOf(const std::string& text) {
  std::string error;
  EXPECT_FALSE(parseRootHints(text, &error)) << text;
  return error;
}

TEST(RootHintsTest, ErrorsNameTheLine) {
  const std::string ns = ". NS a.root.test.\n";
  EXPECT_EQ(errorOf(ns + "a.root.test. A 127.0.0.300\n"),
            "root hints line 2: \"127.0.0.300\" is not an IPv4 address");
  EXPECT_EQ(errorOf(ns + "a.root.test. AAAA 127.0.0.1\n"),
            "root hints line 2: \"127.0.0.1\" is not an IPv6 address");
  EXPECT_EQ(errorOf("; c\n\nexample. NS a.root.test.\n"),
            "root hints line 3: NS records in root hints must belong to the root \".\"");
  EXPECT_EQ(errorOf(ns + "a.root.test. MX 10 mail.test.\n"),
            "root hints line 2: expected \"owner [ttl] [IN] type data\"");
  EXPECT_EQ(errorOf(ns + "a.root.test. TXT hello\n"),
            "root hints line 2: record type TXT does not belong in root hints");
  EXPECT_EQ(errorOf(ns + "a.root.test. CH A 127.0.0.1\n"), "root hints line 2: class CH is not IN");
  EXPECT_EQ(errorOf(ns + "   A 127.0.0.1\n"),
            "root hints line 2: a record must start with its owner name");
  EXPECT_EQ(errorOf(ns + "$INCLUDE other\n"),
            "root hints line 2: directive $INCLUDE is not supported");
  EXPECT_NE(errorOf(ns + "a..root.test. A 127.0.0.1\n").find("root hints line 2: owner"),
            std::string::npos);
  EXPECT_EQ(errorOf("a.root.test. A 127.0.0.1\n"), "root hints list no \". NS\" record");
  EXPECT_EQ(errorOf(ns + "b.root.test. A 127.0.0.1\n"),
            "root hints give no address for any root name server");
  EXPECT_EQ(errorOf(""), "root hints list no \". NS\" record");
}

TEST(RootHintsTest, BuiltinListHasTheThirteenRootServers) {
  std::vector<Endpoint> hints = builtinRootHints();
  int v4 = 0, v6 = 0;
  for (const Endpoint& e : hints) {
    EXPECT_EQ(e.port, 53);
    EXPECT_FALSE(e.address.is_loopback());
    (e.address.is_v4() ? v4 : v6)++;
  }
  EXPECT_EQ(v4, 13);
  EXPECT_EQ(v6, 13);
  ASSERT_FALSE(hints.empty());
  EXPECT_EQ(hints[0], ep("198.41.0.4"));  // a.root-servers.net
  EXPECT_NE(std::find(hints.begin(), hints.end(), ep("202.12.27.33")), hints.end());  // m
}

}  // namespace
}  // namespace horizon::resolver
