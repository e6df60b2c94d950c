// Text that reaches a log or a terminal line from outside (zone file values, names, paths): no
// octet there may move the cursor, end the line or start an escape sequence, and no value may
// make a message huge. Used for the loader's diagnostics, the reload errors horizond logs and
// reports over its control socket, and what dnsctl echoes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace horizon::zone {

/// How many characters of one value a message quotes.
inline constexpr std::size_t kMaxQuotedValue = 80;
/// The most a whole message may hold once its values are shortened.
inline constexpr std::size_t kMaxMessage = 600;

/// `text` with every octet outside printable ASCII (control characters such as newline and ESC,
/// DEL, and octets of 0x80 and above) written as \DDD (RFC 1035 5.1); other octets as they are.
std::string escapeForLine(std::string_view text);

/// A value for a message: escaped as escapeForLine, at most `max` characters of it, then
/// "..." and the value's full length when it was longer ("AAAA... (5242880 characters)").
std::string shortValue(std::string_view value, std::size_t max = kMaxQuotedValue);

/// A whole message made fit for one line: escaped as escapeForLine, every single-quoted part
/// ('value') longer than kMaxQuotedValue characters shortened as shortValue does, and the whole
/// cut at kMaxMessage characters (saying how long it was).
std::string boundedMessage(std::string_view message);

}  // namespace horizon::zone
