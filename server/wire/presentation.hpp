// Private to the wire module: escaping of octets in presentation format (RFC 1035 5.1).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace horizon::wire {

/// Appends `c` as presentation text: "\c" when it is in `special`, "\DDD" when it is not
/// printable (or is a space and `escape_space`), else the octet itself.
inline void appendPresentationOctet(std::string& out, unsigned char c, std::string_view special,
                                    bool escape_space) {
  if (special.find(static_cast<char>(c)) != std::string_view::npos) {
    out.push_back('\\');
    out.push_back(static_cast<char>(c));
  } else if (c < 0x20 || c >= 0x7f || (escape_space && c == 0x20)) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "\\%03u", c);
    out += buf;
  } else {
    out.push_back(static_cast<char>(c));
  }
}

}  // namespace horizon::wire
