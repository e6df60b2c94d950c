// Signature checks against zones signed by a real signer: ldns-keygen makes a key for each
// algorithm, ldns-signzone signs a small zone with it, and every RRSIG it wrote must verify here,
// while a changed record, a changed signature or another key must not. Key tags and DS digests
// are compared with ldns-key2ds's output for the same key.
#include "horizon/dnssec/signature_check.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dnssec_test_records.hpp"
#include "horizon/dnssec/dnskey.hpp"
#include "horizon/dnssec/rrsig.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "signed_zone.hpp"

namespace horizon::dnssec {
namespace {

using testing::fromLdns;
using testing::readZone;
using testing::run;
using testing::SignedZone;
using testing::signerToolsPresent;
using testing::unixNow;
using testing::wireName;
using wire::Record;

// The RRset an RRSIG covers, from the same zone.
std::vector<const Record*> coveredRrset(const std::vector<Record>& zone, const Record& sig,
                                        const RrsigFields& fields) {
  std::vector<const Record*> rrset;
  for (const Record& r : zone)
    if (r.owner == sig.owner && r.type == fields.type_covered) rrset.push_back(&r);
  return rrset;
}

struct Checked {
  int signatures = 0, verified = 0;
};

Checked verifyAll(const std::vector<Record>& zone) {
  std::vector<const Record*> keys;
  for (const Record& r : zone)
    if (r.type == wire::type::DNSKEY) keys.push_back(&r);
  Checked c;
  for (const Record& sig : zone) {
    if (sig.type != wire::type::RRSIG) continue;
    ++c.signatures;
    const auto fields = parseRrsig(sig.rdata);
    if (!fields) continue;
    const auto data = signedData(*fields, coveredRrset(zone, sig, *fields));
    if (!data) continue;
    for (const Record* key : keys) {
      const auto k = parseDnskey(key->rdata);
      if (k && k->algorithm == fields->algorithm && keyTag(key->rdata) == fields->key_tag &&
          verifySignature(k->algorithm, k->public_key, *data, fields->signature)) {
        ++c.verified;
        break;
      }
    }
  }
  return c;
}

class SignatureByAlgorithm : public ::testing::TestWithParam<std::pair<std::string, int>> {};

TEST_P(SignatureByAlgorithm, EveryRrsigOfASignedZoneVerifiesAndTamperingIsCaught) {
  if (!signerToolsPresent()) GTEST_SKIP() << "ldnsutils (ldns-keygen, ldns-signzone) missing";
  const auto& [name, number] = GetParam();
  SignedZone zone(name);
  ASSERT_TRUE(zone.ok()) << "ldns-signzone failed for " << name;
  std::vector<Record> records = zone.records();
  ASSERT_TRUE(algorithmSupported(static_cast<std::uint8_t>(number)));
  const Checked all = verifyAll(records);
  // SOA, NS, A (ns), A (www), AAAA, TXT (wildcard), MX, CNAME, DNSKEY and the NSEC records.
  EXPECT_GE(all.signatures, 15);
  EXPECT_EQ(all.verified, all.signatures);

  for (const Record& sig : records) {
    if (sig.type != wire::type::RRSIG) continue;
    const auto fields = parseRrsig(sig.rdata);
    ASSERT_TRUE(fields);
    EXPECT_EQ(fields->algorithm, number);
    EXPECT_EQ(fields->signer, wireName("example.test."));
    EXPECT_EQ(checkSignatureTime(*fields, unixNow(), 0), SignatureTime::kValid);
  }

  // A changed address, a flipped signature bit: those signatures (and only those) fail.
  std::vector<Record> tampered = records;
  for (Record& r : tampered)
    if (r.type == wire::type::A && r.owner == wireName("www.example.test.")) {
      r.rdata[3] ^= 1;
      break;
    }
  EXPECT_EQ(verifyAll(tampered).verified, all.signatures - 1);
  tampered = records;
  for (Record& r : tampered)
    if (r.type == wire::type::RRSIG && parseRrsig(r.rdata)->type_covered == wire::type::MX) {
      r.rdata.back() ^= 0x40;
      break;
    }
  EXPECT_EQ(verifyAll(tampered).verified, all.signatures - 1);
}

TEST_P(SignatureByAlgorithm, KeyTagAndDsDigestsMatchLdnsKey2ds) {
  if (!signerToolsPresent()) GTEST_SKIP() << "ldnsutils (ldns-keygen, ldns-signzone) missing";
  const auto& [name, number] = GetParam();
  SignedZone zone(name);
  ASSERT_TRUE(zone.ok());
  const std::vector<Record> key = readZone(zone.keyFile());
  ASSERT_EQ(key.size(), 1u);
  const std::string owner = wireName("example.test.");
  for (const std::string flag : {"-1", "-2", "-4"}) {
    const auto ds = run("cd /tmp && ldns-key2ds -n " + flag + " " + zone.keyFile());
    ASSERT_TRUE(ds) << flag;
    ldns_rr* rr = nullptr;
    ASSERT_EQ(ldns_rr_new_frm_str(&rr, ds->c_str(), 0, nullptr, nullptr), LDNS_STATUS_OK);
    const Record expected = fromLdns(rr);
    ldns_rr_free(rr);
    const auto fields = parseDs(expected.rdata);
    ASSERT_TRUE(fields);
    EXPECT_EQ(fields->key_tag, keyTag(key[0].rdata));
    EXPECT_EQ(fields->algorithm, number);
    EXPECT_EQ(dsDigest(fields->digest_type, owner, key[0].rdata), std::string(fields->digest));
    EXPECT_TRUE(dsMatchesKey(expected.rdata, owner, key[0].rdata));
    // The owner name is part of the digest: the same key under another name does not match.
    EXPECT_FALSE(dsMatchesKey(expected.rdata, wireName("other.test."), key[0].rdata));
  }
}

TEST_P(SignatureByAlgorithm, AWildcardExpansionVerifiesUnderTheNameItAnswered) {
  if (!signerToolsPresent()) GTEST_SKIP() << "ldnsutils (ldns-keygen, ldns-signzone) missing";
  const auto& [name, number] = GetParam();
  SignedZone zone(name);
  ASSERT_TRUE(zone.ok());
  const std::vector<Record> records = zone.records();
  const std::string wildcard = wireName("*.wild.example.test.");
  const Record* txt = nullptr;
  const Record* sig = nullptr;
  const Record* key = nullptr;
  for (const Record& r : records) {
    if (r.owner == wildcard && r.type == wire::type::TXT) txt = &r;
    if (r.owner == wildcard && r.type == wire::type::RRSIG &&
        parseRrsig(r.rdata)->type_covered == wire::type::TXT)
      sig = &r;
    if (r.type == wire::type::DNSKEY) key = &r;
  }
  ASSERT_TRUE(txt && sig && key);
  const auto fields = parseRrsig(sig->rdata);
  const auto k = parseDnskey(key->rdata);
  ASSERT_EQ(fields->labels, 3);  // wild.example.test: the "*" label is not counted
  for (const std::string answered : {"a.wild.example.test.", "b.c.wild.example.test."}) {
    Record expanded = *txt;
    expanded.owner = wireName(answered);
    const auto data = signedData(*fields, {&expanded});
    ASSERT_TRUE(data);
    EXPECT_TRUE(verifySignature(k->algorithm, k->public_key, *data, fields->signature)) << answered;
  }
  // Claimed as the wildcard's own name with fewer labels than the RRSIG counts: not signable.
  Record shorter = *txt;
  shorter.owner = wireName("example.test.");
  EXPECT_FALSE(signedData(*fields, {&shorter}));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, SignatureByAlgorithm,
                         ::testing::Values(std::pair<std::string, int>{"RSASHA1", 5},
                                           std::pair<std::string, int>{"RSASHA256", 8},
                                           std::pair<std::string, int>{"RSASHA512", 10},
                                           std::pair<std::string, int>{"ECDSAP256SHA256", 13},
                                           std::pair<std::string, int>{"ECDSAP384SHA384", 14},
                                           std::pair<std::string, int>{"ED25519", 15},
                                           std::pair<std::string, int>{"ED448", 16}),
                         [](const auto& info) { return info.param.first; });

TEST(SignatureTime, ValidityFollowsSerialArithmeticWithTheSkewAllowed) {
  RrsigFields sig;
  sig.inception = 1000;
  sig.expiration = 2000;
  EXPECT_EQ(checkSignatureTime(sig, 1500, 0), SignatureTime::kValid);
  EXPECT_EQ(checkSignatureTime(sig, 999, 0), SignatureTime::kNotYetValid);
  EXPECT_EQ(checkSignatureTime(sig, 999, 60), SignatureTime::kValid);
  EXPECT_EQ(checkSignatureTime(sig, 2001, 0), SignatureTime::kExpired);
  EXPECT_EQ(checkSignatureTime(sig, 2060, 60), SignatureTime::kValid);
  // RFC 4034 3.1.5: times are serial numbers, so a window across the 2106 wrap still works.
  sig.inception = 0xFFFFFF00u;
  sig.expiration = 0x00000100u;
  EXPECT_EQ(checkSignatureTime(sig, 0x00000010u, 0), SignatureTime::kValid);
  EXPECT_EQ(checkSignatureTime(sig, 0x00000200u, 0), SignatureTime::kExpired);
}

TEST(SignatureCheck, UnsupportedAndMalformedInputIsRefusedNotCrashedOn) {
  EXPECT_FALSE(algorithmSupported(3));   // DSA: RFC 8624 3.1 says not to validate it
  EXPECT_FALSE(algorithmSupported(12));  // GOST
  EXPECT_FALSE(algorithmSupported(200));
  EXPECT_FALSE(verifySignature(3, "key", "data", "sig"));
  EXPECT_FALSE(verifySignature(algorithm::RSASHA256, "", "data", "sig"));
  EXPECT_FALSE(verifySignature(algorithm::RSASHA256, std::string("\x00\x00", 2), "d", "s"));
  EXPECT_FALSE(
      verifySignature(algorithm::ECDSAP256SHA256, std::string(63, 'x'), "d", std::string(64, 's')));
  EXPECT_FALSE(verifySignature(algorithm::ECDSAP256SHA256, std::string(64, 'x'), "d",
                               std::string(64, 's')));  // not a point on the curve
  EXPECT_FALSE(
      verifySignature(algorithm::ED25519, std::string(31, 'k'), "d", std::string(64, 's')));
  // An RSA modulus beyond RFC 3110's 4096 bits is not worth the work of checking.
  std::string huge("\x01\x03", 2);
  huge.append(600, '\xff');
  EXPECT_FALSE(verifySignature(algorithm::RSASHA256, huge, "d", std::string(600, 's')));
}

TEST(RrsigFields, TruncatedOrCompressedRdataIsRefused) {
  EXPECT_FALSE(parseRrsig(std::string(18, '\0')));
  std::string rdata(18, '\0');
  rdata += std::string("\xc0\x0c", 2);  // a compression pointer where the signer belongs
  rdata += "sig";
  EXPECT_FALSE(parseRrsig(rdata));
  rdata = std::string(18, '\0') + std::string(1, '\0');  // root signer, no signature
  EXPECT_FALSE(parseRrsig(rdata));
  rdata += "s";
  ASSERT_TRUE(parseRrsig(rdata));
  EXPECT_EQ(parseRrsig(rdata)->signature, "s");
}

TEST(CanonicalRdata, NamesAreLoweredOnlyWhereRfc4034SaysSo) {
  Record mx{wireName("example.test."), wire::type::MX, 1, 300, std::string("\x00\x0a", 2)};
  mx.rdata += wireName("MX.Example.TEST.");
  EXPECT_EQ(canonicalRdata(mx), std::string("\x00\x0a", 2) + wireName("mx.example.test."));
  // NSEC's next name keeps its case (RFC 6840 5.1); TXT is not a name at all.
  Record nsec{wireName("a.test."), wire::type::NSEC, 1, 300, wireName("B.test.") + "\x00\x01\x40"};
  EXPECT_EQ(canonicalRdata(nsec), nsec.rdata);
  Record txt{wireName("a.test."), wire::type::TXT, 1, 300,
             "\x03"
             "ABC"};
  EXPECT_EQ(canonicalRdata(txt), txt.rdata);
}

}  // namespace
}  // namespace horizon::dnssec
