// The query log's two formats: every field there, names escaped, JSON that parses.
#include "net/query_log.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "horizon/wire/message.hpp"

namespace horizon::net {
namespace {

// A query for `name` (labels given raw, so they may hold any byte) of type A.
std::vector<std::uint8_t> queryFor(const std::vector<std::string>& labels) {
  std::vector<std::uint8_t> q = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  for (const auto& l : labels) {
    q.push_back(static_cast<std::uint8_t>(l.size()));
    q.insert(q.end(), l.begin(), l.end());
  }
  q.insert(q.end(), {0, 0, 1, 0, 1});
  return q;
}

struct Fixture {
  sockaddr_in peer{};
  wire::ParsedQuery parsed;
  explicit Fixture(const std::vector<std::string>& labels) {
    peer.sin_family = AF_INET;
    peer.sin_port = htons(5353);
    inet_pton(AF_INET, "127.0.0.2", &peer.sin_addr);
    const auto q = queryFor(labels);
    EXPECT_EQ(wire::parseQuery(q, parsed), wire::ParseStatus::kOk);
  }
  QueryLogLine line() const {
    QueryLogLine l;
    l.peer = reinterpret_cast<const sockaddr*>(&peer);
    l.transport = "tcp";
    l.query = &parsed;
    l.view = "lan";
    l.source = "recursion";
    l.rcode = 3;
    l.size = 99;
    l.duration_ns = 1'500'000;
    return l;
  }
};

TEST(QueryLog, TextLineHasEveryField) {
  Fixture f({"www", "example", "com"});
  EXPECT_EQ(formatQueryLog(QueryLogFormat::kText, f.line()),
            "query tcp client=127.0.0.2 qname=www.example.com. qtype=A rcode=NXDOMAIN view=lan "
            "source=recursion size=99 time=1.500ms");
}

TEST(QueryLog, JsonLineParsesWithTheSameFields) {
  Fixture f({"www", "example", "com"});
  const auto j = nlohmann::json::parse(formatQueryLog(QueryLogFormat::kJson, f.line()));
  EXPECT_EQ(j["transport"], "tcp");
  EXPECT_EQ(j["client"], "127.0.0.2");
  EXPECT_EQ(j["port"], 5353);
  EXPECT_EQ(j["qname"], "www.example.com.");
  EXPECT_EQ(j["qtype"], "A");
  EXPECT_EQ(j["rcode"], "NXDOMAIN");
  EXPECT_EQ(j["view"], "lan");
  EXPECT_EQ(j["source"], "recursion");
  EXPECT_EQ(j["size"], 99);
  EXPECT_DOUBLE_EQ(j["ms"].get<double>(), 1.5);
}

// A name with a newline, an escape sequence and a quote must not reach the log raw: a line per
// query stays a line, and a terminal shows the bytes instead of obeying them.
TEST(QueryLog, ControlCharactersInNamesAreEscaped) {
  Fixture f({"evil\nline", "\x1b[31mred", "quo\"te", "com"});
  const std::string text = formatQueryLog(QueryLogFormat::kText, f.line());
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("evil\\010line"), std::string::npos) << text;
  EXPECT_NE(text.find("\\027[31mred"), std::string::npos) << text;
  const std::string json = formatQueryLog(QueryLogFormat::kJson, f.line());
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_EQ(json.find('\x1b'), std::string::npos);
  const auto j = nlohmann::json::parse(json);
  EXPECT_NE(j["qname"].get<std::string>().find("evil\\010line"), std::string::npos);
}

TEST(QueryLog, UnparsedQuestionPrintsDashes) {
  Fixture f({"x"});
  QueryLogLine l = f.line();
  l.query = nullptr;
  l.rcode = 1;
  l.view = "none";
  l.source = "error";
  EXPECT_EQ(formatQueryLog(QueryLogFormat::kText, l),
            "query tcp client=127.0.0.2 qname=- qtype=- rcode=FORMERR view=none source=error "
            "size=99 time=1.500ms");
}

}  // namespace
}  // namespace horizon::net
