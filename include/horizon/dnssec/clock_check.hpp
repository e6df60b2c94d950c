// Whether the system clock can be right: validation compares every signature's validity period
// with it (RFC 4034 3.1.5), so a clock years off makes every signed answer bogus.
#pragma once

#include <cstdint>
#include <string>

namespace horizon::dnssec {

/// 2024-07-18 00:00 UTC, when the newest built-in root key (KSK-2024, tag 38696) was published:
/// no correct clock running this build can be earlier.
constexpr std::int64_t kBuiltInAnchorsTime = 1721260800;

/// A warning for the log when `now` (seconds since 1970) cannot be the time: before `earliest`,
/// or more than 30 years after it (signature times are 32-bit serial numbers, RFC 4034 3.1.5, so
/// a clock that far ahead also wraps them); "" when it is plausible.
std::string implausibleClock(std::int64_t now, std::int64_t earliest = kBuiltInAnchorsTime);

}  // namespace horizon::dnssec
