// Reads a zone YAML file (the source of truth, format in zones/FORMAT.md) into a Zone,
// reporting every problem with file, line and column. Used by horizond, horizon-sync and dnsctl.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "horizon/zone/zone.hpp"

namespace horizon::zone {

/// One problem found while loading.
struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  SourceLocation where;
  std::string message;
  /// "file:line:column: error: message", the format compilers use.
  std::string toString() const;
};

/// The outcome of a load: a zone when there were no errors, and every diagnostic either way.
struct LoadResult {
  std::optional<Zone> zone;
  std::vector<Diagnostic> diagnostics;
  bool ok() const { return zone.has_value(); }
  /// All diagnostics, one per line.
  std::string report() const;
};

/// Loads and validates the zone file at `path`. Never throws for bad input.
LoadResult loadZoneFile(const std::string& path);

/// Loads from text; `file_name` is used in messages, `base_dir` resolves relative zonefile paths.
LoadResult loadZoneText(std::string_view yaml, const std::string& file_name,
                        const std::string& base_dir = ".");

}  // namespace horizon::zone
