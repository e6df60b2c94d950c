// The HTTP responses DoH sends, independent of the HTTP version that carries them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace horizon::doh {

/// A status, lowercase header fields (HTTP/2 requires lowercase) and a body.
struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::uint8_t> body;
};

/// 200 carrying `dns_response` as application/dns-message, with content-length and
/// cache-control max-age from its TTLs (RFC 8484 5.1); max-age=0 when it has no records.
Response dnsResponse(std::span<const std::uint8_t> dns_response);

/// An error status with an empty body; 405 names the allowed methods (RFC 9110 15.5.6).
Response errorResponse(int status);

/// The reason phrase HTTP/1.1 writes after `status`.
std::string_view reasonPhrase(int status);

}  // namespace horizon::doh
