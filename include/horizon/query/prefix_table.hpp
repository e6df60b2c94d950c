// Longest-prefix match of a client address against the view prefixes of one zone. A hash table
// per prefix length (all lengths in one open-addressing table) is probed from the longest length
// down, so a lookup costs one probe per distinct length in use (at most 32 for IPv4, 128 for
// IPv6, typically two or three) however many views and prefixes there are, and a length whose
// prefixes all start with other first octets than the address is skipped without a probe. The
// default routes (0.0.0.0/0, ::/0) are held apart and cost no probe; the table is kept at most a
// sixth full so that a probe, hit or miss, rarely goes past its first slot.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "horizon/ip/address.hpp"
#include "horizon/ip/prefix.hpp"

namespace horizon::query {

/// An immutable map from prefixes to values (view indexes) answering longest-prefix matches.
class PrefixTable {
 public:
  /// What find() returns when no prefix holds the address.
  static constexpr std::uint32_t kNoMatch = 0xFFFFFFFF;

  PrefixTable() = default;
  /// Builds the table; of two equal prefixes the first one given wins.
  explicit PrefixTable(const std::vector<std::pair<ip::Prefix, std::uint32_t>>& entries);

  /// The value of the longest prefix that holds `client` (same family), else kNoMatch.
  /// Allocation-free.
  std::uint32_t find(const ip::ClientAddress& client) const;

  /// Heap bytes held (capacities).
  std::size_t memoryBytes() const;

 private:
  struct Slot {
    std::uint64_t high = 0;  // IPv4: the masked address; IPv6: its masked first 64 bits
    std::uint64_t low = 0;   // IPv6: the masked last 64 bits
    std::uint32_t value = kNoMatch;
    std::uint8_t length = 0;
    bool is_v6 = false;
    bool used = false;
  };

  std::uint32_t probe(bool is_v6, int length, std::uint64_t high, std::uint64_t low) const;
  void insert(bool is_v6, int length, std::uint64_t high, std::uint64_t low, std::uint32_t value);

  // A prefix length in use, with the first octets its prefixes can start with: an address whose
  // first octet no prefix of this length has skips the probe (most do, for most lengths).
  struct Length {
    std::uint8_t bits = 0;
    std::uint64_t first_octets[4] = {};  // a bit per value of the first octet
    bool mayHold(std::uint8_t octet) const {
      return (first_octets[octet >> 6] >> (octet & 63)) & 1;
    }
  };

  static void addLength(std::vector<Length>& lengths, const ip::Prefix& prefix);

  std::vector<Slot> slots_;         // a power of two, at most a sixth full
  int shift_ = 64;                  // 64 - log2(slots_.size()): the hash's top bits index
  std::vector<Length> v4_lengths_;  // distinct lengths in use but 0, longest first
  std::vector<Length> v6_lengths_;
  std::uint32_t v4_default_ = kNoMatch;  // the value of 0.0.0.0/0
  std::uint32_t v6_default_ = kNoMatch;  // the value of ::/0
};

}  // namespace horizon::query
