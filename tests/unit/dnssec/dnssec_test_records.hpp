// Test records for the DNSSEC unit tests: presentation-format text (the RFCs' examples, kept in
// tests/data/dnssec) turned into wire::Record by ldns, a parser independent of horizon's.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"
#include "horizon/wire/record.hpp"
#include "ldns_record.hpp"

namespace horizon::dnssec::testing {

/// Wire format of absolute name text; fails the test on bad text.
inline std::string wireName(const std::string& text) {
  auto name = wire::nameFromText(text, {});
  EXPECT_TRUE(name.has_value()) << text;
  return name ? *name : std::string();
}

/// One record from its presentation text (absolute names), as the resolver would hand it over:
/// owner lowercased, rdata uncompressed.
inline wire::Record recordFromText(const std::string& text) {
  ldns_rr* rr = nullptr;
  wire::Record out;
  if (ldns_rr_new_frm_str(&rr, text.c_str(), 3600, nullptr, nullptr) != LDNS_STATUS_OK) {
    ADD_FAILURE() << "ldns cannot parse: " << text;
    return out;
  }
  out = fromLdns(rr);
  ldns_rr_free(rr);
  return out;
}

/// Every record of a file under tests/data/dnssec, one per line; ';' starts a comment line. When
/// `from` is given, its first occurrence in each line is replaced by `to` (a variant of the data).
inline std::vector<wire::Record> loadRecords(const std::string& file, const std::string& from = {},
                                             const std::string& to = {}) {
  std::ifstream in(std::string(HORIZON_TEST_DATA) + "/dnssec/" + file);
  EXPECT_TRUE(in.good()) << file;
  std::vector<wire::Record> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == ';') continue;
    if (auto at = from.empty() ? std::string::npos : line.find(from); at != std::string::npos) {
      line.replace(at, from.size(), to);
    }
    out.push_back(recordFromText(line));
  }
  return out;
}

/// The records of `all` owned by the given names (text), in that order: one response's set.
inline std::vector<wire::Record> pick(const std::vector<wire::Record>& all,
                                      std::initializer_list<const char*> owners) {
  std::vector<wire::Record> out;
  for (const char* owner : owners) {
    std::string want = wire::lowercaseName(wireName(owner));
    bool found = false;
    for (const auto& r : all) {
      if (r.owner == want) {
        out.push_back(r);
        found = true;
      }
    }
    EXPECT_TRUE(found) << owner;
  }
  return out;
}

}  // namespace horizon::dnssec::testing
