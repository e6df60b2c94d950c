// RRset and DNSKEY RRset verification within a budget of signature checks.
#include "horizon/dnssec/rrset_verifier.hpp"

#include <algorithm>

#include "horizon/dnssec/dnskey.hpp"
#include "horizon/dnssec/rrsig.hpp"
#include "horizon/dnssec/signature_check.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::dnssec {
namespace {

// Seconds from `now` until `expiration` in serial arithmetic, 0 when already past.
std::uint32_t secondsLeft(std::uint32_t now, std::uint32_t expiration) {
  const auto left = static_cast<std::int32_t>(expiration - now);
  return left > 0 ? static_cast<std::uint32_t>(left) : 0;
}

}  // namespace

RrsetCheck verifyRrset(const std::vector<const wire::Record*>& rrset,
                       const std::vector<const wire::Record*>& rrsigs, std::string_view zone,
                       const std::vector<wire::Record>& keys, const CheckTime& time,
                       CheckBudget& budget) {
  RrsetCheck out;
  const std::string what = rrset.empty() ? std::string("an empty RRset")
                                         : wire::nameToText(rrset.front()->owner) + " type " +
                                               std::to_string(rrset.front()->type);
  if (rrset.empty() || rrsigs.empty()) {
    out.verdict = Verdict::bogus(ede::kRrsigsMissing, "no signature for " + what);
    return out;
  }
  bool expired = false, not_yet = false, key_found = false;
  int failures = 0;
  for (const wire::Record* sig : rrsigs) {
    const auto f = parseRrsig(sig->rdata);
    if (!f || f->signer != zone || f->type_covered != rrset.front()->type ||
        !algorithmSupported(f->algorithm))
      continue;
    switch (checkSignatureTime(*f, time.now, time.skew)) {
      case SignatureTime::kExpired:
        expired = true;
        continue;
      case SignatureTime::kNotYetValid:
        not_yet = true;
        continue;
      case SignatureTime::kValid:
        break;
    }
    const auto data = signedData(*f, rrset);
    if (!data) continue;
    for (const wire::Record& key : keys) {
      const auto k = parseDnskey(key.rdata);
      // RFC 4034 2.1.1: only zone keys sign zone data; RFC 5011 2.1: a revoked key signs nothing
      // but its own DNSKEY RRset, which the trust anchor machinery handles, not this check.
      if (!k || k->algorithm != f->algorithm || k->protocol != 3 || !(k->flags & kFlagZoneKey) ||
          (k->flags & kFlagRevoked) || keyTag(key.rdata) != f->key_tag)
        continue;
      key_found = true;
      if (budget.signature_checks_left <= 0 || failures >= budget.per_rrset) {
        budget.exhausted = true;
        out.verdict = Verdict::bogus(ede::kBogus, "too many signature checks for " + what);
        return out;
      }
      --budget.signature_checks_left;
      if (verifySignature(k->algorithm, k->public_key, *data, f->signature)) {
        out.verdict.security = Security::kSecure;
        out.ttl_cap = std::min(f->original_ttl, secondsLeft(time.now, f->expiration));
        out.labels = f->labels;
        return out;
      }
      ++failures;
    }
  }
  if (failures > 0)
    out.verdict = Verdict::bogus(ede::kBogus, "signature of " + what + " does not verify");
  else if (expired)
    out.verdict = Verdict::bogus(ede::kSignatureExpired, "signature of " + what + " expired");
  else if (not_yet)
    out.verdict =
        Verdict::bogus(ede::kSignatureNotYetValid, "signature of " + what + " not yet valid");
  else if (!key_found)
    out.verdict = Verdict::bogus(ede::kDnskeyMissing, "no key of " + wire::nameToText(zone) +
                                                          " made a signature of " + what);
  else
    out.verdict = Verdict::bogus(ede::kBogus, "no usable signature of " + what);
  return out;
}

RrsetCheck verifyDnskeys(std::string_view zone, const std::vector<const wire::Record*>& dnskeys,
                         const std::vector<const wire::Record*>& rrsigs,
                         const std::vector<wire::Record>& ds,
                         const std::vector<wire::Record>& anchor_keys, const CheckTime& time,
                         CheckBudget& budget, std::vector<wire::Record>& keys_out) {
  RrsetCheck out;
  std::vector<const wire::Record*> usable_ds;
  bool strong_digest = false;
  for (const wire::Record& r : ds) {
    const auto f = parseDs(r.rdata);
    if (!f || !algorithmSupported(f->algorithm) || !dsDigestSupported(f->digest_type)) continue;
    usable_ds.push_back(&r);
    strong_digest |= f->digest_type != 1;
  }
  if (strong_digest)
    std::erase_if(usable_ds,
                  [](const wire::Record* r) { return parseDs(r->rdata)->digest_type == 1; });
  if (usable_ds.empty() && anchor_keys.empty()) {
    // RFC 4035 5.2: a zone vouched for only with algorithms or digests we cannot check is
    // treated as unsigned.
    out.verdict.security = Security::kInsecure;
    return out;
  }
  std::vector<wire::Record> trusted;
  for (const wire::Record* key : dnskeys) {
    const bool anchored = std::any_of(anchor_keys.begin(), anchor_keys.end(),
                                      [&](const wire::Record& a) { return a.rdata == key->rdata; });
    const bool named = std::any_of(usable_ds.begin(), usable_ds.end(), [&](const wire::Record* d) {
      return dsMatchesKey(d->rdata, zone, key->rdata);
    });
    if (anchored || named) trusted.push_back(*key);
  }
  if (trusted.empty()) {
    out.verdict = Verdict::bogus(ede::kDnskeyMissing,
                                 "no DNSKEY of " + wire::nameToText(zone) + " matches its DS");
    return out;
  }
  std::vector<const wire::Record*> set(dnskeys.begin(), dnskeys.end());
  out = verifyRrset(set, rrsigs, zone, trusted, time, budget);
  if (out.verdict.security == Security::kSecure) {
    keys_out.clear();
    for (const wire::Record* key : dnskeys) keys_out.push_back(*key);
  }
  return out;
}

}  // namespace horizon::dnssec
