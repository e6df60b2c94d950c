// SipHash-2-4, the keyed hash RFC 9018 prescribes for interoperable DNS server cookies.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace horizon::edns {

/// A SipHash key: 16 octets, read as two little-endian 64-bit words.
using SipKey = std::array<std::uint8_t, 16>;

/// SipHash-2-4 of `data` under `key`, as the 8 octets the algorithm's reference output writes
/// (the 64-bit result in little-endian order).
std::array<std::uint8_t, 8> sipHash24(const SipKey& key, std::span<const std::uint8_t> data);

}  // namespace horizon::edns
