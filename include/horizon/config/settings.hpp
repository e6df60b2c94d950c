// The one table of horizond's settings: name, flag, config key, type, default and help. The
// command-line parser, the config-file reader, --help and the example config (--example-config,
// deploy/horizond.yaml) are all derived from it, so a setting is written down once.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "horizon/config/server_config.hpp"

namespace horizon::config {

/// How a setting's value is written, on the command line and in the config file.
enum class SettingKind {
  kSwitch,        // a flag without a value (sets the bool to Setting::switch_value); YAML bool
  kNumber,        // a whole number from Setting::min to Setting::max
  kChoice,        // one word of Setting::choices
  kPath,          // a file name; in a config file, relative to the file's folder
  kText,          // any non-empty text
  kPathList,      // repeatable flag, YAML list of file names
  kTextList,      // repeatable flag, YAML list
  kListenList,    // repeatable flag, YAML list of ADDR:PORT
  kListen,        // one ADDR:PORT, checked and kept as text
  kForwardZones,  // repeatable flag DOMAIN=ADDR[:PORT][,...]; YAML map of domain to list
};

/// Where in ServerConfig a setting's value goes.
using SettingTarget =
    std::variant<bool ServerConfig::*, unsigned ServerConfig::*, std::size_t ServerConfig::*,
                 std::string ServerConfig::*, std::vector<std::string> ServerConfig::*,
                 std::vector<ListenAddress> ServerConfig::*,
                 std::vector<std::pair<std::string, std::vector<std::string>>> ServerConfig::*>;

/// One row of the table.
struct Setting {
  std::string_view key;   // config-file key, e.g. "tcp-idle-timeout-ms"
  std::string_view flag;  // command-line flag, e.g. "--tcp-idle-timeout-ms"
  SettingKind kind;
  SettingTarget target;
  std::string_view value_name =
      {};  // what --help calls the value ("MS", "FILE"); empty for switches
  std::string_view default_text = {};   // the default, as --help and the example config show it
  std::string_view section = {};        // --help and the example config group settings by this
  std::string_view help = {};           // what it does, in sentences
  std::string_view example = {};        // the example config's YAML value
  bool example_commented = false;       // the example config shows it commented out (not set)
  unsigned long long min = 0, max = 0;  // kNumber bounds
  bool switch_value = true;             // kSwitch: what the flag sets
  std::span<const std::string_view> choices = {};  // kChoice
};

/// Every setting, in the order --help and the example config list them.
std::span<const Setting> settingsTable();

/// The setting with this config key, or nullptr.
const Setting* findSettingByKey(std::string_view key);

/// Applies one scalar value of `setting` (a flag's value, or one YAML scalar or list item) to
/// `config`: numbers are range-checked, choices checked, paths made relative to `base` when
/// given, list items appended. False with *error ("`what`: why") when the value is bad.
bool applySettingValue(const Setting& setting, std::string_view value, ServerConfig& config,
                       const std::string& what, const std::filesystem::path& base,
                       std::string* error);

/// Empties a list setting (a list given on the command line replaces the config file's list).
void clearSetting(const Setting& setting, ServerConfig& config);

}  // namespace horizon::config
