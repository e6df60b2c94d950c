// Private to the resolver: DNSSEC validation of a finished resolution (RFC 4035 5). It gathers
// what the chain of trust needs (the signers' DNSKEY RRsets, DS RRsets, proofs that a zone is
// unsigned) through the resolver itself, so every link is a cache entry validated in turn, and
// then checks signatures and denial proofs against them.
//
// Each link asks only for names strictly above it, or for the DS of its own name, whose
// signer lies strictly above: a DNSKEY RRset at Z needs the DS at Z, a DS at Z needs the keys of
// a proper ancestor of Z. So the requests form a chain that ends at a trust anchor and cannot
// wait on themselves.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "horizon/dnssec/denial.hpp"
#include "horizon/dnssec/security.hpp"
#include "horizon/dnssec/trust_anchor.hpp"
#include "horizon/resolver/cache.hpp"

namespace horizon::resolver {

/// A resolution's result as validation sees it.
struct ValidationInput {
  std::string qname;  // lowercase wire format
  std::uint16_t qtype = 0;
  std::uint8_t rcode = 0;
  std::vector<Record> answer;     // CNAME/DNAME chain and the answer, with their RRSIGs
  std::vector<Record> authority;  // SOA, NSEC, NSEC3 and their RRSIGs
};

/// The verdict, how long secure data may be cached (signature limits), and for a DS question
/// whether the answer proves an unsigned delegation.
struct ValidationResult {
  dnssec::Verdict verdict;
  std::uint32_t ttl_cap = UINT32_MAX;
  bool insecure_delegation = false;
  int signature_checks = 0;            // cryptographic verifications spent
  bool signature_limit = false;        // the budget of signature checks ran out
  bool nsec3_iteration_limit = false;  // an NSEC3 proof was above the iteration limit
};

/// What validation asks of the resolver it runs in, for one resolution policy.
class ValidationHost {
 public:
  virtual ~ValidationHost() = default;
  /// Resolves (name, type) through the cache; `done` gets the validated entry (perhaps before
  /// fetch returns).
  virtual void fetch(const std::string& name, std::uint16_t type,
                     std::function<void(std::shared_ptr<const CacheEntry>)> done) = 0;
  /// True when `name` is at or below a zone already proven unsigned.
  virtual bool knownInsecure(const std::string& name) const = 0;
  /// Remembers for `ttl` seconds that `zone` and the names below it are unsigned.
  virtual void rememberInsecure(const std::string& zone, std::uint32_t ttl) = 0;
};

/// Validation's fixed settings.
struct ValidationSettings {
  std::shared_ptr<const dnssec::TrustAnchors> anchors;
  dnssec::DenialLimits denial;
  std::uint32_t clock_skew = 300;  // seconds allowed around signature validity periods
  int signature_checks = 32;       // per validated resolution (KeyTrap bound)
};

/// Validates `input` and calls `done` once with the result.
void validateOutcome(std::shared_ptr<ValidationHost> host, const ValidationSettings& settings,
                     ValidationInput input, std::function<void(ValidationResult)> done);

}  // namespace horizon::resolver
