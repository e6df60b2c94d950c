// Wire-format names: decompression from a message, case folding and comparisons.
#include "horizon/wire/name.hpp"

#include "horizon/wire/constants.hpp"

namespace horizon::wire {

namespace {

// The decompressor, specialised on whether a lowercase copy is wanted (the query path wants one,
// made in the same pass over the octets).
template <bool kLower>
std::size_t decompress(const std::uint8_t* message, std::size_t size, std::size_t pos,
                       std::uint8_t* out, std::uint8_t* out_lower, std::uint16_t& out_len) {
  std::size_t len = 0;
  std::size_t end = 0;      // position after the name in the message, fixed at the first pointer
  std::size_t limit = pos;  // a pointer must target an offset before this
  while (true) {
    if (pos >= size) return 0;
    const std::uint8_t label = message[pos];
    if ((label & 0xC0) == 0xC0) {
      if (pos + 1 >= size) return 0;
      const std::size_t target = static_cast<std::size_t>(((label & 0x3F) << 8) | message[pos + 1]);
      if (end == 0) end = pos + 2;
      // Each jump lands strictly before the previous one, so the walk cannot loop. A compressor
      // only ever points at names written earlier, which all start before the current one.
      if (target >= limit) return 0;
      // The first 12 octets are the header, never a name (RFC 1035 4.1.4 points at names); the
      // peers answer such a query FORMERR rather than read a header byte as a label.
      if (target < kHeaderSize) return 0;
      limit = target;
      pos = target;
      continue;
    }
    if (label & 0xC0) return 0;  // 0x40 / 0x80: extended label types are obsolete (RFC 6891 5)
    if (len + 1 + label > kMaxNameLength || pos + 1 + label > size) return 0;
    out[len] = label;
    if constexpr (kLower) out_lower[len] = label;
    for (std::size_t i = 1; i <= label; ++i) {
      const std::uint8_t c = message[pos + i];
      out[len + i] = c;
      if constexpr (kLower) out_lower[len + i] = foldCase(c);
    }
    len += 1 + label;
    pos += 1 + label;
    if (label == 0) break;
  }
  out_len = static_cast<std::uint16_t>(len);
  return end != 0 ? end : pos;
}

}  // namespace

std::size_t readName(std::span<const std::uint8_t> message, std::size_t pos, std::uint8_t* out,
                     std::uint8_t* out_lower, std::uint16_t& out_len) {
  if (out_lower)
    return decompress<true>(message.data(), message.size(), pos, out, out_lower, out_len);
  return decompress<false>(message.data(), message.size(), pos, out, nullptr, out_len);
}

std::string lowercaseName(std::string_view wire) {
  std::string out(wire);
  std::size_t i = 0;
  while (i < out.size()) {
    auto len = static_cast<std::uint8_t>(out[i]);
    for (std::size_t j = 1; j <= len && i + j < out.size(); ++j)
      out[i + j] = static_cast<char>(foldCase(static_cast<std::uint8_t>(out[i + j])));
    i += len + 1;
    if (len == 0) break;
  }
  return out;
}

bool isSubdomainOf(std::string_view name, std::string_view zone) {
  if (zone.size() > name.size()) return false;
  // Walk labels of `name` until the remainder has the zone's length; it must be a label boundary.
  std::size_t i = 0;
  while (name.size() - i > zone.size()) {
    auto len = static_cast<std::uint8_t>(name[i]);
    if (len == 0) return false;
    i += len + 1;
  }
  return name.size() - i == zone.size() && name.substr(i) == zone;
}

std::size_t labelCount(std::string_view wire) {
  std::size_t n = 0, i = 0;
  while (i < wire.size() && wire[i] != 0) {
    i += static_cast<std::uint8_t>(wire[i]) + 1;
    ++n;
  }
  return n;
}

}  // namespace horizon::wire
