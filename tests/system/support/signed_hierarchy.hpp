// A DNSSEC-signed DNS hierarchy of real NSD servers on loopback, signed when the test starts, for
// testing validating resolvers (Unbound as the oracle, horizond as the subject) without a packet
// leaving 127.0.0.0/8. It claims a block 127.53.K.0/24 like DnsHierarchy (dns_hierarchy.hpp) and
// needs root for port 53.
//
//   127.53.K.1   root "." (a.root-servers.)       RSASHA256 (separate KSK and ZSK), NSEC
//   127.53.K.10  tst. (ns1.nic.tst.)              ECDSAP256SHA256, NSEC
//   127.53.K.20  every child of tst.:
//                secure.tst.    ED25519, NSEC: wildcard, empty non-terminal, CNAMEs, DNAME
//                nsec3.tst.     ECDSAP384SHA384, NSEC3 (salt, 5 iterations): wildcard, empty
//                               non-terminal
//                optout.tst.    ECDSAP384SHA384, NSEC3 with opt-out (salt, 5 iterations):
//                               an unsigned delegation with no NSEC3 of its own, a wildcard
//                rsa512.tst.    RSASHA512, NSEC
//                ed448.tst.     ED448, NSEC
//                insecure.tst.  unsigned; tst. has no DS for it (NSEC proves the absence)
//                highiter.tst.  ECDSAP256SHA256, NSEC3 with 200 iterations (RFC 9276: insecure)
//                badds.tst.     ECDSAP256SHA256; the DS in tst. matches no key (digest changed)
//                expired.tst.   ECDSAP256SHA256; every signature expired days ago
//                tampered.tst.  ECDSAP256SHA256; www's address changed after signing
//                nosig.tst.     ECDSAP256SHA256; every RRSIG removed but those over the DNSKEYs
//                nokey.tst.     ECDSAP256SHA256; the DNSKEY RRset and its RRSIGs removed
//                stripped.tst.  ECDSAP256SHA256; only the RRSIG over www's A removed
//   127.53.K.30  unsigned.optout.tst., the unsigned delegation optout.tst.'s opt-out covers
//
// Keys come from ldns-keygen once per process (RSA keys take longest) and every zone is signed
// by ldns-signzone at construction, except optout.tst.: ldns-signzone's -p only sets the opt-out
// flag and still gives the unsigned delegation its own NSEC3, so dnssec-signzone -A signs it.
// Good signatures start 6 hours ago and end 28 days ahead. Answers carry only documentation
// addresses (192.0.2.0/24, 2001:db8::/32).
//
// Typical use:
//   if (auto why = SignedHierarchy::unavailableReason(); !why.empty()) GTEST_SKIP() << why;
//   SignedHierarchy hierarchy;  // signs and starts every server, or throws
//   UnboundOptions options;
//   options.trust_anchor_file = hierarchy.trustAnchorFile();
//   auto unbound = UnboundProcess::start(hierarchy.rootHintsFile(), options);
//   for (const SignedCase& c : hierarchy.cases())
//     EXPECT_EQ(checkSignedCase(c, askSignedCase(unbound->endpoint(), c)), "");
#pragma once

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dns_hierarchy.hpp"

namespace horizon::test {

/// One question to a validating resolver and the outcome a correct one gives (proven by Unbound).
struct SignedCase {
  std::string name;   // absolute, with the trailing dot
  ldns_rr_type type;  //
  bool do_bit;        // the question asks for DNSSEC records (DO)
  bool cd_bit;        // the question disables checking (CD)
  unsigned rcode;     // LDNS_RCODE_NOERROR, LDNS_RCODE_NXDOMAIN, LDNS_RCODE_SERVFAIL
  bool ad;            // the response has AD set (validated secure)
  int ede;            // the extended DNS error's INFO-CODE (RFC 8914); -1: no EDE expected
  std::string why;    // what the case is for, for failure messages
};

/// askResolver with the case's DO and CD bits.
inline ResolverAnswer askSignedCase(const Endpoint& resolver, const SignedCase& c,
                                    Millis timeout = Millis(10000)) {
  return askResolver(resolver, c.name, c.type,
                     AskFlags{.dnssec_ok = c.do_bit, .checking_disabled = c.cd_bit}, timeout);
}

/// What differs between a response and a case's rcode, AD bit and EDE ("" when they match).
inline std::string checkSignedCase(const SignedCase& expected, const ResolverAnswer& got) {
  std::string head = describeQuery(expected.name, expected.type) + (expected.do_bit ? " +do" : "") +
                     (expected.cd_bit ? " +cd" : "") + " (" + expected.why + ")";
  if (!got.answered) return head + ": no response\n";
  std::string diff;
  if (got.rcode != expected.rcode)
    diff += "  rcode: want " + rcodeName(expected.rcode) + ", got " + rcodeName(got.rcode) + "\n";
  if (got.ad != expected.ad)
    diff += std::string("  AD: want ") + (expected.ad ? "set" : "clear") + ", got " +
            (got.ad ? "set" : "clear") + "\n";
  if (got.ede != expected.ede)
    diff += "  EDE: want " + std::to_string(expected.ede) + ", got " + std::to_string(got.ede) +
            (got.ede_text.empty() ? "" : " (" + got.ede_text + ")") + "\n";
  if (diff.empty()) return "";
  return head + ":\n" + diff + "--- response:\n" + packetText(got.packet.get());
}

/// How a signed hierarchy is set up.
struct SignedHierarchyOptions {
  int block = 0;  // K of 127.53.K.0/24; 0 picks a free one (as DnsHierarchy does)
  Millis startup_timeout = Millis(15000);
};

/// One zone of the hierarchy as NSD serves it, for checks of the zone files themselves.
struct SignedZone {
  std::string origin;     // "secure.tst."
  std::string file;       // the zone file as served (signed, then spoiled for a bogus zone)
  std::string algorithm;  // "ED25519" ...; "" for an unsigned zone
  std::string denial;     // "NSEC", "NSEC3", "NSEC3 opt-out"; "" for an unsigned zone
  std::string flaw;       // "" for a good zone, else "badds", "expired", "tampered", ...
  bool file_verifies;     // a zone verifier accepts the file alone (badds's flaw is in tst.)
};

/// The signed servers (see the top of this file), running from construction to destruction.
/// Not thread-safe.
class SignedHierarchy {
 public:
  // Host parts of the addresses in 127.53.K.0/24.
  static constexpr int kRoot = 1, kTld = 10, kChildren = 20, kGrandchild = 30;

  /// Why the hierarchy cannot run here ("" when it can): NSD or a signing tool missing, or port 53
  /// on loopback not bindable (not root). For GTEST_SKIP.
  static std::string unavailableReason() {
    if (auto why = DnsHierarchy::unavailableReason(); !why.empty()) return why;
    for (const char* tool : {"ldns-keygen", "ldns-signzone"})
      if (findProgram({std::string("/usr/bin/") + tool}).empty())
        return std::string(tool) + " is not installed; install the ldnsutils package (CI does)";
    if (findProgram({"/usr/bin/dnssec-signzone"}).empty())
      return "dnssec-signzone is not installed; install the bind9-utils package (CI does)";
    return "";
  }

  /// Claims a block, signs every zone and starts every server; returns when all answer. Throws
  /// std::runtime_error (with the tools' output or the servers' logs) on failure.
  explicit SignedHierarchy(SignedHierarchyOptions options = {})
      : options_(options), servers_(findNsdProgram(), dir_.path()) {
    if (findNsdProgram().empty()) throw std::runtime_error("NSD is not installed");
    block_.emplace(options_.block, std::vector<int>{kRoot, kTld, kChildren, kGrandchild});
    buildZones();
    hints_file_ = dir_.write("root.hints", fill("; Root hints of the signed loopback hierarchy "
                                                "127.53.{K}.0/24 (named.root format).\n"
                                                ".                3600000  NS  A.ROOT-SERVERS.\n"
                                                "A.ROOT-SERVERS.  3600000  A   127.53.{K}.1\n"));
    anchor_file_ = dir_.write("root.anchor", anchor_);
    servers_.start(options_.startup_timeout);
  }
  ~SignedHierarchy() { servers_.stop(); }
  SignedHierarchy(const SignedHierarchy&) = delete;
  SignedHierarchy& operator=(const SignedHierarchy&) = delete;

  /// K of 127.53.K.0/24.
  int block() const { return block_->block(); }
  /// "127.53.K.host".
  std::string address(int host) const { return block_->address(host); }
  /// The root hints as a file (a.root-servers. on loopback), for unbound's root-hints: and
  /// horizond's --root-hints.
  const std::string& rootHintsFile() const { return hints_file_; }
  /// The root KSK's DS record in presentation format (". 3600 IN DS tag 8 2 digest"), one a
  /// line: the only trust anchor.
  const std::string& trustAnchor() const { return anchor_; }
  /// trustAnchor() as a file, for unbound's trust-anchor-file: and horizond's --trust-anchor.
  const std::string& trustAnchorFile() const { return anchor_file_; }
  /// The directory holding the zone files (unsigned, signed, served), the signers' output and the
  /// servers' configurations and logs.
  const std::string& directory() const { return dir_.path(); }
  /// Every zone as served, root first.
  const std::vector<SignedZone>& zones() const { return zones_; }
  /// Every server's log, for failure messages.
  std::string serverLogs() const { return servers_.logs(); }

  /// The questions and what a validating resolver answers, in an order that matters: a CD
  /// question about a bogus name comes after the same question without CD, so the resolver
  /// answers it from the bogus data it holds.
  std::vector<SignedCase> cases() const {
    constexpr unsigned kNoError = LDNS_RCODE_NOERROR, kNxDomain = LDNS_RCODE_NXDOMAIN,
                       kServFail = LDNS_RCODE_SERVFAIL;
    constexpr bool kDo = true, kNoDo = false, kCd = true, kNoCd = false, kAd = true, kNoAd = false;
    // RFC 8914 INFO-CODEs Unbound gives.
    constexpr int kNone = -1, kBogus = 6, kExpired = 7, kDnskeyMissing = 9, kRrsigsMissing = 10,
                  kNsecMissing = 12;
    const ldns_rr_type a = LDNS_RR_TYPE_A;
    std::vector<SignedCase> out;
    auto add = [&out](const char* why, const char* name, ldns_rr_type type, bool do_bit,
                      bool cd_bit, unsigned rcode, bool ad, int ede) {
      out.push_back({name, type, do_bit, cd_bit, rcode, ad, ede, why});
    };
    // Secure answers, one per algorithm on the chain.
    add("RSASHA256 root, separate KSK and ZSK", ".", LDNS_RR_TYPE_SOA, kDo, kNoCd, kNoError, kAd,
        kNone);
    add("ECDSAP256SHA256 TLD", "tst.", LDNS_RR_TYPE_SOA, kDo, kNoCd, kNoError, kAd, kNone);
    add("ED25519", "www.secure.tst.", a, kDo, kNoCd, kNoError, kAd, kNone);
    add("ED25519, AAAA", "www.secure.tst.", LDNS_RR_TYPE_AAAA, kDo, kNoCd, kNoError, kAd, kNone);
    add("ED25519, TXT", "www.secure.tst.", LDNS_RR_TYPE_TXT, kDo, kNoCd, kNoError, kAd, kNone);
    add("the DNSKEY RRset itself", "secure.tst.", LDNS_RR_TYPE_DNSKEY, kDo, kNoCd, kNoError, kAd,
        kNone);
    add("ECDSAP384SHA384 in an NSEC3 zone", "www.nsec3.tst.", a, kDo, kNoCd, kNoError, kAd, kNone);
    add("RSASHA512", "www.rsa512.tst.", a, kDo, kNoCd, kNoError, kAd, kNone);
    add("ED448", "www.ed448.tst.", a, kDo, kNoCd, kNoError, kAd, kNone);
    // Wildcards: the expansion is secure only with the proof that no closer name exists.
    add("wildcard expansion, NSEC", "foo.wild.secure.tst.", a, kDo, kNoCd, kNoError, kAd, kNone);
    add("wildcard two labels down, NSEC", "a.b.wild.secure.tst.", a, kDo, kNoCd, kNoError, kAd,
        kNone);
    add("wildcard NODATA, NSEC", "foo.wild.secure.tst.", LDNS_RR_TYPE_TXT, kDo, kNoCd, kNoError,
        kAd, kNone);
    add("wildcard expansion, NSEC3", "foo.wild.nsec3.tst.", a, kDo, kNoCd, kNoError, kAd, kNone);
    add("wildcard NODATA, NSEC3", "foo.wild.nsec3.tst.", LDNS_RR_TYPE_TXT, kDo, kNoCd, kNoError,
        kAd, kNone);
    // Denial of existence.
    add("NXDOMAIN, NSEC", "nx.secure.tst.", a, kDo, kNoCd, kNxDomain, kAd, kNone);
    add("NODATA, NSEC", "www.secure.tst.", LDNS_RR_TYPE_MX, kDo, kNoCd, kNoError, kAd, kNone);
    add("empty non-terminal NODATA, NSEC", "ent.secure.tst.", a, kDo, kNoCd, kNoError, kAd, kNone);
    add("below the empty non-terminal", "host.ent.secure.tst.", a, kDo, kNoCd, kNoError, kAd,
        kNone);
    add("NXDOMAIN, NSEC3", "nx.nsec3.tst.", a, kDo, kNoCd, kNxDomain, kAd, kNone);
    add("NODATA, NSEC3", "www.nsec3.tst.", LDNS_RR_TYPE_MX, kDo, kNoCd, kNoError, kAd, kNone);
    add("empty non-terminal NODATA, NSEC3", "ent.nsec3.tst.", a, kDo, kNoCd, kNoError, kAd, kNone);
    add("NXDOMAIN from the TLD", "nosuch.tst.", a, kDo, kNoCd, kNxDomain, kAd, kNone);
    add("NXDOMAIN from the root", "www.nosuchtld.", a, kDo, kNoCd, kNxDomain, kAd, kNone);
    // CNAME and DNAME: every step must be secure for AD.
    add("CNAME chain inside a secure zone", "a.secure.tst.", a, kDo, kNoCd, kNoError, kAd, kNone);
    add("CNAME from the NSEC zone into the NSEC3 zone", "tonsec3.secure.tst.", a, kDo, kNoCd,
        kNoError, kAd, kNone);
    add("CNAME from a secure zone into the insecure one", "toinsecure.secure.tst.", a, kDo, kNoCd,
        kNoError, kNoAd, kNone);
    add("DNAME into the NSEC3 zone", "www.dn.secure.tst.", a, kDo, kNoCd, kNoError, kAd, kNone);
    add("DNAME into an NSEC3 NXDOMAIN", "nx.dn.secure.tst.", a, kDo, kNoCd, kNxDomain, kAd, kNone);
    // Insecure delegations: provably unsigned, so answered without AD and without error.
    add("insecure delegation (NSEC in tst. shows no DS)", "www.insecure.tst.", a, kDo, kNoCd,
        kNoError, kNoAd, kNone);
    add("NXDOMAIN in the insecure zone", "nx.insecure.tst.", a, kDo, kNoCd, kNxDomain, kNoAd,
        kNone);
    // Opt-out (RFC 5155 6): an NSEC3 with the flag covering a name may skip an unsigned
    // delegation there, so a denial or wildcard proof that rests on one is insecure, not bogus.
    add("opt-out zone: a signed name is secure", "www.optout.tst.", a, kDo, kNoCd, kNoError, kAd,
        kNone);
    add("opt-out zone: NODATA proven by a matching NSEC3", "www.optout.tst.", LDNS_RR_TYPE_MX, kDo,
        kNoCd, kNoError, kAd, kNone);
    add("opt-out: unsigned delegation without its own NSEC3", "www.unsigned.optout.tst.", a, kDo,
        kNoCd, kNoError, kNoAd, kNone);
    add("opt-out: NXDOMAIN resting on an opt-out NSEC3 is insecure", "nx.optout.tst.", a, kDo,
        kNoCd, kNxDomain, kNoAd, kNone);
    add("opt-out: wildcard expansion resting on an opt-out NSEC3 is insecure",
        "foo.wild.optout.tst.", a, kDo, kNoCd, kNoError, kNoAd, kNone);
    // DS questions, answered by the parent.
    add("DS of a secure child", "secure.tst.", LDNS_RR_TYPE_DS, kDo, kNoCd, kNoError, kAd, kNone);
    add("DS of the NSEC3 child", "nsec3.tst.", LDNS_RR_TYPE_DS, kDo, kNoCd, kNoError, kAd, kNone);
    add("no DS for the insecure child: NODATA proven by NSEC", "insecure.tst.", LDNS_RR_TYPE_DS,
        kDo, kNoCd, kNoError, kAd, kNone);
    add("no DS under opt-out: NODATA, insecure", "unsigned.optout.tst.", LDNS_RR_TYPE_DS, kDo,
        kNoCd, kNoError, kNoAd, kNone);
    add("the mismatching DS itself is validly signed by tst.", "badds.tst.", LDNS_RR_TYPE_DS, kDo,
        kNoCd, kNoError, kAd, kNone);
    // NSEC3 iterations above Unbound's limit (150): its denials count as insecure (RFC 9276).
    add("high iterations: a positive answer needs no NSEC3", "www.highiter.tst.", a, kDo, kNoCd,
        kNoError, kAd, kNone);
    add("high iterations: NXDOMAIN insecure", "nx.highiter.tst.", a, kDo, kNoCd, kNxDomain, kNoAd,
        kNone);
    add("high iterations: NODATA insecure", "www.highiter.tst.", LDNS_RR_TYPE_MX, kDo, kNoCd,
        kNoError, kNoAd, kNone);
    // Bogus zones: SERVFAIL, with the reason as an EDE.
    add("DS matches no DNSKEY", "www.badds.tst.", a, kDo, kNoCd, kServFail, kNoAd, kDnskeyMissing);
    add("signatures expired", "www.expired.tst.", a, kDo, kNoCd, kServFail, kNoAd, kExpired);
    add("data changed after signing", "www.tampered.tst.", a, kDo, kNoCd, kServFail, kNoAd, kBogus);
    add("the untouched record beside it stays secure", "ok.tampered.tst.", a, kDo, kNoCd, kNoError,
        kAd, kNone);
    add("RRSIGs stripped from the answer", "www.stripped.tst.", a, kDo, kNoCd, kServFail, kNoAd,
        kRrsigsMissing);
    // Unbound, finding www unsigned in a signed zone, looks for a zone cut at www: the DS
    // denial it gets has no RRSIG either, and that is the error it reports.
    add("every RRSIG removed but the DNSKEYs'", "www.nosig.tst.", a, kDo, kNoCd, kServFail, kNoAd,
        kNsecMissing);
    add("DNSKEY RRset missing", "www.nokey.tst.", a, kDo, kNoCd, kServFail, kNoAd, kDnskeyMissing);
    // Without DO: the same validation, but AD only for a client that asked for DNSSEC.
    add("secure, no DO: no AD", "www.secure.tst.", a, kNoDo, kNoCd, kNoError, kNoAd, kNone);
    add("secure NXDOMAIN, no DO: no AD", "nx.secure.tst.", a, kNoDo, kNoCd, kNxDomain, kNoAd,
        kNone);
    add("bogus, no DO: still SERVFAIL", "www.tampered.tst.", a, kNoDo, kNoCd, kServFail, kNoAd,
        kBogus);
    add("insecure, no DO", "www.insecure.tst.", a, kNoDo, kNoCd, kNoError, kNoAd, kNone);
    // CD: the data whatever validation says, never with AD.
    add("CD on data already validated secure: AD stays", "www.secure.tst.", a, kDo, kCd, kNoError,
        kAd, kNone);
    add("CD on data changed after signing", "www.tampered.tst.", a, kDo, kCd, kNoError, kNoAd,
        kNone);
    add("CD on expired signatures", "www.expired.tst.", a, kDo, kCd, kNoError, kNoAd, kNone);
    add("CD past a mismatching DS", "www.badds.tst.", a, kDo, kCd, kNoError, kNoAd, kNone);
    add("CD on a zone stripped of its RRSIGs", "www.nosig.tst.", a, kDo, kCd, kNoError, kNoAd,
        kNone);
    add("CD without DO on a missing DNSKEY", "www.nokey.tst.", a, kNoDo, kCd, kNoError, kNoAd,
        kNone);
    return out;
  }

 private:
  // The NSEC3 salt of every NSEC3 zone (hex).
  static constexpr const char* kSalt = "a1b2c3d4";

  // How a zone's file comes about.
  struct Spec {
    std::string origin;     // "secure.tst."
    std::string label;      // "secure": its delegation in tst. (empty for root and tst.)
    std::string algorithm;  // ldns-keygen's name; "" for an unsigned zone
    std::string denial;     // "NSEC", "NSEC3", "NSEC3 opt-out"
    int iterations;         // NSEC3 only
    std::string flaw;       // see SignedZone
    std::string body;       // the records below the SOA, NS and name server address; {K}: block
  };

  // The keys of every zone, made once per process: ldns-keygen's base names (no extension).
  class KeyStore {
   public:
    // The key base names of `origin` (KSK first; root gets a separate ZSK), made on first use.
    const std::vector<std::string>& keys(const std::string& origin, const std::string& algorithm) {
      std::lock_guard<std::mutex> lock(mutex_);
      auto& keys = keys_[origin + " " + algorithm];
      if (!keys.empty()) return keys;
      const bool rsa = algorithm.rfind("RSA", 0) == 0;
      std::vector<std::string> roles = {"-k"};
      if (origin == ".") roles.push_back("");
      for (const auto& role : roles) {
        std::vector<std::string> argv = {"/usr/bin/ldns-keygen", "-a", algorithm};
        if (rsa) argv.insert(argv.end(), {"-b", "2048"});
        if (!role.empty()) argv.push_back(role);
        argv.push_back(origin);
        std::string out = runToCompletion(argv, dir_.path() + "/keygen.log", dir_.path());
        while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
        keys.push_back(dir_.path() + "/" + out.substr(out.find_last_of('\n') + 1));
      }
      return keys;
    }

   private:
    TempDir dir_;
    std::mutex mutex_;
    std::map<std::string, std::vector<std::string>> keys_;
  };
  static KeyStore& keyStore() {
    static KeyStore store;
    return store;
  }

  // The children of tst. on kChildren, then the grandchild under optout.tst.
  static std::vector<Spec> childSpecs() {
    const std::string one_a = "www IN A 192.0.2.";
    return {
        {"secure.tst.", "secure", "ED25519", "NSEC", 0, "",
         "www        IN A     192.0.2.10\n"
         "www        IN AAAA  2001:db8::10\n"
         "www        IN TXT   \"signed with Ed25519, denial by NSEC\"\n"
         "*.wild     IN A     192.0.2.11\n"
         "host.ent   IN A     192.0.2.12\n"
         "a          IN CNAME b\n"
         "b          IN A     192.0.2.13\n"
         "tonsec3    IN CNAME www.nsec3.tst.\n"
         "toinsecure IN CNAME www.insecure.tst.\n"
         "dn         IN DNAME nsec3.tst.\n"},
        {"nsec3.tst.", "nsec3", "ECDSAP384SHA384", "NSEC3", 5, "",
         "www          IN A  192.0.2.20\n"
         "*.wild       IN A  192.0.2.21\n"
         "host.ent     IN A  192.0.2.22\n"},
        {"optout.tst.", "optout", "ECDSAP384SHA384", "NSEC3 opt-out", 5, "",
         "www          IN A  192.0.2.25\n"
         "*.wild       IN A  192.0.2.26\n"
         "unsigned     IN NS ns1.unsigned\n"
         "ns1.unsigned IN A  127.53.{K}.30\n"},
        {"rsa512.tst.", "rsa512", "RSASHA512", "NSEC", 0, "", one_a + "30\n"},
        {"ed448.tst.", "ed448", "ED448", "NSEC", 0, "", one_a + "40\n"},
        {"insecure.tst.", "insecure", "", "", 0, "", one_a + "50\n"},
        {"highiter.tst.", "highiter", "ECDSAP256SHA256", "NSEC3", 200, "", one_a + "60\n"},
        {"badds.tst.", "badds", "ECDSAP256SHA256", "NSEC", 0, "badds", one_a + "70\n"},
        {"expired.tst.", "expired", "ECDSAP256SHA256", "NSEC", 0, "expired", one_a + "80\n"},
        {"tampered.tst.", "tampered", "ECDSAP256SHA256", "NSEC", 0, "tampered",
         one_a + "90\nok IN A 192.0.2.91\n"},
        {"nosig.tst.", "nosig", "ECDSAP256SHA256", "NSEC", 0, "nosig", one_a + "100\n"},
        {"nokey.tst.", "nokey", "ECDSAP256SHA256", "NSEC", 0, "nokey", one_a + "110\n"},
        {"stripped.tst.", "stripped", "ECDSAP256SHA256", "NSEC", 0, "stripped", one_a + "120\n"},
        {"unsigned.optout.tst.", "", "", "", 0, "", one_a + "27\n"},
    };
  }

  // Signs every zone bottom-up (a parent needs its children's DS) and hands them to the servers.
  void buildZones() {
    std::vector<NsdZone> children, grandchildren;
    std::string delegations, tld_ds;
    for (const Spec& spec : childSpecs()) {
      const bool grandchild = spec.label.empty();  // no delegation in tst.
      const int host = grandchild ? kGrandchild : kChildren;
      (grandchild ? grandchildren : children)
          .push_back({spec.origin, makeZone(spec, host, &tld_ds)});
      if (grandchild) continue;
      delegations += spec.label + " IN NS ns1." + spec.label + "\nns1." + spec.label +
                     " IN A 127.53.{K}." + std::to_string(host) + "\n";
    }
    std::string root_ds;
    const std::string tld = makeZone(
        {"tst.", "", "ECDSAP256SHA256", "NSEC", 0, "", delegations + tld_ds}, kTld, &root_ds);
    const std::string root = makeZone(
        {".", "", "RSASHA256", "NSEC", 0, "",
         "tst. 172800 IN NS ns1.nic.tst.\nns1.nic.tst. 172800 IN A 127.53.{K}.10\n" + root_ds},
        kRoot, &anchor_);
    // The root's zone entry goes first in zones(); makeZone appended it last.
    std::rotate(zones_.rbegin(), zones_.rbegin() + 1, zones_.rend());
    servers_.add("root", {address(kRoot)}, {{".", root}});
    servers_.add("tld", {address(kTld)}, {{"tst.", tld}});
    servers_.add("children", {address(kChildren)}, children);
    servers_.add("grandchild", {address(kGrandchild)}, grandchildren);
  }

  // The zone file of `spec` served from `host`, signed and spoiled as the spec says; appends its
  // DS records (for the parent) to `parent_ds` and records it in zones_.
  std::string makeZone(const Spec& spec, int host, std::string* parent_ds) {
    const std::string ns_name = spec.origin == "."      ? "a.root-servers."
                                : spec.origin == "tst." ? "ns1.nic.tst."
                                                        : "ns1." + spec.origin;
    const std::string mailbox =
        "hostmaster." + (spec.origin == "." ? "root-servers." : spec.origin);
    const std::string text =
        fill("$ORIGIN " + spec.origin + "\n$TTL 3600\n@ IN SOA " + ns_name + " " + mailbox +
             " 2024060101 3600 900 604800 300\n@ IN NS " + ns_name + "\n" + ns_name +
             " IN A 127.53.{K}." + std::to_string(host) + "\n" + spec.body);
    const std::string file_base = dir_.path() + "/" + (spec.origin == "." ? "root." : spec.origin);
    if (spec.algorithm.empty()) {
      std::ofstream(file_base + "zone", std::ios::binary) << text;
      zones_.push_back({spec.origin, file_base + "zone", "", "", "", true});
      return text;
    }
    const std::vector<std::string>& keys = keyStore().keys(spec.origin, spec.algorithm);
    std::string unsigned_text = text;
    for (const auto& key : keys) unsigned_text += readTextFile(key + ".key");
    std::ofstream(file_base + "unsigned", std::ios::binary) << unsigned_text;

    const std::time_t now = std::time(nullptr);
    const bool expired = spec.flaw == "expired";
    const std::string inception = stamp(now - (expired ? 40 * 86400 : 6 * 3600));
    const std::string expiration = stamp(now + (expired ? -10 * 86400 : 28 * 86400));
    const std::string signed_file = file_base + "signed";
    std::vector<std::string> argv;
    if (spec.denial == "NSEC3 opt-out") {
      // -z: the one key signs everything; -A: no NSEC3 for unsigned delegations.
      const std::string iterations = std::to_string(spec.iterations);
      argv = {"/usr/bin/dnssec-signzone", "-3", kSalt, "-H", iterations, "-A", "-z"};
      argv.insert(argv.end(), {"-s", inception, "-e", expiration});
    } else {
      argv = {"/usr/bin/ldns-signzone", "-i", inception, "-e", expiration};
      if (spec.denial == "NSEC3")
        argv.insert(argv.end(), {"-n", "-s", kSalt, "-t", std::to_string(spec.iterations)});
    }
    argv.insert(argv.end(), {"-o", spec.origin, "-f", signed_file, file_base + "unsigned"});
    argv.insert(argv.end(), keys.begin(), keys.end());
    runToCompletion(argv, file_base + "sign.log", dir_.path());
    const std::string served = spoil(readTextFile(signed_file), spec);
    std::ofstream(file_base + "zone", std::ios::binary) << served;
    zones_.push_back({spec.origin, file_base + "zone", spec.algorithm, spec.denial, spec.flaw,
                      spec.flaw.empty() || spec.flaw == "badds"});

    // The KSK's DS with SHA-256, the digest every validator supports.
    std::string ds = dsRecord(keys.front() + ".key");
    if (spec.flaw == "badds") {
      // The same key tag and algorithm, one digest digit off: the parent names a key that
      // does not hash to it.
      char& last = ds.back();
      last = last == '0' ? '1' : '0';
    }
    *parent_ds += ds + "\n";
    return served;
  }

  // The signed zone text with the spec's flaw; ldns-signzone writes one record a line with tab
  // separated fields: owner, TTL, class, type, rdata.
  static std::string spoil(const std::string& text, const Spec& spec) {
    if (spec.flaw != "tampered" && spec.flaw != "nosig" && spec.flaw != "nokey" &&
        spec.flaw != "stripped")
      return text;
    std::istringstream in(text);
    std::string out, line;
    while (std::getline(in, line)) {
      std::vector<std::string> fields;
      std::istringstream split(line);
      for (std::string field; std::getline(split, field, '\t');) fields.push_back(field);
      const std::string type = fields.size() > 4 ? fields[3] : "";
      const std::string covered = type == "RRSIG" ? fields[4].substr(0, fields[4].find(' ')) : "";
      if (spec.flaw == "tampered" && type == "A" && fields[0] == "www." + spec.origin)
        line = fields[0] + "\t" + fields[1] + "\t" + fields[2] + "\tA\t192.0.2.99";
      if (spec.flaw == "nosig" && type == "RRSIG" && covered != "DNSKEY") continue;
      if (spec.flaw == "nokey" && (type == "DNSKEY" || covered == "DNSKEY")) continue;
      if (spec.flaw == "stripped" && covered == "A" && fields[0] == "www." + spec.origin) continue;
      out += line + "\n";
    }
    return out;
  }

  // The DS record (SHA-256) of the DNSKEY in `key_file`, in presentation format on one line.
  static std::string dsRecord(const std::string& key_file) {
    ldns_rr* key = nullptr;
    const std::string text = readTextFile(key_file);
    if (ldns_rr_new_frm_str(&key, text.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK)
      throw std::runtime_error("ldns cannot read the key " + key_file);
    ldns_rr* ds = ldns_key_rr2ds(key, LDNS_SHA256);
    ldns_rr_free(key);
    if (ds == nullptr) throw std::runtime_error("ldns cannot make a DS of " + key_file);
    ldns_rr_set_ttl(ds, 3600);
    std::string out = recordText(ds);
    ldns_rr_free(ds);
    return out;
  }

  // A signature time as both signers read it: YYYYMMDDHHMMSS in UTC.
  static std::string stamp(std::time_t when) {
    std::tm utc{};
    gmtime_r(&when, &utc);
    char text[16];
    std::strftime(text, sizeof text, "%Y%m%d%H%M%S", &utc);
    return text;
  }

  // "{K}" -> the block number.
  std::string fill(std::string text) const { return block_->fill(std::move(text)); }

  SignedHierarchyOptions options_;
  TempDir dir_;
  NsdServerSet servers_;  // after dir_, which holds its files
  std::optional<LoopbackBlock> block_;
  std::vector<SignedZone> zones_;
  std::string hints_file_, anchor_, anchor_file_;
};

}  // namespace horizon::test
