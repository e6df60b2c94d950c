// Domain names in uncompressed wire format (length-prefixed labels ending in the root label).
// Control-plane helpers may allocate; the query path uses only the span-based functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace horizon::wire {

constexpr std::size_t kMaxNameLength = 255;  // octets, RFC 1035 2.3.4
constexpr std::size_t kMaxLabelLength = 63;

/// Parses presentation text ("www.Example.com.", "\\046", "@" is not special here) into wire
/// format. Text without a trailing dot is made absolute by appending `origin` (wire format; may be
/// empty for "must be absolute"). Returns nullopt and sets *error when the text is not a name.
std::optional<std::string> nameFromText(std::string_view text, std::string_view origin,
                                        std::string* error = nullptr);

/// Renders a wire-format name as absolute presentation text with a trailing dot.
std::string nameToText(std::string_view wire);

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
