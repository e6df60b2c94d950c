// Private to the metrics module: what the endpoint answers to a request head, apart from any
// socket, so the routing rules are tested without a connection.
#pragma once

#include <atomic>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "horizon/metrics/exposition.hpp"
#include "horizon/metrics/http_document.hpp"

namespace horizon::metrics {

/// A request as the endpoint reads it: the head only (bodies are refused).
using HttpRequest = boost::beast::http::request<boost::beast::http::empty_body>;
/// The response type of every route.
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

/// What the routes read: the endpoint's callbacks, its shutdown flag and its documents.
struct Routes {
  std::function<Families()> collect;  // empty: no /metrics (404)
  std::function<bool()> ready;
  const std::atomic<bool>* shutting_down = nullptr;
  // Fixed before the endpoint starts; only the slots' contents change while it serves.
  std::map<std::string, std::shared_ptr<DocumentSlot>, std::less<>> documents;
};

/// The content type of /metrics (the Prometheus text format).
inline constexpr std::string_view kExpositionContentType = "text/plain; version=0.0.4";

/// The response to a request head whose body, if it announced one, was not read: /metrics,
/// /health, /ready, the documents (304 when If-None-Match names the current ETag, 503 before
/// one is published), 404, 405 with Allow, 413 for a body. HEAD gets GET's headers without the
/// body. Keep-alive follows the request, except after 405 and 413 (the body is not read).
HttpResponse respond(const HttpRequest& request, const Routes& routes);

/// A text response for refusals outside the routes (400, 431, 503), with Connection: close.
HttpResponse refusal(boost::beast::http::status status, std::string_view text,
                     unsigned version = 11);

}  // namespace horizon::metrics
