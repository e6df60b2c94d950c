// The RFC 8484 rules for one HTTP request, shared by HTTP/1.1 and HTTP/2: which requests carry a
// DNS query, and which HTTP status refuses the others.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "horizon/doh/session.hpp"

namespace horizon::doh {

/// The parts of a request's header block that DoH looks at.
struct RequestHead {
  std::string method;
  std::string target;  // path and query, e.g. "/dns-query?dns=..."
  bool target_too_long = false;
  std::string content_type;
  std::string forwarded;        // every Forwarded field, joined by ","
  std::string x_forwarded_for;  // every X-Forwarded-For field, joined by ","

  /// Records field `name` (any case; HTTP/2 pseudo-headers included) if DoH uses it.
  void addField(std::string_view name, std::string_view value, const Limits& limits);
  /// The client addresses the forwarding headers claim.
  ForwardedFor hints() const;
};

/// The outcome for one complete request: status 200 with its DNS query, or an error status.
struct RequestOutcome {
  int status = 400;
  std::vector<std::uint8_t> dns_message;
};

/// Applies RFC 8484 4.1: /dns-query only (404), GET with dns= or POST of application/dns-message
/// (405, 415), a DNS message of at least a header (400), size bounds (413, 414).
RequestOutcome interpretRequest(const RequestHead& head, std::span<const std::uint8_t> body,
                                const Limits& limits);

}  // namespace horizon::doh
