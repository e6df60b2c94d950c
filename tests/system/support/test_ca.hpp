// A certificate authority made when the test starts, with the openssl command-line tool, for
// testing DNS over TLS and HTTPS on loopback: no key or certificate is checked into the
// repository, and each test's CA is trusted by nothing but what the test points at it.
//
// Typical use:
//   TestCa ca;                                   // a new CA key and self-signed certificate
//   auto server = ca.issue("dns.test", {"127.0.0.1"});  // a leaf for that name and address
//   horizond --tls-cert server.chain --tls-key server.key ...
//   kdig +tls-ca=<ca.caFile()> +tls-hostname=dns.test ...
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sync_support.hpp"
#include "test_support.hpp"

namespace horizon::test {

/// The files of one issued certificate.
struct IssuedCert {
  std::string key;    // PEM private key
  std::string cert;   // PEM leaf certificate only
  std::string chain;  // PEM leaf followed by the CA certificate (what a server presents)
};

/// A throwaway CA in its own temporary directory.
class TestCa {
 public:
  /// Why no CA can be made here ("" when it can). For GTEST_SKIP.
  static std::string unavailableReason() {
    const auto r = runCommand({"/usr/bin/openssl", "version"}, {});
    return r.exit_code == 0 ? "" : "the openssl command is not installed";
  }

  /// A new CA named `common_name` (EC P-256 key, valid from a day ago for 30 days).
  explicit TestCa(const std::string& common_name = "horizon test CA") {
    key_ = dir_.path() + "/ca.key";
    cert_ = dir_.path() + "/ca.pem";
    run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key_, "-out", cert_, "-days", "30",
         "-subj", "/CN=" + common_name, "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
  }
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  /// The CA certificate (what a client trusts).
  const std::string& caFile() const { return cert_; }

  /// Issues a server certificate for DNS name `name` and the `addresses` (IP subjectAltNames),
  /// under file names starting with `label` (default: `name`). Each call makes a new key.
  IssuedCert issue(const std::string& name, const std::vector<std::string>& addresses = {},
                   std::string label = "") {
    if (label.empty()) label = name;
    const std::string base = dir_.path() + "/" + label;
    IssuedCert out{base + ".key", base + ".pem", base + ".chain.pem"};
    std::string san = "subjectAltName=DNS:" + name;
    for (const auto& a : addresses) san += ",IP:" + a;
    const std::string ext = dir_.write(label + ".ext", san + "\nextendedKeyUsage=serverAuth\n");
    run({"/usr/bin/openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", out.key, "-out", base + ".csr", "-subj", "/CN=" + name});
    run({"/usr/bin/openssl", "x509", "-req", "-in", base + ".csr", "-CA", cert_, "-CAkey", key_,
         "-CAcreateserial", "-out", out.cert, "-days", "30", "-extfile", ext});
    const auto leaf = readFile(out.cert), ca = readFile(cert_);
    dir_.write(label + ".chain.pem", leaf + ca);
    return out;
  }

  /// The directory holding every file (for tests that write more next to them).
  const std::string& dir() const { return dir_.path(); }

 private:
  static std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static void run(const std::vector<std::string>& argv) {
    const auto r = runCommand(argv, {});
    if (r.exit_code != 0) throw std::runtime_error("openssl failed: " + r.all());
  }

  TempDir dir_;
  std::string key_, cert_;
};

}  // namespace horizon::test
