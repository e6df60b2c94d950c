// The client address a trusted reverse proxy reports in an HTTP header. These functions only
// parse: whether to believe the result (the peer is a --trusted-proxy) is the connection's call.
#pragma once

#include <optional>
#include <string_view>

#include "horizon/ip/address.hpp"

namespace horizon::doh {

/// The address in the last element of an X-Forwarded-For value ("client, proxy1, proxy2"): the
/// one the nearest proxy appended, so the only one a trusted proxy vouches for. Accepts IPv4,
/// IPv6, "[IPv6]", "[IPv6]:port" and "IPv4:port"; nullopt when that element is anything else
/// (earlier elements are never used: the client may have written them).
std::optional<ip::ClientAddress> parseXForwardedFor(std::string_view value);

/// The for= address of the last element of a Forwarded value (RFC 7239 4), quoted or not, with
/// an optional port ("[2001:db8::1]:443"); nullopt when the last element has no for=, or its node
/// is "unknown" or obfuscated (RFC 7239 6.2, 6.3), or the value is malformed.
std::optional<ip::ClientAddress> parseForwarded(std::string_view value);

}  // namespace horizon::doh
