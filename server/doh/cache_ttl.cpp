// max-age for a DoH answer: walk the records of a response, keep the smallest TTL.
#include "horizon/doh/cache_ttl.hpp"

#include <algorithm>
#include <optional>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/message.hpp"
#include "horizon/wire/name.hpp"

namespace horizon::doh {
namespace {

std::uint32_t readU32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// RFC 2181 8: a TTL with the most significant bit set is treated as zero.
std::uint32_t effectiveTtl(std::uint32_t ttl) {
  return ttl > 0x7FFFFFFFu ? 0 : ttl;
}

// Skips a name; 0 when it is malformed.
std::size_t skipName(std::span<const std::uint8_t> message, std::size_t pos) {
  std::uint8_t name[wire::kMaxNameLength];
  std::uint16_t length = 0;
  return wire::readName(message, pos, name, nullptr, length);
}

}  // namespace

std::uint32_t cacheMaxAge(std::span<const std::uint8_t> msg) {
  if (msg.size() < wire::kHeaderSize) return 0;
  const std::size_t questions = wire::readU16(&msg[4]);
  const std::size_t answers = wire::readU16(&msg[6]);
  const std::size_t authorities = wire::readU16(&msg[8]);
  const std::size_t additionals = wire::readU16(&msg[10]);
  std::size_t pos = wire::kHeaderSize;
  for (std::size_t i = 0; i < questions; ++i) {
    pos = skipName(msg, pos);
    if (pos == 0 || pos + 4 > msg.size()) return 0;
    pos += 4;
  }
  std::optional<std::uint32_t> smallest;
  const std::size_t records = answers + authorities + additionals;
  for (std::size_t i = 0; i < records; ++i) {
    pos = skipName(msg, pos);
    if (pos == 0 || pos + 10 > msg.size()) return 0;
    const std::uint16_t type = wire::readU16(&msg[pos]);
    std::uint32_t ttl = effectiveTtl(readU32(&msg[pos + 4]));
    const std::size_t rdlength = wire::readU16(&msg[pos + 8]);
    pos += 10;
    if (pos + rdlength > msg.size()) return 0;
    const bool authority = i >= answers && i < answers + authorities;
    // SOA rdata ends with MINIMUM, the TTL of the negative answer it stands for (RFC 2308 5).
    if (type == wire::type::SOA && authority && rdlength >= 22)
      ttl = std::min(ttl, effectiveTtl(readU32(&msg[pos + rdlength - 4])));
    pos += rdlength;
    if (type == wire::type::OPT || type == wire::type::TSIG) continue;
    smallest = std::min(smallest.value_or(ttl), ttl);
  }
  return smallest.value_or(0);
}

}  // namespace horizon::doh
