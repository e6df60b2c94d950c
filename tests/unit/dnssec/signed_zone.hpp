// Zones signed by a real signer for the DNSSEC unit tests: ldns-keygen makes a key, ldns-signzone
// signs a small zone with it in a temporary directory, and ldns reads the result back, so the
// signatures under test come from an implementation independent of horizon's.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "horizon/wire/record.hpp"
#include "ldns_record.hpp"

namespace horizon::dnssec::testing {

/// Runs `command` in a shell; its standard output, or nullopt on a non-zero exit.
inline std::optional<std::string> run(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return std::nullopt;
  std::string out;
  char buffer[4096];
  while (std::size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  if (pclose(pipe) != 0) return std::nullopt;
  return out;
}

/// Every record of a zone file (SOA first); fails the test when ldns cannot read it.
inline std::vector<wire::Record> readZone(const std::string& path) {
  FILE* f = fopen(path.c_str(), "r");
  EXPECT_NE(f, nullptr) << path;
  if (!f) return {};
  ldns_zone* zone = nullptr;
  const ldns_status status = ldns_zone_new_frm_fp(&zone, f, nullptr, 0, LDNS_RR_CLASS_IN);
  fclose(f);
  EXPECT_EQ(status, LDNS_STATUS_OK) << ldns_get_errorstr_by_id(status);
  if (status != LDNS_STATUS_OK) return {};
  std::vector<wire::Record> out;
  if (ldns_zone_soa(zone)) out.push_back(fromLdns(ldns_zone_soa(zone)));
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(ldns_zone_rrs(zone)); ++i)
    out.push_back(fromLdns(ldns_rr_list_rr(ldns_zone_rrs(zone), i)));
  ldns_zone_deep_free(zone);
  return out;
}

/// Seconds since 1970, wrapped to 32 bits as RRSIG times are (RFC 4034 3.1.5).
inline std::uint32_t unixNow() {
  return static_cast<std::uint32_t>(std::time(nullptr));
}

/// True when ldnsutils' signer is installed; the tests using it skip otherwise.
inline bool signerToolsPresent() {
  return access("/usr/bin/ldns-keygen", X_OK) == 0 && access("/usr/bin/ldns-signzone", X_OK) == 0;
}

/// The zone SignedZone signs unless given another: one name of each kind the tests look at.
inline constexpr const char* kExampleTestZone =
    "example.test. 3600 IN SOA ns.example.test. Host.Example.TEST. 1 3600 600 86400 300\n"
    "example.test. 3600 IN NS NS.example.test.\n"
    "ns.example.test. 3600 IN A 192.0.2.53\n"
    "www.example.test. 300 IN A 192.0.2.1\n"
    "www.example.test. 300 IN A 192.0.2.2\n"
    "www.example.test. 300 IN AAAA 2001:db8::1\n"
    "*.wild.example.test. 300 IN TXT \"wild\"\n"
    "mail.example.test. 300 IN MX 10 MX.Example.Test.\n"
    "alias.example.test. 300 IN CNAME WWW.example.TEST.\n";

/// A zone of example.test. signed by ldns-signzone (with `extra_sign_flags`, e.g. "-n" for
/// NSEC3) with a fresh key-signing key of one algorithm, in a temporary directory.
class SignedZone {
 public:
  explicit SignedZone(const std::string& algorithm, const std::string& extra_sign_flags = "",
                      const std::string& zone_text = kExampleTestZone) {
    char dir_template[] = "/tmp/horizon-dnssec-XXXXXX";
    dir_ = mkdtemp(dir_template);
    std::ofstream(dir_ + "/zone") << zone_text;
    auto key = run("cd " + dir_ + " && ldns-keygen -a " + algorithm + " -k example.test 2>&1");
    if (!key) return;
    key_base_ = dir_ + "/" + key->substr(0, key->find('\n'));
    ok_ = run("ldns-signzone " + extra_sign_flags + " -f " + dir_ + "/zone.signed " + dir_ +
              "/zone " + key_base_ + " 2>&1")
              .has_value();
  }
  ~SignedZone() { std::filesystem::remove_all(dir_); }
  SignedZone(const SignedZone&) = delete;
  SignedZone& operator=(const SignedZone&) = delete;

  /// False when ldns-keygen or ldns-signzone failed.
  bool ok() const { return ok_; }
  /// The signed zone's records.
  std::vector<wire::Record> records() const { return readZone(dir_ + "/zone.signed"); }
  /// ldns-keygen's DS file of the key (SHA-256).
  std::string dsFile() const { return key_base_ + ".ds"; }
  /// ldns-keygen's DNSKEY file of the key.
  std::string keyFile() const { return key_base_ + ".key"; }

 private:
  std::string dir_, key_base_;
  bool ok_ = false;
};

}  // namespace horizon::dnssec::testing
