// Authenticated denial of existence (RFC 4035 5.4, RFC 5155 8, RFC 6840 4, RFC 9276): whether a
// set of NSEC or NSEC3 records, whose signatures the caller has already verified with the keys of
// the zone that signed them, proves a negative answer or a wildcard expansion. Pure functions: no
// I/O, no state, a bounded amount of hashing per call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "horizon/wire/record.hpp"

namespace horizon::dnssec {

/// What a set of denial records establishes.
enum class Denial {
  kProven,              // the records prove the denial
  kOptOut,              // only an opt-out NSEC3 span covers the name: it may be an unsigned
                        // delegation, so the answer is insecure (RFC 5155 6, 9.2)
  kInsecureIterations,  // NSEC3 iterations above the limit: insecure (RFC 9276 3.2)
  kNotProven,           // missing, contradictory or malformed records: bogus
};

/// The outcome of one proof, with what a log line needs.
struct DenialResult {
  Denial state = Denial::kNotProven;
  bool delegation = false;       // the record matching the name has NS without SOA: a zone cut
  std::string closest_encloser;  // wire format, when the proof established one
  std::string why;               // one line for logs when not proven
};

/// Bounds on the work one proof may do.
struct DenialLimits {
  std::uint16_t max_nsec3_iterations = 150;  // above: kInsecureIterations (RFC 9276 3.2)
  int max_nsec3_hashes = 32;                 // NSEC3 hash computations per call; beyond: kNotProven
};

/// NXDOMAIN (RFC 4035 5.4, RFC 5155 8.4): neither `qname` nor a wildcard at its closest encloser
/// exists in `zone`, the signer of `records` (NSEC or NSEC3; when both come, one kind is used).
DenialResult proveNameError(std::string_view zone, std::string_view qname,
                            const std::vector<wire::Record>& records,
                            const DenialLimits& limits = {});

/// NODATA (RFC 4035 3.1.3, RFC 5155 8.5-8.7): `qname` has no `qtype` and no CNAME, including at an
/// empty non-terminal and through a wildcard; for DS, also an unsigned delegation (`delegation`
/// set) or an NSEC3 opt-out span (kOptOut, RFC 5155 8.6). Arguments as for proveNameError.
DenialResult proveNoData(std::string_view zone, std::string_view qname, std::uint16_t qtype,
                         const std::vector<wire::Record>& records, const DenialLimits& limits = {});

/// A positive answer synthesized from a wildcard whose RRSIG has `rrsig_labels` labels, fewer than
/// `qname` has: no name closer to `qname` exists (RFC 4035 5.3.4, RFC 5155 8.8). Arguments as for
/// proveNameError.
DenialResult proveWildcardAnswer(std::string_view zone, std::string_view qname,
                                 std::size_t rrsig_labels, const std::vector<wire::Record>& records,
                                 const DenialLimits& limits = {});

}  // namespace horizon::dnssec
