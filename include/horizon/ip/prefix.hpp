// Address prefixes: the client ranges that choose a view.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "horizon/ip/address.hpp"

namespace horizon::ip {

/// An address prefix. IPv4 prefixes are stored as IPv4 (4 address bytes used).
struct Prefix {
  bool is_v6 = false;
  std::array<std::uint8_t, 16> address{};  // network byte order; host bits zero
  int length = 0;                          // prefix length in bits
};

/// Parses "192.168.1.0/24", "::/0" or a bare address (a host prefix). Returns nullopt and sets
/// *error on failure, including host bits set beyond the prefix length.
std::optional<Prefix> parsePrefix(std::string_view text, std::string* error = nullptr);

/// True when `addr` lies inside `prefix` (families must match).
bool prefixContains(const Prefix& prefix, const ClientAddress& addr);

/// True when every address of `prefix` is private in the sense of isPrivateAddress (a view that
/// serves only such prefixes is not public-facing).
bool isPrivatePrefix(const Prefix& prefix);

}  // namespace horizon::ip
