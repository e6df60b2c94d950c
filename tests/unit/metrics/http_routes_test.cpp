// The metrics endpoint's routes (server/metrics/http_routes.cpp) without a socket: what each
// path and method gets, HEAD, readiness, and a failing collector.
#include "metrics/http_routes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <stdexcept>

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

TEST(HttpRefusalTest, ClosesTheConnection) {
  const HttpResponse response =
      refusal(http::status::request_header_fields_too_large, "request header too large\n");
  EXPECT_EQ(response.result_int(), 431u);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_EQ(response[http::field::content_length], "25");
}

}  // namespace
}  // namespace horizon::metrics
