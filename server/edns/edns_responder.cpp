// NSID and COOKIE options for responses.
#include "horizon/edns/edns_responder.hpp"

#include <cstring>
#include <stdexcept>

#include "horizon/wire/constants.hpp"

namespace horizon::edns {
namespace {

// Appends one option (code, length, data) to `out`; the caller has sized the buffer for it.
void appendOption(ResponseOptions& out, std::uint16_t code, std::span<const std::uint8_t> data) {
  std::uint8_t* p = out.bytes.data() + out.size;
  wire::writeU16(p, code);
  wire::writeU16(p + 2, static_cast<std::uint16_t>(data.size()));
  if (!data.empty()) std::memcpy(p + 4, data.data(), data.size());
  out.size = static_cast<std::uint16_t>(out.size + 4 + data.size());
}

}  // namespace

EdnsResponder::EdnsResponder(EdnsSettings settings)
    : settings_(std::move(settings)),
      secrets_(settings_.cookie_secret ? CookieSecrets(*settings_.cookie_secret)
                                       : CookieSecrets()) {
  if (settings_.nsid.size() > kMaxNsidSize)
    throw std::invalid_argument("nsid: at most " + std::to_string(kMaxNsidSize) + " octets");
}

CookieState EdnsResponder::respond(const wire::ParsedQuery& query, const ip::ClientAddress& client,
                                   std::uint32_t now, ResponseOptions& out) const {
  out.size = 0;
  if (!query.has_edns) return CookieState::kNone;
  // RFC 5001 2.1: the identity goes only to a query that asked for it.
  if (query.nsid_requested && !settings_.nsid.empty())
    appendOption(out, wire::kOptionNsid,
                 std::span(reinterpret_cast<const std::uint8_t*>(settings_.nsid.data()),
                           settings_.nsid.size()));
  if (query.cookie_len == 0 || !settings_.cookies) return CookieState::kNone;
  const std::span<const std::uint8_t, kClientCookieSize> client_cookie(query.cookie,
                                                                       kClientCookieSize);
  CookieState state = CookieState::kClientOnly;
  if (query.cookie_len > kClientCookieSize)
    state = judgeServerCookie(
        client_cookie,
        std::span(query.cookie + kClientCookieSize, query.cookie_len - kClientCookieSize), client,
        now, secrets_);
  // Every answer carries a fresh server cookie (RFC 7873 5.2.3 to 5.2.5), made now, so a client
  // holding one never runs into the hour's end while it keeps asking.
  const auto server_cookie = makeServerCookie(client_cookie, client, now, secrets_.current());
  std::uint8_t cookie[kClientCookieSize + kServerCookieSize];
  std::memcpy(cookie, query.cookie, kClientCookieSize);
  std::memcpy(cookie + kClientCookieSize, server_cookie.data(), kServerCookieSize);
  appendOption(out, wire::kOptionCookie, cookie);
  return state;
}

void EdnsResponder::rotateCookieSecret() {
  if (!settings_.cookie_secret) secrets_.rotate();
}

}  // namespace horizon::edns
