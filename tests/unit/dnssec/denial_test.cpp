// The denial proofs against the example responses of RFC 4035 Appendix B (NSEC) and RFC 5155
// Appendix B (NSEC3), built from the records of their Appendix A zones (tests/data/dnssec), and
// one negative case per rule the proofs enforce.
#include "horizon/dnssec/denial.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dnssec_test_records.hpp"
#include "horizon/wire/constants.hpp"

namespace horizon::dnssec {
namespace {

using testing::loadRecords;
using testing::pick;
using testing::recordFromText;
using testing::wireName;
namespace type = wire::type;

const std::string kExample = wireName("example.");

std::vector<wire::Record> nsecZone() {
  return loadRecords("rfc4035_appendix_a.zone");
}

// RFC 5155 Appendix A's chain, or a variant with other NSEC3 flags and parameters.
std::vector<wire::Record> nsec3Zone(const std::string& params = "1 1 12 aabbccdd") {
  return loadRecords("rfc5155_appendix_a.zone", "1 1 12 aabbccdd", params);
}
// The same chain without opt-out, so that spans prove rather than weaken to insecure.
std::vector<wire::Record> nsec3ZoneNoOptOut() {
  return nsec3Zone("1 0 12 aabbccdd");
}

template <typename... Records>
std::vector<wire::Record> join(std::vector<wire::Record> a, const Records&... more) {
  (a.insert(a.end(), more.begin(), more.end()), ...);
  return a;
}

void expectProven(const DenialResult& r, const std::string& closest_encloser = {}) {
  EXPECT_EQ(r.state, Denial::kProven) << r.why;
  if (!closest_encloser.empty()) {
    EXPECT_EQ(r.closest_encloser, wireName(closest_encloser));
  }
}

void expectNotProven(const DenialResult& r) {
  EXPECT_EQ(r.state, Denial::kNotProven);
  EXPECT_FALSE(r.why.empty());
}

// ---------------------------------------------------------------- NSEC, RFC 4035 Appendix B

TEST(NsecDenial, B2NameErrorIsProven) {
  // ml.example A: b.example's NSEC covers the name, example.'s covers *.example.
  auto records = pick(nsecZone(), {"b.example.", "example."});
  expectProven(proveNameError(kExample, wireName("ml.example."), records), "example.");
  // The qname's case does not matter.
  expectProven(proveNameError(kExample, wireName("ML.Example."), records), "example.");
}

TEST(NsecDenial, NameErrorNeedsTheWildcardProof) {
  auto zone = nsecZone();
  expectNotProven(proveNameError(kExample, wireName("ml.example."), pick(zone, {"b.example."})));
  // Wrong covering: neither record covers ml.example.
  expectNotProven(
      proveNameError(kExample, wireName("ml.example."), pick(zone, {"ns1.example.", "example."})));
  // A wildcard that exists makes it no name error: a.z.w.example is answered by *.w.example.
  expectNotProven(proveNameError(kExample, wireName("a.z.w.example."),
                                 pick(zone, {"x.y.w.example.", "*.w.example."})));
}

TEST(NsecDenial, CoveringWrapsAtTheApex) {
  // zz.example sorts after xx.example, the last name, whose NSEC points back to the apex.
  auto records = pick(nsecZone(), {"xx.example.", "example."});
  expectProven(proveNameError(kExample, wireName("zz.example."), records), "example.");
  // aa.example sorts after a.example: the wrap does not cover it.
  expectNotProven(proveNameError(kExample, wireName("aa.example."), records));
  // The apex itself is never covered.
  expectNotProven(proveNameError(kExample, kExample, records));
}

TEST(NsecDenial, B3NoDataIsProven) {
  auto records = pick(nsecZone(), {"ns1.example."});
  expectProven(proveNoData(kExample, wireName("ns1.example."), type::MX, records));
  expectNotProven(proveNoData(kExample, wireName("ns1.example."), type::A, records));
}

TEST(NsecDenial, NoDataRejectsASetCnameBit) {
  // RFC 6840 4.3: a CNAME at the name would have been the answer.
  std::vector<wire::Record> records = {
      recordFromText("alias.example. 3600 IN NSEC b.example. CNAME RRSIG NSEC")};
  expectNotProven(proveNoData(kExample, wireName("alias.example."), type::A, records));
  std::vector<wire::Record> wildcard = {
      recordFromText("ns2.example. 3600 IN NSEC *.w.example. A RRSIG NSEC"),
      recordFromText("*.w.example. 3600 IN NSEC x.w.example. CNAME RRSIG NSEC")};
  expectNotProven(proveNoData(kExample, wireName("q.w.example."), type::A, wildcard));
}

TEST(NsecDenial, EmptyNonTerminalNoData) {
  auto zone = nsecZone();
  // w.example has no records but names below it: ns2.example's NSEC points to *.w.example.
  expectProven(
      proveNoData(kExample, wireName("w.example."), type::A, pick(zone, {"ns2.example."})));
  expectProven(
      proveNoData(kExample, wireName("y.w.example."), type::TXT, pick(zone, {"x.w.example."})));
  // It exists, so it is no name error.
  expectNotProven(
      proveNameError(kExample, wireName("w.example."), pick(zone, {"ns2.example.", "example."})));
  // y.w.example exists too, though x.w.example's NSEC, which points below it, covers both it and
  // *.y.w.example.
  expectNotProven(proveNameError(kExample, wireName("y.w.example."), pick(zone, {"x.w.example."})));
}

TEST(NsecDenial, ContradictoryRecordsProveNothing) {
  // A second NSEC (not in RFC 4035's chain) covers *.w.example, which the zone's own NSEC shows
  // exists: an existing wildcard is never taken as denied.
  auto records = pick(nsecZone(), {"x.y.w.example.", "*.w.example."});
  records.push_back(recordFromText("ns2.example. 3600 IN NSEC x.w.example. A RRSIG NSEC"));
  expectNotProven(proveNameError(kExample, wireName("a.z.w.example."), records));
}

TEST(NsecDenial, B4SignedDelegationDeniesNothingBelowOrBesideDs) {
  auto records = pick(nsecZone(), {"a.example.", "example."});
  // a.example's NSEC is the parent side of a cut (NS, DS, no SOA); RFC 6840 4.1.
  expectNotProven(proveNameError(kExample, wireName("mc.a.example."), records));
  expectNotProven(proveNoData(kExample, wireName("mc.a.example."), type::MX, records));
  expectNotProven(proveNoData(kExample, wireName("a.example."), type::MX, records));
  // DS exists at the cut.
  expectNotProven(proveNoData(kExample, wireName("a.example."), type::DS, records));
}

TEST(NsecDenial, B5UnsignedDelegationProvesNoDs) {
  auto records = pick(nsecZone(), {"b.example.", "example."});
  auto r = proveNoData(kExample, wireName("b.example."), type::DS, records);
  expectProven(r);
  EXPECT_TRUE(r.delegation);
  // The same record says nothing about the child's own data.
  expectNotProven(proveNoData(kExample, wireName("b.example."), type::A, records));
  expectNotProven(proveNoData(kExample, wireName("mc.b.example."), type::MX, records));
  expectNotProven(proveNameError(kExample, wireName("mc.b.example."), records));
}

TEST(NsecDenial, DnameHidesNamesBelowIt) {
  std::vector<wire::Record> records = {
      recordFromText("d.example. 3600 IN NSEC e.example. DNAME RRSIG NSEC"),
      recordFromText("example. 3600 IN NSEC a.example. NS SOA MX RRSIG NSEC DNSKEY")};
  expectNotProven(proveNameError(kExample, wireName("x.d.example."), records));
}

TEST(NsecDenial, B6WildcardExpansionIsProven) {
  // a.z.w.example MX from *.w.example (RRSIG labels 2); x.y.w.example's NSEC covers the qname.
  auto records = pick(nsecZone(), {"x.y.w.example."});
  expectProven(proveWildcardAnswer(kExample, wireName("a.z.w.example."), 2, records), "w.example.");
  // A claimed wildcard at example. leaves w.example, which exists, closer to the qname.
  expectNotProven(proveWildcardAnswer(kExample, wireName("a.z.w.example."), 1, records));
  // As many labels as the qname: no wildcard at all.
  expectNotProven(proveWildcardAnswer(kExample, wireName("a.z.w.example."), 4, records));
  // An NSEC that does not cover the qname.
  expectNotProven(proveWildcardAnswer(kExample, wireName("a.z.w.example."), 2,
                                      pick(nsecZone(), {"*.w.example."})));
}

TEST(NsecDenial, B7WildcardNoDataIsProven) {
  auto records = pick(nsecZone(), {"x.y.w.example.", "*.w.example."});
  expectProven(proveNoData(kExample, wireName("a.z.w.example."), type::AAAA, records),
               "w.example.");
  // The wildcard has MX.
  expectNotProven(proveNoData(kExample, wireName("a.z.w.example."), type::MX, records));
  // Without the wildcard's NSEC only the name's absence is shown.
  expectNotProven(proveNoData(kExample, wireName("a.z.w.example."), type::AAAA,
                              pick(nsecZone(), {"x.y.w.example."})));
}

TEST(NsecDenial, B8ChildApexCannotDenyItsDs) {
  auto records = pick(nsecZone(), {"example."});
  // The child zone's own apex NSEC, signed by the child.
  expectNotProven(proveNoData(kExample, kExample, type::DS, records));
  // Even under a parent's signature, an NSEC with SOA belongs to the child apex (RFC 6840 4.4).
  expectNotProven(proveNoData(wireName("."), kExample, type::DS, records));
}

TEST(NsecDenial, MalformedRecordsProveNothing) {
  const std::string owner = wireName("ns1.example.");
  auto good = pick(nsecZone(), {"ns1.example."});
  auto truncated_bitmap = good;
  truncated_bitmap[0].rdata.pop_back();
  expectNotProven(proveNoData(kExample, owner, type::MX, truncated_bitmap));
  auto bad_next = good;
  bad_next[0].rdata[0] = '\x40';  // a label length above 63
  expectNotProven(proveNoData(kExample, owner, type::MX, bad_next));
  std::vector<wire::Record> next_outside = {
      recordFromText("ns1.example. 3600 IN NSEC ns2.example.org. A RRSIG NSEC")};
  expectNotProven(proveNoData(kExample, owner, type::MX, next_outside));
  // Names that are not wire format, or a qname outside the signer's zone.
  expectNotProven(proveNoData(kExample, std::string("\x03ns1", 4), type::MX, good));
  expectNotProven(proveNoData(std::string("\x07", 1), owner, type::MX, good));
  expectNotProven(proveNoData(wireName("example.org."), owner, type::MX, good));
  expectNotProven(proveNoData(kExample, owner, type::MX, {}));
}

TEST(NsecDenial, NextNameCaseIsIgnored) {
  std::vector<wire::Record> records = {
      recordFromText("b.example. 3600 IN NSEC NS1.Example. NS RRSIG NSEC"),
      recordFromText("example. 3600 IN NSEC A.EXAMPLE. NS SOA MX RRSIG NSEC DNSKEY")};
  expectProven(proveNameError(kExample, wireName("ml.example."), records));
}

// ---------------------------------------------------------------- NSEC3, RFC 5155 Appendix B

const char* const kB1[] = {"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.",
                           "b4um86eghhds6nea196smvmlo4ors995.example.",
                           "35mthgpgcu1qg68fab165klnsnk3dpvl.example."};

std::vector<wire::Record> b1(const std::vector<wire::Record>& zone) {
  return pick(zone, {kB1[0], kB1[1], kB1[2]});
}

TEST(Nsec3Denial, B1NameErrorUnderOptOutIsInsecure) {
  // a.c.x.w.example: closest encloser x.w.example, next closer c.x.w.example covered by the
  // apex's NSEC3, *.x.w.example covered by 35mthgpg. The example zone sets opt-out everywhere,
  // so c.x.w.example could be an unsigned delegation: insecure, never proven.
  auto r = proveNameError(kExample, wireName("a.c.x.w.example."), b1(nsec3Zone()));
  EXPECT_EQ(r.state, Denial::kOptOut) << r.why;
  EXPECT_EQ(r.closest_encloser, wireName("x.w.example."));
  // The same chain without opt-out proves it.
  expectProven(proveNameError(kExample, wireName("a.c.x.w.example."), b1(nsec3ZoneNoOptOut())),
               "x.w.example.");
}

TEST(Nsec3Denial, NameErrorNeedsAllThreeRecords) {
  auto zone = nsec3ZoneNoOptOut();
  const std::string qname = wireName("a.c.x.w.example.");
  // No wildcard proof, no closest encloser match, no next closer cover.
  expectNotProven(proveNameError(kExample, qname, pick(zone, {kB1[0], kB1[1]})));
  expectNotProven(proveNameError(kExample, qname, pick(zone, {kB1[0], kB1[2]})));
  expectNotProven(proveNameError(kExample, qname, pick(zone, {kB1[1], kB1[2]})));
  // A name whose closest encloser has a wildcard: *.w.example exists.
  expectNotProven(proveNameError(kExample, wireName("a.z.w.example."), zone));
  // A name that exists.
  expectNotProven(proveNameError(kExample, wireName("x.w.example."), zone));
}

TEST(Nsec3Denial, B2NoDataIsProven) {
  auto records = pick(nsec3Zone(), {"2t7b4g4vsa5smi47k61mv5bv1a22bojr.example."});
  expectProven(proveNoData(kExample, wireName("ns1.example."), type::MX, records));
  expectNotProven(proveNoData(kExample, wireName("ns1.example."), type::A, records));
}

TEST(Nsec3Denial, B21EmptyNonTerminalNoDataIsProven) {
  // y.w.example's NSEC3 has an empty type bit map.
  auto records = pick(nsec3Zone(), {"ji6neoaepv8b5o6k4ev33abha8ht9fgc.example."});
  expectProven(proveNoData(kExample, wireName("y.w.example."), type::A, records));
}

TEST(Nsec3Denial, B3ReferralToOptOutZoneIsInsecure) {
  // mc.c.example MX is referred to c.example, an unsigned delegation inside an opt-out span:
  // the apex matches the closest encloser and 35mthgpg covers c.example.
  auto records = pick(nsec3Zone(), {"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.",
                                    "35mthgpgcu1qg68fab165klnsnk3dpvl.example."});
  auto r = proveNoData(kExample, wireName("c.example."), type::DS, records);
  EXPECT_EQ(r.state, Denial::kOptOut) << r.why;
  EXPECT_EQ(r.closest_encloser, kExample);
  // Without opt-out the span says c.example does not exist: no DS NODATA.
  expectNotProven(
      proveNoData(kExample, wireName("c.example."), type::DS,
                  pick(nsec3ZoneNoOptOut(), {"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.",
                                             "35mthgpgcu1qg68fab165klnsnk3dpvl.example."})));
  // Opt-out is no NODATA for other types.
  expectNotProven(proveNoData(kExample, wireName("c.example."), type::A, records));
}

TEST(Nsec3Denial, B4WildcardExpansion) {
  // a.z.w.example MX from *.w.example: q04jkcev covers the next closer z.w.example.
  auto records = pick(nsec3Zone(), {"q04jkcevqvmu85r014c7dkba38o0ji5r.example."});
  auto r = proveWildcardAnswer(kExample, wireName("a.z.w.example."), 2, records);
  EXPECT_EQ(r.state, Denial::kOptOut) << r.why;
  auto no_opt_out = pick(nsec3ZoneNoOptOut(), {"q04jkcevqvmu85r014c7dkba38o0ji5r.example."});
  expectProven(proveWildcardAnswer(kExample, wireName("a.z.w.example."), 2, no_opt_out),
               "w.example.");
  // A wildcard at example. would need w.example covered; it exists.
  expectNotProven(
      proveWildcardAnswer(kExample, wireName("a.z.w.example."), 1, nsec3ZoneNoOptOut()));
  expectNotProven(proveWildcardAnswer(kExample, wireName("a.z.w.example."), 3, no_opt_out));
}

TEST(Nsec3Denial, B5WildcardNoData) {
  const char* const owners[] = {"k8udemvp1j2f7eg6jebps17vp3n8i58h.example.",
                                "q04jkcevqvmu85r014c7dkba38o0ji5r.example.",
                                "r53bq7cc2uvmubfu5ocmm6pers9tk9en.example."};
  auto records = pick(nsec3Zone(), {owners[0], owners[1], owners[2]});
  EXPECT_EQ(proveNoData(kExample, wireName("a.z.w.example."), type::AAAA, records).state,
            Denial::kOptOut);
  auto no_opt_out = pick(nsec3ZoneNoOptOut(), {owners[0], owners[1], owners[2]});
  expectProven(proveNoData(kExample, wireName("a.z.w.example."), type::AAAA, no_opt_out),
               "w.example.");
  // *.w.example has MX; and without its NSEC3 nothing is shown.
  expectNotProven(proveNoData(kExample, wireName("a.z.w.example."), type::MX, no_opt_out));
  expectNotProven(proveNoData(kExample, wireName("a.z.w.example."), type::AAAA,
                              pick(nsec3ZoneNoOptOut(), {owners[0], owners[1]})));
}

TEST(Nsec3Denial, B6ChildApexCannotDenyItsDs) {
  auto records = pick(nsec3Zone(), {"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example."});
  expectNotProven(proveNoData(kExample, kExample, type::DS, records));
}

TEST(Nsec3Denial, ParentSideRecordsAtACut) {
  auto zone = nsec3ZoneNoOptOut();
  // a.example's NSEC3 has NS and DS: it cannot serve as the closest encloser of names below it,
  // nor deny the child's types.
  expectNotProven(proveNameError(kExample, wireName("mc.a.example."), zone));
  expectNotProven(proveNoData(kExample, wireName("a.example."), type::MX, zone));
  expectNotProven(proveNoData(kExample, wireName("a.example."), type::DS, zone));
  // An unsigned delegation's NSEC3 (NS only) proves no DS, and marks the cut.
  std::vector<wire::Record> unsigned_cut = {
      recordFromText("4g6p9u5gvfshp30pqecj98b3maqbn1ck.example. 3600 IN NSEC3 1 0 12 aabbccdd "
                     "4g6p9u5gvfshp30pqecj98b3maqbn1cl NS")};
  auto r = proveNoData(kExample, wireName("c.example."), type::DS, unsigned_cut);
  expectProven(r);
  EXPECT_TRUE(r.delegation);
  expectNotProven(proveNoData(kExample, wireName("c.example."), type::A, unsigned_cut));
  // A record with SOA at the name is the child apex's, even under the parent's signature
  // (RFC 6840 4.4); rh67q1qc is H(sub.example).
  std::vector<wire::Record> child_apex = {
      recordFromText("rh67q1qcg4556j3ucb9j5lg6ubq5ujq4.example. 3600 IN NSEC3 1 0 12 aabbccdd "
                     "rh67q1qcg4556j3ucb9j5lg6ubq5ujq5 NS SOA RRSIG DNSKEY")};
  expectNotProven(proveNoData(kExample, wireName("sub.example."), type::DS, child_apex));
}

TEST(Nsec3Denial, NoDataRejectsASetCnameBit) {
  std::vector<wire::Record> records = {
      recordFromText("2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. 3600 IN NSEC3 1 0 12 aabbccdd "
                     "2vptu5timamqttgl4luu9kg21e0aor3s CNAME RRSIG")};
  expectNotProven(proveNoData(kExample, wireName("ns1.example."), type::MX, records));
}

TEST(Nsec3Denial, IterationsAboveTheLimitAreInsecureWithoutHashing) {
  auto r =
      proveNameError(kExample, wireName("a.c.x.w.example."), b1(nsec3Zone("1 0 151 aabbccdd")));
  EXPECT_EQ(r.state, Denial::kInsecureIterations);
  // The limit is the caller's: 12 iterations above a limit of 11.
  DenialLimits strict;
  strict.max_nsec3_iterations = 11;
  EXPECT_EQ(proveNoData(kExample, wireName("ns1.example."), type::MX, nsec3Zone(), strict).state,
            Denial::kInsecureIterations);
  // Even a hash budget of zero is not touched: the limit is checked first.
  strict.max_nsec3_hashes = 0;
  EXPECT_EQ(proveNameError(kExample, wireName("a.c.x.w.example."), nsec3Zone("1 0 65535 aabbccdd"),
                           strict)
                .state,
            Denial::kInsecureIterations);
}

TEST(Nsec3Denial, ParametersAreNotMixed) {
  // The wildcard's cover comes with another salt: the proof may not combine it.
  auto zone = nsec3ZoneNoOptOut();
  auto other_salt = pick(nsec3Zone("1 0 12 aabbccde"), {kB1[2]});
  auto records = join(pick(zone, {kB1[0], kB1[1]}), other_salt);
  expectNotProven(proveNameError(kExample, wireName("a.c.x.w.example."), records));
  auto other_count = pick(nsec3Zone("1 0 13 aabbccdd"), {kB1[2]});
  expectNotProven(proveNameError(kExample, wireName("a.c.x.w.example."),
                                 join(pick(zone, {kB1[0], kB1[1]}), other_count)));
  // Another iteration count, first in the list: the records after it do not fit its parameters.
  auto other_iterations = pick(nsec3Zone("1 0 13 aabbccdd"), {kB1[0]});
  expectNotProven(
      proveNameError(kExample, wireName("a.c.x.w.example."), join(other_iterations, b1(zone))));
}

TEST(Nsec3Denial, UnknownAlgorithmsAndFlagsAreIgnored) {
  const std::string qname = wireName("ns1.example.");
  expectNotProven(proveNoData(
      kExample, qname, type::MX,
      pick(nsec3Zone("2 0 12 aabbccdd"), {"2t7b4g4vsa5smi47k61mv5bv1a22bojr.example."})));
  expectNotProven(proveNoData(
      kExample, qname, type::MX,
      pick(nsec3Zone("1 2 12 aabbccdd"), {"2t7b4g4vsa5smi47k61mv5bv1a22bojr.example."})));
  // Ignored records before usable ones do not decide the parameters.
  auto records = join(pick(nsec3Zone("2 0 5 00"), {"2t7b4g4vsa5smi47k61mv5bv1a22bojr.example."}),
                      pick(nsec3Zone(), {"2t7b4g4vsa5smi47k61mv5bv1a22bojr.example."}));
  expectProven(proveNoData(kExample, qname, type::MX, records));
}

TEST(Nsec3Denial, HashBudgetBoundsTheWork) {
  // B.1 hashes a.c.x.w, c.x.w, x.w and *.x.w: four names.
  DenialLimits limits;
  limits.max_nsec3_hashes = 4;
  auto records = b1(nsec3ZoneNoOptOut());
  expectProven(proveNameError(kExample, wireName("a.c.x.w.example."), records, limits));
  limits.max_nsec3_hashes = 3;
  auto r = proveNameError(kExample, wireName("a.c.x.w.example."), records, limits);
  EXPECT_EQ(r.state, Denial::kNotProven);
  EXPECT_NE(r.why.find("budget"), std::string::npos) << r.why;
  // A deep name under the default budget stops after 32 hashes.
  std::string deep;
  for (int i = 0; i < 60; ++i) deep += "a.";
  auto deep_r = proveNameError(kExample, wireName(deep + "x.w.example."), nsec3ZoneNoOptOut());
  EXPECT_EQ(deep_r.state, Denial::kNotProven);
  EXPECT_NE(deep_r.why.find("budget"), std::string::npos) << deep_r.why;
}

TEST(Nsec3Denial, MalformedRecordsAreIgnored) {
  const std::string qname = wireName("ns1.example.");
  auto good = pick(nsec3Zone(), {"2t7b4g4vsa5smi47k61mv5bv1a22bojr.example."});
  expectProven(proveNoData(kExample, qname, type::MX, good));
  auto truncated = good;
  truncated[0].rdata.resize(10);
  expectNotProven(proveNoData(kExample, qname, type::MX, truncated));
  auto bad_bitmap = good;
  bad_bitmap[0].rdata.push_back('\x00');  // a window without its length
  expectNotProven(proveNoData(kExample, qname, type::MX, bad_bitmap));
  auto bad_hash_length = good;
  bad_hash_length[0].rdata[9] = 19;  // 5 octets of fields and 4 of salt precede it
  expectNotProven(proveNoData(kExample, qname, type::MX, bad_hash_length));
  auto bad_owner = good;
  bad_owner[0].owner[1] = 'w';  // outside the Base32hex alphabet
  expectNotProven(proveNoData(kExample, qname, type::MX, bad_owner));
  auto deeper_owner = good;
  deeper_owner[0].owner = wireName("2t7b4g4vsa5smi47k61mv5bv1a22bojr.x.example.");
  expectNotProven(proveNoData(kExample, qname, type::MX, deeper_owner));
}

TEST(Nsec3Denial, ContradictoryRecordsProveNothing) {
  auto zone = nsec3ZoneNoOptOut();
  // q04jkcev stretched to t644ebqk covers H(*.w.example) = r53bq7cc, which also matches: the
  // wildcard exists, so a.z.w.example is no name error.
  auto records = pick(zone, {"k8udemvp1j2f7eg6jebps17vp3n8i58h.example.",
                             "r53bq7cc2uvmubfu5ocmm6pers9tk9en.example."});
  records.push_back(
      recordFromText("q04jkcevqvmu85r014c7dkba38o0ji5r.example. 3600 IN NSEC3 1 0 12 aabbccdd "
                     "t644ebqk9bibcna874givr6joj62mlhv A RRSIG"));
  expectNotProven(proveNameError(kExample, wireName("a.z.w.example."), records));
  // ji6neoae stretched to kohar7mb covers H(w.example) = k8udemvp, which also matches: w.example
  // exists, so a wildcard at example. cannot have answered a.z.w.example.
  auto wildcard = pick(zone, {"k8udemvp1j2f7eg6jebps17vp3n8i58h.example."});
  wildcard.push_back(
      recordFromText("ji6neoaepv8b5o6k4ev33abha8ht9fgc.example. 3600 IN NSEC3 1 0 12 aabbccdd "
                     "kohar7mbb8dc2ce8a9qvl8hon4k53uhi"));
  expectNotProven(proveWildcardAnswer(kExample, wireName("a.z.w.example."), 1, wildcard));
}

// ---------------------------------------------------------------- both kinds

TEST(DenialMixedKinds, OneKindIsUsedPerProof) {
  auto nsec = pick(nsecZone(), {"b.example.", "example."});
  auto nsec3 = b1(nsec3ZoneNoOptOut());
  auto both = join(nsec, nsec3);
  expectProven(proveNameError(kExample, wireName("ml.example."), both));
  expectProven(proveNameError(kExample, wireName("a.c.x.w.example."), both), "x.w.example.");
  // ml.example covered by NSEC, *.example covered by NSEC3 alone: no single kind proves it.
  auto half_each = join(pick(nsecZone(), {"b.example."}),
                        pick(nsec3ZoneNoOptOut(), {"gjeqe526plbf1g8mklp59enfd789njgi.example."}));
  expectNotProven(proveNameError(kExample, wireName("ml.example."), half_each));
}

}  // namespace
}  // namespace horizon::dnssec
