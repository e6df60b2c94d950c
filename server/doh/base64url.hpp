// base64url (RFC 4648 5), the encoding of the dns= parameter of a DoH GET (RFC 8484 4.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace horizon::doh {

/// Decodes base64url without padding, as RFC 8484 4.1 sends it; correct "=" padding is accepted
/// too. nullopt on any other character, misplaced padding, or a length no encoding produces.
std::optional<std::vector<std::uint8_t>> decodeBase64Url(std::string_view text);

}  // namespace horizon::doh
