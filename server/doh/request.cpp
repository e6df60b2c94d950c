// RFC 8484 4.1 request checks.
#include "request.hpp"

#include <optional>

#include "ascii.hpp"
#include "base64url.hpp"
#include "horizon/doh/forwarded.hpp"
#include "horizon/wire/constants.hpp"

namespace horizon::doh {
namespace {

constexpr std::string_view kPath = "/dns-query";
constexpr std::string_view kMediaType = "application/dns-message";

void appendField(std::string& joined, std::string_view value) {
  if (!joined.empty()) joined += ',';
  joined.append(value);
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Undoes percent-encoding (RFC 3986 2.1), which a client may apply to "=" padding.
std::optional<std::string> percentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hexDigit(s[i + 1]), lo = hexDigit(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

// The value of the first dns= parameter of a query string; other parameters are ignored.
std::optional<std::string_view> dnsParameter(std::string_view query) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    if (param.substr(0, 4) == "dns=") return param.substr(4);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// The media type without parameters (RFC 9110 8.3.1), e.g. "application/dns-message".
std::string_view mediaType(std::string_view content_type) {
  return trimOws(content_type.substr(0, content_type.find(';')));
}

// The path of an origin-form or absolute-form target (RFC 9112 3.2).
std::string_view pathAndQuery(std::string_view target) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (target.size() >= scheme.size() &&
        equalsIgnoreCase(target.substr(0, scheme.size()), scheme)) {
      target.remove_prefix(scheme.size());
      const auto slash = target.find_first_of("/?");
      return slash == std::string_view::npos ? std::string_view{} : target.substr(slash);
    }
  }
  return target;
}

RequestOutcome fail(int status) {
  return RequestOutcome{status, {}};
}

}  // namespace

void RequestHead::addField(std::string_view name, std::string_view value, const Limits& limits) {
  if (name == ":method") {
    method = value;
  } else if (name == ":path") {
    // Only the length of an oversize target matters: it gets 414 without being copied.
    target_too_long = value.size() > limits.max_uri_bytes;
    if (!target_too_long) target = value;
  } else if (equalsIgnoreCase(name, "content-type")) {
    content_type = value;
  } else if (equalsIgnoreCase(name, "forwarded")) {
    appendField(forwarded, value);
  } else if (equalsIgnoreCase(name, "x-forwarded-for")) {
    appendField(x_forwarded_for, value);
  }
}

ForwardedFor RequestHead::hints() const {
  ForwardedFor out;
  if (!forwarded.empty()) out.forwarded = parseForwarded(forwarded);
  if (!x_forwarded_for.empty()) out.x_forwarded_for = parseXForwardedFor(x_forwarded_for);
  return out;
}

RequestOutcome interpretRequest(const RequestHead& head, std::span<const std::uint8_t> body,
                                const Limits& limits) {
  if (head.target_too_long || head.target.size() > limits.max_uri_bytes) return fail(414);
  const std::string_view target = pathAndQuery(head.target);
  const auto question = target.find('?');
  if (target.substr(0, question) != kPath) return fail(404);
  RequestOutcome out;
  if (head.method == "GET") {
    const auto param = question == std::string_view::npos
                           ? std::nullopt
                           : dnsParameter(target.substr(question + 1));
    if (!param) return fail(400);
    const auto text = percentDecode(*param);
    if (!text) return fail(400);
    auto decoded = decodeBase64Url(*text);
    if (!decoded) return fail(400);
    out.dns_message = std::move(*decoded);
  } else if (head.method == "POST") {
    if (!equalsIgnoreCase(mediaType(head.content_type), kMediaType)) return fail(415);
    if (body.size() > limits.max_body_bytes) return fail(413);
    out.dns_message.assign(body.begin(), body.end());
  } else {
    return fail(405);
  }
  if (out.dns_message.size() < wire::kHeaderSize) return fail(400);
  if (out.dns_message.size() > limits.max_body_bytes) return fail(413);
  out.status = 200;
  return out;
}

}  // namespace horizon::doh
