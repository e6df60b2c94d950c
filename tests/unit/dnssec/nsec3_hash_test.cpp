// NSEC3 hashing against RFC 5155 Appendix A's hashes and, when installed, ldns-nsec3-hash; and
// Base32hex against RFC 4648 10's test vectors.
#include "horizon/dnssec/nsec3_hash.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "dnssec_test_records.hpp"

namespace horizon::dnssec {
namespace {

using testing::wireName;

const std::string kRfc5155Salt("\xaa\xbb\xcc\xdd", 4);

std::vector<std::pair<std::string, std::string>> rfc5155Hashes() {
  std::ifstream in(std::string(HORIZON_TEST_DATA) + "/dnssec/rfc5155_appendix_a_hashes.txt");
  std::vector<std::pair<std::string, std::string>> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == ';') continue;
    std::istringstream fields(line);
    std::string name, hash;
    fields >> name >> hash;
    out.emplace_back(name, hash);
  }
  return out;
}

TEST(Nsec3Hash, MatchesRfc5155AppendixA) {
  auto vectors = rfc5155Hashes();
  ASSERT_EQ(vectors.size(), 16u);
  for (const auto& [name, hash] : vectors) {
    std::string raw = nsec3Hash(wireName(name), kRfc5155Salt, 12);
    ASSERT_EQ(raw.size(), kNsec3Sha1Length) << name;
    EXPECT_EQ(base32HexEncode(raw), hash) << name;
  }
}

TEST(Nsec3Hash, LowercasesTheNameFirst) {
  EXPECT_EQ(base32HexEncode(nsec3Hash(wireName("X.W.Example."), kRfc5155Salt, 12)),
            "b4um86eghhds6nea196smvmlo4ors995");
}

// Runs ldns-nsec3-hash; the hash text without the trailing dot, or empty.
std::string ldnsHash(const std::string& name, const std::string& salt_hex, int iterations) {
  std::string cmd = "/usr/bin/ldns-nsec3-hash -t " + std::to_string(iterations);
  if (!salt_hex.empty()) cmd += " -s " + salt_hex;
  cmd += " '" + name + "' 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {};
  char buf[128] = {};
  std::string out = std::fgets(buf, sizeof buf, p) ? buf : "";
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '.')) out.pop_back();
  return out;
}

TEST(Nsec3Hash, AgreesWithLdnsNsec3Hash) {
  if (access("/usr/bin/ldns-nsec3-hash", X_OK) != 0) GTEST_SKIP() << "ldnsutils not installed";
  struct Case {
    const char* name;
    std::string salt;
    const char* salt_hex;
    int iterations;
  };
  const Case cases[] = {
      {"example.", kRfc5155Salt, "aabbccdd", 12},
      {"a.b.c.example.", kRfc5155Salt, "aabbccdd", 0},
      {"Mixed.Case.example.", std::string("\x01", 1), "01", 1},
      {"www.example.org.", {}, "", 0},
      {"*.example.net.", std::string("\xff\x00\x10", 3), "ff0010", 150},
      {".", {}, "", 5},
  };
  for (const auto& c : cases) {
    std::string want = ldnsHash(c.name, c.salt_hex, c.iterations);
    ASSERT_FALSE(want.empty()) << c.name;
    EXPECT_EQ(base32HexEncode(
                  nsec3Hash(wireName(c.name), c.salt, static_cast<std::uint16_t>(c.iterations))),
              want)
        << c.name;
  }
}

TEST(Base32Hex, Rfc4648Section10Vectors) {
  // RFC 4648 10's BASE32-HEX vectors, lowercase and without padding.
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "co"},
                                                         {"fo", "cpng"},
                                                         {"foo", "cpnmu"},
                                                         {"foob", "cpnmuog"},
                                                         {"fooba", "cpnmuoj1"},
                                                         {"foobar", "cpnmuoj1e8"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base32HexEncode(plain), encoded);
    auto decoded = base32HexDecode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, plain);
    std::string upper(encoded);
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    EXPECT_EQ(base32HexDecode(upper), std::optional<std::string>(plain));
  }
}

TEST(Base32Hex, RejectsWhatNoOctetsEncode) {
  EXPECT_FALSE(base32HexDecode("w").has_value());     // outside the alphabet
  EXPECT_FALSE(base32HexDecode("cpn=").has_value());  // padding is not used in owner names
  EXPECT_FALSE(base32HexDecode("c").has_value());     // 5 bits: no whole octet
  EXPECT_FALSE(base32HexDecode("cpn").has_value());   // 15 bits: impossible tail
  EXPECT_FALSE(base32HexDecode("cp").has_value());    // unused bits not zero
  EXPECT_TRUE(base32HexDecode("co").has_value());
}

}  // namespace
}  // namespace horizon::dnssec
