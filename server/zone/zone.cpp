// Address and prefix helpers shared by the loader, the view table and the sync agent.
#include "horizon/zone/zone.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace horizon::zone {
namespace {

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

// True when the first `bits` bits of `a` and `b` are equal.
bool samePrefix(const std::uint8_t* a, const std::uint8_t* b, int bits) {
  int whole = bits / 8;
  if (std::memcmp(a, b, static_cast<std::size_t>(whole)) != 0) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

struct Range {
  std::uint8_t bytes[16];
  int length;
};

// Addresses that are never meant for the public Internet. 0.0.0.0/8 is "this network"
// (RFC 1122 3.2.1.3); 100.64.0.0/10 is CGNAT (RFC 6598), which NetBird uses.
constexpr Range kPrivateV4[] = {
    {{0, 0, 0, 0}, 8},      {{10, 0, 0, 0}, 8},    {{100, 64, 0, 0}, 10},  {{127, 0, 0, 0}, 8},
    {{169, 254, 0, 0}, 16}, {{172, 16, 0, 0}, 12}, {{192, 168, 0, 0}, 16},
};
constexpr Range kPrivateV6[] = {
    {{0}, 128},                                               // ::, unspecified
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128},  // ::1
    {{0xfc}, 7},                                              // ULA fc00::/7
    {{0xfe, 0x80}, 10},                                       // link-local fe80::/10
};

bool isV4Mapped(const std::uint8_t* bytes) {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(bytes, kMapped, 12) == 0;
}

}  // namespace

std::optional<std::string> parseAddress(std::string_view text) {
  // inet_pton wants a NUL-terminated string; longer text cannot be an address anyway.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char out[16];
  if (inet_pton(AF_INET, buf, out) == 1) return std::string(reinterpret_cast<char*>(out), 4);
  if (inet_pton(AF_INET6, buf, out) == 1) return std::string(reinterpret_cast<char*>(out), 16);
  return std::nullopt;
}

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

int findView(const Zone& zone, const std::string& name) {
  for (std::size_t i = 0; i < zone.views.size(); ++i)
    if (zone.views[i].name == name) return static_cast<int>(i);
  return -1;
}

bool isPrivateAddress(const std::uint8_t* bytes, bool is_v6) {
  if (is_v6) {
    // An IPv4-mapped address reaches the IPv4 host, so judge it as that host.
    if (isV4Mapped(bytes)) return isPrivateAddress(bytes + 12, false);
    for (const Range& range : kPrivateV6)
      if (samePrefix(bytes, range.bytes, range.length)) return true;
    return false;
  }
  for (const Range& range : kPrivateV4)
    if (samePrefix(bytes, range.bytes, range.length)) return true;
  return false;
}

bool isPrivatePrefix(const Prefix& prefix) {
  const std::uint8_t* bytes = prefix.address.data();
  if (prefix.is_v6) {
    if (prefix.length >= 96 && isV4Mapped(bytes)) {
      Prefix v4;
      std::memcpy(v4.address.data(), bytes + 12, 4);
      v4.length = prefix.length - 96;
      return isPrivatePrefix(v4);
    }
    for (const Range& range : kPrivateV6)
      if (prefix.length >= range.length && samePrefix(bytes, range.bytes, range.length))
        return true;
    return false;
  }
  // The private ranges are disjoint and none are adjacent siblings, so a prefix lies entirely in
  // private space exactly when one range contains it.
  for (const Range& range : kPrivateV4)
    if (prefix.length >= range.length && samePrefix(bytes, range.bytes, range.length)) return true;
  return false;
}

}  // namespace horizon::zone
