#include "horizon/dnssec/canonical_order.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

#include "horizon/wire/name.hpp"

namespace horizon::dnssec {
namespace {

// A wire name has at most 127 labels besides the root (255 octets, two per label at least).
constexpr std::size_t kMaxLabels = 128;

struct Labels {
  std::array<std::size_t, kMaxLabels> start{};  // offset of each label's length octet
  std::size_t count = 0;
};

// Label offsets from left to right; stops at the root label, at a label that would run past the
// end, or at kMaxLabels, so that any bytes are safe to compare.
Labels splitLabels(std::string_view name) {
  Labels out;
  std::size_t i = 0;
  while (i < name.size() && out.count < kMaxLabels) {
    auto len = static_cast<std::uint8_t>(name[i]);
    if (len == 0 || i + 1 + len > name.size()) break;
    out.start[out.count++] = i;
    i += 1 + len;
  }
  return out;
}

int compareLabel(std::string_view name_a, std::size_t at_a, std::string_view name_b,
                 std::size_t at_b) {
  auto len_a = static_cast<std::uint8_t>(name_a[at_a]);
  auto len_b = static_cast<std::uint8_t>(name_b[at_b]);
  std::size_t common = len_a < len_b ? len_a : len_b;
  for (std::size_t k = 1; k <= common; ++k) {
    auto ca = wire::foldCase(static_cast<std::uint8_t>(name_a[at_a + k]));
    auto cb = wire::foldCase(static_cast<std::uint8_t>(name_b[at_b + k]));
    if (ca != cb) return ca < cb ? -1 : 1;
  }
  // RFC 4034 6.1: a label that is a prefix of the other sorts first ("absence of an octet sorts
  // before a zero value octet").
  if (len_a == len_b) return 0;
  return len_a < len_b ? -1 : 1;
}

}  // namespace

int canonicalCompare(std::string_view a, std::string_view b) {
  Labels la = splitLabels(a);
  Labels lb = splitLabels(b);
  std::size_t ia = la.count, ib = lb.count;
  // Labels compare from the rightmost one; a name that runs out first is an ancestor and sorts
  // first.
  while (ia > 0 && ib > 0) {
    --ia;
    --ib;
    int c = compareLabel(a, la.start[ia], b, lb.start[ib]);
    if (c != 0) return c;
  }
  if (ia == 0 && ib == 0) return 0;
  return ia == 0 ? -1 : 1;
}

}  // namespace horizon::dnssec
