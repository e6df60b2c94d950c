// The signed loopback hierarchy of signed_hierarchy.hpp, proven on its own before it judges
// horizond's validator: a validating Unbound, trusting only the hierarchy's root key, gives every
// case's rcode, AD bit and extended error, and the zone files are what their names claim (a zone
// verifier accepts each good one and rejects each spoiled one; each DS in the parent matches its
// child's key, but badds.tst.'s). Needs root (port 53 on 127.53.K.x), nsd, unbound, ldnsutils and
// bind9-utils.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "signed_hierarchy.hpp"

namespace horizon::test {
namespace {

// The fixture's promise to the validator's tests: enough cases to cover every kind of answer.
constexpr std::size_t kMinimumCases = 40;

class SignedHierarchyUnboundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = SignedHierarchy::unavailableReason(); !why.empty()) GTEST_SKIP() << why;
    if (auto why = UnboundProcess::unavailableReason(); !why.empty()) GTEST_SKIP() << why;
    try {
      hierarchy_ = std::make_unique<SignedHierarchy>();
    } catch (const std::exception& e) {
      FAIL() << "the signed hierarchy did not start: " << e.what();
    }
  }

  std::unique_ptr<SignedHierarchy> hierarchy_;
};

TEST_F(SignedHierarchyUnboundTest, ValidatingUnboundGivesEveryCasesOutcome) {
  UnboundOptions options;
  options.trust_anchor_file = hierarchy_->trustAnchorFile();
  std::unique_ptr<UnboundProcess> unbound;
  try {
    unbound = UnboundProcess::start(hierarchy_->rootHintsFile(), options);
  } catch (const std::exception& e) {
    FAIL() << "Unbound did not start: " << e.what();
  }
  const std::vector<SignedCase> cases = hierarchy_->cases();
  EXPECT_GE(cases.size(), kMinimumCases);
  int mismatches = 0;
  for (const SignedCase& c : cases) {
    const std::string diff = checkSignedCase(c, askSignedCase(unbound->endpoint(), c));
    if (diff.empty()) continue;
    ++mismatches;
    ADD_FAILURE() << diff;
  }
  if (mismatches > 0)
    ADD_FAILURE() << "--- Unbound's log:\n"
                  << unbound->log() << "--- name servers:\n"
                  << hierarchy_->serverLogs();
}

// The zone's records, read by ldns (either signer's layout); empty when ldns cannot read it.
std::vector<ldns_rr*> readZone(const std::string& file, ldns_zone** holder) {
  *holder = nullptr;
  FILE* in = std::fopen(file.c_str(), "r");
  if (in == nullptr) return {};
  const ldns_status status = ldns_zone_new_frm_fp(holder, in, nullptr, 0, LDNS_RR_CLASS_IN);
  std::fclose(in);
  if (status != LDNS_STATUS_OK) return {};
  std::vector<ldns_rr*> out = {ldns_zone_soa(*holder)};
  const ldns_rr_list* rrs = ldns_zone_rrs(*holder);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(rrs); ++i)
    out.push_back(ldns_rr_list_rr(rrs, i));
  return out;
}

// The owner name of `rr` as text, lowercase ("secure.tst.").
std::string ownerText(const ldns_rr* rr) {
  char* text = ldns_rdf2str(ldns_rr_owner(rr));
  std::string out = text != nullptr ? text : "";
  std::free(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Whether one of a zone's NSEC3 records (all with the same parameters) is owned by the hash of
// `name`.
bool hasOwnNsec3(const std::vector<ldns_rr*>& nsec3s, const std::string& name) {
  if (nsec3s.empty()) return false;
  ldns_rdf* dname = ldns_dname_new_frm_str(name.c_str());
  ldns_rdf* hash = ldns_nsec3_hash_name_frm_nsec3(nsec3s.front(), dname);
  bool found = false;
  for (const ldns_rr* rr : nsec3s) {
    ldns_rdf* label = ldns_dname_label(ldns_rr_owner(rr), 0);
    found = found || ldns_dname_compare(label, hash) == 0;
    ldns_rdf_deep_free(label);
  }
  ldns_rdf_deep_free(hash);
  ldns_rdf_deep_free(dname);
  return found;
}

TEST_F(SignedHierarchyUnboundTest, ZoneFilesAreWhatTheyClaim) {
  std::map<std::string, const SignedZone*> by_origin;
  for (const SignedZone& zone : hierarchy_->zones()) by_origin[zone.origin] = &zone;
  ASSERT_TRUE(by_origin.count("tst.") == 1 && by_origin.count(".") == 1);

  for (const SignedZone& zone : hierarchy_->zones()) {
    SCOPED_TRACE(zone.origin + (zone.flaw.empty() ? "" : " (" + zone.flaw + ")"));
    if (zone.algorithm.empty()) continue;
    // The verifier's verdict on the file alone.
    std::string verdict;
    try {
      runToCompletion({"/usr/bin/ldns-verify-zone", zone.file},
                      hierarchy_->directory() + "/verify.log");
    } catch (const std::runtime_error& e) {
      verdict = e.what();
    }
    EXPECT_EQ(verdict.empty(), zone.file_verifies) << verdict;

    ldns_zone* holder = nullptr;
    const std::vector<ldns_rr*> records = readZone(zone.file, &holder);
    ASSERT_FALSE(records.empty()) << "ldns cannot read " << zone.file;
    // The keys are of the claimed algorithm; the denial is of the claimed kind.
    int keys = 0, nsec = 0, nsec3 = 0, opt_out = 0, iterations = -1;
    std::vector<ldns_rr*> dnskeys, nsec3s;
    for (ldns_rr* rr : records) {
      const ldns_rr_type type = ldns_rr_get_type(rr);
      if (type == LDNS_RR_TYPE_DNSKEY) {
        ++keys;
        dnskeys.push_back(rr);
        char* name = ldns_rdf2str(ldns_rr_dnskey_algorithm(rr));
        ldns_lookup_table* entry =
            ldns_lookup_by_id(ldns_algorithms, ldns_rdf2native_int8(ldns_rr_dnskey_algorithm(rr)));
        EXPECT_TRUE(entry != nullptr && zone.algorithm == entry->name)
            << "DNSKEY algorithm " << (name != nullptr ? name : "?");
        std::free(name);
      }
      if (type == LDNS_RR_TYPE_NSEC) ++nsec;
      if (type == LDNS_RR_TYPE_NSEC3) {
        ++nsec3;
        nsec3s.push_back(rr);
        if (ldns_nsec3_optout(rr)) ++opt_out;
        iterations = ldns_nsec3_iterations(rr);
      }
    }
    if (zone.flaw == "nokey") {
      EXPECT_EQ(keys, 0);
    } else {
      EXPECT_GT(keys, 0);
    }
    if (zone.denial == "NSEC") {
      EXPECT_GT(nsec, 0);
      EXPECT_EQ(nsec3, 0);
    } else {
      EXPECT_EQ(nsec, 0);
      EXPECT_GT(nsec3, 0);
      EXPECT_EQ(opt_out > 0, zone.denial == "NSEC3 opt-out");
      EXPECT_EQ(iterations > 150, zone.origin == "highiter.tst.") << iterations << " iterations";
    }
    if (zone.denial == "NSEC3 opt-out") {
      // Opt-out really skips the unsigned delegation: no NSEC3 of its own, unlike a signed name.
      EXPECT_TRUE(hasOwnNsec3(nsec3s, "www." + zone.origin));
      EXPECT_FALSE(hasOwnNsec3(nsec3s, "unsigned." + zone.origin));
    }

    // The parent's DS records match a key of this zone, but for badds.tst.
    if (zone.origin == ".") {
      ldns_zone_deep_free(holder);
      continue;
    }
    std::string parent_origin = zone.origin.substr(zone.origin.find('.') + 1);
    if (parent_origin.empty()) parent_origin = ".";
    const SignedZone* parent = by_origin[parent_origin];
    ASSERT_NE(parent, nullptr);
    ldns_zone* parent_holder = nullptr;
    bool any_ds = false, matched = false;
    for (ldns_rr* rr : readZone(parent->file, &parent_holder)) {
      if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DS || ownerText(rr) != zone.origin) continue;
      any_ds = true;
      for (ldns_rr* key : dnskeys) matched = matched || ldns_rr_compare_ds(rr, key);
    }
    EXPECT_TRUE(any_ds) << "no DS in " << parent->origin;
    if (zone.flaw != "nokey") {
      EXPECT_EQ(matched, zone.flaw != "badds");
    }
    ldns_zone_deep_free(parent_holder);
    ldns_zone_deep_free(holder);
  }
}

}  // namespace
}  // namespace horizon::test
