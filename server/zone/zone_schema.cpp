// The zone file's own keys (zones/FORMAT.md): the top-level map, the zone's name and TTL, views
// and their client prefixes, recursion, targets, and the records key with its value grammar
// (addresses and targets, lists, type maps, view maps, modifiers), then the RFC 1035 zone files
// that views include. Everything is checked as it is read; later steps see only good records.
#include "zone_schema.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>
#include <set>
#include <span>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "apex.hpp"
#include "hashing.hpp"
#include "horizon/ip/address.hpp"
#include "horizon/ip/prefix.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/rdata.hpp"
#include "huge_pages.hpp"
#include "index_table.hpp"
#include "semantic_checks.hpp"
#include "zonefile_reader.hpp"

namespace horizon::zone {
namespace {

namespace type = wire::type;

constexpr const char* kTopKeys =
    "zone, ttl, views, targets, records, public, soa, ns, recursion, cloudflare, acknowledge";
constexpr const char* kRecordTypes = "A, AAAA, CNAME, TXT, MX, SRV, CAA";

// The zonefile key of a view; an empty path when it has none.
struct ZonefileKey {
  std::string path;
  SourceLocation where;
};

bool isSupportedRecordType(std::uint16_t t) {
  return t == type::A || t == type::AAAA || t == type::CNAME || t == type::TXT || t == type::MX ||
         t == type::SRV || t == type::CAA;
}

// Quotes literal text as one character-string so that rdataFromText keeps it byte for byte
// (spaces and ';' included).
std::string quoteLiteral(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// ---- zone, views, recursion, targets ------------------------------------------------------

bool parseOrigin(LoadContext& context, const Entry* entry, const yaml::Node& root) {
  if (!entry) {
    context.error(context.at(root), "missing required key 'zone' (the apex, e.g. madhan.app)");
    return false;
  }
  if (!context.present(*entry, "the apex, e.g. madhan.app")) return false;
  if (!entry->value.isScalar()) {
    context.error(context.at(entry->value), "zone must be a domain name like madhan.app");
    return false;
  }
  std::string text = entry->value.text();
  if (!text.empty() && text.back() != '.') text.push_back('.');
  std::string why;
  auto name = wire::nameFromText(text, "", &why);
  if (name && name->size() == 1) why = "the root zone is not supported";
  if (name && std::any_of(text.begin(), text.end() - 1,
                          [](char c) { return c != '.' && !isHostLabelChar(c); }))
    why = "labels hold only letters, digits, '-' and '_'";
  if (!name || !why.empty()) {
    context.error(context.at(entry->value), "bad zone name '" + entry->value.text() + "': " + why);
    return false;
  }
  Zone& zone = context.zone();
  zone.origin = wire::lowercaseName(*name);
  zone.origin_text = wire::nameToText(zone.origin);
  return true;
}

// A view's `rate-limit`: off (false, 0), on (true: the defaults), or a map whose keys replace
// single defaults. Nothing, reported, when the value is none of these.
std::optional<RateLimitSettings> parseRateLimit(LoadContext& context, const Entry& field,
                                                const std::string& view) {
  const yaml::Node& value = field.value;
  const std::string what = "rate-limit of view '" + view + "'";
  if (value.isScalar()) {
    bool on = false;
    if (value.text() == "0" || (yaml::decodeBool(value.text(), &on) && !on)) return kNoRateLimit;
    if (on) return kDefaultRateLimit;
  } else if (value.isMap()) {
    RateLimitSettings settings = kDefaultRateLimit;
    bool good = true;
    for (const Entry& key : context.entries(value, what)) {
      const auto read = [&](auto& into, std::uint64_t max) {
        if (auto n = context.number(key.value, what + " " + key.name, max))
          into = static_cast<std::remove_reference_t<decltype(into)>>(*n);
        else
          good = false;
      };
      if (key.name == "responses-per-second") {
        read(settings.responses_per_second, 1000000);
      } else if (key.name == "errors-per-second") {
        read(settings.errors_per_second, 1000000);
      } else if (key.name == "slip") {
        read(settings.slip, 10);
      } else if (key.name == "ipv4-prefix") {
        read(settings.ipv4_prefix, 32);
      } else if (key.name == "ipv6-prefix") {
        read(settings.ipv6_prefix, 128);
      } else {
        context.error(context.at(key.key),
                      "unknown key '" + key.name + "' in " + what +
                          " (allowed: responses-per-second, errors-per-second, slip, "
                          "ipv4-prefix, ipv6-prefix)");
        good = false;
      }
    }
    if (good) return settings;
    return std::nullopt;
  }
  context.error(context.at(value.isNull() ? field.key : value),
                what +
                    " must be off, on, or a map of responses-per-second, errors-per-second, "
                    "slip, ipv4-prefix and ipv6-prefix");
  return std::nullopt;
}

// Returns the zonefile key of each view, in the order of the views.
std::vector<ZonefileKey> parseViews(LoadContext& context, const Entry* entry,
                                    const yaml::Node& root) {
  std::vector<ZonefileKey> zonefiles;
  if (!entry) {
    context.error(context.at(root),
                  "missing required key 'views' (a map of view name to client prefixes)");
    return zonefiles;
  }
  if (!entry->value.isMap() || entry->value.size() == 0) {
    context.error(entry->value.isMap() || entry->value.isNull() ? context.at(entry->key)
                                                                : context.at(entry->value),
                  "views must be a map of at least one view name to a list of client prefixes");
    return zonefiles;
  }
  struct PrefixOwner {
    std::string view;
    int line;
  };
  std::map<std::tuple<bool, std::array<std::uint8_t, 16>, int>, PrefixOwner> used;
  for (const Entry& view_entry : context.entries(entry->value, "views")) {
    const std::string& name = view_entry.name;
    if (!isIdentifier(name)) {
      context.error(context.at(view_entry.key),
                    "bad view name '" + name +
                        "': use lowercase letters, digits, '-' and '_', starting "
                        "with a letter or digit");
      continue;
    }
    if (wire::typeFromName(name)) {
      context.error(context.at(view_entry.key),
                    "view name '" + name + "' is also the record type " + upper(name) +
                        "; record maps could not tell the two apart, so pick "
                        "another name");
      continue;
    }
    if (name == "ttl" || name == "allow-private") {
      context.error(context.at(view_entry.key),
                    "view name '" + name +
                        "' is a reserved word (a record modifier); pick another "
                        "name");
      continue;
    }
    View view;
    view.name = name;
    std::optional<yaml::Node> match;
    std::string zonefile;
    SourceLocation zonefile_where;
    if (view_entry.value.isSequence()) {
      match.emplace(view_entry.value);
    } else if (view_entry.value.isMap()) {
      for (const Entry& field : context.entries(view_entry.value, "view '" + name + "'")) {
        if (field.name == "match") {
          match.emplace(field.value);
        } else if (field.name == "zonefile") {
          if (!field.value.isScalar() || field.value.text().empty())
            context.error(context.at(field.value.isNull() ? field.key : field.value),
                          "zonefile must be the path of an RFC 1035 zone file");
          else {
            zonefile = field.value.text();
            zonefile_where = context.at(field.value);
          }
        } else if (field.name == "rate-limit") {
          view.rate_limit = parseRateLimit(context, field, name);
        } else {
          context.error(context.at(field.key), "unknown key '" + field.name + "' in view '" + name +
                                                   "' (allowed: match, zonefile, rate-limit)");
        }
      }
      if (!match) {
        context.error(context.at(view_entry.key),
                      "view '" + name + "' needs a 'match' list of client prefixes");
      }
    } else {
      context.error(context.at(view_entry.value.isNull() ? view_entry.key : view_entry.value),
                    "view '" + name +
                        "' must be a list of client prefixes, or a map with match, zonefile "
                        "and rate-limit");
      continue;
    }
    std::vector<yaml::Node> prefix_items;
    if (match) prefix_items = context.scalarList(*match, "the prefixes of view '" + name + "'");
    for (const yaml::Node& item : prefix_items) {
      std::string why;
      auto prefix = ip::parsePrefix(item.text(), &why);
      if (!prefix) {
        context.error(context.at(item), "bad CIDR: " + why);
        continue;
      }
      auto [pos, inserted] =
          used.emplace(std::make_tuple(prefix->is_v6, prefix->address, prefix->length),
                       PrefixOwner{name, context.at(item).line});
      if (!inserted) {
        context.error(context.at(item), "prefix '" + item.text() + "' is already used by view '" +
                                            pos->second.view + "' (line " +
                                            std::to_string(pos->second.line) +
                                            "); a client must pick exactly one view");
        continue;
      }
      view.prefixes.push_back(*prefix);
    }
    context.zone().views.push_back(std::move(view));
    zonefiles.push_back(ZonefileKey{zonefile, zonefile_where});
  }
  return zonefiles;
}

void parseRecursion(LoadContext& context, const Entry& entry) {
  if (entry.value.isNull()) return;
  Zone& zone = context.zone();
  for (const yaml::Node& item : context.scalarList(entry.value, "recursion")) {
    int view = findView(zone, item.text());
    if (view < 0)
      context.error(context.at(item), "unknown view '" + item.text() +
                                          "' in recursion (views: " + context.viewNames() + ")");
    else
      zone.views[static_cast<std::size_t>(view)].recursion = true;
  }
}

// The warnings the operator has read and wants no more. Only warnings that are about the file's
// design rather than a mistake can be named, so an acknowledgement never hides an error.
void parseAcknowledge(LoadContext& context, const Entry& entry) {
  if (entry.value.isNull()) return;
  static const std::set<std::string> kKnown = {kWildcardSearchDomain};
  std::map<std::string, int> lines;
  for (const yaml::Node& item : context.scalarList(entry.value, "acknowledge")) {
    const std::string name = item.text();
    if (!kKnown.count(name)) {
      context.error(context.at(item), "unknown warning '" + name +
                                          "' in acknowledge (known: " + kAcknowledgeable + ")");
    } else if (auto first = lines.find(name); first != lines.end()) {
      context.error(context.at(item), "'" + name + "' is acknowledged twice (first at line " +
                                          std::to_string(first->second) + ")");
    } else {
      lines[name] = context.at(item).line;
      context.acknowledged().insert(name);
    }
  }
}

void parseTargets(LoadContext& context, const Entry& entry) {
  if (entry.value.isNull()) return;
  if (!entry.value.isMap()) {
    context.error(context.at(entry.value), "targets must be a map of target name to addresses");
    return;
  }
  for (const Entry& target_entry : context.entries(entry.value, "targets")) {
    if (!isIdentifier(target_entry.name)) {
      context.error(context.at(target_entry.key),
                    "bad target name '" + target_entry.name +
                        "': use lowercase letters, digits, '-' and '_', "
                        "starting with a letter or digit");
      continue;
    }
    if (!context.present(target_entry, "an address or a list of addresses")) continue;
    Target target;
    target.where = context.at(target_entry.key);
    std::vector<yaml::Node> items;
    if (target_entry.value.isScalar())
      items.push_back(target_entry.value);
    else
      items = context.scalarList(target_entry.value, "target '" + target_entry.name + "'");
    for (const yaml::Node& item : items) {
      if (auto address = ip::parseAddress(item.text()))
        target.addresses.push_back(*address);
      else
        context.error(context.at(item), "bad address '" + item.text() + "' for target '" +
                                            target_entry.name + "': not an IPv4 or IPv6 address");
    }
    if (target_entry.value.isSequence() && target_entry.value.size() == 0)
      context.error(context.at(target_entry.key),
                    "target '" + target_entry.name + "' has no addresses");
    context.targets()[target_entry.name] = std::move(target);
  }
}

// ---- records ------------------------------------------------------------------------------

// A target name or an address literal. `only` restricts to A or AAAA (0: either).
void addAddresses(LoadContext& context, const yaml::Node& node, const RecordContext& record,
                  std::uint16_t only) {
  const std::string_view view = node.scalar();
  // The common case, one address literal, goes straight to the records.
  if (auto address = ip::parseAddress(view)) {
    const std::uint16_t t = address->size() == 4 ? type::A : type::AAAA;
    if (only == 0 || t == only) {
      context.add(record, t, *address, LoadContext::recordAt(node));
      return;
    }
  }
  const std::string text(view);
  std::vector<std::string> addresses;
  bool from_target = false;
  const auto& targets = context.targets();
  if (auto address = ip::parseAddress(text)) {
    addresses.push_back(*address);
  } else if (auto it = targets.find(text); it != targets.end()) {
    addresses = it->second.addresses;
    from_target = true;
  } else if (isIdentifier(text)) {
    context.error(context.at(node),
                  "undefined target '" + text + "' (targets: " + context.targetNames() + ")");
    return;
  } else {
    context.error(context.at(node),
                  "bad address '" + text + "': not an IPv4 or IPv6 address or a target name");
    return;
  }
  bool added = false;
  for (const std::string& address : addresses) {
    std::uint16_t t = address.size() == 4 ? type::A : type::AAAA;
    if (only != 0 && t != only) {
      if (!from_target)
        context.error(context.at(node), "'" + text + "' is not an " +
                                            (only == type::A ? "IPv4" : "IPv6") + " address, as " +
                                            wire::typeToName(only) + " needs");
      continue;
    }
    context.add(record, t, address, LoadContext::recordAt(node));
    added = true;
  }
  if (from_target && !added && !addresses.empty())
    context.error(context.at(node), "target '" + text + "' has no " +
                                        (only == type::A ? "IPv4" : "IPv6") + " address for " +
                                        wire::typeToName(only));
}

void parseTyped(LoadContext& context, const Entry& field, std::uint16_t t,
                const RecordContext& record) {
  const std::string type_name = wire::typeToName(t);
  if (field.value.isNull() || !field.value.isDefined()) {
    context.error(context.at(field.key),
                  type_name + " of '" + std::string(record.owner_text) + "' needs a value");
    return;
  }
  std::vector<yaml::Node> items;
  if (field.value.isScalar())
    items.push_back(field.value);
  else
    items =
        context.scalarList(field.value, type_name + " of '" + std::string(record.owner_text) + "'");
  if (t == type::CNAME && items.size() > 1) {
    context.error(context.at(field.value),
                  "CNAME of '" + std::string(record.owner_text) + "' takes exactly one name");
    return;
  }
  for (const yaml::Node& item : items) {
    if (t == type::A || t == type::AAAA) {
      addAddresses(context, item, record, t);
      continue;
    }
    std::string text = item.text();
    // A TXT value is the text itself; quotes at the start select presentation form, where
    // several "strings" make one record.
    if (t == type::TXT && (text.empty() || text.front() != '"')) text = quoteLiteral(text);
    std::string why;
    auto rdata = wire::rdataFromText(t, text, context.zone().origin, &why);
    if (!rdata) {
      context.error(context.at(item), "bad " + type_name + " value '" + item.text() + "': " + why);
      continue;
    }
    context.add(record, t, *rdata, LoadContext::recordAt(item));
  }
}

void parseValue(LoadContext& context, const yaml::Node& node, const RecordContext& record,
                bool in_view_map) {
  if (node.isScalar()) {
    addAddresses(context, node, record, 0);
    return;
  }
  if (node.isSequence()) {
    if (node.size() == 0)
      context.error(context.at(node), "empty list for '" + std::string(record.owner_text) + "'");
    for (const yaml::Node& item : node) {
      if (item.isScalar())
        addAddresses(context, item, record, 0);
      else
        context.error(context.at(item),
                      "a list holds targets or addresses; for other records use a type map "
                      "like {TXT: [...]}");
    }
    return;
  }
  if (!node.isMap()) {
    context.error(context.at(node), "'" + std::string(record.owner_text) +
                                        "' needs a value: a target, an address, or a map");
    return;
  }

  const Zone& zone = context.zone();
  RecordContext inner = record;
  std::vector<const Entry*> view_keys, type_keys;
  std::vector<std::uint16_t> types;
  const std::vector<Entry> fields = context.entriesLazy(
      node, [&] { return "the value of '" + std::string(record.owner_text) + "'"; },
      /*fold=*/true);
  bool ok = true;
  for (const Entry& field : fields) {
    if (field.name == "ttl") {
      if (auto v = context.number(field.value, "ttl", kMaxTtl))
        inner.ttl = static_cast<std::uint32_t>(*v);
    } else if (field.name == "allow-private") {
      bool value = false;
      if (!field.value.isScalar() || !yaml::decodeBool(field.value.scalar(), &value))
        context.error(context.at(field.value.isNull() ? field.key : field.value),
                      "allow-private must be true or false");
      inner.allow_private = value;
    } else if (findView(zone, field.name) >= 0) {
      view_keys.push_back(&field);
    } else if (auto t = wire::typeFromName(field.name)) {
      if (!isSupportedRecordType(*t)) {
        context.error(context.at(field.key),
                      "record type " + upper(field.name) +
                          " is not supported in records (supported: " + kRecordTypes +
                          "; SOA and NS are made from the soa and ns keys)");
        ok = false;
        continue;
      }
      type_keys.push_back(&field);
      types.push_back(*t);
    } else {
      context.error(context.at(field.key), "unknown key '" + field.name + "' in the value of '" +
                                               std::string(record.owner_text) +
                                               "' (allowed: views " + context.viewNames() +
                                               "; record types " + kRecordTypes +
                                               "; modifiers ttl, " + "allow-private)");
      ok = false;
    }
  }
  if (!view_keys.empty() && !type_keys.empty()) {
    context.error(context.at(node), "the value of '" + std::string(record.owner_text) +
                                        "' mixes view keys (" + view_keys.front()->name +
                                        ") and record type keys (" + type_keys.front()->name +
                                        "); use a view map whose values are type maps");
    return;
  }
  if (!view_keys.empty() && in_view_map) {
    context.error(context.at(view_keys.front()->key),
                  "a view map cannot be nested in another view map (view '" +
                      view_keys.front()->name + "' inside the value of '" +
                      std::string(record.owner_text) + "')");
    return;
  }
  if (view_keys.empty() && type_keys.empty()) {
    if (ok)
      context.error(context.at(node), "the value of '" + std::string(record.owner_text) +
                                          "' has no records: give views or record types");
    return;
  }
  for (const Entry* field : view_keys) {
    RecordContext per_view = inner;
    const int view = findView(zone, field->name);
    per_view.views = std::span<const int>(&view, 1);
    if (field->value.isNull() || !field->value.isDefined()) {
      context.error(context.at(field->key), "'" + std::string(record.owner_text) +
                                                "' needs a value in view '" + field->name + "'");
      continue;
    }
    parseValue(context, field->value, per_view, /*in_view_map=*/true);
  }
  for (std::size_t i = 0; i < type_keys.size(); ++i)
    parseTyped(context, *type_keys[i], types[i], inner);
}

void parseRecords(LoadContext& context, const Entry& entry) {
  if (entry.value.isNull()) return;
  if (!entry.value.isMap()) {
    context.error(context.at(entry.value), "records must be a map of name to value");
    return;
  }
  const Zone& zone = context.zone();
  const yaml::Node& map = entry.value;
  // Owners seen so far and the index of their key, in a flat table (firstEqual).
  std::vector<std::string> owners;
  std::vector<std::uint32_t> owner_keys;
  owners.reserve(map.size());  // never reallocated: RecordContexts hold views of these strings
  owner_keys.reserve(map.size());
  std::vector<std::uint32_t> owner_table = emptyIndexTable(map.size());
  auto same_owner = [&](std::uint32_t a, std::uint32_t b) { return owners[a] == owners[b]; };
  std::vector<int> all_views;
  for (std::size_t v = 0; v < zone.views.size(); ++v) all_views.push_back(static_cast<int>(v));
  // Duplicate keys are reported below as duplicate names, so entries() need not fold them.
  for (std::size_t i = 0; i < map.size(); ++i) {
    const yaml::Node key = map.key(i);
    if (!key.isScalar()) {
      context.error(context.at(key), "a name in records must be a plain word");
      continue;
    }
    const std::string_view text = key.scalar();
    auto owner = context.hostName(key, text, /*allow_wildcard=*/true);
    if (!owner) continue;
    const auto index = static_cast<std::uint32_t>(owners.size());
    owners.push_back(std::move(*owner));
    owner_keys.push_back(static_cast<std::uint32_t>(i));
    const std::uint32_t first_index = firstEqual(
        owner_table, mix64(std::hash<std::string_view>()(owners.back())), index, same_owner);
    if (first_index != index) {
      const yaml::Node first = map.key(owner_keys[first_index]);
      context.error(context.at(key), "duplicate name: '" + first.text() + "' (line " +
                                         std::to_string(first.mark().line + 1) + ") and '" +
                                         std::string(text) + "' (line " +
                                         std::to_string(key.mark().line + 1) + ") are both " +
                                         wire::nameToText(owners.back()));
      continue;
    }
    if (isWildcard(owners.back())) context.wildcardKeys().emplace(owners.back(), context.at(key));
    RecordContext record{owners.back(), text, all_views, zone.default_ttl, false};
    const yaml::Node value = map.value(i);
    if (value.isNull()) {
      context.error(context.at(key),
                    "'" + std::string(text) + "' needs a value: a target, an address, or a map");
      continue;
    }
    parseValue(context, value, record, /*in_view_map=*/false);
  }
}

void loadZonefiles(LoadContext& context, const std::vector<ZonefileKey>& zonefiles) {
  Zone& zone = context.zone();
  for (std::size_t v = 0; v < zone.views.size(); ++v) {
    if (zonefiles[v].path.empty()) continue;
    namespace fs = std::filesystem;
    fs::path path = zonefiles[v].path;
    if (path.is_relative()) path = (fs::path(context.baseDir()) / path).lexically_normal();
    readZonefile(path.string(), zonefiles[v].where, zone.origin, zone.default_ttl,
                 zone.views[v].records, context.diagnostics());
  }
}

}  // namespace

const Entry* TopLevel::find(const std::string& name) const {
  auto it = keys.find(name);
  return it == keys.end() ? nullptr : &it->second;
}

std::optional<TopLevel> readTopLevel(LoadContext& context, const yaml::Node& root) {
  if (root.isNull() || !root.isDefined()) {
    context.error(SourceLocation{context.file(), 1, 1},
                  std::string("the file is empty; it needs the keys ") +
                      "zone and views (allowed: " + kTopKeys + ")");
    return std::nullopt;
  }
  if (!root.isMap()) {
    context.error(context.at(root), std::string("the file must be a map of the keys ") + kTopKeys);
    return std::nullopt;
  }
  TopLevel top;
  for (Entry& entry : context.entries(root, "the file")) {
    static const std::set<std::string> kKnown = {"zone",      "ttl",        "views",      "targets",
                                                 "records",   "public",     "soa",        "ns",
                                                 "recursion", "cloudflare", "acknowledge"};
    if (!kKnown.count(entry.name)) {
      context.error(context.at(entry.key),
                    "unknown key '" + entry.name + "' (allowed: " + kTopKeys + ")");
      continue;
    }
    top.keys.emplace(entry.name, entry);
  }
  return top;
}

bool parseZoneSchema(LoadContext& context, const TopLevel& top, const yaml::Node& root) {
  Zone& zone = context.zone();
  const bool origin_ok = parseOrigin(context, top.find("zone"), root);
  if (const Entry* ttl = top.find("ttl");
      ttl && context.present(*ttl, "the default TTL in seconds")) {
    if (auto v = context.number(ttl->value, "ttl", kMaxTtl))
      zone.default_ttl = static_cast<std::uint32_t>(*v);
  }
  const std::vector<ZonefileKey> zonefiles = parseViews(context, top.find("views"), root);
  if (const Entry* recursion = top.find("recursion")) {
    parseRecursion(context, *recursion);
    for (auto& view : zone.views) view.recursion_explicit = true;
  } else {
    // Without the key, only views whose every prefix is private, CGNAT or loopback space may
    // recurse: a view that matches public addresses is never an open resolver by default.
    for (auto& view : zone.views)
      view.recursion = !view.prefixes.empty() &&
                       std::all_of(view.prefixes.begin(), view.prefixes.end(),
                                   [](const ip::Prefix& p) { return ip::isPrivatePrefix(p); });
  }
  if (const Entry* targets = top.find("targets")) parseTargets(context, *targets);
  if (const Entry* acknowledge = top.find("acknowledge")) parseAcknowledge(context, *acknowledge);
  if (!origin_ok) return false;  // every name below is relative to the zone

  addSoaSlots(zone);
  if (const Entry* records = top.find("records")) {
    // Most names have one record per view; growing 100,000s of records by doubling would move
    // each of them about twice.
    for (auto& view : zone.views) {
      view.records.reserve(records->value.size() + 8);
      adviseHugePages(view.records.data(), view.records.capacity() * sizeof(ResourceRecord));
    }
    parseRecords(context, *records);
  }
  loadZonefiles(context, zonefiles);
  return true;
}

}  // namespace horizon::zone
