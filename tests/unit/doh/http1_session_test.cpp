// DoH over HTTP/1.1 driven with raw request text: keep-alive, pipelining in order, the RFC 8484
// statuses, and the bounds.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "doh_test_support.hpp"
#include "horizon/doh/session.hpp"

namespace horizon::doh {
namespace {

using testing::base64Url;
using testing::Bytes;
using testing::dnsMessage;
using testing::RecordingHandler;

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> fields;  // lowercase names
  std::string body;
};

// Splits what the session wrote into responses; fails the test on anything unparseable.
std::vector<HttpResponse> parseResponses(std::string text) {
  std::vector<HttpResponse> out;
  while (!text.empty()) {
    const auto end = text.find("\r\n\r\n");
    if (end == std::string::npos) {
      ADD_FAILURE() << "incomplete response: " << text;
      break;
    }
    HttpResponse r;
    std::string head = text.substr(0, end + 2);
    EXPECT_EQ(head.substr(0, 9), "HTTP/1.1 ");
    r.status = std::stoi(head.substr(9, 3));
    std::size_t pos = head.find("\r\n") + 2;
    while (pos < head.size()) {
      const auto eol = head.find("\r\n", pos);
      const std::string line = head.substr(pos, eol - pos);
      const auto colon = line.find(": ");
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.fields[name] = line.substr(colon + 2);
      pos = eol + 2;
    }
    const std::size_t length = std::stoul(r.fields.at("content-length"));
    r.body = text.substr(end + 4, length);
    text.erase(0, end + 4 + length);
    out.push_back(std::move(r));
  }
  return out;
}

class Http1SessionTest : public ::testing::Test {
 protected:
  bool send(const std::string& text) {
    return session_.receive({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  }
  // Everything written since the last call.
  std::vector<HttpResponse> written() {
    const auto out = session_.pendingOutput();
    std::string text(out.begin(), out.end());
    session_.consumed(out.size());
    return parseResponses(text);
  }
  static std::string get(const Bytes& query, const std::string& extra = "") {
    return "GET /dns-query?dns=" + base64Url(query) + " HTTP/1.1\r\nHost: doh.test\r\n" + extra +
           "\r\n";
  }
  static std::string post(const Bytes& query, const std::string& type = "application/dns-message") {
    return "POST /dns-query HTTP/1.1\r\nHost: doh.test\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(query.size()) + "\r\n\r\n" +
           std::string(query.begin(), query.end());
  }
  int statusOf(const std::string& request) {
    send(request);
    auto responses = written();
    return responses.size() == 1 ? responses[0].status : -static_cast<int>(responses.size());
  }

  RecordingHandler handler_;
  Limits limits_;
  Session session_{Protocol::kHttp11, handler_, limits_};
  const Bytes query_ = dnsMessage("www.example.test.");
  const Bytes answer_ = dnsMessage(
      "www.example.test.", {{LDNS_SECTION_ANSWER, "www.example.test. 60 IN A 192.0.2.1"}}, true);
};

TEST_F(Http1SessionTest, GetAndPostOnOneKeptAliveConnection) {
  ASSERT_TRUE(send(get(query_)));
  ASSERT_EQ(handler_.queries.size(), 1u);
  EXPECT_EQ(handler_.queries[0].message, query_);
  EXPECT_TRUE(written().empty());
  session_.answer(handler_.queries[0].id, answer_);
  auto responses = written();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[0].fields["content-type"], "application/dns-message");
  EXPECT_EQ(responses[0].fields["cache-control"], "max-age=60");
  EXPECT_EQ(responses[0].body, std::string(answer_.begin(), answer_.end()));
  EXPECT_EQ(responses[0].fields.count("connection"), 0u);

  ASSERT_TRUE(send(post(query_)));
  ASSERT_EQ(handler_.queries.size(), 2u);
  EXPECT_EQ(handler_.queries[1].message, query_);
  session_.answer(handler_.queries[1].id, answer_);
  responses = written();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_FALSE(session_.wantsClose());
  EXPECT_EQ(session_.counters().queries, 2u);
  EXPECT_EQ(session_.counters().answered, 2u);
}

TEST_F(Http1SessionTest, PipelinedRequestsAreAnsweredInRequestOrder) {
  const Bytes second = dnsMessage("two.example.test.");
  const Bytes second_answer = dnsMessage(
      "two.example.test.", {{LDNS_SECTION_ANSWER, "two.example.test. 30 IN A 192.0.2.2"}}, true);
  ASSERT_TRUE(send(get(query_) + post(second)));
  ASSERT_EQ(handler_.queries.size(), 2u);
  EXPECT_EQ(session_.pendingQueries(), 2u);
  // The second answer arrives first: it waits for the first.
  session_.answer(handler_.queries[1].id, second_answer);
  EXPECT_TRUE(written().empty());
  session_.answer(handler_.queries[0].id, answer_);
  auto responses = written();
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].body, std::string(answer_.begin(), answer_.end()));
  EXPECT_EQ(responses[1].body, std::string(second_answer.begin(), second_answer.end()));
  EXPECT_EQ(responses[1].fields["cache-control"], "max-age=30");
  EXPECT_EQ(session_.pendingQueries(), 0u);
}

TEST_F(Http1SessionTest, ARequestSplitAcrossReadsAndAnsweredFromInsideOnQuery) {
  handler_.answer_at_once = [&](RequestId id, std::span<const std::uint8_t>) {
    session_.answer(id, answer_);
  };
  const std::string both = post(query_) + get(query_) + get(query_);
  for (char c : both) ASSERT_TRUE(send(std::string(1, c)));
  auto responses = written();
  ASSERT_EQ(responses.size(), 3u);
  for (const auto& r : responses) EXPECT_EQ(r.status, 200);
}

TEST_F(Http1SessionTest, RejectedRequestsKeepTheConnection) {
  EXPECT_EQ(statusOf("GET /other?dns=" + base64Url(query_) + " HTTP/1.1\r\nHost: a\r\n\r\n"), 404);
  EXPECT_EQ(statusOf("DELETE /dns-query HTTP/1.1\r\nHost: a\r\n\r\n"), 405);
  EXPECT_EQ(statusOf(post(query_, "text/plain")), 415);
  EXPECT_EQ(statusOf("GET /dns-query?dns=%%%% HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(statusOf("GET /dns-query?dns=AAAA HTTP/1.1\r\nHost: a\r\n\r\n"), 400);  // 3 bytes
  EXPECT_EQ(statusOf("GET /dns-query HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(statusOf("POST /dns-query HTTP/1.1\r\nHost: a\r\n"
                     "Content-Type: application/dns-message\r\n\r\n"),
            411);
  // Other parameters are ignored: this one is a query, waiting for its answer.
  send("GET /dns-query?x=1&dns=" + base64Url(query_) + "&y=2 HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_TRUE(written().empty());
  ASSERT_EQ(handler_.queries.size(), 1u);
  EXPECT_EQ(handler_.queries[0].message, query_);
  EXPECT_FALSE(session_.wantsClose());
  EXPECT_EQ(session_.counters().rejected, 7u);
}

TEST_F(Http1SessionTest, PaddedBase64AndMixedCaseMediaTypeAreAccepted) {
  const Bytes odd = dnsMessage("a.example.test.");
  ASSERT_NE(odd.size() % 3, 0u);  // so the encoding has padding
  std::string padded = base64Url(odd);
  for (std::size_t pad = (4 - padded.size() % 4) % 4; pad > 0; --pad) padded += "%3D";
  send("GET /dns-query?dns=" + padded + " HTTP/1.1\r\nHost: a\r\n\r\n");
  send(post(query_, "Application/DNS-Message; charset=x"));
  EXPECT_TRUE(written().empty());
  ASSERT_EQ(handler_.queries.size(), 2u);
  EXPECT_EQ(handler_.queries[0].message, odd);
}

TEST_F(Http1SessionTest, AMalformedRequestLineGets400AndTheConnectionCloses) {
  EXPECT_FALSE(send("GET  /dns-query HTTP/1.1\r\nHost: a\r\n\r\n"));
  auto responses = written();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 400);
  EXPECT_EQ(responses[0].fields["connection"], "close");
  EXPECT_TRUE(session_.wantsClose());
  EXPECT_FALSE(send(get(query_)));
  EXPECT_TRUE(handler_.queries.empty());
}

TEST_F(Http1SessionTest, TheCloseWaitsForTheAnswersBeforeIt) {
  EXPECT_FALSE(send(get(query_) + "BAD\r\n\r\n"));
  ASSERT_EQ(handler_.queries.size(), 1u);
  EXPECT_TRUE(written().empty());
  EXPECT_FALSE(session_.wantsClose());
  session_.answer(handler_.queries[0].id, answer_);
  auto responses = written();
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[1].status, 400);
  EXPECT_TRUE(session_.wantsClose());
}

TEST_F(Http1SessionTest, OversizeHeaderBlockGets431) {
  std::string request = get(query_, "X-Padding: " + std::string(17 * 1024, 'a') + "\r\n");
  EXPECT_FALSE(send(request));
  auto responses = written();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 431);
  EXPECT_TRUE(session_.wantsClose());
}

TEST_F(Http1SessionTest, AHeaderBlockWithoutEndIsCutAt16KiB) {
  EXPECT_TRUE(send("GET /dns-query HTTP/1.1\r\nX-A: " + std::string(16000, 'a')));
  EXPECT_FALSE(send(std::string(1000, 'a')));
  EXPECT_EQ(written().at(0).status, 431);
}

TEST_F(Http1SessionTest, OversizeTargetGets414AndOversizeBodyGets413) {
  EXPECT_FALSE(
      send("GET /dns-query?dns=" + std::string(9000, 'A') + " HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_EQ(written().at(0).status, 414);

  Session other(Protocol::kHttp11, handler_);
  const std::string big =
      "POST /dns-query HTTP/1.1\r\nHost: a\r\nContent-Type: "
      "application/dns-message\r\nContent-Length: 65536\r\n\r\n";
  EXPECT_FALSE(other.receive({reinterpret_cast<const std::uint8_t*>(big.data()), big.size()}));
  const auto out = other.pendingOutput();
  EXPECT_EQ(parseResponses(std::string(out.begin(), out.end())).at(0).status, 413);
}

TEST_F(Http1SessionTest, ChunkedUploadsAndMissingHostAreRefusedAndClose) {
  EXPECT_FALSE(send("POST /dns-query HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"));
  EXPECT_EQ(written().at(0).status, 411);

  Session other(Protocol::kHttp11, handler_);
  const std::string no_host = "GET /dns-query?dns=" + base64Url(query_) + " HTTP/1.1\r\n\r\n";
  EXPECT_FALSE(
      other.receive({reinterpret_cast<const std::uint8_t*>(no_host.data()), no_host.size()}));
  const auto out = other.pendingOutput();
  EXPECT_EQ(parseResponses(std::string(out.begin(), out.end())).at(0).status, 400);
  EXPECT_TRUE(handler_.queries.empty());
}

TEST_F(Http1SessionTest, ConnectionCloseAndHttp10EndAfterTheirResponse) {
  EXPECT_FALSE(send(get(query_, "Connection: close\r\n")));
  EXPECT_FALSE(session_.wantsClose());  // its answer is still to come
  session_.answer(handler_.queries.at(0).id, answer_);
  auto responses = written();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[0].fields["connection"], "close");
  EXPECT_TRUE(session_.wantsClose());

  Session old(Protocol::kHttp11, handler_);
  const std::string v10 = "GET /dns-query?dns=" + base64Url(query_) + " HTTP/1.0\r\n\r\n";
  EXPECT_FALSE(old.receive({reinterpret_cast<const std::uint8_t*>(v10.data()), v10.size()}));
  EXPECT_EQ(handler_.queries.size(), 2u);
}

TEST_F(Http1SessionTest, AnHttp10ClientAskingForKeepAliveIsToldItIsKept) {
  const std::string v10 =
      "GET /dns-query?dns=" + base64Url(query_) + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  EXPECT_TRUE(send(v10));
  session_.answer(handler_.queries.at(0).id, answer_);
  auto responses = written();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].fields["connection"], "keep-alive");
  EXPECT_TRUE(send(v10));
  EXPECT_EQ(handler_.queries.size(), 2u);
}

TEST_F(Http1SessionTest, TheQueryCapPausesReadingUntilAnAnswerFreesAPlace) {
  RecordingHandler handler;
  Limits limits;
  limits.max_pending_queries = 2;
  Session session(Protocol::kHttp11, handler, limits);
  const std::string three = get(query_) + get(query_) + get(query_);
  EXPECT_TRUE(session.receive({reinterpret_cast<const std::uint8_t*>(three.data()), three.size()}));
  EXPECT_EQ(handler.queries.size(), 2u);
  EXPECT_TRUE(session.readPaused());
  session.answer(handler.queries[0].id, answer_);
  EXPECT_EQ(handler.queries.size(), 3u);  // the buffered third request went through
  EXPECT_TRUE(session.readPaused());
  session.answer(handler.queries[1].id, answer_);
  EXPECT_FALSE(session.readPaused());
}

TEST_F(Http1SessionTest, FullOutputPausesReadingUntilItIsWritten) {
  RecordingHandler handler;
  Limits limits;
  limits.max_buffered_output = 100;  // less than one response
  Session session(Protocol::kHttp11, handler, limits);
  handler.answer_at_once = [&](RequestId id, std::span<const std::uint8_t>) {
    session.answer(id, answer_);
  };
  const std::string two = get(query_) + get(query_);
  EXPECT_TRUE(session.receive({reinterpret_cast<const std::uint8_t*>(two.data()), two.size()}));
  EXPECT_EQ(handler.queries.size(), 1u);
  EXPECT_TRUE(session.readPaused());
  // The client sends nothing more: writing the first response is what lets the second through.
  session.consumed(session.pendingOutput().size());
  EXPECT_EQ(handler.queries.size(), 2u);
  const auto out = session.pendingOutput();
  EXPECT_EQ(parseResponses(std::string(out.begin(), out.end())).size(), 1u);
}

TEST_F(Http1SessionTest, ForwardingHeadersReachTheHandler) {
  send(get(query_, "X-Forwarded-For: 10.0.0.1, 192.0.2.7\r\nForwarded: for=\"[2001:db8::5]\"\r\n"));
  ASSERT_EQ(handler_.queries.size(), 1u);
  const ForwardedFor& hints = handler_.queries[0].hints;
  ASSERT_TRUE(hints.x_forwarded_for);
  EXPECT_EQ(hints.x_forwarded_for->bytes[3], 7);
  ASSERT_TRUE(hints.forwarded);
  EXPECT_TRUE(hints.forwarded->is_v6);
  EXPECT_TRUE(hints.client()->is_v6);  // Forwarded wins
  send(get(query_));
  EXPECT_FALSE(handler_.queries.at(1).hints.client());
}

TEST_F(Http1SessionTest, AnsweringAnUnknownIdDoesNothing) {
  session_.answer(12345, answer_);
  EXPECT_TRUE(session_.pendingOutput().empty());
  send(get(query_));
  session_.answer(handler_.queries[0].id, answer_);
  session_.answer(handler_.queries[0].id, answer_);  // twice
  EXPECT_EQ(written().size(), 1u);
}

}  // namespace
}  // namespace horizon::doh
