// Presentation format (RFC 1035 5.1, RFC 3597): names, types, classes and rcodes as text. Every
// part of horizon that prints or reads one of these (the loader, dnsctl, horizon-sync, the query
// log, error messages) goes through here, so a name is escaped the same way everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace horizon::wire {

/// Parses presentation text ("www.Example.com.", "\\046"; "@" is not special here) into wire
/// format. Text without a trailing dot is made absolute by appending `origin` (wire format; may be
/// empty for "must be absolute"). Returns nullopt and sets *error when the text is not a name.
std::optional<std::string> nameFromText(std::string_view text, std::string_view origin,
                                        std::string* error = nullptr);

/// Renders a wire-format name as absolute presentation text with a trailing dot: ".\\\";()@$"
/// are escaped with a backslash, spaces and octets outside printable ASCII as "\DDD".
std::string nameToText(std::string_view wire);

/// As nameToText, into `out` (NUL-terminated, cut short when `size` is too small); returns the
/// length written. Allocation-free, for the query log.
std::size_t nameToText(const std::uint8_t* wire, std::size_t len, char* out, std::size_t size);

/// The most characters nameToText can produce for a name of at most 255 octets, NUL included.
inline constexpr std::size_t kMaxNameTextSize = 255 * 4 + 2;

/// Looks up a type mnemonic ("A", "mx", "TYPE65") and returns its number; nullopt when unknown.
std::optional<std::uint16_t> typeFromName(std::string_view mnemonic);

/// The mnemonic of a type ("A", "MX"), or "TYPEnnn" for types without one (RFC 3597 5).
std::string typeToName(std::uint16_t type);

/// The mnemonic of a class ("IN", "CH", "HS", "NONE", "ANY"), or "CLASSnnn" (RFC 3597 5).
std::string classToName(std::uint16_t rclass);

/// The mnemonic of an rcode, extended ones included ("NOERROR", "NXDOMAIN", "BADVERS"), or
/// "RCODEnnn" for one without a name.
std::string rcodeToName(std::uint16_t rcode);

}  // namespace horizon::wire
