// The derived serial: a hash of the zone's content, so identical content always gives the same
// serial and any change another one. Records are summed as a set (the semantic checks have made
// them unique), which needs no sort.
#include "serial.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "hashing.hpp"
#include "horizon/wire/constants.hpp"

namespace horizon::zone {
namespace {

std::uint32_t fnv1a(std::uint32_t hash, std::string_view bytes) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

std::uint64_t fnv1a64(std::uint64_t hash, std::string_view bytes) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace

std::uint32_t deriveSerial(const std::vector<View>& views) {
  std::vector<std::pair<std::string, std::uint64_t>> sums;  // view name -> sum of its records
  for (const View& view : views) {
    std::uint64_t sum = 0;
    for (const auto& r : view.records) {
      if (r.type == wire::type::SOA) continue;
      std::uint64_t h = fnv1a64(14695981039346656037ull, r.owner);
      const std::uint64_t fields[] = {r.owner.size(), r.type, r.ttl, r.rdata.size()};
      for (std::uint64_t f : fields) h = (h ^ f) * 1099511628211ull;
      sum += mix64(fnv1a64(h, r.rdata));
    }
    sums.emplace_back(view.name, sum);
  }
  std::sort(sums.begin(), sums.end());
  std::uint32_t hash = 2166136261u;
  for (const auto& [name, sum] : sums) {
    hash = fnv1a(hash, "view " + name + '\n');
    for (int shift = 56; shift >= 0; shift -= 8) {
      const char byte = static_cast<char>(sum >> shift);
      hash = fnv1a(hash, std::string_view(&byte, 1));
    }
  }
  return hash == 0 ? 1 : hash;  // 0 would look like "no serial" to people and tools
}

}  // namespace horizon::zone
