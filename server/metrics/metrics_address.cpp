// --metrics ADDR:PORT. The grammar is listen_address's (server/config) with one difference: a
// port is required unless the text is a bare port, since no port is the metrics port by
// convention. It is not shared because horizon-sync takes it too, and horizon_config brings
// horizond's resolver with it.
#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <charconv>

#include "horizon/metrics/http_endpoint.hpp"

namespace horizon::metrics {
namespace {

// Digits only, 0..65535: std::stoul would accept "+5", " 5" and "5abc".
std::optional<std::uint16_t> parsePort(const std::string& text) {
  unsigned long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<EndpointOptions> parseMetricsAddress(const std::string& text, std::string* error) {
  const std::string expected = "'" + text + "': expected ADDR:PORT, [IPV6]:PORT or PORT";
  std::string host, port_text;
  if (text.empty()) {
    *error = "empty metrics address: " + expected;
    return std::nullopt;
  }
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    host = "127.0.0.1";  // a bare port keeps the endpoint private by default
    port_text = text;
  } else if (text.front() == '[') {
    const auto close = text.find("]:");
    if (close == std::string::npos) {
      *error = expected;
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || std::count(text.begin(), text.end(), ':') > 1) {
      *error = expected;  // no port, or an IPv6 address without brackets
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (ec || host.empty()) {
    *error = "'" + text + "': '" + host + "' is not an IPv4 or IPv6 address";
    return std::nullopt;
  }
  const auto port = parsePort(port_text);
  if (!port) {
    *error = "'" + text + "': port must be a number from 0 to 65535, got '" + port_text + "'";
    return std::nullopt;
  }
  EndpointOptions options;
  options.address = host;
  options.port = *port;
  return options;
}

}  // namespace horizon::metrics
