// The metrics endpoint's routes (server/metrics/http_routes.cpp) without a socket: what each
// path and method gets, HEAD, readiness, a failing collector, and the published documents with
// their ETags and conditional requests.
#include "metrics/http_routes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace horizon::metrics {
namespace {

namespace http = boost::beast::http;
using ::testing::HasSubstr;

class HttpRoutesTest : public ::testing::Test {
 protected:
  HttpRoutesTest() {
    routes_.collect = [this] {
      ++scrapes_;
      if (fail_) throw std::runtime_error("the cache is gone");
      Families families;
      addSample(
          addFamily(families, "horizon_ready", "1 when ready.", prometheus::MetricType::Gauge), {},
          1);
      return families;
    };
    routes_.ready = [this] { return ready_; };
    routes_.shutting_down = &shutting_down_;
  }

  HttpResponse get(const std::string& target, http::verb method = http::verb::get,
                   unsigned version = 11) {
    HttpRequest request;
    request.method(method);
    request.target(target);
    request.version(version);
    return respond(request, routes_);
  }

  Routes routes_;
  std::atomic<bool> shutting_down_{false};
  bool ready_ = false, fail_ = false;
  int scrapes_ = 0;
};

TEST_F(HttpRoutesTest, MetricsIsTheExpositionOfOneCollection) {
  const HttpResponse response = get("/metrics");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::content_type], "text/plain; version=0.0.4");
  EXPECT_THAT(response.body(), HasSubstr("\nhorizon_ready 1\n"));
  EXPECT_EQ(response[http::field::content_length], std::to_string(response.body().size()));
  EXPECT_TRUE(response.keep_alive());
  EXPECT_EQ(scrapes_, 1);
  EXPECT_EQ(get("/metrics?name[]=horizon_ready").result(), http::status::ok);  // a query is ignored
}

TEST_F(HttpRoutesTest, HeadHasGetsHeadersAndNoBody) {
  const std::string length(get("/metrics")[http::field::content_length]);
  const HttpResponse head = get("/metrics", http::verb::head);
  EXPECT_EQ(head.result(), http::status::ok);
  EXPECT_EQ(head[http::field::content_length], length);
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(get("/health", http::verb::head)[http::field::content_length], "2");
}

TEST_F(HttpRoutesTest, HealthIsOkWhileServing) {
  const HttpResponse response = get("/health");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), "ok");
  EXPECT_EQ(scrapes_, 0);
}

TEST_F(HttpRoutesTest, ReadyFollowsTheCallbackUntilShuttingDown) {
  HttpResponse response = get("/ready");
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  EXPECT_EQ(response.body(), "not ready");
  ready_ = true;
  response = get("/ready");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), "ready");
  shutting_down_ = true;
  EXPECT_EQ(get("/ready").result(), http::status::service_unavailable);
  EXPECT_EQ(get("/health").result(), http::status::ok);
}

TEST_F(HttpRoutesTest, AReadinessCallbackThatThrowsMeansNotReady) {
  routes_.ready = []() -> bool { throw std::runtime_error("no"); };
  EXPECT_EQ(get("/ready").result(), http::status::service_unavailable);
}

TEST_F(HttpRoutesTest, ACollectorThatThrowsGives500) {
  fail_ = true;
  const HttpResponse response = get("/metrics");
  EXPECT_EQ(response.result(), http::status::internal_server_error);
  EXPECT_THAT(response.body(), HasSubstr("the cache is gone"));
}

TEST_F(HttpRoutesTest, UnknownPathsAre404) {
  EXPECT_EQ(get("/").result(), http::status::not_found);
  EXPECT_EQ(get("/metricsx").result(), http::status::not_found);
  EXPECT_EQ(get("/metrics/").result(), http::status::not_found);
}

TEST_F(HttpRoutesTest, OtherMethodsAre405WithAllowAndClose) {
  for (http::verb method :
       {http::verb::post, http::verb::put, http::verb::delete_, http::verb::options}) {
    const HttpResponse response = get("/metrics", method);
    EXPECT_EQ(response.result(), http::status::method_not_allowed);
    EXPECT_EQ(response[http::field::allow], "GET, HEAD");
    EXPECT_FALSE(response.keep_alive());
  }
  EXPECT_EQ(scrapes_, 0);
}

TEST_F(HttpRoutesTest, ARequestBodyIsRefused) {
  HttpRequest request;
  request.method(http::verb::get);
  request.target("/metrics");
  request.version(11);
  request.set(http::field::content_length, "5");
  HttpResponse response = respond(request, routes_);
  EXPECT_EQ(response.result(), http::status::payload_too_large);
  EXPECT_FALSE(response.keep_alive());
  request.erase(http::field::content_length);
  request.set(http::field::transfer_encoding, "chunked");
  EXPECT_EQ(respond(request, routes_).result(), http::status::payload_too_large);
  EXPECT_EQ(scrapes_, 0);
}

TEST_F(HttpRoutesTest, Http10ClosesUnlessAskedToKeepAlive) {
  EXPECT_FALSE(get("/health", http::verb::get, 10).keep_alive());
  EXPECT_EQ(get("/health", http::verb::get, 10).version(), 10u);
}

// A route table with one document path, as `horizon-sync watch --traefik-http` sets it up.
class HttpDocumentRouteTest : public HttpRoutesTest {
 protected:
  HttpDocumentRouteTest() { routes_.documents.emplace("/traefik", slot_); }

  // A GET of /traefik carrying each of `if_none_match` as one If-None-Match field.
  HttpResponse conditional(const std::vector<std::string>& if_none_match,
                           http::verb method = http::verb::get) {
    HttpRequest request;
    request.method(method);
    request.target("/traefik");
    request.version(11);
    for (const std::string& value : if_none_match)
      request.insert(http::field::if_none_match, value);
    return respond(request, routes_);
  }

  std::shared_ptr<DocumentSlot> slot_ = std::make_shared<DocumentSlot>();
  const std::string body_ = R"({"http":{"routers":{}}})";
};

TEST_F(HttpDocumentRouteTest, ServesTheDocumentWithItsTagAndNoCache) {
  const auto document = makeDocument(body_, "application/json");
  slot_->publish(document);
  const HttpResponse response = get("/traefik");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), body_);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  EXPECT_EQ(response[http::field::content_length], std::to_string(body_.size()));
  EXPECT_EQ(response[http::field::etag], document->etag);
  EXPECT_EQ(response[http::field::cache_control], "no-cache");
  EXPECT_TRUE(response.keep_alive());
  EXPECT_EQ(get("/traefik?since=1").body(), body_);  // a query is ignored
  EXPECT_EQ(get("/traefik/").result(), http::status::not_found);
  EXPECT_EQ(scrapes_, 0);
}

TEST_F(HttpDocumentRouteTest, AMatchingIfNoneMatchGets304WithoutABody) {
  const auto document = makeDocument(body_, "application/json");
  slot_->publish(document);
  const std::string tag = document->etag;
  for (const std::vector<std::string>& fields : std::vector<std::vector<std::string>>{
           {tag},
           {"\"0000000000000000\", " + tag + " ,\"ffffffffffffffff\""},
           {"W/" + tag},
           {"*"},
           {"\"0000000000000000\"", tag},  // several fields are one list
       }) {
    const HttpResponse response = conditional(fields);
    EXPECT_EQ(response.result(), http::status::not_modified) << fields.front();
    EXPECT_EQ(response[http::field::etag], tag);
    EXPECT_EQ(response[http::field::cache_control], "no-cache");
    EXPECT_TRUE(response.body().empty());
    // A 304 has no body by definition; a Content-Length or chunking would make the client wait.
    EXPECT_EQ(response.find(http::field::content_length), response.end());
    EXPECT_EQ(response.find(http::field::transfer_encoding), response.end());
    EXPECT_TRUE(response.keep_alive());
  }
}

TEST_F(HttpDocumentRouteTest, AnotherTagGetsTheBody) {
  const auto document = makeDocument(body_, "application/json");
  slot_->publish(document);
  const std::string hex = document->etag.substr(1, 16);
  for (const std::vector<std::string>& fields : std::vector<std::vector<std::string>>{
           {"\"0000000000000000\""},
           {"\"0000000000000000\", \"ffffffffffffffff\""},
           {hex},                                        // unquoted: not an entity tag
           {"\"" + hex.substr(1) + "\""},                // a prefix of the tag
           {"\"0000000000000000\" x" + document->etag},  // malformed before the tag
           {"\"0000000000000000\", *"},                  // "*" only stands alone
           {""},
       }) {
    const HttpResponse response = conditional(fields);
    EXPECT_EQ(response.result(), http::status::ok) << fields.front();
    EXPECT_EQ(response.body(), body_);
    EXPECT_EQ(response[http::field::etag], document->etag);
  }
}

TEST_F(HttpDocumentRouteTest, NoDocumentYetOrWithdrawnIs503) {
  HttpResponse response = get("/traefik");
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  EXPECT_EQ(response.body(), "not rendered yet\n");
  EXPECT_EQ(response.find(http::field::etag), response.end());
  EXPECT_EQ(conditional({"*"}).result(), http::status::service_unavailable);
  slot_->publish(makeDocument(body_, "application/json"));
  EXPECT_EQ(get("/traefik").result(), http::status::ok);
  slot_->publish(nullptr);
  EXPECT_EQ(slot_->current(), nullptr);
  response = get("/traefik");
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  EXPECT_EQ(response.body(), "not rendered yet\n");
}

TEST_F(HttpDocumentRouteTest, APublishReplacesBodyAndTag) {
  slot_->publish(makeDocument(body_, "application/json"));
  const HttpResponse first = get("/traefik");
  const std::string old_tag(first[http::field::etag]);

  const std::string other =
      R"json({"http":{"routers":{"app":{"rule":"Host(`app.example`)"}}}})json";
  slot_->publish(makeDocument(other, "application/json"));
  const HttpResponse second = conditional({old_tag});
  EXPECT_EQ(second.result(), http::status::ok);  // the poller's copy is stale now
  EXPECT_EQ(second.body(), other);
  EXPECT_NE(second[http::field::etag], old_tag);

  // The same body again (a reload that changed nothing Traefik sees): the old tag is current.
  slot_->publish(makeDocument(body_, "application/json"));
  EXPECT_EQ(get("/traefik")[http::field::etag], old_tag);
  EXPECT_EQ(conditional({old_tag}).result(), http::status::not_modified);
}

TEST_F(HttpDocumentRouteTest, HeadHasGetsHeadersAndNoBody) {
  const auto document = makeDocument(body_, "application/json");
  slot_->publish(document);
  const HttpResponse head = get("/traefik", http::verb::head);
  EXPECT_EQ(head.result(), http::status::ok);
  EXPECT_EQ(head[http::field::content_length], std::to_string(body_.size()));
  EXPECT_EQ(head[http::field::etag], document->etag);
  EXPECT_EQ(head[http::field::content_type], "application/json");
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(conditional({document->etag}, http::verb::head).result(), http::status::not_modified);
}

TEST_F(HttpDocumentRouteTest, OtherMethodsAre405AndBodiesAre413) {
  slot_->publish(makeDocument(body_, "application/json"));
  for (http::verb method : {http::verb::post, http::verb::put, http::verb::delete_}) {
    const HttpResponse response = get("/traefik", method);
    EXPECT_EQ(response.result(), http::status::method_not_allowed);
    EXPECT_EQ(response[http::field::allow], "GET, HEAD");
    EXPECT_FALSE(response.keep_alive());
  }
  HttpRequest request;
  request.method(http::verb::get);
  request.target("/traefik");
  request.version(11);
  request.set(http::field::content_length, "2");
  const HttpResponse response = respond(request, routes_);
  EXPECT_EQ(response.result(), http::status::payload_too_large);
  EXPECT_FALSE(response.keep_alive());
}

TEST_F(HttpDocumentRouteTest, Http10ClosesUnlessAskedToKeepAlive) {
  slot_->publish(makeDocument(body_, "application/json"));
  EXPECT_FALSE(get("/traefik", http::verb::get, 10).keep_alive());
}

TEST_F(HttpDocumentRouteTest, WithoutACollectorMetricsIs404) {
  routes_.collect = nullptr;
  EXPECT_EQ(get("/metrics").result(), http::status::not_found);
  EXPECT_EQ(get("/metrics", http::verb::post).result(), http::status::not_found);
  EXPECT_EQ(get("/health").result(), http::status::ok);
  EXPECT_EQ(get("/ready").result(), http::status::service_unavailable);
  slot_->publish(makeDocument(body_, "application/json"));
  EXPECT_EQ(get("/traefik").result(), http::status::ok);
}

TEST(HttpDocumentTest, TheTagIsTheQuotedHashOfTheBody) {
  const auto document = makeDocument(R"({"a":1})", "application/json");
  EXPECT_EQ(document->body, R"({"a":1})");
  EXPECT_EQ(document->content_type, "application/json");
  EXPECT_TRUE(std::regex_match(document->etag, std::regex(R"("[0-9a-f]{16}")"))) << document->etag;
  // FNV-1a's published test values: a tag does not depend on the build or the run.
  EXPECT_EQ(makeDocument("", "text/plain")->etag, "\"cbf29ce484222325\"");
  EXPECT_EQ(makeDocument("a", "text/plain")->etag, "\"af63dc4c8601ec8c\"");
  // The content type is not part of the tag; the body alone is.
  EXPECT_EQ(makeDocument(R"({"a":1})", "text/plain")->etag, document->etag);
  EXPECT_NE(makeDocument(R"({"a":2})", "application/json")->etag, document->etag);
}

TEST(HttpDocumentTest, ASlotHoldsTheLastPublishedDocument) {
  DocumentSlot slot;
  EXPECT_EQ(slot.current(), nullptr);
  const auto first = makeDocument("1", "text/plain");
  slot.publish(first);
  EXPECT_EQ(slot.current(), first);
  const auto held = slot.current();
  slot.publish(makeDocument("2", "text/plain"));
  EXPECT_EQ(held->body, "1");  // a reader's document outlives its replacement
  EXPECT_EQ(slot.current()->body, "2");
}

TEST(HttpRefusalTest, ClosesTheConnection) {
  const HttpResponse response =
      refusal(http::status::request_header_fields_too_large, "request header too large\n");
  EXPECT_EQ(response.result_int(), 431u);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_EQ(response[http::field::content_length], "25");
}

}  // namespace
}  // namespace horizon::metrics
