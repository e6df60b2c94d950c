// The resolver's validator keeps the work limits of its parts across a whole validation: NSEC3
// iteration counts above the limit make a denial insecure before any hashing (CVE-2023-50868,
// RFC 9276 3.2), a proof that needs more hashes than allowed is bogus, and one budget of signature
// checks covers every RRset of a response (CVE-2023-50387). The zones are signed by ldns-signzone;
// a fake host answers the validator's DNSKEY question with the zone's validated keys.
#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "dnssec_test_records.hpp"
#include "horizon/dnssec/rrsig.hpp"
#include "horizon/wire/constants.hpp"
#include "resolver/validator.hpp"
#include "signed_zone.hpp"

namespace horizon::resolver {
namespace {

using dnssec::Security;
using dnssec::testing::SignedZone;
using dnssec::testing::signerToolsPresent;
using dnssec::testing::wireName;
namespace ede = dnssec::ede;
namespace type = wire::type;

// Answers the DNSKEY question of the one signed zone with its keys, already validated; anything
// else fails. Counts the questions.
class OneZoneHost : public ValidationHost {
 public:
  OneZoneHost(std::string zone, std::vector<Record> records)
      : zone_(std::move(zone)), records_(std::move(records)) {}
  void fetch(const std::string& name, std::uint16_t t,
             std::function<void(std::shared_ptr<const CacheEntry>)> done) override {
    ++fetches;
    auto e = std::make_shared<CacheEntry>();
    e->ttl = 300;
    if (name == zone_ && t == type::DNSKEY) {
      e->security = Security::kSecure;
      for (const Record& r : records_)
        if (r.owner == zone_ && (r.type == type::DNSKEY || covers(r, type::DNSKEY)))
          e->answer.push_back(r);
    } else {
      e->rcode = wire::rcode::SERVFAIL;
    }
    done(e);
  }
  bool knownInsecure(const std::string&) const override { return false; }
  void rememberInsecure(const std::string&, std::uint32_t) override {}

  static bool covers(const Record& r, std::uint16_t t) {
    return r.type == type::RRSIG && dnssec::parseRrsig(r.rdata)->type_covered == t;
  }

  int fetches = 0;

 private:
  std::string zone_;
  std::vector<Record> records_;
};

class ValidatorLimits : public ::testing::Test {
 protected:
  // Signs example.test. (NSEC3 with `iterations` when given, else NSEC).
  void sign(int iterations) {
    if (!signerToolsPresent()) GTEST_SKIP() << "ldnsutils (ldns-keygen, ldns-signzone) missing";
    zone_ = std::make_unique<SignedZone>(
        "ECDSAP256SHA256", iterations < 0 ? "" : "-n -s aabb -t " + std::to_string(iterations));
    ASSERT_TRUE(zone_->ok());
    records_ = zone_->records();
    settings_.anchors = std::make_shared<const dnssec::TrustAnchors>(
        dnssec::TrustAnchors::fromFile(zone_->dsFile()));
    settings_.signature_checks = 64;  // each NSEC3 RRset of the zone is checked
  }

  // The records of `t` at `owner` with their RRSIGs; `owner` empty for every owner.
  std::vector<Record> withSigs(std::uint16_t t, const std::string& owner = "") const {
    std::vector<Record> out;
    for (const Record& r : records_)
      if ((owner.empty() || r.owner == wireName(owner)) &&
          (r.type == t || OneZoneHost::covers(r, t)))
        out.push_back(r);
    return out;
  }

  // The authority section of a negative answer: the SOA and every NSEC3, signed.
  std::vector<Record> denialAuthority() const {
    std::vector<Record> out = withSigs(type::SOA);
    for (const Record& r : withSigs(type::NSEC3)) out.push_back(r);
    return out;
  }

  ValidationResult validate(ValidationInput in) {
    auto host = std::make_shared<OneZoneHost>(wireName("example.test."), records_);
    int calls = 0;
    ValidationResult out;
    validateOutcome(host, settings_, std::move(in), [&](ValidationResult r) {
      ++calls;
      out = std::move(r);
    });
    EXPECT_EQ(calls, 1);
    EXPECT_LE(host->fetches, 1);
    return out;
  }

  ValidationInput nameError() const {
    ValidationInput in;
    in.qname = wireName("nonexistent.example.test.");
    in.qtype = type::A;
    in.rcode = wire::rcode::NXDOMAIN;
    in.authority = denialAuthority();
    return in;
  }

  // A positive answer for www.example.test. of `qtype` holding its `types`, signed.
  ValidationInput wwwAnswer(std::uint16_t qtype, std::initializer_list<std::uint16_t> types) const {
    ValidationInput in;
    in.qname = wireName("www.example.test.");
    in.qtype = qtype;
    for (std::uint16_t t : types)
      for (const Record& r : withSigs(t, "www.example.test.")) in.answer.push_back(r);
    return in;
  }

  ValidationInput noData() const {
    ValidationInput in;
    in.qname = wireName("www.example.test.");
    in.qtype = type::MX;
    in.authority = denialAuthority();
    return in;
  }

  std::unique_ptr<SignedZone> zone_;
  std::vector<Record> records_;
  ValidationSettings settings_;
};

TEST_F(ValidatorLimits, SignedNsec3ProofsAreSecureWithinTheLimits) {
  sign(5);
  ValidationResult r = validate(nameError());
  EXPECT_EQ(r.verdict.security, Security::kSecure) << r.verdict.why;
  r = validate(noData());
  EXPECT_EQ(r.verdict.security, Security::kSecure) << r.verdict.why;
}

TEST_F(ValidatorLimits, Nsec3IterationsAboveTheLimitAreInsecureWithoutHashing) {
  sign(20);
  settings_.denial.max_nsec3_iterations = 10;
  // No hash may be computed at all: had the proof hashed a name, it would have been refused as
  // over budget (bogus), not answered insecure.
  settings_.denial.max_nsec3_hashes = 0;
  for (const ValidationInput& in : {nameError(), noData()}) {
    const ValidationResult r = validate(in);
    EXPECT_EQ(r.verdict.security, Security::kInsecure) << r.verdict.why;
  }
  // At the limit, the same budget of no hashes makes the proof fail: the above did not hash.
  settings_.denial.max_nsec3_iterations = 20;
  const ValidationResult r = validate(noData());
  EXPECT_EQ(r.verdict.security, Security::kBogus);
  EXPECT_EQ(r.verdict.ede, ede::kNsecMissing);
}

TEST_F(ValidatorLimits, InsecureIterationsAreInsecureWithoutAnErrorAndCounted) {
  // RFC 9276 3.2: insecure, as Unbound answers on the signed hierarchy (no EDE: the answer is
  // not an error), and counted for the metrics.
  sign(20);
  settings_.denial.max_nsec3_iterations = 10;
  const ValidationResult r = validate(nameError());
  EXPECT_EQ(r.verdict.security, Security::kInsecure) << r.verdict.why;
  EXPECT_EQ(r.verdict.ede, ede::kNone);
  EXPECT_TRUE(r.nsec3_iteration_limit);
}

TEST_F(ValidatorLimits, AProofNeedingMoreHashesThanAllowedIsBogus) {
  sign(0);
  // The name error hashes the closest encloser, the next closer name and the wildcard.
  settings_.denial.max_nsec3_hashes = 2;
  ValidationResult r = validate(nameError());
  EXPECT_EQ(r.verdict.security, Security::kBogus);
  EXPECT_EQ(r.verdict.ede, ede::kNsecMissing);
  EXPECT_NE(r.verdict.why.find("budget"), std::string::npos) << r.verdict.why;
  settings_.denial.max_nsec3_hashes = 8;
  r = validate(nameError());
  EXPECT_EQ(r.verdict.security, Security::kSecure) << r.verdict.why;
}

TEST_F(ValidatorLimits, OneBudgetOfSignatureChecksCoversTheWholeResponse) {
  sign(-1);
  const ValidationInput in = wwwAnswer(type::ANY, {type::A, type::AAAA});
  settings_.signature_checks = 2;
  ValidationResult r = validate(in);
  EXPECT_EQ(r.verdict.security, Security::kSecure) << r.verdict.why;
  settings_.signature_checks = 1;
  r = validate(in);
  EXPECT_EQ(r.verdict.security, Security::kBogus);
  EXPECT_EQ(r.verdict.ede, ede::kBogus);
}

TEST_F(ValidatorLimits, ASignatureFloodInTheAnswerIsBogusWithinTheBudget) {
  sign(-1);
  ValidationInput in = wwwAnswer(type::A, {type::A});
  const Record genuine = in.answer.back();
  ASSERT_EQ(genuine.type, type::RRSIG);
  in.answer.pop_back();
  // 200 RRSIGs naming the zone's key, none verifying, ahead of the genuine one.
  for (int i = 0; i < 200; ++i) {
    Record sig = genuine;
    sig.rdata[sig.rdata.size() - 1] = static_cast<char>(i);
    sig.rdata[sig.rdata.size() - 2] ^= 0x33;
    in.answer.push_back(sig);
  }
  in.answer.push_back(genuine);
  const ValidationResult r = validate(in);
  EXPECT_EQ(r.verdict.security, Security::kBogus);
  EXPECT_EQ(r.verdict.ede, ede::kBogus);
}

// An RRSIG over `t` at `owner` that names `owner` itself as its signer; the signature is junk,
// as nothing gets to check it.
Record selfSigned(const std::string& owner, std::uint16_t t) {
  std::string rdata;
  rdata += static_cast<char>(t >> 8);
  rdata += static_cast<char>(t & 0xFF);
  rdata += std::string("\x0d\x03\x00\x00\x0e\x10", 6);          // ECDSAP256SHA256, 3 labels, TTL
  rdata += std::string("\x7f\xff\xff\xff\x00\x00\x00\x00", 8);  // expiration, inception
  rdata += std::string("\x12\x34", 2);                          // key tag
  rdata += owner + std::string(64, 's');
  return Record{owner, type::RRSIG, 1, 3600, rdata};
}

TEST_F(ValidatorLimits, RecordsStuffedIntoTheAuthoritySectionCostABoundedNumberOfFetches) {
  sign(-1);
  // A signed positive answer, and 100 NSEC RRsets beside it, each claiming its own owner as its
  // zone: the resolver keeps every NSEC of the authority section for validation.
  ValidationInput in = wwwAnswer(type::A, {type::A});
  for (int i = 0; i < 100; ++i) {
    const std::string owner = wireName("n" + std::to_string(i) + ".example.test.");
    in.authority.push_back(
        Record{owner, type::NSEC, 1, 300, owner + std::string("\x00\x01\x40", 3)});
    in.authority.push_back(selfSigned(owner, type::NSEC));
  }
  auto host = std::make_shared<OneZoneHost>(wireName("example.test."), records_);
  int calls = 0;
  ValidationResult result;
  validateOutcome(host, settings_, std::move(in), [&](ValidationResult r) {
    ++calls;
    result = r;
  });
  EXPECT_EQ(calls, 1);
  // The answer needs the keys of example.test. only: what a server stuffs beside it is neither
  // fetched for nor held against it.
  EXPECT_EQ(result.verdict.security, Security::kSecure) << result.verdict.why;
  EXPECT_LE(host->fetches, 1);
}

}  // namespace
}  // namespace horizon::resolver
