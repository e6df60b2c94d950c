// DNS protocol numbers used across horizon (RFC 1035, 2671/6891, 8482 and the IANA registries).
#pragma once

#include <cstdint>

namespace horizon::wire {

namespace type {
constexpr std::uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, HINFO = 13, MX = 15, TXT = 16,
                        AAAA = 28, SRV = 33, DNAME = 39, OPT = 41, DS = 43, RRSIG = 46,
                        NSEC = 47, DNSKEY = 48, NSEC3 = 50, NSEC3PARAM = 51, TSIG = 250, IXFR = 251,
                        AXFR = 252, ANY = 255, CAA = 257;
}  // namespace type

namespace rcode {
constexpr std::uint8_t NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3, NOTIMP = 4,
                       REFUSED = 5, YXDOMAIN = 6;
constexpr std::uint8_t NOTAUTH = 9;
constexpr std::uint16_t BADVERS = 16;    // extended rcode, carried in the OPT record
constexpr std::uint16_t BADCOOKIE = 23;  // RFC 7873 8, extended like BADVERS
}  // namespace rcode

constexpr std::uint16_t kClassIN = 1;
constexpr std::uint16_t kClassCH = 3;

// EDNS option codes (IANA "DNS EDNS0 Option Codes").
constexpr std::uint16_t kOptionNsid = 3;     // RFC 5001
constexpr std::uint16_t kOptionCookie = 10;  // RFC 7873
constexpr std::uint16_t kOptionEde = 15;     // RFC 8914 Extended DNS Errors
constexpr std::uint8_t kOpcodeQuery = 0;
constexpr std::uint16_t kOpcodeMask = 0x7800;  // the opcode's bits in the flags word

// Header flag bits in the 16-bit flags word.
constexpr std::uint16_t kFlagQR = 0x8000, kFlagAA = 0x0400, kFlagTC = 0x0200, kFlagRD = 0x0100,
                        kFlagRA = 0x0080, kFlagAD = 0x0020, kFlagCD = 0x0010;

constexpr std::uint16_t kHeaderSize = 12;
constexpr std::uint16_t kMinUdpPayload = 512;          // RFC 1035 limit without EDNS
constexpr std::uint16_t kAdvertisedUdpPayload = 1232;  // DNS Flag Day 2020 recommendation
constexpr std::uint16_t kEdnsOptSize = 11;             // root owner, type, class, ttl, rdlen=0

}  // namespace horizon::wire
