// What the zone loader's tests share: loading YAML written inline (its first line is line 1, the
// file is test.yaml and zonefile paths resolve in tests/data/loader), picking diagnostics, and
// compact views of the loaded records.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/rdata.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace horizon::zone::testing {

/// The folder of the zone files and YAML files the loader tests read.
inline const std::string kLoaderData = HORIZON_TEST_DATA "/loader";

/// Loads `yaml` as the file test.yaml in kLoaderData.
inline LoadResult load(std::string_view yaml) {
  return loadZoneText(yaml, "test.yaml", kLoaderData);
}

/// The diagnostics of `result` of one severity, in order.
inline std::vector<Diagnostic> withSeverity(const LoadResult& result,
                                            Diagnostic::Severity severity) {
  std::vector<Diagnostic> out;
  for (const auto& d : result.diagnostics)
    if (d.severity == severity) out.push_back(d);
  return out;
}
/// The errors of `r`.
inline std::vector<Diagnostic> errors(const LoadResult& r) {
  return withSeverity(r, Diagnostic::Severity::kError);
}
/// The warnings of `r`.
inline std::vector<Diagnostic> warnings(const LoadResult& r) {
  return withSeverity(r, Diagnostic::Severity::kWarning);
}

/// Exactly one error, on `line`, saying `text`; no zone.
inline void expectOneError(const LoadResult& result, int line, const std::string& text) {
  EXPECT_FALSE(result.ok());
  auto found = errors(result);
  ASSERT_EQ(found.size(), 1u) << result.report();
  EXPECT_EQ(found[0].where.line, line) << result.report();
  EXPECT_THAT(found[0].message, ::testing::HasSubstr(text)) << result.report();
}

/// "owner TYPE rdata" lines of a view, without SOA and NS, sorted, for compact comparisons.
inline std::vector<std::string> contents(const Zone& zone, const std::string& view_name) {
  std::vector<std::string> out;
  int v = findView(zone, view_name);
  EXPECT_GE(v, 0) << view_name;
  if (v < 0) return out;
  for (const auto& r : zone.views[static_cast<std::size_t>(v)].records) {
    if (r.type == wire::type::SOA || r.type == wire::type::NS) continue;
    out.push_back(wire::nameToText(r.owner) + " " + wire::typeToName(r.type) + " " +
                  wire::rdataToText(r.type, r.rdata));
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// The first record of `view` at `owner` (absolute, as text) of type `t`, or null.
inline const ResourceRecord* find(const Zone& zone, const std::string& view,
                                  const std::string& owner, std::uint16_t t) {
  int v = findView(zone, view);
  if (v < 0) return nullptr;
  auto wire_owner = wire::nameFromText(owner, "");
  for (const auto& r : zone.views[static_cast<std::size_t>(v)].records)
    if (wire_owner && r.owner == *wire_owner && r.type == t) return &r;
  return nullptr;
}

}  // namespace horizon::zone::testing
