// horizond's command line, parsed by CLI11 with one option per row of the settings table.
#include "horizon/config/command_line.hpp"

#include <CLI/CLI.hpp>
#include <regex>
#include <vector>

#include "horizon/config/settings.hpp"
#include "horizon/ip/prefix.hpp"

namespace horizon::config {
namespace {

bool isRepeatable(SettingKind kind) {
  return kind == SettingKind::kPathList || kind == SettingKind::kTextList ||
         kind == SettingKind::kListenList || kind == SettingKind::kForwardZones;
}

// CLI11 says "--listen: 1 required TEXT missing"; people say "--listen: missing value".
std::string plainMessage(const CLI::ParseError& e) {
  static const std::regex kMissing("^(--[A-Za-z0-9-]+): [0-9]+ required [A-Z]+ missing$");
  const std::string text = e.what();
  std::smatch match;
  if (std::regex_match(text, match, kMissing)) return match[1].str() + ": missing value";
  return text;
}

}  // namespace

CommandLine parseCommandLine(int argc, const char* const* argv) {
  CLI::App app("horizond");
  app.set_help_flag();  // --help is ours: the text comes from the settings table
  app.allow_extras(false);
  bool help = false, version = false, example = false;
  std::string config_file;
  app.add_flag("--help,-h", help)->disable_flag_override();
  app.add_flag("--version", version)->disable_flag_override();
  app.add_flag("--example-config", example)->disable_flag_override();
  app.add_option("--config", config_file)->type_size(1)->allow_extra_args(false);

  // Every flag's values as given, in order; applied after the config file.
  const auto table = settingsTable();
  std::vector<std::vector<std::string>> values(table.size());
  std::vector<char> switches(table.size(), 0);  // not vector<bool>: the callbacks write it
  for (std::size_t i = 0; i < table.size(); ++i) {
    const Setting& setting = table[i];
    const std::string flag(setting.flag);
    if (setting.kind == SettingKind::kSwitch) {
      app.add_flag_callback(flag, [&switches, i] { switches[i] = 1; })->disable_flag_override();
    } else {
      auto* option = app.add_option(flag, values[i])->type_size(1)->allow_extra_args(false);
      option->multi_option_policy(isRepeatable(setting.kind) ? CLI::MultiOptionPolicy::TakeAll
                                                             : CLI::MultiOptionPolicy::TakeLast);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    throw UsageError(plainMessage(e));
  }

  CommandLine out;
  if (help) {
    out.action = CommandLine::Action::kHelp;
    return out;
  }
  if (version) {
    out.action = CommandLine::Action::kVersion;
    return out;
  }
  if (example) {
    out.action = CommandLine::Action::kExampleConfig;
    return out;
  }
  ServerConfig& config = out.config;
  if (!config_file.empty()) readConfigFile(config_file, config);
  for (std::size_t i = 0; i < table.size(); ++i) {
    const Setting& setting = table[i];
    std::string error;
    if (setting.kind == SettingKind::kSwitch) {
      if (switches[i] && !applySettingValue(setting, setting.switch_value ? "true" : "false",
                                            config, std::string(setting.flag), {}, &error))
        throw UsageError(error);
      continue;
    }
    if (values[i].empty()) continue;
    if (isRepeatable(setting.kind)) clearSetting(setting, config);  // flags replace the file's list
    for (const std::string& value : values[i]) {
      if (!applySettingValue(setting, value, config, std::string(setting.flag), {}, &error))
        throw UsageError(error);
    }
  }
  if (config.zone_files.empty())
    throw UsageError("no zone file: give --zone FILE or 'zones:' in the --config file");
  if (config.listen.empty())
    throw UsageError(
        "no listen address: give --listen ADDR:PORT or 'listen:' in the --config file");
  const bool encrypted = !config.listen_tls.empty() || !config.listen_https.empty();
  for (const auto& text : config.trusted_proxies) {
    std::string why;
    if (!ip::parsePrefix(text, &why)) throw UsageError("--trusted-proxy '" + text + "': " + why);
  }
  if (encrypted && (config.tls_cert.empty() || config.tls_key.empty()))
    throw UsageError("--listen-tls and --listen-https need --tls-cert FILE and --tls-key FILE");
  if (!config.dnstap.empty() && !config.dnstap.starts_with("unix:") &&
      !config.dnstap.starts_with("file:"))
    throw UsageError("--dnstap: expected unix:PATH or file:PATH, got '" + config.dnstap + "'");
  if (config.dnstap == "unix:" || config.dnstap == "file:")
    throw UsageError("--dnstap: the path is missing");
  // Check the recursion settings now, so a typo is a usage error rather than a late failure.
  std::string error;
  if (!buildResolverConfig(config, &error)) throw UsageError(error);
  return out;
}

}  // namespace horizon::config
