// The denial proofs. Every input is treated as hostile in shape even though its signatures were
// verified: names and rdata are checked before use, and records that fail a check are ignored, so
// a proof that needed them fails. NSEC proofs compare names in canonical order (RFC 4034 6.1);
// NSEC3 proofs compare raw hashes, computing at most DenialLimits::max_nsec3_hashes of them.
#include "horizon/dnssec/denial.hpp"

#include <optional>
#include <utility>

#include "horizon/dnssec/canonical_order.hpp"
#include "horizon/dnssec/nsec3_hash.hpp"
#include "horizon/dnssec/type_bitmap.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"

namespace horizon::dnssec {
namespace {

namespace type = wire::type;

// Uncompressed, label lengths within bounds, ending in the root label exactly at the end.
bool isWellFormedName(std::string_view name) {
  if (name.empty() || name.size() > wire::kMaxNameLength) return false;
  std::size_t i = 0;
  while (i < name.size()) {
    auto len = static_cast<std::uint8_t>(name[i]);
    if (len == 0) return i + 1 == name.size();
    if (len > wire::kMaxLabelLength) return false;
    i += 1 + len;
  }
  return false;
}

// Length of the well-formed name at the start of `bytes`, or 0.
std::size_t leadingNameLength(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size() && i < wire::kMaxNameLength) {
    auto len = static_cast<std::uint8_t>(bytes[i]);
    if (len == 0) return i + 1;
    if (len > wire::kMaxLabelLength) return 0;
    i += 1 + len;
  }
  return 0;
}

// The name without its first label; `name` is well formed and not the root.
std::string_view parentOf(std::string_view name) {
  return name.substr(1 + static_cast<std::uint8_t>(name[0]));
}

// The ancestor of `name` (or `name` itself) that has `labels` labels.
std::string_view ancestorWithLabels(std::string_view name, std::size_t labels) {
  for (std::size_t n = wire::labelCount(name); n > labels; --n) name = parentOf(name);
  return name;
}

bool isStrictlyBelow(std::string_view name, std::string_view ancestor) {
  return name.size() > ancestor.size() && wire::isSubdomainOf(name, ancestor);
}

// "*." prepended to `name`; empty when the result would exceed 255 octets.
std::string wildcardAt(std::string_view name) {
  if (name.size() + 2 > wire::kMaxNameLength) return {};
  std::string out("\x01*", 2);
  out.append(name);
  return out;
}

// RFC 6840 4.1: NS without SOA marks the parent side of a zone cut, whose NSEC/NSEC3 speaks only
// for the DS (and NSEC) at the cut, nothing below it.
bool isParentSideOfCut(std::string_view bitmap) {
  return bitmapHasType(bitmap, type::NS) && !bitmapHasType(bitmap, type::SOA);
}

// RFC 6840 4.1: below a cut or a DNAME the zone holds no names, so its chain proves nothing there.
bool hidesNamesBelow(std::string_view bitmap) {
  return isParentSideOfCut(bitmap) || bitmapHasType(bitmap, type::DNAME);
}

DenialResult fail(std::string why) {
  DenialResult r;
  r.why = std::move(why);
  return r;
}

DenialResult proven(std::string_view closest_encloser = {}, bool delegation = false) {
  DenialResult r;
  r.state = Denial::kProven;
  r.closest_encloser = std::string(closest_encloser);
  r.delegation = delegation;
  return r;
}

// The checks a record matching the name (or the wildcard that would have answered) must pass for
// a NODATA (RFC 4035 3.1.3.1, RFC 5155 8.5/8.6/8.9, RFC 6840 4.3/4.4).
DenialResult checkTypeAbsent(std::string_view bitmap, std::uint16_t qtype,
                             std::string_view closest_encloser) {
  if (bitmapHasType(bitmap, qtype)) return fail("the type exists at the name");
  // A CNAME would have been the answer (RFC 6840 4.3).
  if (bitmapHasType(bitmap, type::CNAME)) return fail("the name has a CNAME");
  if (qtype == type::DS) {
    // With SOA the record is the child apex's, which cannot deny its own DS (RFC 6840 4.4).
    if (bitmapHasType(bitmap, type::SOA)) return fail("a child apex record cannot deny DS");
    return proven(closest_encloser, bitmapHasType(bitmap, type::NS));
  }
  if (isParentSideOfCut(bitmap)) return fail("a parent-side record at a cut denies only DS");
  return proven(closest_encloser);
}

// ---- NSEC (RFC 4035 5.4) ----

struct Nsec {
  std::string owner;  // lowercase wire format
  std::string next;   // lowercase wire format
  std::string_view bitmap;
};

std::vector<Nsec> usableNsecs(std::string_view zone, const std::vector<wire::Record>& records) {
  std::vector<Nsec> out;
  for (const auto& r : records) {
    if (r.type != type::NSEC) continue;
    std::string owner = wire::lowercaseName(r.owner);
    if (!isWellFormedName(owner) || !wire::isSubdomainOf(owner, zone)) continue;
    std::string_view rdata(r.rdata);
    std::size_t next_len = leadingNameLength(rdata);
    if (next_len == 0) continue;
    std::string next = wire::lowercaseName(rdata.substr(0, next_len));
    std::string_view bitmap = rdata.substr(next_len);
    // The last NSEC names the apex as its next name, so every next name lies in the zone.
    if (!wire::isSubdomainOf(next, zone) || !isValidTypeBitmap(bitmap)) continue;
    out.push_back(Nsec{std::move(owner), std::move(next), bitmap});
  }
  return out;
}

// True when `nsec` proves that `name` does not exist: owner < name < next in canonical order,
// wrapping at the end of the chain, and not from the parent side of a cut above `name`.
bool nsecDenies(const Nsec& nsec, std::string_view name) {
  bool after_owner = canonicalCompare(nsec.owner, name) < 0;
  bool before_next = canonicalCompare(name, nsec.next) < 0;
  bool covers = canonicalCompare(nsec.owner, nsec.next) < 0 ? (after_owner && before_next)
                                                            : (after_owner || before_next);
  if (!covers) return false;
  return !(hidesNamesBelow(nsec.bitmap) && isStrictlyBelow(name, nsec.owner));
}

const Nsec* nsecDenying(const std::vector<Nsec>& nsecs, std::string_view name) {
  for (const auto& n : nsecs) {
    if (nsecDenies(n, name)) return &n;
  }
  return nullptr;
}

const Nsec* nsecAt(const std::vector<Nsec>& nsecs, std::string_view name) {
  for (const auto& n : nsecs) {
    if (n.owner == name) return &n;
  }
  return nullptr;
}

// The deepest ancestor `a` and `b` share; both well formed and lowercase.
std::string_view commonAncestor(std::string_view a, std::string_view b) {
  std::size_t la = wire::labelCount(a), lb = wire::labelCount(b);
  a = ancestorWithLabels(a, lb < la ? lb : la);
  b = ancestorWithLabels(b, la < lb ? la : lb);
  while (a != b) {
    a = parentOf(a);
    b = parentOf(b);
  }
  return a;
}

// RFC 4035 5.4: the closest encloser of a name that `denying` covers is the deeper of its common
// ancestors with the NSEC's owner and next name: any existing name closer to it would sort between
// them.
std::string_view nsecClosestEncloser(const Nsec& denying, std::string_view qname) {
  std::string_view by_owner = commonAncestor(qname, denying.owner);
  std::string_view by_next = commonAncestor(qname, denying.next);
  return wire::labelCount(by_owner) >= wire::labelCount(by_next) ? by_owner : by_next;
}

DenialResult nsecNameError(const std::vector<Nsec>& nsecs, std::string_view qname) {
  const Nsec* denying = nsecDenying(nsecs, qname);
  if (!denying) return fail("no NSEC covers the name");
  // A next name below qname makes qname an empty non-terminal: it exists.
  if (isStrictlyBelow(denying->next, qname)) return fail("the name is an empty non-terminal");
  std::string_view ce = nsecClosestEncloser(*denying, qname);
  std::string wildcard = wildcardAt(ce);
  if (wildcard.empty() || nsecAt(nsecs, wildcard)) return fail("a wildcard exists at the encloser");
  if (!nsecDenying(nsecs, wildcard)) return fail("no NSEC covers the wildcard at the encloser");
  return proven(ce);
}

DenialResult nsecNoData(const std::vector<Nsec>& nsecs, std::string_view qname,
                        std::uint16_t qtype) {
  if (const Nsec* at = nsecAt(nsecs, qname)) return checkTypeAbsent(at->bitmap, qtype, {});
  const Nsec* denying = nsecDenying(nsecs, qname);
  if (!denying) return fail("no NSEC matches or covers the name");
  // An empty non-terminal owns no NSEC; the NSEC before it in canonical order points below it.
  if (isStrictlyBelow(denying->next, qname)) return proven();
  // RFC 4035 3.1.3.4: no qname, and a wildcard at the closest encloser without the type.
  std::string_view ce = nsecClosestEncloser(*denying, qname);
  const Nsec* wildcard = nsecAt(nsecs, wildcardAt(ce));
  if (!wildcard) return fail("no NSEC matches the name or the wildcard at its encloser");
  return checkTypeAbsent(wildcard->bitmap, qtype, ce);
}

DenialResult nsecWildcardAnswer(const std::vector<Nsec>& nsecs, std::string_view qname,
                                std::string_view source_parent) {
  // RFC 4035 5.3.4: qname does not exist, and nothing exists between it and the wildcard's parent
  // (else that name would be the closest encloser).
  for (const auto& n : nsecs) {
    if (nsecDenies(n, qname) && nsecClosestEncloser(n, qname) == source_parent) {
      return proven(source_parent);
    }
  }
  return fail("no NSEC proves that no closer name exists");
}

// ---- NSEC3 (RFC 5155 8) ----

struct Nsec3 {
  std::string hash;  // the owner's first label, decoded
  std::string next;  // next hashed owner name, raw
  std::string_view salt;
  std::uint16_t iterations = 0;
  bool opt_out = false;
  std::string_view bitmap;
};

std::optional<Nsec3> parseNsec3(const wire::Record& r, std::string_view zone) {
  if (r.type != type::NSEC3) return std::nullopt;
  std::string owner = wire::lowercaseName(r.owner);
  // The owner is one Base32hex label directly below the zone (RFC 5155 3).
  if (!isWellFormedName(owner) || wire::labelCount(owner) != wire::labelCount(zone) + 1 ||
      !wire::isSubdomainOf(owner, zone)) {
    return std::nullopt;
  }
  auto hash =
      base32HexDecode(std::string_view(owner).substr(1, static_cast<std::uint8_t>(owner[0])));
  if (!hash || hash->size() != kNsec3Sha1Length) return std::nullopt;
  std::string_view rd(r.rdata);
  if (rd.size() < 5) return std::nullopt;
  auto algorithm = static_cast<std::uint8_t>(rd[0]);
  auto flags = static_cast<std::uint8_t>(rd[1]);
  // RFC 5155 8.1: unknown hash algorithms are ignored; 8.2: so are flags other than opt-out.
  if (algorithm != 1 || (flags & 0xfe) != 0) return std::nullopt;
  Nsec3 out;
  out.opt_out = (flags & 0x01) != 0;
  out.iterations = static_cast<std::uint16_t>((static_cast<std::uint8_t>(rd[2]) << 8) |
                                              static_cast<std::uint8_t>(rd[3]));
  std::size_t salt_len = static_cast<std::uint8_t>(rd[4]);
  std::size_t at = 5;
  if (rd.size() - at < salt_len + 1) return std::nullopt;
  out.salt = rd.substr(at, salt_len);
  at += salt_len;
  std::size_t hash_len = static_cast<std::uint8_t>(rd[at++]);
  if (hash_len != kNsec3Sha1Length || rd.size() - at < hash_len) return std::nullopt;
  out.next = std::string(rd.substr(at, hash_len));
  out.bitmap = rd.substr(at + hash_len);
  if (!isValidTypeBitmap(out.bitmap)) return std::nullopt;
  out.hash = std::move(*hash);
  return out;
}

// The records of one parameter set, and the hashing they need, within a budget.
class Nsec3Chain {
 public:
  Nsec3Chain(std::vector<Nsec3> records, int max_hashes)
      : records_(std::move(records)), budget_(max_hashes) {}

  // The NSEC3 hash of `name` under the chain's parameters; nullopt once the budget is spent.
  std::optional<std::string> hashOf(std::string_view name) {
    for (const auto& [n, h] : cache_) {
      if (n == name) return h;
    }
    if (budget_ <= 0) return std::nullopt;
    --budget_;
    std::string h = nsec3Hash(name, records_.front().salt, records_.front().iterations);
    if (h.size() != kNsec3Sha1Length) return std::nullopt;
    cache_.emplace_back(std::string(name), h);
    return h;
  }

  const Nsec3* matching(std::string_view hash) const {
    for (const auto& r : records_) {
      if (r.hash == hash) return &r;
    }
    return nullptr;
  }

  // RFC 5155 8.3: owner hash < hash < next hash, wrapping after the last record of the chain.
  const Nsec3* covering(std::string_view hash) const {
    for (const auto& r : records_) {
      bool after_owner = r.hash < hash;
      bool before_next = hash < r.next;
      if (r.hash < r.next ? (after_owner && before_next) : (after_owner || before_next)) return &r;
    }
    return nullptr;
  }

 private:
  std::vector<Nsec3> records_;
  int budget_;
  std::vector<std::pair<std::string, std::string>> cache_;
};

struct EncloserProof {
  bool ok = false;
  std::string_view closest_encloser;
  const Nsec3* next_closer_cover = nullptr;  // null when qname itself matches
  std::string why;
};

constexpr const char* kBudgetSpent = "NSEC3 hash budget exhausted";

// RFC 5155 8.3: the deepest ancestor of qname (or qname) whose hash matches, and a record
// covering the hash of the next closer name.
EncloserProof closestEncloserProof(Nsec3Chain& chain, std::string_view zone,
                                   std::string_view qname) {
  EncloserProof proof;
  std::string_view candidate = qname, next_closer;
  const Nsec3* match = nullptr;
  for (;;) {
    auto h = chain.hashOf(candidate);
    if (!h) {
      proof.why = kBudgetSpent;
      return proof;
    }
    if ((match = chain.matching(*h))) break;
    if (candidate == zone) {
      proof.why = "no NSEC3 matches an encloser of the name";
      return proof;
    }
    next_closer = candidate;
    candidate = parentOf(candidate);
  }
  proof.closest_encloser = candidate;
  if (candidate == qname) {
    proof.ok = true;
    return proof;
  }
  if (hidesNamesBelow(match->bitmap)) {
    proof.why = "the closest encloser is a zone cut or DNAME";
    return proof;
  }
  auto h = chain.hashOf(next_closer);
  if (!h) {
    proof.why = kBudgetSpent;
    return proof;
  }
  if (!(proof.next_closer_cover = chain.covering(*h))) {
    proof.why = "no NSEC3 covers the next closer name";
    return proof;
  }
  proof.ok = true;
  return proof;
}

// The result of a proof that rests on a covered next closer name: an opt-out span weakens it to
// insecure (RFC 5155 6: such a span may hide unsigned delegations).
DenialResult provenUnlessOptOut(const EncloserProof& proof) {
  DenialResult r = proven(proof.closest_encloser);
  if (proof.next_closer_cover && proof.next_closer_cover->opt_out) r.state = Denial::kOptOut;
  return r;
}

DenialResult nsec3NameError(Nsec3Chain& chain, std::string_view zone, std::string_view qname) {
  EncloserProof proof = closestEncloserProof(chain, zone, qname);
  if (!proof.ok) return fail(std::move(proof.why));
  if (!proof.next_closer_cover) return fail("an NSEC3 matches the name");
  std::string wildcard = wildcardAt(proof.closest_encloser);
  if (wildcard.empty()) return fail("the wildcard name is too long");
  auto h = chain.hashOf(wildcard);
  if (!h) return fail(kBudgetSpent);
  if (chain.matching(*h)) return fail("a wildcard exists at the closest encloser");
  if (!chain.covering(*h)) return fail("no NSEC3 covers the wildcard at the closest encloser");
  return provenUnlessOptOut(proof);
}

DenialResult nsec3NoData(Nsec3Chain& chain, std::string_view zone, std::string_view qname,
                         std::uint16_t qtype) {
  auto h = chain.hashOf(qname);
  if (!h) return fail(kBudgetSpent);
  // RFC 5155 8.5/8.6: a matching record, an empty non-terminal's included.
  if (const Nsec3* at = chain.matching(*h)) return checkTypeAbsent(at->bitmap, qtype, {});
  EncloserProof proof = closestEncloserProof(chain, zone, qname);
  if (!proof.ok) return fail(std::move(proof.why));
  if (qtype == type::DS) {
    // RFC 5155 8.6: without a matching record only an opt-out span can leave room for the
    // (unsigned) delegation a DS query implies.
    if (proof.next_closer_cover->opt_out) return provenUnlessOptOut(proof);
    return fail("no NSEC3 matches the name and its covering NSEC3 is not opt-out");
  }
  // RFC 5155 8.7: the wildcard at the closest encloser exists without the type.
  std::string wildcard = wildcardAt(proof.closest_encloser);
  if (wildcard.empty()) return fail("the wildcard name is too long");
  auto wh = chain.hashOf(wildcard);
  if (!wh) return fail(kBudgetSpent);
  const Nsec3* at_wildcard = chain.matching(*wh);
  if (!at_wildcard) return fail("no NSEC3 matches the name or the wildcard at its encloser");
  DenialResult r = checkTypeAbsent(at_wildcard->bitmap, qtype, proof.closest_encloser);
  if (r.state != Denial::kProven) return r;
  return provenUnlessOptOut(proof);
}

DenialResult nsec3WildcardAnswer(Nsec3Chain& chain, std::string_view qname,
                                 std::string_view source_parent) {
  // RFC 5155 8.8: the next closer name (one label below the wildcard's parent) is covered.
  std::string_view next_closer = ancestorWithLabels(qname, wire::labelCount(source_parent) + 1);
  auto h = chain.hashOf(next_closer);
  if (!h) return fail(kBudgetSpent);
  EncloserProof proof;
  proof.closest_encloser = source_parent;
  if (chain.matching(*h)) return fail("the next closer name exists");
  if (!(proof.next_closer_cover = chain.covering(*h))) {
    return fail("no NSEC3 covers the next closer name");
  }
  return provenUnlessOptOut(proof);
}

// ---- Dispatch ----

// Runs the NSEC proof when NSEC records are usable and, unless it proved the denial, the NSEC3
// proof over one parameter set: a proof never mixes the two kinds or two parameter sets.
template <typename NsecProof, typename Nsec3Proof>
DenialResult runProof(std::string_view zone_in, std::string_view qname_in,
                      const std::vector<wire::Record>& records, const DenialLimits& limits,
                      NsecProof nsec_proof, Nsec3Proof nsec3_proof) {
  std::string zone = wire::lowercaseName(zone_in);
  std::string qname = wire::lowercaseName(qname_in);
  if (!isWellFormedName(zone) || !isWellFormedName(qname)) return fail("malformed name");
  if (!wire::isSubdomainOf(qname, zone)) return fail("the name is outside the signer's zone");

  DenialResult result = fail("no usable NSEC or NSEC3 records");
  std::vector<Nsec> nsecs = usableNsecs(zone, records);
  if (!nsecs.empty()) {
    result = nsec_proof(nsecs, zone, qname);
    if (result.state == Denial::kProven) return result;
  }
  std::vector<Nsec3> chain_records;
  for (const auto& r : records) {
    auto parsed = parseNsec3(r, zone);
    if (!parsed) continue;
    // The first usable record fixes the parameters: hashes under different salts or iteration
    // counts are not comparable, so the others are left out.
    if (!chain_records.empty() && (parsed->iterations != chain_records.front().iterations ||
                                   parsed->salt != chain_records.front().salt)) {
      continue;
    }
    chain_records.push_back(std::move(*parsed));
  }
  if (chain_records.empty()) return result;
  if (chain_records.front().iterations > limits.max_nsec3_iterations) {
    DenialResult r;
    r.state = Denial::kInsecureIterations;
    r.why = "NSEC3 iterations above the limit";
    return r;
  }
  Nsec3Chain chain(std::move(chain_records), limits.max_nsec3_hashes);
  return nsec3_proof(chain, zone, qname);
}

}  // namespace

DenialResult proveNameError(std::string_view zone, std::string_view qname,
                            const std::vector<wire::Record>& records, const DenialLimits& limits) {
  return runProof(
      zone, qname, records, limits,
      [](const std::vector<Nsec>& nsecs, std::string_view, std::string_view q) {
        return nsecNameError(nsecs, q);
      },
      [](Nsec3Chain& chain, std::string_view z, std::string_view q) {
        return nsec3NameError(chain, z, q);
      });
}

DenialResult proveNoData(std::string_view zone, std::string_view qname, std::uint16_t qtype,
                         const std::vector<wire::Record>& records, const DenialLimits& limits) {
  // A zone's own DS lives in its parent; the zone cannot deny it (RFC 4035 5.2).
  if (qtype == type::DS && wire::lowercaseName(zone) == wire::lowercaseName(qname)) {
    return fail("DS at the signer's own apex is its parent's to deny");
  }
  return runProof(
      zone, qname, records, limits,
      [qtype](const std::vector<Nsec>& nsecs, std::string_view, std::string_view q) {
        return nsecNoData(nsecs, q, qtype);
      },
      [qtype](Nsec3Chain& chain, std::string_view z, std::string_view q) {
        return nsec3NoData(chain, z, q, qtype);
      });
}

DenialResult proveWildcardAnswer(std::string_view zone, std::string_view qname,
                                 std::size_t rrsig_labels, const std::vector<wire::Record>& records,
                                 const DenialLimits& limits) {
  // RFC 4035 5.3.4: a wildcard's RRSIG counts the labels of its parent, which lies in the zone.
  if (rrsig_labels >= wire::labelCount(qname) || rrsig_labels < wire::labelCount(zone)) {
    return fail("the RRSIG labels do not describe a wildcard in the zone");
  }
  return runProof(
      zone, qname, records, limits,
      [rrsig_labels](const std::vector<Nsec>& nsecs, std::string_view, std::string_view q) {
        return nsecWildcardAnswer(nsecs, q, ancestorWithLabels(q, rrsig_labels));
      },
      [rrsig_labels](Nsec3Chain& chain, std::string_view, std::string_view q) {
        return nsec3WildcardAnswer(chain, q, ancestorWithLabels(q, rrsig_labels));
      });
}

}  // namespace horizon::dnssec
