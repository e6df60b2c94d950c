// X-Forwarded-For and Forwarded (RFC 7239): the last hop's client address.
#include "horizon/doh/forwarded.hpp"

#include <cctype>
#include <string>

#include "ascii.hpp"

namespace horizon::doh {
namespace {

bool isPort(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  unsigned value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

// RFC 7239 6.3: an obfuscated port is "_" followed by letters, digits, ".", "_" or "-".
bool isObfuscatedPort(std::string_view s) {
  if (s.size() < 2 || s.front() != '_') return false;
  for (char c : s.substr(1))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      return false;
  return true;
}

// A node as proxies write it (RFC 7239 6): "IPv4", "IPv4:port", "[IPv6]", "[IPv6]:port", or a
// bare IPv6 literal as X-Forwarded-For usually carries it.
std::optional<ip::ClientAddress> parseNode(std::string_view node) {
  node = trimOws(node);
  // inet_pton would stop at a NUL and accept what came before it.
  for (char c : node)
    if (c <= ' ' || c >= 0x7F) return std::nullopt;
  if (!node.empty() && node.front() == '[') {
    const auto close = node.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view rest = node.substr(close + 1);
    if (!rest.empty() &&
        (rest.front() != ':' || !(isPort(rest.substr(1)) || isObfuscatedPort(rest.substr(1)))))
      return std::nullopt;
    auto address = ip::ClientAddress::fromString(node.substr(1, close - 1));
    // Brackets are for IPv6 only; "[192.0.2.1]" is nobody's format.
    if (address && node.substr(1, close - 1).find(':') == std::string_view::npos)
      return std::nullopt;
    return address;
  }
  const auto first_colon = node.find(':');
  if (first_colon != std::string_view::npos &&
      node.find(':', first_colon + 1) == std::string_view::npos) {
    // Exactly one colon: IPv4 with a port.
    const std::string_view port = node.substr(first_colon + 1);
    if (!isPort(port) && !isObfuscatedPort(port)) return std::nullopt;
    return ip::ClientAddress::fromString(node.substr(0, first_colon));
  }
  return ip::ClientAddress::fromString(node);
}

// Splits `value` at `separator` outside quoted strings (RFC 9110 5.6.4), backslash escapes
// included; returns false when a quoted string is unterminated.
template <typename Fn>
bool splitOutsideQuotes(std::string_view value, char separator, Fn&& each) {
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == separator) {
      each(value.substr(start, i - start));
      start = i + 1;
    }
  }
  if (quoted) return false;
  each(value.substr(start));
  return true;
}

// The value of a parameter: a token, or a quoted string with its escapes undone.
std::optional<std::string> unquote(std::string_view v) {
  if (v.empty()) return std::nullopt;
  if (v.front() != '"') {
    if (v.find_first_of("\"\\ \t") != std::string_view::npos) return std::nullopt;
    return std::string(v);
  }
  if (v.size() < 2 || v.back() != '"') return std::nullopt;
  std::string out;
  for (std::size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\') {
      if (i + 2 >= v.size()) return std::nullopt;
      ++i;
    } else if (v[i] == '"') {
      return std::nullopt;
    }
    out.push_back(v[i]);
  }
  return out;
}

}  // namespace

std::optional<ip::ClientAddress> parseXForwardedFor(std::string_view value) {
  const auto comma = value.rfind(',');
  return parseNode(comma == std::string_view::npos ? value : value.substr(comma + 1));
}

std::optional<ip::ClientAddress> parseForwarded(std::string_view value) {
  std::string_view last;
  if (!splitOutsideQuotes(value, ',', [&](std::string_view element) { last = element; }))
    return std::nullopt;
  std::optional<std::string> node;
  bool malformed = false;
  splitOutsideQuotes(last, ';', [&](std::string_view pair) {
    pair = trimOws(pair);
    if (pair.empty()) return;
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      malformed = true;
      return;
    }
    if (!equalsIgnoreCase(pair.substr(0, eq), "for")) return;
    // RFC 7239 4: a parameter occurs at most once per element.
    if (node) malformed = true;
    node = unquote(pair.substr(eq + 1));
    if (!node) malformed = true;
  });
  if (malformed || !node) return std::nullopt;
  return parseNode(*node);
}

}  // namespace horizon::doh
