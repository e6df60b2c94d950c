// Checks an RRset's signatures against a zone's keys (RFC 4035 5.3), and a zone's DNSKEY RRset
// against the DS records or trust anchor that vouch for it (RFC 4035 5.2), within a budget of
// signature checks so that no answer can make validation expensive (key-tag collisions and
// signature floods, CVE-2023-50387).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "horizon/dnssec/security.hpp"
#include "horizon/wire/record.hpp"

namespace horizon::dnssec {

/// Signature checks one validation may spend, shared by every RRset it checks.
struct CheckBudget {
  int signature_checks_left = 16;  // cryptographic verifications, successful or not
  int per_rrset = 4;               // failed verifications tolerated for one RRset
  bool exhausted = false;          // set when a check was refused for want of budget
};

/// When the validation happens: seconds since 1970 (wrapped to 32 bits) and the clock skew
/// allowed around a signature's validity period.
struct CheckTime {
  std::uint32_t now = 0;
  std::uint32_t skew = 300;
};

/// The outcome for one RRset: a verdict and, when secure, the TTL the data may be cached for
/// (RFC 4035 5.3.3: no longer than the RRSIG's original TTL or its expiration) and the label count
/// of the signature that verified it (fewer than the owner's: a wildcard expansion).
struct RrsetCheck {
  Verdict verdict;
  std::uint32_t ttl_cap = UINT32_MAX;
  std::uint8_t labels = 0;
};

/// Verifies `rrset` (one owner, type and class) with one of `rrsigs` (the RRSIGs at that owner
/// covering the type) made by `zone` with one of `keys` (the zone's validated DNSKEY records).
/// Signatures by another signer, of an unsupported algorithm, by a key not in `keys`, outside
/// their validity or not verifying are skipped; the verdict is secure when one verifies, else
/// bogus with the most telling EDE code (expired, not yet valid, missing, or bogus).
RrsetCheck verifyRrset(const std::vector<const wire::Record*>& rrset,
                       const std::vector<const wire::Record*>& rrsigs, std::string_view zone,
                       const std::vector<wire::Record>& keys, const CheckTime& time,
                       CheckBudget& budget);

/// The validated key set of `zone` from its DNSKEY RRset, vouched for by `ds` (DS records, or a
/// trust anchor's DS records) or `anchor_keys` (DNSKEY records of a trust anchor): a key the DS
/// or anchor names must have signed the RRset. Insecure when no DS uses a supported algorithm and
/// digest (RFC 4035 5.2; SHA-1 digests are ignored when a SHA-256 or SHA-384 one is present for
/// the key, as RFC 4509 3 asks); bogus when none of the named keys is there or none signed it.
/// `keys_out` gets the zone's DNSKEY records when secure.
RrsetCheck verifyDnskeys(std::string_view zone, const std::vector<const wire::Record*>& dnskeys,
                         const std::vector<const wire::Record*>& rrsigs,
                         const std::vector<wire::Record>& ds,
                         const std::vector<wire::Record>& anchor_keys, const CheckTime& time,
                         CheckBudget& budget, std::vector<wire::Record>& keys_out);

}  // namespace horizon::dnssec
