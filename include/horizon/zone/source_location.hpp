// A position in a zone source file, shared by records, settings and diagnostics.
#pragma once

#include <string>

namespace horizon::zone {

/// Where something came from in a source file; line and column are 1-based (0 = unknown).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

}  // namespace horizon::zone
