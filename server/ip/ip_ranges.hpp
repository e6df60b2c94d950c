// Private to the ip module: bit-prefix comparison and the address ranges never meant for the
// public Internet, shared by the address and prefix classifications.
#pragma once

#include <cstdint>
#include <cstring>

namespace horizon::ip::detail {

/// True when the first `bits` bits of `a` and `b` are equal.
inline bool samePrefix(const std::uint8_t* a, const std::uint8_t* b, int bits) {
  const int whole = bits / 8;
  if (std::memcmp(a, b, static_cast<std::size_t>(whole)) != 0) return false;
  const int rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

/// The big-endian 32-bit value at `p`.
inline std::uint32_t loadU32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_bswap32(v);
}

/// The big-endian 64-bit value at `p`.
inline std::uint64_t loadU64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_bswap64(v);
}

/// True for ::ffff:a.b.c.d.
inline bool isV4Mapped(const std::uint8_t* bytes) {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(bytes, kMapped, 12) == 0;
}

/// A range of addresses: the first `length` bits of `bytes`.
struct Range {
  std::uint8_t bytes[16];
  int length;
};

// 0.0.0.0/8 is "this network" (RFC 1122 3.2.1.3); 100.64.0.0/10 is shared address space for
// carrier-grade NAT (RFC 6598), which VPN overlays such as NetBird use too.
inline constexpr Range kPrivateV4[] = {
    {{0, 0, 0, 0}, 8},      {{10, 0, 0, 0}, 8},    {{100, 64, 0, 0}, 10},  {{127, 0, 0, 0}, 8},
    {{169, 254, 0, 0}, 16}, {{172, 16, 0, 0}, 12}, {{192, 168, 0, 0}, 16},
};
inline constexpr Range kPrivateV6[] = {
    {{0}, 128},                                               // ::, unspecified
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128},  // ::1
    {{0xfc}, 7},                                              // ULA fc00::/7
    {{0xfe, 0x80}, 10},                                       // link-local fe80::/10
};

}  // namespace horizon::ip::detail
