// NSEC3 hashing (RFC 5155 5) and the Base32hex text of hashed owner names (RFC 4648 7), which an
// NSEC3 owner carries as its first label.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace horizon::dnssec {

/// Length of an NSEC3 hash with hash algorithm 1, SHA-1 (RFC 5155 11).
inline constexpr std::size_t kNsec3Sha1Length = 20;

/// RFC 5155 5: the raw SHA-1 NSEC3 hash of wire-format `name` (lowercased first) with `salt`
/// (raw octets) and `iterations` extra rounds; empty only if OpenSSL fails.
std::string nsec3Hash(std::string_view name, std::string_view salt, std::uint16_t iterations);

/// RFC 4648 7: decodes unpadded Base32hex text (either case) to octets; nullopt when a character
/// is outside the alphabet, the length cannot come from whole octets, or unused bits are not zero.
std::optional<std::string> base32HexDecode(std::string_view text);

/// RFC 4648 7: the unpadded lowercase Base32hex text of `octets`, as NSEC3 owner labels are
/// written.
std::string base32HexEncode(std::string_view octets);

}  // namespace horizon::dnssec
