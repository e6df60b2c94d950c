// dnsctl's output helpers: colour (only on a terminal, never with NO_COLOR) and tables whose
// columns line up whatever escape codes the cells carry.
#pragma once

#include <string>
#include <vector>

namespace horizon::edit {

/// Wraps text in ANSI colours when on; returns it as it is otherwise.
class TerminalStyle {
 public:
  /// On when stdout is a terminal, `json` is off and NO_COLOR is not set.
  static TerminalStyle forStdout(bool json);

  /// Bold text.
  std::string bold(const std::string& text) const { return wrap(text, "1"); }
  /// Green text (done, added).
  std::string green(const std::string& text) const { return wrap(text, "32"); }
  /// Red text (failed, removed).
  std::string red(const std::string& text) const { return wrap(text, "31"); }
  /// Dim text (context, reasons).
  std::string dim(const std::string& text) const { return wrap(text, "2"); }

 private:
  std::string wrap(const std::string& text, const char* code) const;
  bool on_ = false;
};

/// Prints rows on stdout with aligned columns: widths come from `plain`, the text printed from
/// `styled` (the same cells, possibly with escape codes).
void printTable(const std::vector<std::vector<std::string>>& plain,
                const std::vector<std::vector<std::string>>& styled);

}  // namespace horizon::edit
