#include "horizon/dnssec/type_bitmap.hpp"

#include <cstddef>

namespace horizon::dnssec {

bool isValidTypeBitmap(std::string_view bitmap) {
  std::size_t i = 0;
  int previous_window = -1;
  while (i < bitmap.size()) {
    if (bitmap.size() - i < 2) return false;
    int window = static_cast<std::uint8_t>(bitmap[i]);
    std::size_t len = static_cast<std::uint8_t>(bitmap[i + 1]);
    // RFC 4034 4.1.2: windows appear once each, in increasing order, with 1 to 32 octets.
    if (window <= previous_window || len == 0 || len > 32) return false;
    if (bitmap.size() - i - 2 < len) return false;
    previous_window = window;
    i += 2 + len;
  }
  return true;
}

bool bitmapHasType(std::string_view bitmap, std::uint16_t type) {
  if (!isValidTypeBitmap(bitmap)) return false;
  std::size_t want_window = type >> 8;
  std::size_t octet = (type & 0xff) / 8;
  auto mask = static_cast<std::uint8_t>(0x80 >> (type % 8));
  for (std::size_t i = 0; i < bitmap.size();) {
    std::size_t window = static_cast<std::uint8_t>(bitmap[i]);
    std::size_t len = static_cast<std::uint8_t>(bitmap[i + 1]);
    if (window == want_window) {
      return octet < len && (static_cast<std::uint8_t>(bitmap[i + 2 + octet]) & mask) != 0;
    }
    if (window > want_window) return false;
    i += 2 + len;
  }
  return false;
}

}  // namespace horizon::dnssec
