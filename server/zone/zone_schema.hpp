// Private to the zone loader: the zone file's own keys (zones/FORMAT.md). The top-level map,
// then zone, ttl, views, recursion, targets and records, and the zone files views include.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "horizon/zone/yaml_tree.hpp"
#include "load_context.hpp"

namespace horizon::zone {

/// The known top-level keys of a zone file, each at most once.
struct TopLevel {
  std::map<std::string, Entry> keys;
  /// The entry of the key `name`, or null when the file does not have it.
  const Entry* find(const std::string& name) const;
};

/// The document's root as a map of the known top-level keys. Reports an empty file, a root that
/// is not a map, and unknown or duplicate keys; nothing when the root holds no map.
std::optional<TopLevel> readTopLevel(LoadContext& context, const yaml::Node& root);

/// Reads zone, ttl, views, recursion and targets, then the records key and each view's zonefile
/// into the views, behind the SOA slot each view starts with. False, with the records left
/// unread, when the zone's name is missing or bad: every other name is relative to it.
bool parseZoneSchema(LoadContext& context, const TopLevel& top, const yaml::Node& root);

}  // namespace horizon::zone
