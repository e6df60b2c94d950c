// The Cloudflare client against a scripted transport: canned responses in, captured requests
// out, waits recorded instead of slept. No sockets.
#include "horizon/sync/cloudflare_client.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "horizon/sync/cloudflare_record.hpp"
#include "horizon/sync/http_transport.hpp"

namespace horizon::sync {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kToken = "s3cr3t-T0KEN-abcdefghijklmnopqrstuvwxyz";
constexpr const char* kZone = "023e105f4ecef8ad9ca31a8372d0c353";
constexpr const char* kMarker = "managed-by: horizon";

class ScriptedTransport : public HttpTransport {
 public:
  HttpResponse send(const HttpRequest& request, milliseconds timeout) override {
    requests.push_back(request);
    timeouts.push_back(timeout);
    if (handler) return handler(request);
    if (responses.empty()) {
      ADD_FAILURE() << "unexpected request " << request.method << " " << request.url;
      HttpResponse none;
      none.status = 418;
      return none;
    }
    HttpResponse response = responses.front();
    responses.pop_front();
    return response;
  }

  std::deque<HttpResponse> responses;
  std::function<HttpResponse(const HttpRequest&)> handler;
  std::vector<HttpRequest> requests;
  std::vector<milliseconds> timeouts;
};

HttpResponse reply(int status, const json& body) {
  HttpResponse response;
  response.status = status;
  response.body = body.dump();
  response.headers["content-type"] = "application/json";
  return response;
}

HttpResponse success(const json& result, const json& result_info = nullptr) {
  json body = {{"success", true},
               {"errors", json::array()},
               {"messages", json::array()},
               {"result", result}};
  if (!result_info.is_null()) body["result_info"] = result_info;
  return reply(200, body);
}

HttpResponse failure(int status, int code, const std::string& message) {
  return reply(status, {{"success", false},
                        {"errors", json::array({{{"code", code}, {"message", message}}})},
                        {"messages", json::array()},
                        {"result", nullptr}});
}

HttpResponse raw(int status, const std::string& body) {
  HttpResponse response;
  response.status = status;
  response.body = body;
  return response;
}

json aRecord(const std::string& id, const std::string& name, const std::string& ip) {
  return {{"id", id},
          {"type", "A"},
          {"name", name},
          {"content", ip},
          {"ttl", 1},
          {"proxied", false},
          {"proxiable", true},
          {"comment", nullptr},
          {"created_on", "2024-01-01T00:00:00Z"},
          {"modified_on", "2024-01-01T00:00:00Z"},
          {"meta", {{"auto_added", false}}}};
}

std::string recordId(int n) {
  std::string digits = std::to_string(n);
  return std::string(32 - digits.size(), '0') + digits;
}

CloudflareRecord makeRecord(const std::string& type, const std::string& name,
                            const std::string& content, std::uint32_t ttl = kAutomaticTtl) {
  CloudflareRecord record;
  record.type = type;
  record.name = name;
  record.content = content;
  record.ttl = ttl;
  record.comment = kMarker;
  return record;
}

class CloudflareClientTest : public ::testing::Test {
 protected:
  CloudflareClient& client() {
    if (!client_) {
      options_.token = kToken;
      options_.api_url = "http://127.0.0.1:9/client/v4/";
      client_ = std::make_unique<CloudflareClient>(options_, transport_);
      client_->setSleeper([this](milliseconds wait) { waits_.push_back(wait); });
    }
    return *client_;
  }

  json body(std::size_t i) const { return json::parse(transport_.requests.at(i).body); }

  ClientOptions options_;
  ScriptedTransport transport_;
  std::vector<milliseconds> waits_;
  std::unique_ptr<CloudflareClient> client_;
};

// --- normalisation ---------------------------------------------------------------------------

TEST(CloudflareRecordTest, NormalizesNames) {
  EXPECT_EQ(normalizeName("Grafana.Madhan.APP."), "grafana.madhan.app");
  EXPECT_EQ(normalizeName("madhan.app"), "madhan.app");
}

TEST(CloudflareRecordTest, NormalizesContentPerType) {
  EXPECT_EQ(normalizeContent("A", "203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(normalizeContent("A", "not-an-address"), "not-an-address");
  EXPECT_EQ(normalizeContent("AAAA", "2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  EXPECT_EQ(normalizeContent("AAAA", "2001:db8::zz"), "2001:db8::zz");
  EXPECT_EQ(normalizeContent("CNAME", "Bifrost.Madhan.App."), "bifrost.madhan.app");
  EXPECT_EQ(normalizeContent("MX", "MX1.Example.net."), "mx1.example.net");
  EXPECT_EQ(normalizeContent("MX", "."), ".");
  EXPECT_EQ(normalizeContent("NS", "NS1.example.com."), "ns1.example.com");
  EXPECT_EQ(normalizeContent("PTR", "Host.Example."), "host.example");
  EXPECT_EQ(normalizeContent("TXT", "\"v=spf1 -all\""), "v=spf1 -all");
  EXPECT_EQ(normalizeContent("TXT", "v=spf1 -all"), "v=spf1 -all");
  EXPECT_EQ(normalizeContent("TXT", R"("say \"hi\" \\ \d")"), R"(say "hi" \ \d)");
  EXPECT_EQ(normalizeContent("TXT", R"("part one" "part two")"), R"("part one" "part two")");
  EXPECT_EQ(normalizeContent("TXT", "\"unterminated"), "\"unterminated");
  EXPECT_EQ(normalizeContent("SRV", "5 5060 SIP.Madhan.App."), "5 5060 sip.madhan.app");
  EXPECT_EQ(normalizeContent("CAA", "0 issue \"letsencrypt.org\""), "0 issue \"letsencrypt.org\"");
  EXPECT_EQ(normalizeContent("HTTPS", "1 . alpn=\"h2\""), "1 . alpn=\"h2\"");
}

TEST(CloudflareRecordTest, OwnedWhenCommentStartsWithMarker) {
  CloudflareRecord record;
  record.comment = "managed-by: horizon (zone madhan.app)";
  EXPECT_TRUE(record.owned());
  record.comment = "note; managed-by: horizon";
  EXPECT_FALSE(record.owned());
  record.comment = "";
  EXPECT_FALSE(record.owned());
}

// --- listings --------------------------------------------------------------------------------

TEST_F(CloudflareClientTest, ListRecordsReadsEveryPageWhenServerIgnoresPerPage) {
  options_.page_size = 100;
  for (int page = 1; page <= 3; ++page) {
    json result = json::array();
    for (int i = 0; i < 2; ++i) {
      int n = (page - 1) * 2 + i;
      result.push_back(aRecord(recordId(n), "h" + std::to_string(n) + ".madhan.app", "192.0.2.1"));
    }
    transport_.responses.push_back(success(
        result,
        {{"page", page}, {"per_page", 2}, {"count", 2}, {"total_count", 6}, {"total_pages", 3}}));
  }
  auto records = client().listRecords(kZone);
  ASSERT_EQ(records.size(), 6u);
  EXPECT_EQ(records[5].name, "h5.madhan.app");
  ASSERT_EQ(transport_.requests.size(), 3u);
  for (int page = 1; page <= 3; ++page) {
    EXPECT_EQ(transport_.requests[page - 1].url,
              std::string("http://127.0.0.1:9/client/v4/zones/") + kZone +
                  "/dns_records?per_page=100&page=" + std::to_string(page));
    EXPECT_EQ(transport_.requests[page - 1].method, "GET");
  }
  EXPECT_EQ(client().requestCount(), 3);
}

TEST_F(CloudflareClientTest, ListRecordsUsesTotalCountWithoutTotalPages) {
  for (int page = 1; page <= 2; ++page) {
    transport_.responses.push_back(
        success(json::array({aRecord(recordId(page), "a.madhan.app", "192.0.2.1")}),
                {{"page", page}, {"per_page", 1}, {"total_count", 2}}));
  }
  EXPECT_EQ(client().listRecords(kZone).size(), 2u);
  EXPECT_EQ(transport_.requests.size(), 2u);
}

TEST_F(CloudflareClientTest, ListRecordsWithoutResultInfoStopsOnEmptyPage) {
  transport_.responses.push_back(
      success(json::array({aRecord(recordId(1), "a.madhan.app", "192.0.2.1")})));
  transport_.responses.push_back(
      success(json::array({aRecord(recordId(2), "b.madhan.app", "192.0.2.2")})));
  transport_.responses.push_back(success(json::array()));
  EXPECT_EQ(client().listRecords(kZone).size(), 2u);
  EXPECT_EQ(transport_.requests.size(), 3u);
}

TEST_F(CloudflareClientTest, ListRecordsStopsWhenServerIgnoresPage) {
  // The same page forever, claiming there are more: repeats end the listing.
  transport_.handler = [](const HttpRequest&) {
    return success(json::array({aRecord(recordId(1), "a.madhan.app", "192.0.2.1")}),
                   {{"page", 1}, {"per_page", 1}, {"total_count", 50}, {"total_pages", 50}});
  };
  EXPECT_EQ(client().listRecords(kZone).size(), 1u);
  EXPECT_EQ(transport_.requests.size(), 2u);
}

TEST_F(CloudflareClientTest, ListRecordsParsesEveryField) {
  json srv = {
      {"id", recordId(3)},
      {"type", "SRV"},
      {"name", "_sip._tcp.Madhan.app"},
      {"content", "5 5060 sip.madhan.app"},
      {"priority", 10},
      {"ttl", 300},
      {"data", {{"priority", 10}, {"weight", 5}, {"port", 5060}, {"target", "SIP.madhan.app."}}},
      {"comment", std::string(kMarker)}};
  json caa = {{"id", recordId(4)},
              {"type", "CAA"},
              {"name", "madhan.app"},
              {"content", "0 issue \"letsencrypt.org\""},
              {"ttl", 1},
              {"data", {{"flags", 0}, {"tag", "issue"}, {"value", "letsencrypt.org"}}}};
  json mx = {{"id", recordId(2)},     {"type", "MX"},
             {"name", "madhan.app."}, {"content", "MX.Example.net."},
             {"priority", 20},        {"ttl", 3600}};
  json a = aRecord(recordId(1), "WWW.madhan.app", "203.0.113.7");
  a["proxied"] = true;
  a["comment"] = std::string(kMarker) + " x";
  json txt = {{"id", recordId(5)},
              {"type", "TXT"},
              {"name", "madhan.app"},
              {"content", "\"v=spf1 -all\""},
              {"ttl", 1},
              {"meta", {{"read_only", true}, {"source", "primary"}}}};
  json aaaa = {{"id", recordId(6)},
               {"type", "AAAA"},
               {"name", "v6.madhan.app"},
               {"content", "2001:0db8:0000::0001"},
               {"ttl", 120.0}};
  transport_.responses.push_back(
      success(json::array({a, mx, srv, caa, txt, aaaa}), {{"page", 1}, {"total_pages", 1}}));
  auto records = client().listRecords(kZone);
  ASSERT_EQ(records.size(), 6u);

  EXPECT_EQ(records[0].id, recordId(1));
  EXPECT_EQ(records[0].name, "www.madhan.app");
  EXPECT_TRUE(records[0].proxied);
  EXPECT_TRUE(records[0].owned());
  EXPECT_FALSE(records[0].priority.has_value());

  EXPECT_EQ(records[1].name, "madhan.app");
  EXPECT_EQ(records[1].content, "mx.example.net");
  EXPECT_EQ(records[1].priority, 20);
  EXPECT_EQ(records[1].ttl, 3600u);
  EXPECT_FALSE(records[1].proxied);
  EXPECT_EQ(records[1].comment, "");

  EXPECT_EQ(records[2].type, "SRV");
  EXPECT_EQ(records[2].name, "_sip._tcp.madhan.app");
  EXPECT_EQ(records[2].content, "5 5060 sip.madhan.app");
  EXPECT_EQ(records[2].priority, 10);
  EXPECT_EQ(records[2].ttl, 300u);

  EXPECT_EQ(records[3].content, "0 issue \"letsencrypt.org\"");
  EXPECT_FALSE(records[3].priority.has_value());

  EXPECT_EQ(records[4].content, "v=spf1 -all");
  EXPECT_TRUE(records[4].read_only);
  EXPECT_FALSE(records[0].read_only);

  EXPECT_EQ(records[5].content, "2001:db8::1");
  EXPECT_EQ(records[5].ttl, 120u);
}

// --- envelopes and errors --------------------------------------------------------------------

TEST_F(CloudflareClientTest, SuccessFalseWithHttp200IsAnError) {
  transport_.responses.push_back(failure(200, 1004, "DNS Validation Error"));
  try {
    client().listRecords(kZone);
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.httpStatus(), 200);
    EXPECT_TRUE(e.hasCode(1004));
    EXPECT_NE(std::string(e.what()).find("DNS Validation Error"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("success=false"), std::string::npos) << e.what();
  }
  EXPECT_EQ(transport_.requests.size(), 1u);
}

TEST_F(CloudflareClientTest, NonJsonBodyIsAClearError) {
  transport_.responses.push_back(raw(200, "<html>" + std::string(500, 'x') + "</html>"));
  try {
    client().listRecords(kZone);
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("HTTP 200"), std::string::npos) << message;
    EXPECT_NE(message.find("<html>xxx"), std::string::npos) << message;
    EXPECT_EQ(message.find("</html>"), std::string::npos) << "excerpt longer than 200 chars";
  }
}

TEST_F(CloudflareClientTest, ForbiddenStopsWithTheScopeAndWithoutTheToken) {
  transport_.responses.push_back(
      failure(403, 10000, std::string("Authentication error for Bearer ") + kToken));
  try {
    client().findZoneId("madhan.app");
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    std::string message = e.what();
    EXPECT_EQ(e.httpStatus(), 403);
    EXPECT_TRUE(e.hasCode(10000));
    EXPECT_NE(message.find("Zone:DNS:Edit"), std::string::npos) << message;
    EXPECT_NE(message.find("Zone:Zone:Read"), std::string::npos) << message;
    EXPECT_NE(message.find("code 10000"), std::string::npos) << message;
    EXPECT_EQ(message.find(kToken), std::string::npos) << message;
  }
  EXPECT_EQ(transport_.requests.size(), 1u);
  EXPECT_TRUE(waits_.empty());
}

TEST_F(CloudflareClientTest, ForbiddenDuringApplyThrows) {
  transport_.responses.push_back(failure(403, 10000, "Authentication error"));
  RecordChanges changes;
  changes.deletes.push_back(recordId(1));
  EXPECT_THROW(client().apply(kZone, changes), ApiError);
  EXPECT_EQ(transport_.requests.size(), 1u);
}

TEST_F(CloudflareClientTest, TokenIsScrubbedFromEveryMessage) {
  const std::string echoed = std::string("bad header 'Authorization: Bearer ") + kToken + "'";
  // A read failure.
  transport_.responses.push_back(failure(400, 6003, echoed));
  try {
    client().listRecords(kZone);
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    EXPECT_EQ(std::string(e.what()).find(kToken), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("<token>"), std::string::npos) << e.what();
  }
  // A body that is not JSON, echoing the token near the excerpt's cut.
  transport_.responses.push_back(raw(400, std::string(190, ' ') + kToken));
  try {
    client().listRecords(kZone);
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    EXPECT_EQ(std::string(e.what()).find(kToken), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find(std::string(kToken).substr(0, 6)), std::string::npos)
        << e.what();
  }
  // Per-operation errors.
  transport_.responses.push_back(failure(400, 1004, echoed));  // the batch
  transport_.responses.push_back(failure(400, 9005, echoed));  // the single POST
  RecordChanges changes;
  changes.posts.push_back(makeRecord("A", "www.madhan.app", "203.0.113.7"));
  auto results = client().apply(kZone, changes);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].ok);
  EXPECT_EQ(results[0].error.find(kToken), std::string::npos) << results[0].error;
  EXPECT_NE(results[0].error.find("<token>"), std::string::npos) << results[0].error;
  // Deadline messages.
  transport_.handler = [&](const HttpRequest&) {
    HttpResponse r;
    r.transport_error = std::string("connection refused ") + kToken;
    return r;
  };
  try {
    client().listRecords(kZone);
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    EXPECT_EQ(std::string(e.what()).find(kToken), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("gave up after"), std::string::npos) << e.what();
  }
}

TEST_F(CloudflareClientTest, SendsAuthAcceptAndContentTypeHeaders) {
  transport_.responses.push_back(success(json::array(), {{"total_pages", 0}}));
  transport_.responses.push_back(success({{"posts", json::array({{{"id", recordId(9)}}})}}));
  client().listRecords(kZone);
  RecordChanges changes;
  changes.posts.push_back(makeRecord("A", "www.madhan.app", "203.0.113.7"));
  client().apply(kZone, changes);
  ASSERT_EQ(transport_.requests.size(), 2u);
  const auto& get = transport_.requests[0].headers;
  EXPECT_NE(std::find(get.begin(), get.end(), std::string("Authorization: Bearer ") + kToken),
            get.end());
  EXPECT_NE(std::find(get.begin(), get.end(), "Accept: application/json"), get.end());
  EXPECT_EQ(std::find(get.begin(), get.end(), "Content-Type: application/json"), get.end());
  EXPECT_TRUE(transport_.requests[0].body.empty());
  const auto& post = transport_.requests[1].headers;
  EXPECT_NE(std::find(post.begin(), post.end(), "Content-Type: application/json"), post.end());
  EXPECT_EQ(transport_.requests[1].url,
            std::string("http://127.0.0.1:9/client/v4/zones/") + kZone + "/dns_records/batch");
  EXPECT_LE(transport_.timeouts[0], options_.request_timeout);
}

// --- retries ---------------------------------------------------------------------------------

TEST_F(CloudflareClientTest, RateLimitWaitsRetryAfterSeconds) {
  HttpResponse limited = failure(429, 10429, "Rate limited");
  limited.headers["retry-after"] = "3";
  transport_.responses.push_back(limited);
  transport_.responses.push_back(success(json::array(), {{"total_pages", 1}}));
  client().listRecords(kZone);
  ASSERT_EQ(waits_.size(), 1u);
  EXPECT_EQ(waits_[0], milliseconds(3000));
  EXPECT_EQ(client().requestCount(), 2);
}

TEST_F(CloudflareClientTest, RateLimitToleratesFractionalAndMissingRetryAfter) {
  options_.backoff_base = milliseconds(400);
  HttpResponse fractional = raw(429, "Too Many Requests");
  fractional.headers["retry-after"] = "1.5";
  HttpResponse missing = failure(429, 10100, "Rate limited");
  HttpResponse date = failure(429, 10300, "Rate limited");
  date.headers["retry-after"] = "Wed, 21 Oct 2015 07:28:00 GMT";
  transport_.responses = {fractional, missing, date, success(json::array(), {{"total_pages", 1}})};
  client().listRecords(kZone);
  ASSERT_EQ(waits_.size(), 3u);
  EXPECT_EQ(waits_[0], milliseconds(1500));
  EXPECT_LE(waits_[1], milliseconds(400));  // first backoff step
  EXPECT_LE(waits_[2], milliseconds(800));  // second backoff step
}

TEST_F(CloudflareClientTest, RateLimitedBatchIsRetried) {
  HttpResponse limited = failure(429, 10429, "Rate limited");
  limited.headers["retry-after"] = "2";
  transport_.responses.push_back(limited);
  transport_.responses.push_back(success({{"posts", json::array({{{"id", recordId(7)}}})}}));
  RecordChanges changes;
  changes.posts.push_back(makeRecord("A", "www.madhan.app", "203.0.113.7"));
  auto results = client().apply(kZone, changes);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].ok);
  EXPECT_EQ(results[0].record_id, recordId(7));
  EXPECT_EQ(waits_, std::vector<milliseconds>{milliseconds(2000)});
  EXPECT_EQ(transport_.requests.size(), 2u);
  EXPECT_EQ(transport_.requests[0].body, transport_.requests[1].body);
}

TEST_F(CloudflareClientTest, ServerErrorsBackOffWithJitterUnderTheCap) {
  options_.backoff_base = milliseconds(500);
  options_.backoff_cap = milliseconds(700);
  HttpResponse down;
  down.transport_error = "Couldn't connect to server (127.0.0.1)";
  transport_.responses = {failure(503, 1000, "unavailable"), down,
                          raw(502, "<html>bad gateway</html>"),
                          success(json::array(), {{"total_pages", 1}})};
  client().listRecords(kZone);
  ASSERT_EQ(waits_.size(), 3u);
  EXPECT_LE(waits_[0], milliseconds(500));
  EXPECT_LE(waits_[1], milliseconds(700));
  EXPECT_LE(waits_[2], milliseconds(700));
  EXPECT_EQ(client().requestCount(), 4);
}

// What a program prints while it waits: every wait is told before it is slept, with its reason.
TEST_F(CloudflareClientTest, EachWaitIsToldBeforeItIsSlept) {
  options_.backoff_base = milliseconds(10);
  std::vector<RetryEvent> events;
  std::vector<std::size_t> waits_before;  // waits slept when each event came
  options_.on_retry = [&](const RetryEvent& event) {
    events.push_back(event);
    waits_before.push_back(waits_.size());
  };
  HttpResponse limited = failure(429, 10429, "Rate limited");
  limited.headers["retry-after"] = "20";
  HttpResponse down;
  down.transport_error = "Couldn't connect to server (127.0.0.1)";
  transport_.responses = {limited, raw(502, "<html>bad gateway</html>"), down,
                          success(json::array(), {{"total_pages", 1}})};
  client().listRecords(kZone);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].reason, RetryEvent::Reason::kRateLimited);
  EXPECT_EQ(events[0].status, 429);
  EXPECT_EQ(events[0].wait, milliseconds(20000));
  EXPECT_EQ(events[0].attempt, 2);
  EXPECT_EQ(events[1].reason, RetryEvent::Reason::kServerError);
  EXPECT_EQ(events[1].status, 502);
  EXPECT_EQ(events[1].attempt, 3);
  EXPECT_EQ(events[2].reason, RetryEvent::Reason::kNoAnswer);
  EXPECT_EQ(events[2].status, 0);
  EXPECT_EQ(events[2].attempt, 4);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(waits_before[i], i) << "event " << i << " came after its sleep";
    EXPECT_EQ(events[i].wait, waits_[i]);
  }
  EXPECT_STREQ(retryReasonName(RetryEvent::Reason::kRateLimited), "rate-limited");
  EXPECT_STREQ(retryReasonName(RetryEvent::Reason::kServerError), "server-error");
  EXPECT_STREQ(retryReasonName(RetryEvent::Reason::kNoAnswer), "no-answer");
}

// A write whose outcome is unknown is not repeated, so nothing is waited for or told.
TEST_F(CloudflareClientTest, NoWaitNoEventForAFailedBatch) {
  int told = 0;
  options_.on_retry = [&](const RetryEvent&) { ++told; };
  transport_.responses = {failure(502, 1000, "bad gateway")};
  RecordChanges changes;
  changes.posts.push_back(makeRecord("A", "www.madhan.app", "203.0.113.7"));
  auto results = client().apply(kZone, changes);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].outcome_unknown);
  EXPECT_EQ(told, 0);
}

// The metrics' view of the API: every failed exchange by status, and only rate-limit waits.
TEST_F(CloudflareClientTest, ApiStatsCountFailuresByStatusAndRateLimitWaits) {
  options_.backoff_base = milliseconds(10);
  HttpResponse limited = failure(429, 10429, "Rate limited");
  limited.headers["retry-after"] = "2";
  HttpResponse down;
  down.transport_error = "Couldn't connect to server (127.0.0.1)";
  transport_.responses = {limited, failure(503, 1000, "unavailable"), down, limited,
                          success(json::array(), {{"total_pages", 1}})};
  client().listRecords(kZone);
  const ApiStats& stats = client().apiStats();
  EXPECT_EQ(stats.errors,
            (std::map<std::string, std::uint64_t>{{"429", 2}, {"503", 1}, {"network", 1}}));
  EXPECT_EQ(stats.rate_limit_waits, 2u);
  EXPECT_EQ(stats.rate_limit_wait, milliseconds(4000));  // the 5xx backoffs are not counted

  // A refusal that ends the run is counted before it is thrown.
  transport_.responses = {failure(403, 10000, "Authentication error")};
  EXPECT_THROW(client().listRecords(kZone), ApiError);
  EXPECT_EQ(client().apiStats().errors.at("403"), 1u);
}

TEST_F(CloudflareClientTest, JitterIsRandomWithinTheBound) {
  options_.backoff_base = milliseconds(1000);
  options_.backoff_cap = milliseconds(1000);
  options_.deadline = milliseconds(1000000);
  int calls = 0;
  transport_.handler = [&](const HttpRequest&) {
    return ++calls <= 40 ? failure(503, 1000, "unavailable")
                         : success(json::array(), {{"total_pages", 1}});
  };
  client().listRecords(kZone);
  ASSERT_EQ(waits_.size(), 40u);
  std::set<long long> distinct;
  for (auto wait : waits_) {
    EXPECT_GE(wait.count(), 0);
    EXPECT_LE(wait.count(), 1000);
    distinct.insert(wait.count());
  }
  EXPECT_GT(distinct.size(), 5u);
}

TEST_F(CloudflareClientTest, DeadlineEndsRetries) {
  options_.deadline = milliseconds(10000);
  options_.backoff_base = milliseconds(2000);
  options_.backoff_cap = milliseconds(4000);
  transport_.handler = [](const HttpRequest&) { return failure(503, 1000, "unavailable"); };
  try {
    client().listRecords(kZone);
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("gave up after"), std::string::npos) << message;
    EXPECT_NE(message.find("HTTP 503"), std::string::npos) << message;
    EXPECT_EQ(e.httpStatus(), 503);
  }
  milliseconds total{0};
  for (auto wait : waits_) total += wait;
  EXPECT_LE(total, options_.deadline);
  EXPECT_EQ(static_cast<std::size_t>(client().requestCount()), waits_.size() + 1);
}

TEST_F(CloudflareClientTest, RetryAfterBeyondDeadlineGivesUpAtOnce) {
  options_.deadline = milliseconds(5000);
  HttpResponse limited = failure(429, 10429, "Rate limited");
  limited.headers["retry-after"] = "300";
  transport_.responses.push_back(limited);
  EXPECT_THROW(client().listRecords(kZone), ApiError);
  EXPECT_TRUE(waits_.empty());
  EXPECT_EQ(transport_.requests.size(), 1u);
}

// --- zone lookup -----------------------------------------------------------------------------

TEST_F(CloudflareClientTest, FindZoneIdAcceptsOneExactMatchAcrossPages) {
  transport_.responses.push_back(
      success(json::array({{{"id", "z-other"}, {"name", "sub.madhan.app"}}}),
              {{"page", 1}, {"total_pages", 2}}));
  transport_.responses.push_back(success(json::array({{{"id", "z-1"}, {"name", "Madhan.App"}}}),
                                         {{"page", 2}, {"total_pages", 2}}));
  EXPECT_EQ(client().findZoneId("madhan.app."), "z-1");
  ASSERT_EQ(transport_.requests.size(), 2u);
  EXPECT_EQ(transport_.requests[0].url,
            "http://127.0.0.1:9/client/v4/zones?name=madhan.app&per_page=50&page=1");
}

TEST_F(CloudflareClientTest, FindZoneIdEncodesTheName) {
  transport_.responses.push_back(success(json::array(), {{"total_pages", 0}}));
  EXPECT_THROW(client().findZoneId("a b&c=d.app"), ApiError);
  EXPECT_EQ(transport_.requests[0].url,
            "http://127.0.0.1:9/client/v4/zones?name=a%20b%26c%3Dd.app&per_page=50&page=1");
}

TEST_F(CloudflareClientTest, FindZoneIdRefusesNoneOrSeveral) {
  transport_.responses.push_back(success(json::array(), {{"total_pages", 0}}));
  try {
    client().findZoneId("madhan.app");
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    EXPECT_NE(std::string(e.what()).find("cloudflare.zone-id"), std::string::npos) << e.what();
  }
  transport_.responses.push_back(success(json::array({{{"id", "z-1"}, {"name", "madhan.app"}},
                                                      {{"id", "z-2"}, {"name", "madhan.app"}}}),
                                         {{"total_pages", 1}}));
  try {
    client().findZoneId("madhan.app");
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("z-1"), std::string::npos) << message;
    EXPECT_NE(message.find("cloudflare.zone-id"), std::string::npos) << message;
  }
}

// --- writes ----------------------------------------------------------------------------------

TEST_F(CloudflareClientTest, BatchesAreChunkedInCloudflareOrder) {
  options_.batch_size = 200;
  RecordChanges changes;
  for (int i = 0; i < 150; ++i) {
    changes.deletes.push_back(recordId(i));
    CloudflareRecord patch = makeRecord("A", "p" + std::to_string(i) + ".madhan.app", "192.0.2.1");
    patch.id = recordId(1000 + i);
    changes.patches.push_back(patch);
    changes.posts.push_back(makeRecord("A", "n" + std::to_string(i) + ".madhan.app", "192.0.2.2"));
  }
  int next_id = 5000;
  transport_.handler = [&](const HttpRequest& request) {
    json sent = json::parse(request.body);
    json posts = json::array();
    for (std::size_t i = 0; i < sent.value("posts", json::array()).size(); ++i) {
      posts.push_back({{"id", recordId(next_id++)}});
    }
    return success({{"deletes", json::array()}, {"patches", json::array()}, {"posts", posts}});
  };
  auto results = client().apply(kZone, changes);
  ASSERT_EQ(transport_.requests.size(), 3u);
  json first = body(0), second = body(1), third = body(2);
  EXPECT_EQ(first["deletes"].size(), 150u);
  EXPECT_EQ(first["patches"].size(), 50u);
  EXPECT_FALSE(first.contains("posts"));
  EXPECT_FALSE(second.contains("deletes"));
  EXPECT_EQ(second["patches"].size(), 100u);
  EXPECT_EQ(second["posts"].size(), 100u);
  EXPECT_FALSE(third.contains("deletes"));
  EXPECT_FALSE(third.contains("patches"));
  EXPECT_EQ(third["posts"].size(), 50u);
  EXPECT_EQ(first["deletes"][0]["id"], recordId(0));
  EXPECT_EQ(first["patches"][0]["id"], recordId(1000));
  EXPECT_EQ(second["patches"][0]["id"], recordId(1050));
  EXPECT_EQ(second["posts"][0]["name"], "n0.madhan.app");
  EXPECT_EQ(third["posts"][0]["name"], "n100.madhan.app");

  ASSERT_EQ(results.size(), 450u);
  for (const auto& r : results) EXPECT_TRUE(r.ok) << r.name << ": " << r.error;
  EXPECT_EQ(results[0].kind, OperationResult::Kind::kDelete);
  EXPECT_EQ(results[150].kind, OperationResult::Kind::kPatch);
  EXPECT_EQ(results[150].name, "p0.madhan.app A");
  EXPECT_EQ(results[300].kind, OperationResult::Kind::kPost);
  EXPECT_EQ(results[300].record_id, recordId(5000));
  EXPECT_EQ(results[449].record_id, recordId(5149));
}

TEST_F(CloudflareClientTest, BatchSizeIsClamped) {
  options_.batch_size = 0;
  RecordChanges changes;
  changes.deletes = {recordId(1), recordId(2)};
  transport_.handler = [](const HttpRequest&) { return success(json::object()); };
  auto results = client().apply(kZone, changes);
  EXPECT_EQ(transport_.requests.size(), 2u);
  EXPECT_TRUE(results[0].ok && results[1].ok);
}

TEST_F(CloudflareClientTest, RefusedBatchFallsBackToSingleCalls) {
  RecordChanges changes;
  changes.deletes.push_back(recordId(1));
  CloudflareRecord patch = makeRecord("A", "www.madhan.app", "203.0.113.8");
  patch.id = recordId(2);
  changes.patches.push_back(patch);
  changes.posts.push_back(makeRecord("A", "dup.madhan.app", "203.0.113.9"));
  changes.posts.push_back(makeRecord("A", "new.madhan.app", "203.0.113.10"));
  transport_.responses = {
      failure(400, 81058, "An identical record already exists."),       // batch
      success({{"id", recordId(1)}}),                                   // DELETE
      success(aRecord(recordId(2), "www.madhan.app", "203.0.113.8")),   // PATCH
      failure(400, 81058, "An identical record already exists."),       // POST dup
      success(aRecord(recordId(3), "new.madhan.app", "203.0.113.10")),  // POST new
  };
  auto results = client().apply(kZone, changes);
  ASSERT_EQ(transport_.requests.size(), 5u);
  const std::string records =
      std::string("http://127.0.0.1:9/client/v4/zones/") + kZone + "/dns_records";
  EXPECT_EQ(transport_.requests[1].method, "DELETE");
  EXPECT_EQ(transport_.requests[1].url, records + "/" + recordId(1));
  EXPECT_EQ(transport_.requests[2].method, "PATCH");
  EXPECT_EQ(transport_.requests[2].url, records + "/" + recordId(2));
  EXPECT_FALSE(body(2).contains("id"));
  EXPECT_EQ(body(2)["content"], "203.0.113.8");
  EXPECT_EQ(transport_.requests[3].method, "POST");
  EXPECT_EQ(transport_.requests[3].url, records);
  EXPECT_EQ(body(3), body(0)["posts"][0]);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0].ok);
  EXPECT_TRUE(results[1].ok);
  EXPECT_FALSE(results[2].ok);
  EXPECT_EQ(results[2].codes, std::vector<int>{81058});
  EXPECT_NE(results[2].error.find("identical record"), std::string::npos) << results[2].error;
  EXPECT_EQ(results[2].name, "dup.madhan.app A");
  EXPECT_TRUE(results[3].ok);
  EXPECT_EQ(results[3].record_id, recordId(3));
}

TEST_F(CloudflareClientTest, MissingBatchEndpointUsesSingleCallsFromThenOn) {
  options_.batch_size = 1;
  RecordChanges changes;
  changes.deletes = {recordId(1), recordId(2)};
  transport_.responses = {raw(404, "404 page not found"), success({{"id", recordId(1)}}),
                          success({{"id", recordId(2)}})};
  auto results = client().apply(kZone, changes);
  ASSERT_EQ(transport_.requests.size(), 3u);
  EXPECT_EQ(transport_.requests[1].method, "DELETE");
  EXPECT_EQ(transport_.requests[2].method, "DELETE");
  EXPECT_TRUE(results[0].ok && results[1].ok);
}

TEST_F(CloudflareClientTest, NoRouteCodeMeansNoBatchEndpoint) {
  RecordChanges changes;
  changes.posts.push_back(makeRecord("TXT", "madhan.app", "hello"));
  transport_.responses = {failure(400, 7003, "No route for that URI"),
                          success({{"id", recordId(4)}})};
  auto results = client().apply(kZone, changes);
  ASSERT_EQ(transport_.requests.size(), 2u);
  EXPECT_TRUE(results[0].ok);
  EXPECT_EQ(results[0].record_id, recordId(4));
}

TEST_F(CloudflareClientTest, BatchServerErrorFailsTheChunkWithoutRetry) {
  options_.batch_size = 2;
  RecordChanges changes;
  for (int i = 0; i < 3; ++i) {
    changes.posts.push_back(makeRecord("A", "h" + std::to_string(i) + ".madhan.app", "192.0.2.1"));
  }
  transport_.responses = {failure(502, 1000, "bad gateway")};
  auto results = client().apply(kZone, changes);
  EXPECT_EQ(transport_.requests.size(), 1u);
  EXPECT_TRUE(waits_.empty());
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) EXPECT_FALSE(r.ok);
  EXPECT_NE(results[0].error.find("outcome unknown"), std::string::npos) << results[0].error;
  EXPECT_NE(results[0].error.find("will re-list"), std::string::npos) << results[0].error;
  EXPECT_NE(results[2].error.find("not attempted"), std::string::npos) << results[2].error;
}

TEST_F(CloudflareClientTest, BatchTransportErrorIsNotRetried) {
  RecordChanges changes;
  changes.deletes.push_back(recordId(1));
  HttpResponse lost;
  lost.transport_error = "Timeout was reached (127.0.0.1:9)";
  transport_.responses = {lost};
  auto results = client().apply(kZone, changes);
  EXPECT_EQ(transport_.requests.size(), 1u);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].ok);
  EXPECT_NE(results[0].error.find("Timeout was reached"), std::string::npos) << results[0].error;
}

TEST_F(CloudflareClientTest, SinglePostIsNotRetriedOnServerError) {
  RecordChanges changes;
  changes.posts.push_back(makeRecord("A", "a.madhan.app", "192.0.2.1"));
  transport_.responses = {failure(400, 9005, "Content for A record is invalid."),
                          failure(503, 1000, "unavailable")};
  auto results = client().apply(kZone, changes);
  EXPECT_EQ(transport_.requests.size(), 2u);
  EXPECT_TRUE(waits_.empty());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].ok);
  EXPECT_NE(results[0].error.find("outcome unknown"), std::string::npos) << results[0].error;
}

TEST_F(CloudflareClientTest, SinglePatchAndDeleteAreRetriedOnServerError) {
  RecordChanges changes;
  changes.deletes.push_back(recordId(1));
  CloudflareRecord patch = makeRecord("CNAME", "www.madhan.app", "bifrost.madhan.app");
  patch.id = recordId(2);
  changes.patches.push_back(patch);
  transport_.responses = {failure(400, 81044, "Record does not exist."),  // batch
                          failure(503, 1000, "unavailable"),              // DELETE
                          failure(404, 81044, "Record does not exist."),  // DELETE again
                          failure(500, 1000, "internal"),                 // PATCH
                          success({{"id", recordId(2)}})};                // PATCH again
  auto results = client().apply(kZone, changes);
  ASSERT_EQ(transport_.requests.size(), 5u);
  EXPECT_EQ(waits_.size(), 2u);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].ok) << "a retried DELETE that finds the record gone did delete it";
  EXPECT_TRUE(results[1].ok) << results[1].error;
}

TEST_F(CloudflareClientTest, StaleDeleteIsReported) {
  RecordChanges changes;
  changes.deletes.push_back(recordId(1));
  transport_.responses = {failure(404, 81044, "Record does not exist."),
                          failure(404, 81044, "Record does not exist.")};
  auto results = client().apply(kZone, changes);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].ok);
  EXPECT_EQ(results[0].codes, std::vector<int>{81044});
}

TEST_F(CloudflareClientTest, UnexpressibleRecordIsNotSent) {
  RecordChanges changes;
  changes.posts.push_back(makeRecord("SRV", "_sip._tcp.madhan.app", "garbage"));
  changes.posts.push_back(makeRecord("A", "ok.madhan.app", "192.0.2.1"));
  transport_.responses = {success({{"posts", json::array({{{"id", recordId(8)}}})}})};
  auto results = client().apply(kZone, changes);
  ASSERT_EQ(transport_.requests.size(), 1u);
  EXPECT_EQ(body(0)["posts"].size(), 1u);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results[0].ok);
  EXPECT_NE(results[0].error.find("not sent"), std::string::npos) << results[0].error;
  EXPECT_TRUE(results[1].ok);
  EXPECT_EQ(results[1].record_id, recordId(8));
}

TEST_F(CloudflareClientTest, BodiesHaveExactlyTheSchemaFields) {
  CloudflareRecord a = makeRecord("A", "WWW.madhan.app.", "203.0.113.7", 300);
  a.proxied = true;  // proxied: TTL goes out as automatic
  CloudflareRecord mx = makeRecord("MX", "madhan.app", "mx.example.net", 3600);
  mx.priority = 10;
  CloudflareRecord srv = makeRecord("SRV", "_sip._tcp.madhan.app", "5 5060 SIP.madhan.app.", 300);
  srv.priority = 20;
  CloudflareRecord caa = makeRecord("CAA", "madhan.app", "0 issue \"letsencrypt.org\"");
  CloudflareRecord txt = makeRecord("TXT", "madhan.app", "v=spf1 -all", 120);
  CloudflareRecord patched_mx = mx;
  patched_mx.id = recordId(1);
  CloudflareRecord patched_srv = srv;
  patched_srv.id = recordId(2);
  RecordChanges changes;
  changes.patches = {patched_mx, patched_srv};
  changes.posts = {a, mx, srv, caa, txt};
  transport_.responses = {success({{"posts", json::array()}})};
  auto results = client().apply(kZone, changes);
  ASSERT_EQ(transport_.requests.size(), 1u);
  const std::string c = kMarker;
  json expected = {
      {"patches",
       json::array(
           {{{"id", recordId(1)},
             {"type", "MX"},
             {"name", "madhan.app"},
             {"content", "mx.example.net"},
             {"ttl", 3600},
             {"priority", 10},
             {"comment", c}},
            {{"id", recordId(2)},
             {"type", "SRV"},
             {"name", "_sip._tcp.madhan.app"},
             {"data",
              {{"priority", 20}, {"weight", 5}, {"port", 5060}, {"target", "sip.madhan.app"}}},
             {"ttl", 300},
             {"comment", c}}})},
      {"posts",
       json::array(
           {{{"type", "A"},
             {"name", "www.madhan.app"},
             {"content", "203.0.113.7"},
             {"ttl", 1},
             {"proxied", true},
             {"comment", c}},
            {{"type", "MX"},
             {"name", "madhan.app"},
             {"content", "mx.example.net"},
             {"ttl", 3600},
             {"priority", 10},
             {"comment", c}},
            {{"type", "SRV"},
             {"name", "_sip._tcp.madhan.app"},
             {"data",
              {{"priority", 20}, {"weight", 5}, {"port", 5060}, {"target", "sip.madhan.app"}}},
             {"ttl", 300},
             {"comment", c}},
            {{"type", "CAA"},
             {"name", "madhan.app"},
             {"data", {{"flags", 0}, {"tag", "issue"}, {"value", "letsencrypt.org"}}},
             {"ttl", 1},
             {"comment", c}},
            {{"type", "TXT"},
             {"name", "madhan.app"},
             {"content", "v=spf1 -all"},
             {"ttl", 120},
             {"comment", c}}})}};
  EXPECT_EQ(body(0), expected) << body(0).dump(2);
  for (const auto& r : results) EXPECT_TRUE(r.ok) << r.name << ": " << r.error;
}

TEST_F(CloudflareClientTest, SinglePatchBodyIsThePatchItemWithoutId) {
  CloudflareRecord caa = makeRecord("CAA", "madhan.app", "128 iodef \"mailto:a\\\"b@madhan.app\"");
  caa.id = recordId(5);
  RecordChanges changes;
  changes.patches = {caa};
  transport_.responses = {raw(405, ""), success({{"id", recordId(5)}})};
  auto results = client().apply(kZone, changes);
  ASSERT_EQ(transport_.requests.size(), 2u);
  json patch = body(1);
  EXPECT_EQ(patch,
            (json{{"type", "CAA"},
                  {"name", "madhan.app"},
                  {"data", {{"flags", 128}, {"tag", "iodef"}, {"value", "mailto:a\"b@madhan.app"}}},
                  {"ttl", 1},
                  {"comment", kMarker}}))
      << patch.dump();
  EXPECT_TRUE(results[0].ok);
}

// --- the token -------------------------------------------------------------------------------

TEST_F(CloudflareClientTest, PartOfTheTokenEchoedIsScrubbedToo) {
  const std::string token = kToken;
  // A prefix, and a tail after a cut: each a run of the token's characters, not the whole.
  transport_.responses.push_back(failure(
      400, 6003,
      "bad token '" + token.substr(0, 12) + "...' and '" + token.substr(token.size() - 9) + "'"));
  try {
    client().listRecords(kZone);
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find(token.substr(0, 8)), std::string::npos) << what;
    EXPECT_EQ(what.find(token.substr(token.size() - 8)), std::string::npos) << what;
    EXPECT_NE(what.find("bad token '<token>...' and '<token>'"), std::string::npos) << what;
  }
}

TEST(CloudflareClientUrl, PlainHttpIsRefusedOutsideLoopback) {
  ScriptedTransport transport;
  ClientOptions options;
  options.token = "a-token";
  for (const char* url :
       {"http://api.example.org/client/v4", "HTTP://203.0.113.9:80/", "http://user@10.0.0.1/",
        "http://[2001:db8::1]:8080/", "http://127.0.0.1.example.org/"}) {
    options.api_url = url;
    try {
      CloudflareClient client(options, transport);
      ADD_FAILURE() << url << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("refusing to send the API token over plain http"),
                std::string::npos)
          << e.what();
    }
  }
  for (const char* url : {"https://api.example.org/client/v4", "http://127.0.0.1:9/client/v4",
                          "http://127.8.9.10/", "http://[::1]:8080/", "http://localhost:1/"}) {
    options.api_url = url;
    EXPECT_NO_THROW(CloudflareClient(options, transport)) << url;
  }
  EXPECT_TRUE(transport.requests.empty()) << "refused before any request";
}

class CloudflareTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* old = std::getenv("CLOUDFLARE_API_TOKEN")) saved_ = old;
    unsetenv("CLOUDFLARE_API_TOKEN");
    dir_ = std::filesystem::temp_directory_path() /
           ("horizon-token-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (saved_) {
      setenv("CLOUDFLARE_API_TOKEN", saved_->c_str(), 1);
    } else {
      unsetenv("CLOUDFLARE_API_TOKEN");
    }
    std::filesystem::remove_all(dir_);
  }
  std::string writeFile(const std::string& name, const std::string& content) {
    auto path = dir_ / name;
    std::ofstream(path) << content;
    return path.string();
  }

  std::optional<std::string> saved_;
  std::filesystem::path dir_;
};

TEST_F(CloudflareTokenTest, ReadsTheEnvironment) {
  setenv("CLOUDFLARE_API_TOKEN", "  env-token \n", 1);
  EXPECT_EQ(readApiToken(""), "env-token");
}

TEST_F(CloudflareTokenTest, FileWinsOverTheEnvironment) {
  setenv("CLOUDFLARE_API_TOKEN", "env-token", 1);
  std::string path = writeFile("token", "file-token\t\r\nsecond line\n");
  EXPECT_EQ(readApiToken(path), "file-token");
}

TEST_F(CloudflareTokenTest, MissingOrEmptyFileIsAnErrorWithoutContent) {
  std::string missing = (dir_ / "absent").string();
  try {
    readApiToken(missing);
    FAIL() << "expected runtime_error";
  } catch (const std::runtime_error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(missing), std::string::npos) << message;
    EXPECT_NE(message.find("No such file"), std::string::npos) << message;
  }
  std::string empty = writeFile("empty", "   \nsecret-on-line-two\n");
  try {
    readApiToken(empty);
    FAIL() << "expected runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).find("secret-on-line-two"), std::string::npos) << e.what();
  }
  std::string spaced = writeFile("spaced", "secret with spaces\n");
  try {
    readApiToken(spaced);
    FAIL() << "expected runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
  }
}

TEST_F(CloudflareTokenTest, NeitherSourceNamesBoth) {
  try {
    readApiToken("");
    FAIL() << "expected runtime_error";
  } catch (const std::runtime_error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("CLOUDFLARE_API_TOKEN"), std::string::npos) << message;
    EXPECT_NE(message.find("--token-file"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace horizon::sync
