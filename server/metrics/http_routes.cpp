// The routes are the endpoint's whole contract with Prometheus, load balancers, probes and the
// pollers of its documents; the connection code only moves bytes.
#include "http_routes.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <exception>
#include <string>

#include "entity_tag.hpp"

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

bool namedByIfNoneMatch(const HttpRequest& request, std::string_view etag) {
  // Several If-None-Match fields mean their comma-joined list: a hit in any one is a hit.
  const auto [first, last] = request.equal_range(http::field::if_none_match);
  for (auto field = first; field != last; ++field) {
    if (noneMatchNames(std::string_view(field->value().data(), field->value().size()), etag))
      return true;
  }
  return false;
}

// no-cache rather than a lifetime: a poller (Traefik) must ask again each time, and the ETag
// makes asking cheap.
HttpResponse document(const HttpRequest& request, const DocumentSlot& slot, unsigned version) {
  const std::shared_ptr<const HttpDocument> current = slot.current();
  if (current == nullptr)
    return text(http::status::service_unavailable, "not rendered yet\n", version);
  HttpResponse response;
  if (namedByIfNoneMatch(request, current->etag)) {
    // No body and no Content-Length: a 304 never has a body, so the client reads none and the
    // next response on the connection follows the head directly.
    response = HttpResponse(http::status::not_modified, version);
  } else {
    response = text(http::status::ok, current->body, version, current->content_type);
  }
  response.set(http::field::etag, current->etag);
  response.set(http::field::cache_control, "no-cache");
  return response;
}

}  // namespace

HttpResponse respond(const HttpRequest& request, const Routes& routes) {
  const unsigned version = request.version();
  std::string_view path(request.target().data(), request.target().size());
  path = path.substr(0, path.find('?'));
  const auto served = routes.documents.find(path);
  const DocumentSlot* slot = served == routes.documents.end() ? nullptr : served->second.get();
  // An endpoint may serve documents only, e.g. on an address where metrics are not wanted.
  const bool serves_metrics = path == "/metrics" && routes.collect;
  const bool known = serves_metrics || path == "/health" || path == "/ready" || slot != nullptr;
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
  if (serves_metrics) {
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
  } else if (slot != nullptr) {
    response = document(request, *slot, version);
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
