// Response rate limiting settings of one view (zones/FORMAT.md, `rate-limit`): how many answers a
// client network gets per second before the rest are dropped or sent truncated. The limiter that
// applies them lives in the network module (server/net/response_limiter.hpp).
#pragma once

#include <cstdint>

namespace horizon::zone {

/// One view's limits (zone.hpp's defaultRateLimit says which views get which by default).
struct RateLimitSettings {
  bool enabled = false;
  std::uint32_t responses_per_second =
      0;  // answers with data or NODATA, per name and type; 0: unlimited
  std::uint32_t errors_per_second = 0;  // NXDOMAIN and error answers; 0: unlimited
  std::uint32_t slip = 0;               // every slip-th limited answer goes out truncated; 0: none
  std::uint8_t ipv4_prefix = 24;        // clients are counted together per network of this length
  std::uint8_t ipv6_prefix = 56;

  /// Field by field.
  friend bool operator==(const RateLimitSettings&, const RateLimitSettings&) = default;
};

/// Conservative limits: a real resolver asks one name a few times a second at most, and a
/// reflection attack asks thousands of times; TC every second limited answer lets a real client
/// behind a spoofed flood still get through over TCP.
inline constexpr RateLimitSettings kDefaultRateLimit{.enabled = true,
                                                     .responses_per_second = 20,
                                                     .errors_per_second = 5,
                                                     .slip = 2,
                                                     .ipv4_prefix = 24,
                                                     .ipv6_prefix = 56};
/// No limit at all.
inline constexpr RateLimitSettings kNoRateLimit{};

}  // namespace horizon::zone
