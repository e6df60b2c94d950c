// What validation concluded about data (RFC 4033 5, RFC 4035 4.3), and why when it failed.
#pragma once

#include <cstdint>
#include <string>

namespace horizon::dnssec {

/// RFC 4035 4.3's states, plus kUnchecked for data validation never looked at (validation off).
/// Indeterminate data (no trust anchor covers it) is reported as insecure, as RFC 4033 5 allows.
enum class Security : std::uint8_t { kUnchecked, kInsecure, kSecure, kBogus };

/// Extended DNS Error INFO-CODEs (RFC 8914 4) the validator gives.
namespace ede {
constexpr std::uint16_t kNone = 0xFFFF;
constexpr std::uint16_t kUnsupportedDnskeyAlgorithm = 1, kUnsupportedDsDigest = 2,
                        kIndeterminate = 5, kBogus = 6, kSignatureExpired = 7,
                        kSignatureNotYetValid = 8, kDnskeyMissing = 9, kRrsigsMissing = 10,
                        kNoZoneKeyBit = 11, kNsecMissing = 12, kUnsupportedNsec3Iterations = 27;
}  // namespace ede

/// A verdict: the state, and for bogus data the EDE code and one line for the log.
struct Verdict {
  Security security = Security::kUnchecked;
  std::uint16_t ede = ede::kNone;
  std::string why;
  /// A bogus verdict with its code and reason.
  static Verdict bogus(std::uint16_t code, std::string reason) {
    return {Security::kBogus, code, std::move(reason)};
  }
};

}  // namespace horizon::dnssec
