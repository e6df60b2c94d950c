// Listen addresses as flags and the config file write them.
#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <string_view>

#include "horizon/config/server_config.hpp"

namespace horizon::config {
namespace {

bool isIpLiteral(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// Digits only: std::stoul would accept "+5", " 5" and "5abc".
std::optional<unsigned long> parseDigits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  unsigned long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ListenAddress> parseListenAddress(const std::string& text, std::string* error) {
  ListenAddress out;
  std::string host;
  std::optional<std::string> port_text;
  if (text.empty()) {
    *error = "empty listen address";
    return std::nullopt;
  }
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos) {
      *error = "'" + text + "': missing ']' after the IPv6 address";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    const std::string rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        *error = "'" + text + "': expected ':PORT' after ']'";
        return std::nullopt;
      }
      port_text = rest.substr(1);
    }
  } else if (text.find_first_not_of("0123456789") == std::string::npos) {
    host = "127.0.0.1";  // a bare port keeps the server private by default
    port_text = text;
  } else if (const auto colons = std::count(text.begin(), text.end(), ':'); colons > 1) {
    host = text;  // a bare IPv6 address; write [addr]:port to give a port
  } else if (colons == 1) {
    const auto colon = text.find(':');
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  } else {
    host = text;
  }
  if (!isIpLiteral(host)) {
    *error = "'" + text + "': '" + host + "' is not an IPv4 or IPv6 address";
    return std::nullopt;
  }
  if (port_text) {
    auto port = parseDigits(*port_text);
    if (!port || *port > 65535) {
      *error = "'" + text + "': port must be a number from 0 to 65535, got '" + *port_text + "'";
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(*port);
  }
  out.host = host;
  return out;
}

}  // namespace horizon::config
