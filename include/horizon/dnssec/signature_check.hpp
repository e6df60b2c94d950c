// Signature checks for the DNSSEC algorithms (RFC 4034 Appendix A.1, RFC 8624), by OpenSSL.
#pragma once

#include <cstdint>
#include <string_view>

namespace horizon::dnssec {

/// DNSSEC algorithm numbers (IANA "DNS Security Algorithm Numbers").
namespace algorithm {
constexpr std::uint8_t RSASHA1 = 5, RSASHA1_NSEC3_SHA1 = 7, RSASHA256 = 8, RSASHA512 = 10,
                       ECDSAP256SHA256 = 13, ECDSAP384SHA384 = 14, ED25519 = 15, ED448 = 16;
}  // namespace algorithm

/// True when signatures of `algo` can be checked here. DSA, GOST and unknown numbers are not
/// (RFC 8624 3.1: DSA must not be validated); data signed only with those is insecure.
bool algorithmSupported(std::uint8_t algo);

/// True when `signature` over `data` verifies with the DNSKEY public key `public_key` (the key
/// field of the rdata, RFC 3110, 6605 and 8080 formats) under `algo`. False for malformed keys or
/// signatures and for unsupported algorithms.
bool verifySignature(std::uint8_t algo, std::string_view public_key, std::string_view data,
                     std::string_view signature);

}  // namespace horizon::dnssec
