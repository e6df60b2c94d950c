// Domain names in wire format (length-prefixed labels ending in the root label): decompression
// from a message, case folding and comparisons. Their text form is in presentation.hpp.
// Control-plane helpers may allocate; the query path uses only the pointer-based functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace horizon::wire {

constexpr std::size_t kMaxNameLength = 255;  // octets, RFC 1035 2.3.4
constexpr std::size_t kMaxLabelLength = 63;

/// Reads the possibly compressed name at `pos` of `message` into `out` (uncompressed, case kept)
/// and, when `out_lower` is given, its lowercase form; sets `out_len`. Returns the position just
/// after the name as it sits in the message, or 0 when the name is malformed: it runs past the
/// end, uses a reserved label type, exceeds 255 octets, or has a pointer that does not point
/// strictly before the previous jump (which rules out loops). Both buffers hold kMaxNameLength
/// octets. Allocation-free and exception-free: the query path uses it.
std::size_t readName(std::span<const std::uint8_t> message, std::size_t pos, std::uint8_t* out,
                     std::uint8_t* out_lower, std::uint16_t& out_len);

/// Returns the name with ASCII letters lowercased (DNS names compare case-insensitively).
std::string lowercaseName(std::string_view wire);

/// True when `name` equals `zone` or lies below it; both in lowercase wire format.
bool isSubdomainOf(std::string_view name, std::string_view zone);

/// Number of labels, not counting the root label.
std::size_t labelCount(std::string_view wire);

/// ASCII lowercase of one octet; DNS case folding touches nothing else (RFC 4343).
constexpr std::uint8_t foldCase(std::uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<std::uint8_t>(c + 32) : c;
}

}  // namespace horizon::wire
