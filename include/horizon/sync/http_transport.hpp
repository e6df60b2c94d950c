// The I/O seam of horizon-sync: one HTTP exchange at a time. CurlTransport is the real one; unit
// tests script their own, and system tests point CurlTransport at a local fake of the API.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace horizon::sync {

/// One HTTP request. `url` is absolute; headers are sent as given.
struct HttpRequest {
  std::string method;  // "GET", "POST", "PATCH", "PUT", "DELETE"
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // empty: no body
};

/// One HTTP response, or a transport failure (status 0 and `transport_error` set).
struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercased; the last value wins
  std::string body;
  std::string transport_error;  // connection refused, timeout, ... (never contains headers)
};

/// Sends HTTP requests. Implementations must not log request headers (they carry the token).
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  /// Performs one exchange, waiting at most `timeout`; never throws for network errors.
  virtual HttpResponse send(const HttpRequest& request, std::chrono::milliseconds timeout) = 0;
};

/// The libcurl transport: HTTP/1.1 or HTTPS, verbose output off, no redirects followed.
std::unique_ptr<HttpTransport> makeCurlTransport();

}  // namespace horizon::sync
