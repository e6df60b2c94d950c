// What the command lines of horizon-sync and dnsctl share (CLI11): --version, the help layout,
// the sync options (defined once, so `dnsctl plan|sync` and the sync after an edit take exactly
// horizon-sync's), and how a bad command line ends: "PROGRAM: message" and exit status 64.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "horizon/sync/sync_run.hpp"

namespace horizon::sync {

/// A command line that parsed but makes no sense; it ends like CLI11's own errors (exit 64).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Options in this group are accepted but not listed by --help.
inline constexpr const char* kUnlistedGroup = "Unlisted";

/// Gives `app` what both programs share: --version printing horizon::kVersionString, a help
/// layout that says COMMAND and leaves out kUnlistedGroup, and the last of a repeated option
/// winning.
void setUpProgram(CLI::App& app);

/// Adds the sync options to `app` in `group`, bound to `settings`; `*token_file_given` is set
/// when --token-file appears. --token is refused: a token on a command line is visible to
/// every user in the process list.
void addSyncOptions(CLI::App& app, SyncSettings& settings, bool* token_file_given,
                    const std::string& group);

/// A CLI11 check that the value is a decimal integer from `min` to `max`.
CLI::Validator checkIntegerIn(long min, long max);

/// Parses the command line. Returns the exit status when the program is done: 0 after --help
/// or --version (printed on stdout), 64 after a bad command line (reported on stderr);
/// nullopt when it should go on.
std::optional<int> parseCommandLine(CLI::App& app, int argc, char** argv);

/// Reports a bad command line of `app`'s program on stderr and returns 64.
int reportUsageError(const CLI::App& app, const std::string& message);

}  // namespace horizon::sync
