// horizond's command line and config file, both read through the settings table.
#pragma once

#include <stdexcept>
#include <string>

#include "horizon/config/server_config.hpp"

namespace horizon::config {

/// A bad command line or config file; the message names the flag, or the key and its line.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What the command line asks horizond to do.
struct CommandLine {
  enum class Action { kServe, kHelp, kVersion, kExampleConfig };
  Action action = Action::kServe;
  ServerConfig config;  // for kServe: complete and checked
};

/// Parses argv: the --config file first, wherever it stands, then every flag over it (a list
/// given by flags replaces the file's list). Throws UsageError on an unknown or malformed flag, a
/// bad config file, or a missing zone or listen address.
CommandLine parseCommandLine(int argc, const char* const* argv);

/// Reads the YAML config file at `path` into `config`, changing only the settings it has.
/// Relative paths in it are relative to its folder. Throws UsageError ("FILE:LINE: ...").
void readConfigFile(const std::string& path, ServerConfig& config);

/// The text of --help, from the settings table.
std::string usageText();

/// A complete, commented config file with every setting, from the settings table: what
/// --example-config prints and deploy/horizond.yaml holds.
std::string exampleConfig();

}  // namespace horizon::config
