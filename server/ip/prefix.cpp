// Prefix parsing, matching and the private-prefix classification.
#include "horizon/ip/prefix.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "ip_ranges.hpp"

namespace horizon::ip {
namespace {

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

}  // namespace

std::optional<Prefix> parsePrefix(std::string_view text, std::string* error) {
  std::string_view address_text = text;
  std::string_view length_text;
  bool has_length = false;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    address_text = text.substr(0, slash);
    length_text = text.substr(slash + 1);
    has_length = true;
  }
  auto address = parseAddress(address_text);
  if (!address) {
    fail(error, "'" + std::string(text) + "' is not an IPv4 or IPv6 prefix (like 192.168.1.0/24)");
    return std::nullopt;
  }
  Prefix prefix;
  prefix.is_v6 = address->size() == 16;
  std::memcpy(prefix.address.data(), address->data(), address->size());
  int max_length = prefix.is_v6 ? 128 : 32;
  prefix.length = max_length;
  if (has_length) {
    int length = -1;
    auto [end, ec] =
        std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
    if (length_text.empty() || length_text.size() > 3 || ec != std::errc() ||
        end != length_text.data() + length_text.size() || length < 0 || length > max_length) {
      fail(error, "bad prefix length in '" + std::string(text) + "': must be 0 to " +
                      std::to_string(max_length));
      return std::nullopt;
    }
    prefix.length = length;
  }
  // Host bits set usually mean a typo in the length or the address; refuse rather than guess.
  Prefix network = prefix;
  for (int bit = network.length; bit < max_length; ++bit)
    network.address[bit / 8] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
  if (network.address != prefix.address) {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(prefix.is_v6 ? AF_INET6 : AF_INET, network.address.data(), buf, sizeof buf);
    fail(error, "'" + std::string(text) + "' has host bits set (did you mean " + buf + "/" +
                    std::to_string(prefix.length) + "?)");
    return std::nullopt;
  }
  return prefix;
}

bool prefixContains(const Prefix& prefix, const ClientAddress& addr) {
  if (prefix.is_v6 != addr.is_v6) return false;
  // Whole words and a shift: this runs for every query (view selection), where a memcmp call
  // for three octets costs more than the comparison itself.
  const std::uint8_t* a = prefix.address.data();
  const std::uint8_t* b = addr.bytes.data();
  if (!prefix.is_v6) {
    const std::uint32_t diff = detail::loadU32(a) ^ detail::loadU32(b);
    return prefix.length == 0 || (diff >> (32 - prefix.length)) == 0;
  }
  const int high = std::min(prefix.length, 64);
  if (high > 0 && ((detail::loadU64(a) ^ detail::loadU64(b)) >> (64 - high)) != 0) return false;
  const int low = prefix.length - 64;
  return low <= 0 || ((detail::loadU64(a + 8) ^ detail::loadU64(b + 8)) >> (64 - low)) == 0;
}

bool isPrivatePrefix(const Prefix& prefix) {
  const std::uint8_t* bytes = prefix.address.data();
  if (prefix.is_v6) {
    if (prefix.length >= 96 && detail::isV4Mapped(bytes)) {
      Prefix v4;
      std::memcpy(v4.address.data(), bytes + 12, 4);
      v4.length = prefix.length - 96;
      return isPrivatePrefix(v4);
    }
    for (const detail::Range& range : detail::kPrivateV6)
      if (prefix.length >= range.length && detail::samePrefix(bytes, range.bytes, range.length))
        return true;
    return false;
  }
  // The private ranges are disjoint and none are adjacent siblings, so a prefix lies entirely in
  // private space exactly when one range contains it.
  for (const detail::Range& range : detail::kPrivateV4)
    if (prefix.length >= range.length && detail::samePrefix(bytes, range.bytes, range.length))
      return true;
  return false;
}

}  // namespace horizon::ip
