// Signature checks against zones signed by a real signer: ldns-keygen makes a key for each
// algorithm, ldns-signzone signs a small zone with it, and every RRSIG it wrote must verify here,
// while a changed record, a changed signature or another key must not. Key tags and DS digests
// are compared with ldns-key2ds's output for the same key.
#include "horizon/dnssec/signature_check.hpp"

#include <gtest/gtest.h>
#include <ldns/ldns.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "horizon/dnssec/dnskey.hpp"
#include "horizon/dnssec/rrsig.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"

namespace horizon::dnssec {
namespace {

namespace fs = std::filesystem;
using wire::Record;

// Runs `command` in a shell; returns its standard output, or nullopt on a non-zero exit.
std::optional<std::string> run(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return std::nullopt;
  std::string out;
  char buffer[4096];
  while (std::size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  if (pclose(pipe) != 0) return std::nullopt;
  return out;
}

// One record from ldns, its rdata in uncompressed wire format with the case as written.
Record fromLdns(const ldns_rr* rr) {
  Record r;
  const ldns_rdf* owner = ldns_rr_owner(rr);
  r.owner = wire::lowercaseName(
      std::string(reinterpret_cast<const char*>(ldns_rdf_data(owner)), ldns_rdf_size(owner)));
  r.type = ldns_rr_get_type(rr);
  r.rclass = ldns_rr_get_class(rr);
  r.ttl = ldns_rr_ttl(rr);
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* f = ldns_rr_rdf(rr, i);
    r.rdata.append(reinterpret_cast<const char*>(ldns_rdf_data(f)), ldns_rdf_size(f));
  }
  return r;
}

std::vector<Record> readZone(const std::string& path) {
  FILE* f = fopen(path.c_str(), "r");
  EXPECT_NE(f, nullptr) << path;
  if (!f) return {};
  ldns_zone* zone = nullptr;
  const ldns_status status = ldns_zone_new_frm_fp(&zone, f, nullptr, 0, LDNS_RR_CLASS_IN);
  fclose(f);
  EXPECT_EQ(status, LDNS_STATUS_OK) << ldns_get_errorstr_by_id(status);
  if (status != LDNS_STATUS_OK) return {};
  std::vector<Record> out;
  if (ldns_zone_soa(zone)) out.push_back(fromLdns(ldns_zone_soa(zone)));
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(ldns_zone_rrs(zone)); ++i)
    out.push_back(fromLdns(ldns_rr_list_rr(ldns_zone_rrs(zone), i)));
  ldns_zone_deep_free(zone);
  return out;
}

std::string wireName(const std::string& text) {
  ldns_rdf* rdf = nullptr;
  EXPECT_EQ(ldns_str2rdf_dname(&rdf, text.c_str()), LDNS_STATUS_OK);
  std::string out(reinterpret_cast<const char*>(ldns_rdf_data(rdf)), ldns_rdf_size(rdf));
  ldns_rdf_deep_free(rdf);
  return out;
}

std::uint32_t unixNow() {
  return static_cast<std::uint32_t>(std::time(nullptr));
}

// A zone signed by ldns-signzone with a fresh key of one algorithm, in a temporary directory.
class SignedZone {
 public:
  SignedZone(const std::string& algorithm, const std::string& extra_sign_flags = "") {
    char dir_template[] = "/tmp/horizon-dnssec-XXXXXX";
    dir_ = mkdtemp(dir_template);
    std::ofstream(dir_ + "/zone") << "example.test. 3600 IN SOA ns.example.test. "
                                     "Host.Example.TEST. 1 3600 600 86400 300\n"
                                     "example.test. 3600 IN NS NS.example.test.\n"
                                     "ns.example.test. 3600 IN A 192.0.2.53\n"
                                     "www.example.test. 300 IN A 192.0.2.1\n"
                                     "www.example.test. 300 IN A 192.0.2.2\n"
                                     "www.example.test. 300 IN AAAA 2001:db8::1\n"
                                     "*.wild.example.test. 300 IN TXT \"wild\"\n"
                                     "mail.example.test. 300 IN MX 10 MX.Example.Test.\n"
                                     "alias.example.test. 300 IN CNAME WWW.example.TEST.\n";
    auto key = run("cd " + dir_ + " && ldns-keygen -a " + algorithm + " -k example.test 2>&1");
    if (!key) return;
    key_base_ = dir_ + "/" + key->substr(0, key->find('\n'));
    ok_ = run("ldns-signzone " + extra_sign_flags + " -f " + dir_ + "/zone.signed " + dir_ +
              "/zone " + key_base_ + " 2>&1")
              .has_value();
  }
  ~SignedZone() { fs::remove_all(dir_); }
  bool ok() const { return ok_; }
  std::vector<Record> records() const { return readZone(dir_ + "/zone.signed"); }
  std::string dsFile() const { return key_base_ + ".ds"; }
  std::string keyFile() const { return key_base_ + ".key"; }

 private:
  std::string dir_, key_base_;
  bool ok_ = false;
};

bool signerToolsPresent() {
  return access("/usr/bin/ldns-keygen", X_OK) == 0 && access("/usr/bin/ldns-signzone", X_OK) == 0;
}

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
  Record txt{wireName("a.test."), wire::type::TXT, 1, 300, "\x03ABC"};
  EXPECT_EQ(canonicalRdata(txt), txt.rdata);
}

}  // namespace
}  // namespace horizon::dnssec
