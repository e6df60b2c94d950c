// The query log of a running horizond: one line per answered query, recursion included, with
// its real rcode, view, source and time; text for people, JSON for machines.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace horizon::test {
namespace {

std::string zoneText() {
  return "zone: log.test\n"
         "views:\n"
         "  lan: [127.0.0.1/32]\n"
         "  public: [0.0.0.0/0]\n"
         "records:\n"
         "  www: 192.0.2.1\n"
         "recursion: [lan]\n";
}

// The JSON objects among the server's output lines.
std::vector<nlohmann::json> jsonLines(const std::string& output) {
  std::vector<nlohmann::json> out;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] == '{') out.push_back(nlohmann::json::parse(line));
  return out;
}

class QueryLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServerProcess> start(const std::string& format) {
    // Recursion goes to a loopback port nobody listens on: a quick SERVFAIL, never the internet.
    return ServerProcess::start({"--zone", dir_.write("log.test.yaml", zoneText()), "--listen",
                                 listenArg(port_), "--query-log", "--query-log-format", format,
                                 "--forward", "127.0.0.1:" + std::to_string(findFreePort())},
                                port_);
  }
  TempDir dir_;
  std::uint16_t port_ = findFreePort();
};

TEST_F(QueryLogTest, JsonLinesSayWhatEachAnswerWas) {
  auto server = start("json");
  ASSERT_TRUE(query({port_, "127.0.0.1"}, "www.log.test", LDNS_RR_TYPE_A));
  ASSERT_TRUE(query({port_, "127.0.0.2"}, "nope.log.test", LDNS_RR_TYPE_AAAA, true));
  ASSERT_TRUE(query({port_, "127.0.0.2"}, "outside.example", LDNS_RR_TYPE_A));
  // A stub's question (RD set), as recursion is for.
  ASSERT_TRUE(query({port_, "127.0.0.1"}, "outside.example", LDNS_RR_TYPE_TXT, false,
                    {.recursion_desired = true}));
  ASSERT_TRUE(server->stop().success());
  const auto lines = jsonLines(server->output());
  const auto find = [&](const std::string& qname, const std::string& client) {
    for (const auto& j : lines)
      if (j["qname"] == qname && j["client"] == client) return j;
    return nlohmann::json();
  };
  auto j = find("www.log.test.", "127.0.0.1");
  ASSERT_FALSE(j.is_null()) << server->output();
  EXPECT_EQ(j["transport"], "udp");
  EXPECT_EQ(j["qtype"], "A");
  EXPECT_EQ(j["rcode"], "NOERROR");
  EXPECT_EQ(j["view"], "lan");
  EXPECT_EQ(j["source"], "authoritative");
  EXPECT_GE(j["ms"].get<double>(), 0);
  j = find("nope.log.test.", "127.0.0.2");
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["transport"], "tcp");
  EXPECT_EQ(j["rcode"], "NXDOMAIN");
  EXPECT_EQ(j["view"], "public");
  j = find("outside.example.", "127.0.0.2");
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["rcode"], "REFUSED");
  EXPECT_EQ(j["view"], "none");
  EXPECT_EQ(j["source"], "refused");
  // Recursion: logged when the answer leaves, with what it really was.
  j = find("outside.example.", "127.0.0.1");
  ASSERT_FALSE(j.is_null()) << server->output();
  EXPECT_EQ(j["qtype"], "TXT");
  EXPECT_EQ(j["rcode"], "SERVFAIL");
  EXPECT_EQ(j["view"], "lan");
  EXPECT_EQ(j["source"], "recursion");
}

TEST_F(QueryLogTest, TextLinesForPeople) {
  auto server = start("text");
  ASSERT_TRUE(query({port_, "127.0.0.1"}, "outside.example", LDNS_RR_TYPE_A, false,
                    {.recursion_desired = true}));
  ASSERT_TRUE(server->stop().success());
  EXPECT_NE(server->output().find("query udp client=127.0.0.1 qname=outside.example. qtype=A "
                                  "rcode=SERVFAIL view=lan source=recursion"),
            std::string::npos)
      << server->output();
  EXPECT_EQ(server->output().find("DROPPED"), std::string::npos);
}

}  // namespace
}  // namespace horizon::test
