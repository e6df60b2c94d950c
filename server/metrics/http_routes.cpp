// The routes are the endpoint's whole contract with Prometheus, load balancers and probes; the
// connection code only moves bytes.
#include "http_routes.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <exception>
#include <string>

namespace horizon::metrics {
namespace {

namespace http = boost::beast::http;

HttpResponse text(http::status status, std::string body, unsigned version,
                  std::string_view content_type = "text/plain; charset=utf-8") {
  HttpResponse response(status, version);
  response.set(http::field::content_type,
               boost::beast::string_view(content_type.data(), content_type.size()));
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

bool announcesBody(const HttpRequest& request) {
  if (request.find(http::field::transfer_encoding) != request.end()) return true;
  const auto length = request.find(http::field::content_length);
  return length != request.end() && length->value() != "0";
}

bool isReady(const Routes& routes) {
  if (routes.shutting_down != nullptr && routes.shutting_down->load()) return false;
  try {
    return routes.ready && routes.ready();
  } catch (const std::exception&) {
    return false;  // a probe that cannot tell is not ready
  }
}

}  // namespace

HttpResponse respond(const HttpRequest& request, const Routes& routes) {
  const unsigned version = request.version();
  std::string_view path(request.target().data(), request.target().size());
  path = path.substr(0, path.find('?'));
  const bool known = path == "/metrics" || path == "/health" || path == "/ready";
  const bool head = request.method() == http::verb::head;

  HttpResponse response;
  if (request.method() != http::verb::get && !head) {
    response = known ? text(http::status::method_not_allowed, "method not allowed\n", version)
                     : text(http::status::not_found, "not found\n", version);
    if (known) response.set(http::field::allow, "GET, HEAD");
    response.keep_alive(false);  // a body may follow that nobody reads
    return response;
  }
  if (announcesBody(request)) {
    response = text(http::status::payload_too_large, "request bodies are not accepted\n", version);
    response.keep_alive(false);
    return response;
  }
  if (path == "/metrics") {
    try {
      response = text(http::status::ok, render(routes.collect()), version, kExpositionContentType);
    } catch (const std::exception& e) {
      response = text(http::status::internal_server_error,
                      std::string("collecting metrics failed: ") + e.what() + "\n", version);
    }
  } else if (path == "/health") {
    response = text(http::status::ok, "ok", version);
  } else if (path == "/ready") {
    response = isReady(routes) ? text(http::status::ok, "ready", version)
                               : text(http::status::service_unavailable, "not ready", version);
  } else {
    response = text(http::status::not_found, "not found\n", version);
  }
  response.keep_alive(request.keep_alive());
  if (head) {
    // prepare_payload() set GET's Content-Length; the body itself is not sent.
    response.body().clear();
  }
  return response;
}

HttpResponse refusal(http::status status, std::string_view body, unsigned version) {
  HttpResponse response = text(status, std::string(body), version);
  response.keep_alive(false);
  return response;
}

}  // namespace horizon::metrics
