// DoH responses: a DNS answer, or an empty error.
#include "response.hpp"

#include "horizon/doh/cache_ttl.hpp"

namespace horizon::doh {

Response dnsResponse(std::span<const std::uint8_t> dns_response) {
  Response out;
  out.status = 200;
  out.fields = {{"content-type", "application/dns-message"},
                {"content-length", std::to_string(dns_response.size())},
                {"cache-control", "max-age=" + std::to_string(cacheMaxAge(dns_response))}};
  out.body.assign(dns_response.begin(), dns_response.end());
  return out;
}

Response errorResponse(int status) {
  Response out;
  out.status = status;
  out.fields = {{"content-length", "0"}};
  if (status == 405) out.fields.emplace_back("allow", "GET, POST");
  return out;
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 431:
      return "Request Header Fields Too Large";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

}  // namespace horizon::doh
