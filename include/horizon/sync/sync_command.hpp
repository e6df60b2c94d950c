// horizon-sync's command-line options, shared by horizon-sync and dnsctl so that `dnsctl plan`/
// `dnsctl sync` take exactly the options of `horizon-sync plan`/`horizon-sync apply`.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include "horizon/sync/sync_run.hpp"

namespace horizon::sync {

/// A bad command line; the message says what is wrong.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Handles the sync option `name` (without any "=value" part); `value()` yields its value and
/// throws UsageError when there is none; `has_inline` says a "=value" was given (refused for
/// flags). Returns false when `name` is not a sync option. Throws UsageError on a bad value.
bool parseSyncOption(SyncSettings& args, const std::string& name,
                     const std::function<std::string()>& value, bool has_inline);

/// The --help lines of the options parseSyncOption accepts (without --zone and --json).
extern const char* const kSyncOptionsHelp;

/// Walks a command line one argument at a time, splitting "--flag=value", so that horizon-sync
/// and dnsctl read option values the same way, inline or from the next argument.
class ArgumentCursor {
 public:
  ArgumentCursor(int argc, char** argv) : argc_(argc), argv_(argv) {}
  /// Moves to the next argument; false after the last.
  bool advance();
  /// The current argument without its "=value".
  const std::string& name() const { return name_; }
  /// True when the current argument carried "=value" (refused for flags that take none).
  bool hasInlineValue() const { return has_inline_; }
  /// The current option's value: the inline one, else the next argument, which is consumed.
  /// Throws UsageError when there is none.
  std::string value();

 private:
  int argc_;
  char** argv_;
  int index_ = 0;
  std::string name_, inline_value_;
  bool has_inline_ = false;
};

/// Parses a decimal integer in [min, max]; throws UsageError naming `flag` otherwise.
int parseIntOption(const std::string& flag, const std::string& text, int min, int max);

}  // namespace horizon::sync
