// horizon-sync's plan/apply run and its command-line options, shared by horizon-sync and dnsctl
// so that `dnsctl plan`/`dnsctl sync` are exactly `horizon-sync plan`/`horizon-sync apply`.
#pragma once

#include <chrono>
#include <functional>
#include <ostream>
#include <stdexcept>
#include <string>

#include "horizon/sync/record_plan.hpp"
#include "horizon/sync/traefik_config.hpp"

namespace horizon::sync {

// Exit codes of a run, documented in both programs' --help.
inline constexpr int kSyncExitOk = 0;
inline constexpr int kSyncExitError = 1;
inline constexpr int kSyncExitPending = 2;  // plan: changes pending; apply: something left undone
inline constexpr int kSyncExitUsage = 64;   // EX_USAGE: a bad command line

/// A bad command line; the message says what is wrong.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Everything one plan or apply run needs.
struct SyncArgs {
  std::string zone_file;
  std::string api_url;  // empty until finishSyncArgs: then $CLOUDFLARE_API_URL or the default
  std::string token_file;
  bool json = false;
  bool skip_cloudflare = false;
  PlanOptions plan;
  std::string traefik_out;
  TraefikOptions traefik;
  int deadline_seconds = 120;
  int page_size = 100;
  int batch_size = 200;
};

/// Handles the sync option `name` (without any "=value" part); `value()` yields its value and
/// throws UsageError when there is none; `has_inline` says a "=value" was given (refused for
/// flags). Returns false when `name` is not a sync option. Throws UsageError on a bad value.
bool parseSyncOption(SyncArgs& args, const std::string& name,
                     const std::function<std::string()>& value, bool has_inline);

/// Fills the defaults that depend on the environment and the zone file's name.
void finishSyncArgs(SyncArgs& args);

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

/// What one run did.
struct SyncOutcome {
  int status = kSyncExitOk;
  std::string summary;  // one line: "cloudflare in sync (3 writes); traefik written"
  bool zone_ok = true;  // false: the zone file did not load and nothing was attempted
  // Cloudflare: "in sync", "changes pending", "left undone", "failed: ...", "skipped".
  std::string cloudflare_state = "skipped";
  std::size_t creates = 0, updates = 0, deletes = 0;  // planned (plan) or written (apply)
  // Traefik: "written", "unchanged", "would change", "not rendered", "not written", or
  // empty when no --traefik-out was given.
  std::string traefik_state;
};

/// One plan (apply=false) or apply run: Cloudflare first, then the Traefik file. The report goes
/// to `out` (text, or one JSON object with --json), errors to `err` prefixed with `program`.
SyncOutcome runSync(const SyncArgs& args, bool apply, std::ostream& out, std::ostream& err,
                    const std::string& program = "horizon-sync");

}  // namespace horizon::sync
