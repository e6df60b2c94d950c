// The verifier's work limits and verdicts on zones signed by ldns-signzone, then spoiled: floods
// of signatures and of keys sharing one key tag must cost a bounded number of signature checks
// (KeyTrap, CVE-2023-50387), and the DNSKEY RRset is accepted only through a DS or anchor that
// names a usable key (RFC 4035 5.2), with the EDE code (RFC 8914) that says why not.
#include "horizon/dnssec/rrset_verifier.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dnssec_test_records.hpp"
#include "horizon/dnssec/dnskey.hpp"
#include "horizon/dnssec/rrsig.hpp"
#include "horizon/wire/constants.hpp"
#include "signed_zone.hpp"

namespace horizon::dnssec {
namespace {

using testing::SignedZone;
using testing::signerToolsPresent;
using testing::unixNow;
using testing::wireName;
using wire::Record;
namespace type = wire::type;

const std::string kZone = wireName("example.test.");

// One RRset of a signed zone with its RRSIGs, and the zone's key.
struct SignedRrset {
  std::vector<Record> records;  // the zone, owning everything below
  std::vector<const Record*> rrset, sigs;
  std::vector<Record> keys;  // the zone's DNSKEY records, as verifyRrset takes them
};

// example.test. signed by ldns-signzone with a fresh key of `algorithm`.
std::vector<Record> signedExample(const std::string& algorithm) {
  SignedZone zone(algorithm);
  EXPECT_TRUE(zone.ok()) << algorithm;
  return zone.records();
}

// The RRset of `t` at `owner` in `zone`, with its one RRSIG and the zone's one key.
SignedRrset signedRrset(std::vector<Record> zone, const std::string& owner, std::uint16_t t) {
  SignedRrset s;
  s.records = std::move(zone);
  const std::string name = wireName(owner);
  for (const Record& r : s.records) {
    if (r.owner == name && r.type == t) s.rrset.push_back(&r);
    if (r.owner == name && r.type == type::RRSIG && parseRrsig(r.rdata)->type_covered == t)
      s.sigs.push_back(&r);
    if (r.type == type::DNSKEY) s.keys.push_back(r);
  }
  EXPECT_FALSE(s.rrset.empty()) << owner;
  EXPECT_EQ(s.sigs.size(), 1u) << owner;
  EXPECT_EQ(s.keys.size(), 1u);
  return s;
}

// A copy of `rdata` (a DNSKEY's) whose key differs at octet 20 by `variant` and whose last two
// aligned octets are chosen so that its key tag is `tag`: the tag is a checksum (RFC 4034 Appendix
// B), so anyone can make keys that collide with a real one.
std::string keyWithTag(std::string rdata, std::uint16_t tag, std::uint8_t variant) {
  rdata[20] = static_cast<char>(rdata[20] ^ variant);
  const std::size_t p = (rdata.size() - 2) & ~std::size_t{1};  // even: the high octet
  for (std::uint32_t v = 0; v <= 0xFFFF; ++v) {
    rdata[p] = static_cast<char>(v >> 8);
    rdata[p + 1] = static_cast<char>(v & 0xFF);
    if (keyTag(rdata) == tag) return rdata;
  }
  ADD_FAILURE() << "no octets give key tag " << tag;
  return rdata;
}

// `count` RRSIGs like `sig` (same key tag, algorithm and signer) with spoiled signatures.
std::vector<Record> bogusCopies(const Record& sig, int count) {
  std::vector<Record> out;
  for (int i = 0; i < count; ++i) {
    Record r = sig;
    r.rdata[r.rdata.size() - 1] = static_cast<char>(i);
    r.rdata[r.rdata.size() - 2] ^= static_cast<char>(0x5A);
    out.push_back(r);
  }
  return out;
}

// The addresses of `records`, as verifyRrset takes an RRset.
std::vector<const Record*> pointers(const std::vector<Record>& records) {
  std::vector<const Record*> out;
  for (const Record& r : records) out.push_back(&r);
  return out;
}

// A DS record for `dnskey_rdata` at `owner` with `digest_type`, or a spoiled digest when `spoil`.
Record dsFor(const std::string& owner, const std::string& dnskey_rdata, std::uint8_t digest_type,
             bool spoil = false) {
  Record ds{owner, type::DS, 1, 3600, ""};
  const std::uint16_t tag = keyTag(dnskey_rdata);
  ds.rdata += static_cast<char>(tag >> 8);
  ds.rdata += static_cast<char>(tag & 0xFF);
  ds.rdata += dnskey_rdata[3];  // algorithm
  ds.rdata += static_cast<char>(digest_type);
  auto digest = dsDigest(digest_type, owner, dnskey_rdata);
  EXPECT_TRUE(digest);
  ds.rdata += digest ? *digest : std::string(32, '\0');
  if (spoil) ds.rdata.back() ^= 1;
  return ds;
}

// `key` with the REVOKE bit set (RFC 5011 2.1), and `sig` naming the revoked key's tag.
std::pair<Record, Record> revoke(Record key, Record sig) {
  key.rdata[1] = static_cast<char>(key.rdata[1] | kFlagRevoked);
  const std::uint16_t tag = keyTag(key.rdata);
  sig.rdata[16] = static_cast<char>(tag >> 8);  // RFC 4034 3.1: the key tag field
  sig.rdata[17] = static_cast<char>(tag & 0xFF);
  return {key, sig};
}

CheckTime nowTime() {
  return CheckTime{unixNow(), 0};
}

// The tests below need ldns-signzone; without ldnsutils they are skipped.
class NeedsSigner : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!signerToolsPresent()) GTEST_SKIP() << "ldnsutils (ldns-keygen, ldns-signzone) missing";
  }
};
class KeyTrap : public NeedsSigner {};
class VerifyRrset : public NeedsSigner {};

// ---------------------------------------------------------------- KeyTrap (CVE-2023-50387)

TEST_F(KeyTrap, ManyBogusSignaturesByARealKeyCostAtMostThePerRrsetBound) {
  const SignedRrset s = signedRrset(signedExample("RSASHA256"), "www.example.test.", type::A);
  const std::vector<Record> flood = bogusCopies(*s.sigs.front(), 50);
  for (const Record& r : flood) {
    ASSERT_EQ(parseRrsig(r.rdata)->key_tag, keyTag(s.keys.front().rdata));
  }
  CheckBudget budget;
  budget.signature_checks_left = 1000;  // so that only the per-RRset bound can stop the flood
  const RrsetCheck c = verifyRrset(s.rrset, pointers(flood), kZone, s.keys, nowTime(), budget);
  EXPECT_EQ(c.verdict.security, Security::kBogus);
  EXPECT_EQ(c.verdict.ede, ede::kBogus);
  EXPECT_LE(1000 - budget.signature_checks_left, budget.per_rrset);
  EXPECT_TRUE(budget.exhausted);
}

TEST_F(KeyTrap, ManyKeysSharingTheSignaturesTagCostAtMostThePerRrsetBound) {
  const SignedRrset s = signedRrset(signedExample("RSASHA256"), "www.example.test.", type::A);
  const Record& real_key = s.keys.front();
  const std::uint16_t tag = keyTag(real_key.rdata);
  std::vector<Record> colliding;
  std::set<std::string> distinct;
  for (int i = 0; i < 50; ++i) {
    Record k = real_key;
    k.rdata = keyWithTag(real_key.rdata, tag, static_cast<std::uint8_t>(i + 1));
    ASSERT_EQ(keyTag(k.rdata), tag);
    ASSERT_TRUE(parseDnskey(k.rdata));
    distinct.insert(k.rdata);
    colliding.push_back(k);
  }
  ASSERT_EQ(distinct.size(), 50u);
  ASSERT_EQ(distinct.count(real_key.rdata), 0u);

  // One genuine signature, 50 keys that would each have to be tried, the real one last.
  std::vector<Record> keys = colliding;
  keys.push_back(real_key);
  CheckBudget budget;
  budget.signature_checks_left = 1000;
  RrsetCheck c = verifyRrset(s.rrset, s.sigs, kZone, keys, nowTime(), budget);
  EXPECT_EQ(c.verdict.security, Security::kBogus);
  EXPECT_LE(1000 - budget.signature_checks_left, budget.per_rrset);
  EXPECT_TRUE(budget.exhausted);

  // 50 keys times 50 signatures: still the per-RRset bound, not 2500 checks.
  const std::vector<Record> flood = bogusCopies(*s.sigs.front(), 50);
  budget = CheckBudget{};
  budget.signature_checks_left = 1000;
  c = verifyRrset(s.rrset, pointers(flood), kZone, colliding, nowTime(), budget);
  EXPECT_EQ(c.verdict.security, Security::kBogus);
  EXPECT_LE(1000 - budget.signature_checks_left, budget.per_rrset);
  EXPECT_TRUE(budget.exhausted);

  // A collision the bound tolerates costs nothing in correctness: the real key among the first
  // few still verifies.
  keys = {colliding[0], colliding[1], real_key};
  budget = CheckBudget{};
  c = verifyRrset(s.rrset, s.sigs, kZone, keys, nowTime(), budget);
  EXPECT_EQ(c.verdict.security, Security::kSecure) << c.verdict.why;
  EXPECT_EQ(budget.signature_checks_left, CheckBudget{}.signature_checks_left - 3);
  EXPECT_FALSE(budget.exhausted);
}

TEST_F(KeyTrap, OneValidationsBudgetIsSharedAcrossItsRrsets) {
  const std::vector<Record> zone = signedExample("ECDSAP256SHA256");
  const SignedRrset a = signedRrset(zone, "www.example.test.", type::A);
  const SignedRrset aaaa = signedRrset(zone, "www.example.test.", type::AAAA);
  const SignedRrset mx = signedRrset(zone, "mail.example.test.", type::MX);
  const SignedRrset ns = signedRrset(zone, "ns.example.test.", type::A);

  // Three checks for four good RRsets: the fourth is refused, whatever it holds.
  CheckBudget budget;
  budget.signature_checks_left = 3;
  for (const SignedRrset* s : {&a, &aaaa, &mx})
    EXPECT_EQ(verifyRrset(s->rrset, s->sigs, kZone, s->keys, nowTime(), budget).verdict.security,
              Security::kSecure);
  EXPECT_EQ(budget.signature_checks_left, 0);
  EXPECT_FALSE(budget.exhausted);
  const RrsetCheck refused = verifyRrset(ns.rrset, ns.sigs, kZone, ns.keys, nowTime(), budget);
  EXPECT_EQ(refused.verdict.security, Security::kBogus);
  EXPECT_TRUE(budget.exhausted);
  EXPECT_EQ(budget.signature_checks_left, 0);

  // Floods in several RRsets draw on the same budget: 6 checks in all, not 4 per RRset.
  const std::vector<Record> flood_a = bogusCopies(*a.sigs.front(), 20);
  const std::vector<Record> flood_mx = bogusCopies(*mx.sigs.front(), 20);
  budget = CheckBudget{};
  budget.signature_checks_left = 6;
  EXPECT_EQ(
      verifyRrset(a.rrset, pointers(flood_a), kZone, a.keys, nowTime(), budget).verdict.security,
      Security::kBogus);
  EXPECT_EQ(budget.signature_checks_left, 6 - budget.per_rrset);
  EXPECT_EQ(
      verifyRrset(mx.rrset, pointers(flood_mx), kZone, mx.keys, nowTime(), budget).verdict.security,
      Security::kBogus);
  EXPECT_EQ(budget.signature_checks_left, 0);
  EXPECT_TRUE(budget.exhausted);
}

// ---------------------------------------------------------------- verdicts and TTL caps

TEST_F(VerifyRrset, ExpiredAndNotYetValidSignaturesGiveTheirEdeCodes) {
  const SignedRrset s = signedRrset(signedExample("ECDSAP256SHA256"), "www.example.test.", type::A);
  const auto f = parseRrsig(s.sigs.front()->rdata);
  CheckBudget budget;
  RrsetCheck c =
      verifyRrset(s.rrset, s.sigs, kZone, s.keys, CheckTime{f->expiration + 1, 0}, budget);
  EXPECT_EQ(c.verdict.security, Security::kBogus);
  EXPECT_EQ(c.verdict.ede, ede::kSignatureExpired);
  c = verifyRrset(s.rrset, s.sigs, kZone, s.keys, CheckTime{f->inception - 1, 0}, budget);
  EXPECT_EQ(c.verdict.ede, ede::kSignatureNotYetValid);
  // Out-of-time signatures are refused before any cryptography.
  EXPECT_EQ(budget.signature_checks_left, CheckBudget{}.signature_checks_left);
  // The skew allowed widens the window on both sides.
  c = verifyRrset(s.rrset, s.sigs, kZone, s.keys, CheckTime{f->expiration + 1, 10}, budget);
  EXPECT_EQ(c.verdict.security, Security::kSecure);
}

TEST_F(VerifyRrset, TtlCapIsTheLesserOfOriginalTtlAndTimeToExpiration) {
  const SignedRrset s = signedRrset(signedExample("ED25519"), "www.example.test.", type::A);
  const auto f = parseRrsig(s.sigs.front()->rdata);
  ASSERT_EQ(f->original_ttl, 300u);
  CheckBudget budget;
  RrsetCheck c = verifyRrset(s.rrset, s.sigs, kZone, s.keys, nowTime(), budget);
  ASSERT_EQ(c.verdict.security, Security::kSecure) << c.verdict.why;
  EXPECT_EQ(c.ttl_cap, 300u);  // four weeks to expiration: the original TTL caps
  c = verifyRrset(s.rrset, s.sigs, kZone, s.keys, CheckTime{f->expiration - 100, 0}, budget);
  ASSERT_EQ(c.verdict.security, Security::kSecure);
  EXPECT_EQ(c.ttl_cap, 100u);  // RFC 4035 5.3.3: not past the signature's expiration
  // Within the skew after expiration: valid, but not to be cached.
  c = verifyRrset(s.rrset, s.sigs, kZone, s.keys, CheckTime{f->expiration + 5, 10}, budget);
  ASSERT_EQ(c.verdict.security, Security::kSecure);
  EXPECT_EQ(c.ttl_cap, 0u);
}

TEST_F(VerifyRrset, ARevokedKeyIsNeverTried) {
  const SignedRrset s = signedRrset(signedExample("ECDSAP256SHA256"), "www.example.test.", type::A);
  const auto [revoked, sig] = revoke(s.keys.front(), *s.sigs.front());
  ASSERT_EQ(parseRrsig(sig.rdata)->key_tag, keyTag(revoked.rdata));
  CheckBudget budget;
  const RrsetCheck c = verifyRrset(s.rrset, {&sig}, kZone, {revoked}, nowTime(), budget);
  EXPECT_EQ(c.verdict.security, Security::kBogus);
  EXPECT_EQ(c.verdict.ede, ede::kDnskeyMissing);
  EXPECT_EQ(budget.signature_checks_left, CheckBudget{}.signature_checks_left);
}

// ---------------------------------------------------------------- verifyDnskeys

class VerifyDnskeys : public NeedsSigner {
 protected:
  void SetUp() override {
    NeedsSigner::SetUp();
    if (IsSkipped()) return;
    keys_ = signedRrset(signedExample("ECDSAP256SHA256"), "example.test.", type::DNSKEY);
    key_ = keys_.keys.front().rdata;
  }
  RrsetCheck check(const std::vector<Record>& ds, const std::vector<Record>& anchor_keys = {},
                   const CheckTime& time = nowTime()) {
    out_.clear();
    return verifyDnskeys(kZone, keys_.rrset, keys_.sigs, ds, anchor_keys, time, budget_, out_);
  }
  SignedRrset keys_;
  std::string key_;
  CheckBudget budget_;
  std::vector<Record> out_;
};

TEST_F(VerifyDnskeys, AMatchingDsMakesTheKeysSecure) {
  const RrsetCheck c = check({dsFor(kZone, key_, 2)});
  EXPECT_EQ(c.verdict.security, Security::kSecure) << c.verdict.why;
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_.front().rdata, key_);
  EXPECT_EQ(check({dsFor(kZone, key_, 4)}).verdict.security, Security::kSecure);
  EXPECT_EQ(check({dsFor(kZone, key_, 1)}).verdict.security, Security::kSecure);
}

TEST_F(VerifyDnskeys, ADsMatchingNoKeyIsBogusDnskeyMissing) {
  const RrsetCheck c = check({dsFor(kZone, key_, 2, true)});
  EXPECT_EQ(c.verdict.security, Security::kBogus);
  EXPECT_EQ(c.verdict.ede, ede::kDnskeyMissing);
  EXPECT_TRUE(out_.empty());
  // Not even a signature check is spent on keys no DS names.
  EXPECT_EQ(budget_.signature_checks_left, CheckBudget{}.signature_checks_left);
}

TEST_F(VerifyDnskeys, OnlyUnsupportedAlgorithmsOrDigestsMeanInsecure) {
  Record gost = dsFor(kZone, key_, 2);
  gost.rdata[3] = 3;  // GOST R 34.11-94, not computed (RFC 8624 3.3)
  Record dsa = dsFor(kZone, key_, 2);
  dsa.rdata[2] = 3;  // DSA, not validated (RFC 8624 3.1)
  Record unknown = dsFor(kZone, key_, 2);
  unknown.rdata[3] = static_cast<char>(200);
  const RrsetCheck c = check({gost, dsa, unknown});
  EXPECT_EQ(c.verdict.security, Security::kInsecure);
  EXPECT_TRUE(out_.empty());
  // With one usable DS among them, that one decides.
  EXPECT_EQ(check({gost, dsFor(kZone, key_, 2)}).verdict.security, Security::kSecure);
  EXPECT_EQ(check({gost, dsFor(kZone, key_, 2, true)}).verdict.security, Security::kBogus);
}

TEST_F(VerifyDnskeys, ASha1DsIsIgnoredWhenAStrongerDigestIsThere) {
  // RFC 4509 3: a matching SHA-1 DS must not rescue a SHA-256 DS that does not match.
  const RrsetCheck c = check({dsFor(kZone, key_, 1), dsFor(kZone, key_, 2, true)});
  EXPECT_EQ(c.verdict.security, Security::kBogus);
  EXPECT_EQ(c.verdict.ede, ede::kDnskeyMissing);
  EXPECT_EQ(check({dsFor(kZone, key_, 1), dsFor(kZone, key_, 2)}).verdict.security,
            Security::kSecure);
}

TEST_F(VerifyDnskeys, ATrustAnchorGivenAsADnskeyWorks) {
  RrsetCheck c = check({}, {keys_.keys.front()});
  EXPECT_EQ(c.verdict.security, Security::kSecure) << c.verdict.why;
  EXPECT_EQ(out_.size(), 1u);
  // An anchor key that is not in the RRset vouches for nothing.
  Record other = keys_.keys.front();
  other.rdata.back() ^= 1;
  c = check({}, {other});
  EXPECT_EQ(c.verdict.security, Security::kBogus);
  EXPECT_EQ(c.verdict.ede, ede::kDnskeyMissing);
}

TEST_F(VerifyDnskeys, ARevokedKeyNamedByItsDsIsNotUsed) {
  // The DNSKEY RRset as published with its only key revoked; the DS names that revoked key.
  const auto [revoked, sig] = revoke(keys_.keys.front(), *keys_.sigs.front());
  std::vector<Record> out;
  const RrsetCheck c = verifyDnskeys(kZone, {&revoked}, {&sig}, {dsFor(kZone, revoked.rdata, 2)},
                                     {}, nowTime(), budget_, out);
  EXPECT_EQ(c.verdict.security, Security::kBogus);
  EXPECT_EQ(budget_.signature_checks_left, CheckBudget{}.signature_checks_left);
  EXPECT_TRUE(out.empty());
}

TEST_F(VerifyDnskeys, SignatureTimesGiveTheirEdeCodes) {
  const auto f = parseRrsig(keys_.sigs.front()->rdata);
  RrsetCheck c = check({dsFor(kZone, key_, 2)}, {}, CheckTime{f->expiration + 1, 0});
  EXPECT_EQ(c.verdict.security, Security::kBogus);
  EXPECT_EQ(c.verdict.ede, ede::kSignatureExpired);
  c = check({dsFor(kZone, key_, 2)}, {}, CheckTime{f->inception - 1, 0});
  EXPECT_EQ(c.verdict.security, Security::kBogus);
  EXPECT_EQ(c.verdict.ede, ede::kSignatureNotYetValid);
  EXPECT_TRUE(out_.empty());
}

TEST_F(VerifyDnskeys, TtlCapFollowsTheDnskeySignature) {
  const auto f = parseRrsig(keys_.sigs.front()->rdata);
  RrsetCheck c = check({dsFor(kZone, key_, 2)});
  ASSERT_EQ(c.verdict.security, Security::kSecure);
  EXPECT_EQ(c.ttl_cap, f->original_ttl);
  c = check({dsFor(kZone, key_, 2)}, {}, CheckTime{f->expiration - 42, 0});
  ASSERT_EQ(c.verdict.security, Security::kSecure);
  EXPECT_EQ(c.ttl_cap, 42u);
}

}  // namespace
}  // namespace horizon::dnssec
