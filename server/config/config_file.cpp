// The YAML config file, read key by key through the settings table.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

#include "horizon/config/command_line.hpp"
#include "horizon/config/settings.hpp"

namespace horizon::config {
namespace {

std::string where(const std::string& file, const YAML::Node& node) {
  // yaml-cpp marks are 0-based; editors count from 1.
  return file + ":" + std::to_string(node.Mark().line + 1);
}

std::string knownKeys() {
  std::string keys;
  for (const Setting& setting : settingsTable())
    keys += (keys.empty() ? "" : ", ") + std::string(setting.key);
  return keys;
}

bool isList(SettingKind kind) {
  return kind == SettingKind::kPathList || kind == SettingKind::kTextList ||
         kind == SettingKind::kListenList;
}

void apply(const Setting& setting, const std::string& text, const std::string& what,
           ServerConfig& config, const std::filesystem::path& base) {
  std::string error;
  if (!applySettingValue(setting, text, config, what, base, &error)) throw UsageError(error);
}

}  // namespace

void readConfigFile(const std::string& path, ServerConfig& config) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw UsageError("--config: cannot read '" + path + "'");
  } catch (const YAML::Exception& e) {
    throw UsageError(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                     std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (root.IsNull()) return;  // an empty file sets nothing
  if (!root.IsMap())
    throw UsageError(where(path, root) + ": the config must be a mapping of settings (key: value)");
  // Relative paths are relative to the config file, so /etc/horizon/horizond.yaml can say
  // "zones: [madhan.app.yaml]" whatever directory horizond was started from.
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  std::set<std::string> seen;
  for (const auto& entry : root) {
    const YAML::Node& key_node = entry.first;
    const YAML::Node& value = entry.second;
    const std::string key = key_node.IsScalar() ? key_node.Scalar() : std::string();
    if (!seen.insert(key).second)
      throw UsageError(where(path, key_node) + ": '" + key + "' is given twice");
    const Setting* setting = findSettingByKey(key);
    if (setting == nullptr) {
      throw UsageError(where(path, key_node) + ": unknown key '" + key +
                       "' (known: " + knownKeys() + ")");
    }
    const std::string what = where(path, value) + ": '" + key + "'";
    if (isList(setting->kind)) {
      if (!value.IsSequence()) throw UsageError(what + " must be a list, e.g. " + key + ": [...]");
      clearSetting(*setting, config);
      for (const auto& item : value) {
        if (!item.IsScalar() || item.Scalar().empty())
          throw UsageError(where(path, item) + ": every entry of '" + key +
                           "' must be a non-empty string");
        apply(*setting, item.Scalar(), where(path, item) + ": '" + key + "'", config, base);
      }
    } else if (setting->kind == SettingKind::kForwardZones) {
      if (!value.IsMap()) throw UsageError(what + " must map domains to server lists");
      clearSetting(*setting, config);
      for (const auto& zone : value) {
        if (!zone.first.IsScalar() || !zone.second.IsSequence() || zone.second.size() == 0)
          throw UsageError(where(path, zone.first) + ": '" + key +
                           "' must map each domain to a list of servers");
        std::string servers;
        for (const auto& server : zone.second) {
          if (!server.IsScalar() || server.Scalar().empty())
            throw UsageError(where(path, server) + ": every server of '" + key +
                             "' must be a non-empty string");
          servers += (servers.empty() ? "" : ",") + server.Scalar();
        }
        apply(*setting, zone.first.Scalar() + "=" + servers, what, config, base);
      }
    } else {
      if (!value.IsScalar()) throw UsageError(what + " must be a single value");
      apply(*setting, value.Scalar(), what, config, base);
    }
  }
}

}  // namespace horizon::config
