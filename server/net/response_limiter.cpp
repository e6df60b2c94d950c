// Response rate limiting: a token bucket per key in a set-associative table.
#include "response_limiter.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/message.hpp"

namespace horizon::net {
namespace {

// A bucket holds one second of answers: a burst at the full rate, then the rate.
constexpr std::int64_t kCost = 1000;  // one answer, in thousandths
constexpr std::uint32_t kMaxRefillMs = 1000;

enum class Kind : std::uint8_t { kAnswer, kNxdomain, kError };

// FNV-1a over the key's parts, finished with a mixer so that the set index (low bits) depends on
// every byte.
struct KeyHash {
  std::uint64_t h;
  void add(const std::uint8_t* bytes, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) h = (h ^ bytes[i]) * 0x100000001b3ULL;
  }
  void add(std::uint64_t v) {
    std::uint8_t bytes[8];
    std::memcpy(bytes, &v, sizeof bytes);
    add(bytes, sizeof bytes);
  }
  std::uint64_t finish() const {
    std::uint64_t x = h;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x == 0 ? 1 : x;  // 0 marks a free entry
  }
};

// The end of the name at `pos`, or 0 when it runs past `size` (compression pointers end a name).
std::size_t skipName(const std::uint8_t* p, std::size_t size, std::size_t pos) {
  while (pos < size) {
    const std::uint8_t len = p[pos];
    if (len == 0) return pos + 1;
    if ((len & 0xC0) == 0xC0) return pos + 2 <= size ? pos + 2 : 0;
    if (len > 63) return 0;
    pos += 1u + len;
  }
  return 0;
}

// The end of the record at `pos`, or 0 when it runs past `size`.
std::size_t skipRecord(const std::uint8_t* p, std::size_t size, std::size_t pos) {
  pos = skipName(p, size, pos);
  if (pos == 0 || pos + 10 > size) return 0;
  const std::size_t end = pos + 10 + wire::readU16(p + pos + 8);
  return end <= size ? end : 0;
}

}  // namespace

ResponseLimiter::ResponseLimiter(std::uint64_t seed)
    : table_(new Entry[kSets * kWays]()), seed_(seed ^ 0xcbf29ce484222325ULL) {}

LimitAction ResponseLimiter::decide(const ip::ClientAddress& client,
                                    const zone::RateLimitSettings& settings, std::uint64_t scope,
                                    std::span<const std::uint8_t> response, std::uint32_t now_ms) {
  if (response.size() < wire::kHeaderSize) return LimitAction::kSend;
  const std::uint8_t* p = response.data();
  const std::uint8_t rcode = p[3] & 0x0F;
  const Kind kind = rcode == wire::rcode::NOERROR    ? Kind::kAnswer
                    : rcode == wire::rcode::NXDOMAIN ? Kind::kNxdomain
                                                     : Kind::kError;
  const std::uint32_t rate =
      kind == Kind::kAnswer ? settings.responses_per_second : settings.errors_per_second;
  if (rate == 0) return LimitAction::kSend;

  // The client's network: its address with the host bits cleared.
  KeyHash hash{seed_};
  const unsigned bits = client.is_v6 ? settings.ipv6_prefix : settings.ipv4_prefix;
  const std::size_t length = client.is_v6 ? 16 : 4;
  std::uint8_t network[16] = {};
  for (std::size_t i = 0; i < length && i * 8 < bits; ++i) {
    const unsigned keep = std::min(8u, bits - static_cast<unsigned>(i * 8));
    network[i] = static_cast<std::uint8_t>(client.bytes[i] & (0xFF00u >> keep));
  }
  const std::uint8_t head[3] = {static_cast<std::uint8_t>(client.is_v6),
                                static_cast<std::uint8_t>(bits), static_cast<std::uint8_t>(kind)};
  hash.add(head, sizeof head);
  hash.add(network, length);
  hash.add(scope);
  if (kind == Kind::kAnswer && wire::readU16(p + 4) > 0) {
    // By name (folded to lowercase: the question echoes the client's case) and type.
    std::size_t pos = wire::kHeaderSize;
    while (pos < response.size() && p[pos] != 0 && p[pos] <= 63) {
      const std::size_t end = pos + 1u + p[pos];
      if (end > response.size()) break;
      hash.add(p + pos, 1);
      for (std::size_t i = pos + 1; i < end; ++i) {
        const std::uint8_t c = p[i] >= 'A' && p[i] <= 'Z' ? p[i] + ('a' - 'A') : p[i];
        hash.add(&c, 1);
      }
      pos = end;
    }
    if (pos + 3 <= response.size()) hash.add(p + pos + 1, 2);
  }
  const std::uint64_t key = hash.finish();

  const std::int64_t cap = static_cast<std::int64_t>(rate) * kCost;
  // The credit an entry would have now; what evicting it forgets is what it lacks of its cap.
  const auto refreshed = [now_ms](const Entry& e) {
    const std::uint32_t elapsed = std::min(now_ms - e.last_ms, kMaxRefillMs);
    return std::min<std::int64_t>(e.credit + static_cast<std::int64_t>(elapsed) * e.rate,
                                  static_cast<std::int64_t>(e.rate) * kCost);
  };
  Entry* set = table_.get() + (key % kSets) * kWays;
  Entry* entry = nullptr;
  for (std::size_t w = 0; w < kWays && !entry; ++w)
    if (set[w].key == key) entry = &set[w];
  if (entry) {
    // Refilled at the rate it had; a reload that lowered the rate lowers the cap at once.
    entry->credit = static_cast<std::int32_t>(std::min(refreshed(*entry), cap));
  } else {
    // A new key takes a free entry, else the one whose bucket is fullest: evicting a full bucket
    // loses nothing, so a flood of new networks does not reset the ones being limited.
    entry = &set[0];
    std::int64_t least_missing = std::numeric_limits<std::int64_t>::max();
    for (std::size_t w = 0; w < kWays; ++w) {
      if (set[w].key == 0) {
        entry = &set[w];
        break;
      }
      const std::int64_t missing =
          static_cast<std::int64_t>(set[w].rate) * kCost - refreshed(set[w]);
      if (missing < least_missing) {
        least_missing = missing;
        entry = &set[w];
      }
    }
    *entry = Entry{key, now_ms, static_cast<std::int32_t>(cap), rate, 0};
  }
  entry->last_ms = now_ms;
  entry->rate = rate;
  if (entry->credit >= kCost) {
    entry->credit -= static_cast<std::int32_t>(kCost);
    return LimitAction::kSend;
  }
  ++entry->limited;
  return settings.slip != 0 && entry->limited % settings.slip == 0 ? LimitAction::kSlip
                                                                   : LimitAction::kDrop;
}

std::size_t ResponseLimiter::truncate(std::span<std::uint8_t> response) {
  const std::size_t size = response.size();
  if (size < wire::kHeaderSize) return size;
  std::uint8_t* p = response.data();
  const std::uint16_t qdcount = wire::readU16(p + 4);
  const std::size_t records =
      std::size_t{wire::readU16(p + 6)} + wire::readU16(p + 8) + wire::readU16(p + 10);
  std::size_t question_end = wire::kHeaderSize;
  if (qdcount == 1) {
    const std::size_t name_end = skipName(p, size, wire::kHeaderSize);
    question_end = name_end != 0 && name_end + 4 <= size ? name_end + 4 : 0;
  } else if (qdcount != 0) {
    question_end = 0;
  }
  p[2] |= static_cast<std::uint8_t>(wire::kFlagTC >> 8);
  wire::writeU16(p + 6, 0);
  wire::writeU16(p + 8, 0);
  wire::writeU16(p + 10, 0);
  if (question_end == 0) {
    wire::writeU16(p + 4, 0);
    return wire::kHeaderSize;
  }
  // RFC 6891 7: an answer to an EDNS query carries the OPT record, truncated or not.
  std::size_t pos = question_end;
  for (std::size_t i = 0; i < records && pos != 0 && pos < size; ++i) {
    const std::size_t end = skipRecord(p, size, pos);
    if (end == 0) break;
    const std::size_t name_end = skipName(p, size, pos);
    if (wire::readU16(p + name_end) == wire::type::OPT) {
      std::memmove(p + question_end, p + pos, end - pos);
      wire::writeU16(p + 10, 1);
      return question_end + (end - pos);
    }
    pos = end;
  }
  return question_end;
}

}  // namespace horizon::net
