// Private to the wire module: escaping of octets in presentation format (RFC 1035 5.1), shared by
// names and character-strings.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace horizon::wire {

/// Writes `c` as presentation text into `out` (room for 4 characters) and returns how many it
/// wrote: "\c" when it is in `special`, "\DDD" when it is not printable (or is a space and
/// `escape_space`), else the octet itself. Allocation-free.
inline std::size_t escapeOctet(unsigned char c, std::string_view special, bool escape_space,
                               char* out) {
  if (special.find(static_cast<char>(c)) != std::string_view::npos) {
    out[0] = '\\';
    out[1] = static_cast<char>(c);
    return 2;
  }
  if (c < 0x20 || c >= 0x7f || (escape_space && c == 0x20)) {
    out[0] = '\\';
    out[1] = static_cast<char>('0' + c / 100);
    out[2] = static_cast<char>('0' + c / 10 % 10);
    out[3] = static_cast<char>('0' + c % 10);
    return 4;
  }
  out[0] = static_cast<char>(c);
  return 1;
}

/// What unescapeOctet found.
enum class Unescape { kOk, kLoneBackslash, kAbove255 };

/// Reads the escape that starts at the backslash text[i] ("\DDD" or "\X", RFC 1035 5.1) into
/// `octet` and leaves `i` on its last character.
inline Unescape unescapeOctet(std::string_view text, std::size_t& i, char& octet) {
  if (i + 1 >= text.size()) return Unescape::kLoneBackslash;
  auto digit = [&](std::size_t k) { return text[k] >= '0' && text[k] <= '9'; };
  if (i + 3 < text.size() && digit(i + 1) && digit(i + 2) && digit(i + 3)) {
    const int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
    if (v > 255) return Unescape::kAbove255;
    octet = static_cast<char>(v);
    i += 3;
  } else {
    octet = text[++i];
  }
  return Unescape::kOk;
}

/// Appends `c` as escapeOctet writes it.
inline void appendPresentationOctet(std::string& out, unsigned char c, std::string_view special,
                                    bool escape_space) {
  char buf[4];
  out.append(buf, escapeOctet(c, special, escape_space, buf));
}

}  // namespace horizon::wire
