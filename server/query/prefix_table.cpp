// The per-length prefix tables of include/horizon/query/prefix_table.hpp.
#include "horizon/query/prefix_table.hpp"

#include <algorithm>
#include <iterator>

namespace horizon::query {
namespace {

std::uint64_t loadBig64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

std::uint64_t loadBig32(const std::uint8_t* p) {
  return (std::uint64_t{p[0]} << 24) | (std::uint64_t{p[1]} << 16) | (std::uint64_t{p[2]} << 8) |
         p[3];
}

// The top `bits` bits of a 64-bit word (0..64).
std::uint64_t keepTop(std::uint64_t word, int bits) {
  if (bits <= 0) return 0;
  if (bits >= 64) return word;
  return word & ~(~std::uint64_t{0} >> bits);
}

// Each half of the key times an odd constant, then one xor-shift-multiply round so that keys
// differing in a few middle bits (10.0.1.0/24, 10.0.2.0/24, ...) spread over the whole table;
// the top bits index it. Cheaper than a full finalizer per half, and a probe per length is the
// whole cost of a lookup.
std::uint64_t hashKey(bool is_v6, int length, std::uint64_t high, std::uint64_t low) {
  const std::uint64_t tag = static_cast<std::uint64_t>(length) << 1 | (is_v6 ? 1 : 0);
  std::uint64_t h = (high * 0x9E3779B97F4A7C15ull) ^ (low * 0xC2B2AE3D27D4EB4Full) ^
                    (tag * 0x165667B19E3779F9ull);
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 32);
}

// The address as the table keys it, masked to `length` bits.
void maskedKey(bool is_v6, const std::uint8_t* bytes, int length, std::uint64_t* high,
               std::uint64_t* low) {
  if (!is_v6) {
    *high = keepTop(loadBig32(bytes) << 32, length) >> 32;
    *low = 0;
    return;
  }
  *high = keepTop(loadBig64(bytes), length);
  *low = keepTop(loadBig64(bytes + 8), length - 64);
}

}  // namespace

PrefixTable::PrefixTable(const std::vector<std::pair<ip::Prefix, std::uint32_t>>& entries) {
  std::size_t size = 16;
  shift_ = 60;
  while (size < entries.size() * 6) {
    size *= 2;
    --shift_;
  }
  slots_.assign(size, Slot{});
  for (const auto& [prefix, value] : entries) {
    if (prefix.length == 0) {
      auto& fallback = prefix.is_v6 ? v6_default_ : v4_default_;
      if (fallback == kNoMatch) fallback = value;  // the first one given wins
      continue;
    }
    std::uint64_t high = 0, low = 0;
    maskedKey(prefix.is_v6, prefix.address.data(), prefix.length, &high, &low);
    insert(prefix.is_v6, prefix.length, high, low, value);
    addLength(prefix.is_v6 ? v6_lengths_ : v4_lengths_, prefix);
  }
  const auto longestFirst = [](const Length& a, const Length& b) { return a.bits > b.bits; };
  std::sort(v4_lengths_.begin(), v4_lengths_.end(), longestFirst);
  std::sort(v6_lengths_.begin(), v6_lengths_.end(), longestFirst);
}

void PrefixTable::addLength(std::vector<Length>& lengths, const ip::Prefix& prefix) {
  auto it = std::find_if(lengths.begin(), lengths.end(),
                         [&](const Length& l) { return l.bits == prefix.length; });
  if (it == lengths.end()) {
    lengths.push_back(Length{static_cast<std::uint8_t>(prefix.length), {}});
    it = std::prev(lengths.end());
  }
  // A prefix shorter than an octet covers a run of first octets.
  const int free_bits = prefix.length >= 8 ? 0 : 8 - prefix.length;
  const unsigned first = prefix.address[0] & (0xFFu << free_bits) & 0xFFu;
  for (unsigned octet = first; octet < first + (1u << free_bits); ++octet)
    it->first_octets[octet >> 6] |= std::uint64_t{1} << (octet & 63);
}

void PrefixTable::insert(bool is_v6, int length, std::uint64_t high, std::uint64_t low,
                         std::uint32_t value) {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hashKey(is_v6, length, high, low) >> shift_;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (!slot.used) {
      slot = Slot{high, low, value, static_cast<std::uint8_t>(length), is_v6, true};
      return;
    }
    if (slot.is_v6 == is_v6 && slot.length == length && slot.high == high && slot.low == low)
      return;  // the first one given wins, as in a scan of the prefixes in order
  }
}

std::uint32_t PrefixTable::probe(bool is_v6, int length, std::uint64_t high,
                                 std::uint64_t low) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hashKey(is_v6, length, high, low) >> shift_;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (!slot.used) return kNoMatch;
    if (slot.length == length && slot.is_v6 == is_v6 && slot.high == high && slot.low == low)
      return slot.value;
  }
}

std::uint32_t PrefixTable::find(const ip::ClientAddress& client) const {
  if (slots_.empty()) return kNoMatch;
  const auto& lengths = client.is_v6 ? v6_lengths_ : v4_lengths_;
  const std::uint8_t first = client.bytes[0];
  for (const Length& length : lengths) {
    if (!length.mayHold(first)) continue;
    std::uint64_t high = 0, low = 0;
    maskedKey(client.is_v6, client.bytes.data(), length.bits, &high, &low);
    if (const std::uint32_t value = probe(client.is_v6, length.bits, high, low); value != kNoMatch)
      return value;
  }
  return client.is_v6 ? v6_default_ : v4_default_;
}

std::size_t PrefixTable::memoryBytes() const {
  return slots_.capacity() * sizeof(Slot) +
         (v4_lengths_.capacity() + v6_lengths_.capacity()) * sizeof(Length);
}

}  // namespace horizon::query
