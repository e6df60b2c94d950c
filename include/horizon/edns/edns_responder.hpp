// The EDNS options a response carries besides the OPT record itself: the server's identity
// (NSID, RFC 5001) and its cookie (RFC 7873, RFC 9018). Shared read-only by every answering
// thread; the cookie secret rotates underneath without a lock.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "horizon/edns/server_cookie.hpp"
#include "horizon/ip/address.hpp"
#include "horizon/wire/message.hpp"

namespace horizon::edns {

constexpr std::size_t kMaxNsidSize = 128;  // our bound on --nsid, so options have a fixed room

/// Option bytes (code, length, data, ...) for one response's OPT record, in a fixed buffer so
/// the answer path does not allocate. Only the first `size` bytes are ever read, so the buffer is
/// left uninitialised: clearing it cost every query more than the rest of a REFUSED answer.
struct ResponseOptions {
  std::array<std::uint8_t, 4 + kMaxNsidSize + 4 + kClientCookieSize + kServerCookieSize> bytes;
  std::uint16_t size = 0;

  /// The bytes written so far.
  std::span<const std::uint8_t> view() const { return {bytes.data(), size}; }
};

/// Which options horizond answers with, from its settings.
struct EdnsSettings {
  std::string nsid;                     // empty: no NSID; at most kMaxNsidSize octets
  bool identity_in_chaos = false;       // answer hostname.bind and id.server CH TXT with the nsid
  bool cookies = true;                  // server cookies for clients that send a client cookie
  std::optional<SipKey> cookie_secret;  // fixed (shared by replicas); otherwise random, rotated
};

/// Decides a response's NSID and COOKIE options for each query.
class EdnsResponder {
 public:
  /// A responder with `settings`; throws std::invalid_argument when the nsid is too long.
  explicit EdnsResponder(EdnsSettings settings);

  /// Judges `query`'s cookie from `client` at `now` (seconds since the epoch) and writes the
  /// options the response carries into `out` (nothing unless the query had EDNS).
  CookieState respond(const wire::ParsedQuery& query, const ip::ClientAddress& client,
                      std::uint32_t now, ResponseOptions& out) const;

  /// The server's identity (the NSID text); empty when none was set.
  std::string_view identity() const { return settings_.nsid; }
  /// True when CH TXT questions for hostname.bind and id.server get the identity.
  bool answersChaosIdentity() const {
    return settings_.identity_in_chaos && !settings_.nsid.empty();
  }
  /// Rotates a random cookie secret (a fixed one stays); the one before stays valid until the
  /// next rotation. Any thread, one at a time.
  void rotateCookieSecret();

 private:
  EdnsSettings settings_;
  CookieSecrets secrets_;
};

}  // namespace horizon::edns
