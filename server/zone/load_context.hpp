// Private to the zone loader: what every step of one load shares. The zone being built and the
// targets it names, the diagnostics, and the helpers that read YAML nodes and the names of the
// file, each reporting a problem at its line and column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "horizon/zone/yaml_tree.hpp"
#include "horizon/zone/zone.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace horizon::zone {

/// The largest TTL: TTLs are 31-bit (RFC 2181 section 8).
inline constexpr std::uint32_t kMaxTtl = 2147483647;
/// The TTL a RecordContext starts with (the steps that make records set the zone's ttl).
inline constexpr std::uint32_t kDefaultTtl = 300;

/// One key/value pair of a YAML map, with the key's scalar text.
struct Entry {
  yaml::Node key;
  yaml::Node value;
  std::string name;
};

/// A name of the `targets` key and the addresses it stands for.
struct Target {
  std::vector<std::string> addresses;  // 4 or 16 bytes each
  SourceLocation where;
};

/// What applies to the records made from one value: the views they go to and the modifiers.
struct RecordContext {
  std::string_view owner;       // lowercase wire
  std::string_view owner_text;  // as written, for messages
  // A span, so that narrowing to one view (a view map's key) copies nothing.
  std::span<const int> views;
  std::uint32_t ttl = kDefaultTtl;
  bool allow_private = false;
};

/// True when `owner` (wire format) is a wildcard: its leftmost label is "*".
bool isWildcard(std::string_view owner);
/// True for a character of a label in this file's names: a letter, a digit, '-' or '_'.
bool isHostLabelChar(char c);
/// True for a view or target name: [a-z0-9][a-z0-9_-]*.
bool isIdentifier(std::string_view s);
/// `s` with ASCII letters in upper case.
std::string upper(std::string s);
/// `s` with ASCII letters in lower case.
std::string lower(std::string s);
/// The items with `separator` between them.
std::string join(const std::vector<std::string>& items, const char* separator = ", ");

/// One load of a zone file: the zone being built, its targets and diagnostics, and the helpers
/// through which every step reads the YAML and reports. The steps take it by reference.
class LoadContext {
 public:
  /// A load of `file` (the name messages show); zonefile paths are relative to `base_dir`.
  LoadContext(std::string file, std::string base_dir);
  LoadContext(const LoadContext&) = delete;
  LoadContext& operator=(const LoadContext&) = delete;

  /// The zone file's name as messages show it.
  const std::string& file() const { return file_; }
  /// The folder that relative zonefile paths are resolved in.
  const std::string& baseDir() const { return base_dir_; }
  /// The zone being built; its views hold the records made so far.
  Zone& zone() { return zone_; }
  /// The zone being built, read-only.
  const Zone& zone() const { return zone_; }
  /// The `targets` key, by name.
  std::map<std::string, Target>& targets() { return targets_; }
  /// Each wildcard owner of the `records` key and the location of its key, where its warning goes.
  std::map<std::string, SourceLocation>& wildcardKeys() { return wildcard_keys_; }
  /// The warnings the file's `acknowledge` key names: read by the operator, not to be repeated.
  std::set<std::string>& acknowledged() { return acknowledged_; }
  /// Every problem found so far, in the order found.
  std::vector<Diagnostic>& diagnostics() { return diagnostics_; }

  /// Where `node` starts in the zone file, 1-based.
  SourceLocation at(const yaml::Node& node) const;
  /// Where a record made from `node` came from, with the file left empty: it is the zone's own
  /// source_file.
  static SourceLocation recordAt(const yaml::Node& node);
  /// A record's location with the file name filled in, as a diagnostic needs it.
  SourceLocation located(const SourceLocation& where) const;
  /// Reports an error at `where`.
  void error(SourceLocation where, std::string message);
  /// Reports a warning at `where`.
  void warning(SourceLocation where, std::string message);

  /// The entries of `map`, reporting keys that are not scalars and duplicate keys (compared
  /// case-insensitively with `fold`); `what` names the map in messages.
  std::vector<Entry> entries(const yaml::Node& map, const std::string& what, bool fold = false);
  /// The same, with `what()` called only when a message needs the map's description.
  template <class Describe>
  std::vector<Entry> entriesLazy(const yaml::Node& map, const Describe& what, bool fold);
  /// True when `entry` has a value; a key with nothing after it is reported at the key.
  bool present(const Entry& entry, const std::string& what);
  /// The integer from 0 to `max` that `node` holds; nothing, reported, when it holds another.
  std::optional<std::uint64_t> number(const yaml::Node& node, const std::string& what,
                                      std::uint64_t max);
  /// The items of the list `node`; a value that is not a list, and items that are not plain
  /// values, are reported.
  std::vector<yaml::Node> scalarList(const yaml::Node& node, const std::string& what);

  /// "line 8" for a location in the zone file, "office.zone:8" for one in another file.
  std::string lineText(const SourceLocation& where) const;
  /// The names of the views, for messages.
  std::string viewNames() const;
  /// The names of the targets, for messages.
  std::string targetNames() const;

  /// A name of this file, as lowercase wire format inside the zone: "@" is the apex, a trailing
  /// dot makes it absolute, otherwise it is relative to the zone. Nothing, reported, when bad.
  std::optional<std::string> hostName(const yaml::Node& node, std::string_view text,
                                      bool allow_wildcard);
  /// A name inside rdata-like settings (soa mname, ns), relative to the zone unless absolute; it
  /// may lie outside the zone. Nothing, reported, when bad.
  std::optional<std::string> anyName(const yaml::Node& node, const std::string& what);

  /// Appends a record of type `type` to each view of `context`; `where` comes from recordAt.
  void add(const RecordContext& context, std::uint16_t type, std::string_view rdata,
           const SourceLocation& where);

 private:
  std::string file_;
  std::string base_dir_;
  Zone zone_;
  std::map<std::string, Target> targets_;
  std::map<std::string, SourceLocation> wildcard_keys_;
  std::set<std::string> acknowledged_;
  std::vector<Diagnostic> diagnostics_;
};

template <class Describe>
std::vector<Entry> LoadContext::entriesLazy(const yaml::Node& map, const Describe& what,
                                            bool fold) {
  std::vector<Entry> out;
  const std::size_t size = map.size();
  out.reserve(size);
  // Maps in zone files are small except the records key, whose duplicate names parseRecords
  // (zone_schema.cpp) reports itself.
  std::unordered_map<std::string, int> seen;  // folded key -> line, for big maps only
  for (std::size_t i = 0; i < size; ++i) {
    const yaml::Node key = map.key(i);
    if (!key.isScalar()) {
      error(at(key), "a key in " + what() + " must be a plain word");
      continue;
    }
    std::string name = key.text();
    std::string folded = fold ? lower(name) : name;
    int first_line = 0;
    if (size <= 16) {
      for (const Entry& earlier : out)
        if ((fold ? lower(earlier.name) : earlier.name) == folded)
          first_line = earlier.key.mark().line + 1;
    } else if (auto [pos, inserted] = seen.emplace(folded, key.mark().line + 1); !inserted) {
      first_line = pos->second;
    }
    if (first_line != 0) {
      error(at(key), "duplicate key '" + name + "' in " + what() + " (first at line " +
                         std::to_string(first_line) + ")");
      continue;
    }
    out.push_back(Entry{key, map.value(i), std::move(name)});
  }
  return out;
}

}  // namespace horizon::zone
