// DNSKEY and DS records (RFC 4034 2 and 5): their fields, key tags, and whether a DS names a key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace horizon::dnssec {

/// DNSKEY flag bits (RFC 4034 2.1.1, RFC 5011 7).
constexpr std::uint16_t kFlagZoneKey = 0x0100, kFlagSecureEntryPoint = 0x0001,
                        kFlagRevoked = 0x0080;

/// The fields of a DNSKEY record's rdata; `public_key` points into the rdata it was read from.
struct DnskeyFields {
  std::uint16_t flags = 0;
  std::uint8_t protocol = 0;
  std::uint8_t algorithm = 0;
  std::string_view public_key;
};

/// Reads DNSKEY rdata; nullopt when shorter than its fixed part or without a key.
std::optional<DnskeyFields> parseDnskey(std::string_view rdata);

/// The key tag of a DNSKEY's rdata (RFC 4034 Appendix B: the ones'-complement-style sum).
std::uint16_t keyTag(std::string_view dnskey_rdata);

/// The fields of a DS record's rdata; `digest` points into the rdata it was read from.
struct DsFields {
  std::uint16_t key_tag = 0;
  std::uint8_t algorithm = 0;
  std::uint8_t digest_type = 0;
  std::string_view digest;
};

/// Reads DS rdata; nullopt when shorter than its fixed part or without a digest.
std::optional<DsFields> parseDs(std::string_view rdata);

/// True for the digest types this validator computes: SHA-1 (1), SHA-256 (2), SHA-384 (4).
bool dsDigestSupported(std::uint8_t digest_type);

/// The DS digest of a DNSKEY (RFC 4034 5.1.4: over the owner's canonical name and the rdata);
/// nullopt for an unsupported digest type.
std::optional<std::string> dsDigest(std::uint8_t digest_type, std::string_view owner,
                                    std::string_view dnskey_rdata);

/// True when `ds_rdata` names the DNSKEY `dnskey_rdata` owned by `owner`: same tag and algorithm,
/// and the digest matches.
bool dsMatchesKey(std::string_view ds_rdata, std::string_view owner, std::string_view dnskey_rdata);

}  // namespace horizon::dnssec
