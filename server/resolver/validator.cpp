// DNSSEC validation of one resolution: gather the keys and proofs it depends on, then check.
#include "validator.hpp"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include "horizon/dnssec/rrset_verifier.hpp"
#include "horizon/dnssec/rrsig.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::resolver {
namespace {

namespace type = wire::type;
using dnssec::Security;
using dnssec::Verdict;
namespace ede = dnssec::ede;

std::string parentOf(const std::string& name) {
  if (name.size() <= 1) return name;
  return name.substr(static_cast<std::uint8_t>(name[0]) + 1u);
}

std::string text(const std::string& name) {
  return wire::nameToText(name);
}

// The records of one owner, type and class, with the RRSIGs at that owner covering the type.
struct Rrset {
  std::vector<const Record*> records;
  std::vector<const Record*> sigs;
  std::string signer;    // the zone its RRSIGs name, if usable; "" when unsigned
  bool derived = false;  // a CNAME the resolver synthesized from a DNAME in the same answer
};

// Groups `records` into RRsets (RRSIGs attached, not grouped themselves) and picks each one's
// signer: the first RRSIG whose signer may sign it (RFC 4035 5.3.1: the zone holding the owner,
// so an ancestor of it; for a DS, a proper ancestor, as the DS is the parent's data).
std::vector<Rrset> groupRrsets(const std::vector<Record>& records) {
  std::vector<Rrset> sets;
  std::map<std::tuple<std::string, std::uint16_t, std::uint16_t>, std::size_t> index;
  for (const Record& r : records) {
    if (r.type == type::RRSIG) continue;
    auto [it, inserted] = index.try_emplace({r.owner, r.type, r.rclass}, sets.size());
    if (inserted) sets.emplace_back();
    sets[it->second].records.push_back(&r);
  }
  for (const Record& r : records) {
    if (r.type != type::RRSIG) continue;
    const auto f = dnssec::parseRrsig(r.rdata);
    if (!f) continue;
    auto it = index.find({r.owner, f->type_covered, r.rclass});
    if (it == index.end()) continue;
    Rrset& set = sets[it->second];
    set.sigs.push_back(&r);
    const bool may_sign = wire::isSubdomainOf(r.owner, f->signer) &&
                          (f->type_covered != type::DS || f->signer != r.owner);
    if (set.signer.empty() && may_sign) set.signer = f->signer;
  }
  return sets;
}

// True when `cname` is the CNAME the DNAME `dname` implies for its owner (RFC 6672 2.2).
bool impliedBy(const Record& cname, const Record& dname) {
  if (cname.type != type::CNAME || dname.type != type::DNAME || cname.owner == dname.owner ||
      !wire::isSubdomainOf(cname.owner, dname.owner))
    return false;
  const std::string prefix = cname.owner.substr(0, cname.owner.size() - dname.owner.size());
  return wire::lowercaseName(cname.rdata) == prefix + wire::lowercaseName(dname.rdata);
}

// The name the chain in `answer` leads to from `qname`.
std::string finalName(const std::string& qname, const std::vector<Record>& answer) {
  std::string name = qname;
  for (std::size_t hops = 0; hops <= answer.size(); ++hops) {
    const Record* next = nullptr;
    for (const Record& r : answer)
      if (r.type == type::CNAME && r.owner == name) next = &r;
    if (!next) break;
    name = wire::lowercaseName(next->rdata);
  }
  return name;
}

// How a zone (or the zone holding a name) stands: keys to check its data with, no signatures
// expected, or broken.
struct ZoneState {
  Verdict verdict;                  // kSecure, kInsecure or kBogus
  std::vector<Record> keys;         // kSecure from keysOf: the validated DNSKEY RRset
  std::vector<Record> ds;           // for a DNSKEY question: the DS (or anchor) vouching for it
  std::vector<Record> anchor_keys;  // ... or the anchor's DNSKEY records
  bool follow_keys = false;         // zoneOf: a DS starts a zone here, as secure as its keys
};

class Validation : public std::enable_shared_from_this<Validation> {
 public:
  Validation(std::shared_ptr<ValidationHost> host, const ValidationSettings& settings,
             ValidationInput input, std::function<void(ValidationResult)> done)
      : host_(std::move(host)), settings_(settings), in_(std::move(input)), done_(std::move(done)) {
    budget_.signature_checks_left = settings_.signature_checks;
    time_.now = static_cast<std::uint32_t>(std::time(nullptr));
    time_.skew = settings_.clock_skew;
  }

  void start() {
    answer_ = groupRrsets(in_.answer);
    authority_ = groupRrsets(in_.authority);
    final_ = finalName(in_.qname, in_.answer);
    for (Rrset& set : answer_)
      for (const Record& r : in_.answer)
        if (impliedBy(*set.records.front(), r)) set.derived = true;
    ++pending_;  // held until every request below is made
    for (const Rrset& set : answer_) need(set, true);
    for (const Rrset& set : authority_) need(set, false);
    // An unsigned negative answer: is its zone really unsigned?
    if (negative() && std::none_of(authority_.begin(), authority_.end(),
                                   [](const Rrset& set) { return !set.signer.empty(); }))
      needZoneOf(negativeHint());
    release();
  }

 private:
  // ---- gathering ------------------------------------------------------------------------------

  bool negative() const {
    if (in_.rcode == wire::rcode::NXDOMAIN) return true;
    if (in_.rcode == wire::rcode::YXDOMAIN) return false;  // the DNAME is the answer
    if (in_.qtype == type::CNAME || in_.qtype == type::ANY) return false;
    return !std::any_of(in_.answer.begin(), in_.answer.end(),
                        [&](const Record& r) { return r.owner == final_ && r.type == in_.qtype; });
  }

  // Where to ask whether the zone holding unsigned data at `owner` is signed: at the owner
  // itself, which finds a zone cut there too (an unsigned delegation to the owner); for a DS,
  // the parent's data, at the parent.
  static std::string hintFor(const std::string& owner, std::uint16_t t) {
    return t == type::DS ? parentOf(owner) : owner;
  }

  // Where to ask whether a negative answer's zone is signed: the SOA's owner when it holds the
  // name, else the name; for a DS, whose data is the parent's, never the name itself.
  std::string negativeHint() const {
    std::string name = final_;
    for (const Record& r : in_.authority)
      if (r.type == type::SOA && wire::isSubdomainOf(final_, r.owner)) {
        name = r.owner;
        break;
      }
    if (in_.qtype == type::DS && name == final_) name = parentOf(final_);
    return name;
  }

  bool isSelfSignedKeys(const Rrset& set) const {
    const Record& r = *set.records.front();
    return r.type == type::DNSKEY && in_.qtype == type::DNSKEY && r.owner == in_.qname;
  }

  void need(const Rrset& set, bool in_answer) {
    if (set.derived) return;
    const Record& r = *set.records.front();
    if (isSelfSignedKeys(set)) return needDsOf(r.owner);
    if (in_answer) {
      if (!set.signer.empty()) return needKeysOf(set.signer);
      return needZoneOf(hintFor(r.owner, r.type));
    }
    // The authority section matters only for a negative answer, and then only records from a
    // zone holding the name: a wildcard proof is checked with the answer's own signer, and
    // whatever else a server adds costs nothing.
    if (!negative()) return;
    if (set.signer.empty()) return needZoneOf(negativeHint());
    if (wire::isSubdomainOf(final_, set.signer)) needKeysOf(set.signer);
  }

  // True for the keys of the zone whose DNSKEY question this is: they are what is being
  // validated, so they come from the DS, never from the cache entry under validation.
  bool ownKeys(const std::string& zone) const {
    return in_.qtype == type::DNSKEY && zone == in_.qname;
  }

  void needKeysOf(const std::string& zone) {
    if (ownKeys(zone)) return needDsOf(zone);
    if (keys_.count(zone)) return;
    keys_[zone].verdict.security = Security::kInsecure;
    if (!covered(zone)) return;
    if (!spendFetch(keys_[zone].verdict)) return;
    auto self = shared_from_this();
    ++pending_;
    host_->fetch(zone, type::DNSKEY, [self, zone](std::shared_ptr<const CacheEntry> e) {
      ZoneState& state = self->keys_[zone];
      state.verdict = self->linkVerdict(*e, "DNSKEY of " + text(zone));
      if (state.verdict.security == Security::kSecure)
        for (const Record& r : e->answer)
          if (r.type == type::DNSKEY && r.owner == zone) state.keys.push_back(r);
      self->release();
    });
  }

  void needDsOf(const std::string& zone) {
    if (ds_requested_) return;
    ds_requested_ = true;
    ds_.verdict.security = Security::kInsecure;
    if (const dnssec::TrustAnchor* anchor = settings_.anchors->at(zone)) {
      if (settings_.anchors->covering(zone) != anchor) return;  // a negative anchor overrides
      ds_.verdict.security = Security::kSecure;
      ds_.ds = anchor->ds;
      ds_.anchor_keys = anchor->dnskeys;
      return;
    }
    if (!covered(zone)) return;
    if (!spendFetch(ds_.verdict)) return;
    auto self = shared_from_this();
    ++pending_;
    host_->fetch(zone, type::DS, [self, zone](std::shared_ptr<const CacheEntry> e) {
      self->ds_.verdict = self->linkVerdict(*e, "DS of " + text(zone));
      for (const Record& r : e->answer)
        if (r.type == type::DS && r.owner == zone) self->ds_.ds.push_back(r);
      // Secure proof of no DS: the zone is unsigned, whatever keys it publishes.
      if (self->ds_.verdict.security == Security::kSecure && self->ds_.ds.empty())
        self->ds_.verdict.security = Security::kInsecure;
      self->release();
    });
  }

  // Whether the zone holding `name` signs its data: a DS at `name` means a signed cut; a proven
  // absence of DS at a delegation, an unsigned answer, or no anchor above means unsigned; a
  // secure proof that `name` is no cut means the enclosing (signed) zone holds it.
  void needZoneOf(const std::string& name) {
    if (zones_.count(name)) return;
    ZoneState& state = zones_[name];
    state.verdict.security = Security::kInsecure;
    if (!covered(name)) return;
    if (settings_.anchors->at(name)) {
      state.verdict.security = Security::kSecure;
      return;
    }
    if (!spendFetch(state.verdict)) return;
    auto self = shared_from_this();
    ++pending_;
    host_->fetch(name, type::DS, [self, name](std::shared_ptr<const CacheEntry> e) {
      ZoneState& state = self->zones_[name];
      state.verdict = self->linkVerdict(*e, "DS of " + text(name));
      const bool has_ds = std::any_of(e->answer.begin(), e->answer.end(), [&](const Record& r) {
        return r.type == type::DS && r.owner == name;
      });
      if (state.verdict.security == Security::kSecure && has_ds) {
        // A signed zone starts here: it is as secure as its keys (none, or only unsupported
        // algorithms, say otherwise).
        state.follow_keys = true;
        self->needKeysOf(name);
      } else if (state.verdict.security == Security::kSecure && e->insecure_delegation) {
        state.verdict.security = Security::kInsecure;
        self->host_->rememberInsecure(name, std::max<std::uint32_t>(e->ttl, 60));
      } else if (state.verdict.security == Security::kInsecure) {
        self->host_->rememberInsecure(name, std::max<std::uint32_t>(e->ttl, 60));
      }
      self->release();
    });
  }

  // Counts one more link to fetch; past the bound, `verdict` becomes bogus instead. An answer
  // whose records name many signers or unsigned owners cannot make one validation fan out.
  bool spendFetch(Verdict& verdict) {
    if (++fetches_ <= kMaxFetches) return true;
    verdict = Verdict::bogus(ede::kBogus, "more than " + std::to_string(kMaxFetches) +
                                              " zones to validate for one answer");
    budget_.exhausted = true;
    return false;
  }

  // False when no anchor covers `name` (a negative one aside) or it lies in a known unsigned
  // zone: nothing there can be validated, so nothing is asked.
  bool covered(const std::string& name) const {
    return settings_.anchors->covering(name) != nullptr && !host_->knownInsecure(name);
  }

  // What a fetched link of the chain says: its own validation's verdict, or bogus when it could
  // not be had at all.
  Verdict linkVerdict(const CacheEntry& e, const std::string& what) const {
    if (e.security == Security::kBogus)
      return Verdict::bogus(e.ede == ede::kNone ? ede::kBogus : e.ede, what + ": " + e.why);
    if (e.rcode == wire::rcode::SERVFAIL || e.security == Security::kUnchecked)
      return Verdict::bogus(what.rfind("DNSKEY", 0) == 0 ? ede::kDnskeyMissing : ede::kBogus,
                            "no answer for the " + what);
    return {e.security, ede::kNone, ""};
  }

  void release() {
    if (--pending_ > 0 || finished_) return;
    finished_ = true;
    evaluate();
    auto done = std::move(done_);
    done(std::move(result_));
  }

  // ---- checking -------------------------------------------------------------------------------

  void combine(const Verdict& v) {
    Verdict& r = result_.verdict;
    if (r.security == Security::kBogus) return;
    if (v.security == Security::kBogus)
      r = v;
    else if (v.security == Security::kInsecure)
      r.security = Security::kInsecure;
  }

  // Checks one signed RRset with its signer's keys; returns the check when secure.
  std::optional<dnssec::RrsetCheck> check(const Rrset& set) {
    const ZoneState& zone = keys_[set.signer];
    if (zone.verdict.security != Security::kSecure) {
      combine(zone.verdict);
      return std::nullopt;
    }
    dnssec::RrsetCheck c =
        dnssec::verifyRrset(set.records, set.sigs, set.signer, zone.keys, time_, budget_);
    combine(c.verdict);
    if (c.verdict.security != Security::kSecure) return std::nullopt;
    result_.ttl_cap = std::min(result_.ttl_cap, c.ttl_cap);
    return c;
  }

  // Whether the zone holding `name` signs its data (after needZoneOf(name) was answered).
  Verdict zoneVerdict(const std::string& name) {
    const ZoneState& zone = zones_[name];
    if (zone.follow_keys && !ownKeys(name)) return keys_[name].verdict;
    if (zone.follow_keys) return ds_.verdict;
    return zone.verdict;
  }

  void checkUnsigned(const Rrset& set, const std::string& hint) {
    const Record& r = *set.records.front();
    const Verdict zone = zoneVerdict(hint);
    if (zone.security == Security::kSecure)
      combine(Verdict::bogus(ede::kRrsigsMissing, "no signature for " + text(r.owner) + " type " +
                                                      std::to_string(r.type) +
                                                      " in a signed zone"));
    else
      combine(zone);
  }

  // The NSEC and NSEC3 records of the authority section signed by `zone` whose signatures hold.
  std::vector<Record> verifiedDenials(const std::string& zone) {
    std::vector<Record> out;
    for (const Rrset& set : authority_) {
      const std::uint16_t t = set.records.front()->type;
      if ((t != type::NSEC && t != type::NSEC3) || set.signer != zone) continue;
      if (!check(set)) continue;
      for (const Record* r : set.records) out.push_back(*r);
    }
    return out;
  }

  void applyDenial(const dnssec::DenialResult& d, const std::string& what) {
    switch (d.state) {
      case dnssec::Denial::kProven:
        if (in_.qtype == type::DS && d.delegation) result_.insecure_delegation = true;
        return;
      case dnssec::Denial::kOptOut:
        if (in_.qtype == type::DS) result_.insecure_delegation = true;
        return combine({Security::kInsecure, ede::kNone, ""});
      case dnssec::Denial::kInsecureIterations:
        // Insecure without an EDE, as Unbound answers (RFC 9276 3.2 makes EDE 27 a SHOULD for
        // a SERVFAIL; an insecure answer carries no error).
        result_.nsec3_iteration_limit = true;
        return combine({Security::kInsecure, ede::kNone, ""});
      case dnssec::Denial::kNotProven:
        return combine(Verdict::bogus(ede::kNsecMissing, "no proof of " + what + ": " + d.why));
    }
  }

  void evaluate() {
    result_.verdict.security = Security::kSecure;
    for (const Rrset& set : answer_) {
      if (set.derived) continue;
      const Record& r = *set.records.front();
      if (isSelfSignedKeys(set)) {
        std::vector<Record> keys;
        if (ds_.verdict.security != Security::kSecure) {
          combine(ds_.verdict);
          continue;
        }
        const auto c = dnssec::verifyDnskeys(r.owner, set.records, set.sigs, ds_.ds,
                                             ds_.anchor_keys, time_, budget_, keys);
        combine(c.verdict);
        if (c.verdict.security == Security::kSecure)
          result_.ttl_cap = std::min(result_.ttl_cap, c.ttl_cap);
        continue;
      }
      if (set.signer.empty()) {
        checkUnsigned(set, hintFor(r.owner, r.type));
        continue;
      }
      const auto c = check(set);
      if (c && c->labels < wire::labelCount(r.owner)) {
        // A wildcard answered: the signer must prove no closer name exists (RFC 4035 5.3.4).
        applyDenial(dnssec::proveWildcardAnswer(set.signer, r.owner, c->labels,
                                                verifiedDenials(set.signer), settings_.denial),
                    "no closer match for the wildcard answer " + text(r.owner));
      }
    }
    if (negative()) evaluateNegative();
    if (result_.verdict.security != Security::kBogus && budget_.exhausted)
      combine(Verdict::bogus(ede::kBogus, "validation work limit reached"));
    result_.signature_checks = settings_.signature_checks - budget_.signature_checks_left;
    result_.signature_limit = budget_.exhausted;
  }

  void evaluateNegative() {
    // The signer of the proof: the deepest zone above the name whose records came signed.
    std::string zone;
    for (const Rrset& set : authority_)
      if (!set.signer.empty() && wire::isSubdomainOf(final_, set.signer) &&
          set.signer.size() > zone.size())
        zone = set.signer;
    if (zone.empty()) {
      // Nothing signed: right only where the zone is unsigned. A zone apex answering that it
      // has no DNSKEY while its parent holds a DS has lost its keys.
      const std::string hint = negativeHint();
      if (ownKeys(hint) && ds_.verdict.security == Security::kSecure)
        return combine(Verdict::bogus(ede::kDnskeyMissing,
                                      "no DNSKEY at " + text(hint) + " although its DS is there"));
      const Verdict holder = zoneVerdict(hint);
      if (holder.security == Security::kSecure)
        return combine(Verdict::bogus(
            ede::kNsecMissing, "no signed denial for " + text(final_) + " from a signed zone"));
      return combine(holder);
    }
    if (ownKeys(zone)) {
      // The zone denies its own DNSKEY RRset, signed with keys it says it does not have.
      if (ds_.verdict.security == Security::kSecure)
        return combine(Verdict::bogus(ede::kDnskeyMissing,
                                      "no DNSKEY at " + text(zone) + " although its DS is there"));
      return combine(ds_.verdict);
    }
    for (const Rrset& set : authority_) {
      const std::uint16_t t = set.records.front()->type;
      if (t == type::NSEC || t == type::NSEC3) continue;  // checked by verifiedDenials
      if (!set.signer.empty() && !wire::isSubdomainOf(final_, set.signer)) continue;  // unrelated
      if (set.signer.empty())
        checkUnsigned(set, negativeHint());
      else
        check(set);
    }
    if (keys_[zone].verdict.security != Security::kSecure) return combine(keys_[zone].verdict);
    const std::vector<Record> denials = verifiedDenials(zone);
    if (in_.rcode == wire::rcode::NXDOMAIN)
      applyDenial(dnssec::proveNameError(zone, final_, denials, settings_.denial),
                  "the name error for " + text(final_));
    else
      applyDenial(dnssec::proveNoData(zone, final_, in_.qtype, denials, settings_.denial),
                  "no data for " + text(final_));
  }

  std::shared_ptr<ValidationHost> host_;
  const ValidationSettings settings_;
  ValidationInput in_;
  std::function<void(ValidationResult)> done_;
  std::vector<Rrset> answer_, authority_;
  std::string final_;
  std::map<std::string, ZoneState> keys_;   // signer zone -> its keys
  std::map<std::string, ZoneState> zones_;  // name -> whether its zone signs
  ZoneState ds_;                            // for a DNSKEY question: what vouches for the keys
  bool ds_requested_ = false;
  // Keys, DS and zone proofs asked for one answer: a 12-link CNAME chain through as many signed
  // zones, each with its proof, fits.
  static constexpr int kMaxFetches = 32;
  int fetches_ = 0;
  int pending_ = 0;
  bool finished_ = false;
  dnssec::CheckBudget budget_;
  dnssec::CheckTime time_;
  ValidationResult result_;
};

}  // namespace

void validateOutcome(std::shared_ptr<ValidationHost> host, const ValidationSettings& settings,
                     ValidationInput input, std::function<void(ValidationResult)> done) {
  auto v =
      std::make_shared<Validation>(std::move(host), settings, std::move(input), std::move(done));
  v->start();
}

}  // namespace horizon::resolver
