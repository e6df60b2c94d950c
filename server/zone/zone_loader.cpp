// The zone YAML loader: the one validator used by horizond, horizon-sync and dnsctl, so a file
// that loads here is a file every binary agrees on. It never stops at the first problem: every
// diagnostic carries file, line and column, and a Zone is returned only when there is no error.
// The format is documented in zones/FORMAT.md.
#include "horizon/zone/zone_loader.hpp"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/rdata.hpp"
#include "zonefile_reader.hpp"

namespace horizon::zone {
namespace {

namespace type = wire::type;

constexpr std::uint32_t kMaxTtl = 2147483647;  // RFC 2181 8: TTLs are 31-bit
constexpr std::uint32_t kDefaultTtl = 300;
constexpr const char* kTopKeys =
    "zone, ttl, views, targets, records, public, soa, ns, recursion, cloudflare";
constexpr const char* kRecordTypes = "A, AAAA, CNAME, TXT, MX, SRV, CAA";
constexpr const char* kSoaKeys = "mname, rname, serial, refresh, retry, expire, minimum, ttl";

using Severity = Diagnostic::Severity;

// One key/value pair of a YAML map, with the key's scalar text.
struct Entry {
  YAML::Node key;
  YAML::Node value;
  std::string name;
};

struct Target {
  std::vector<std::string> addresses;  // 4 or 16 bytes each
  SourceLocation where;
};

// What applies to the records produced from one value: the views they go to and the modifiers.
struct Context {
  std::string owner;       // lowercase wire
  std::string owner_text;  // as written, for messages
  std::vector<int> views;
  std::uint32_t ttl = kDefaultTtl;
  bool allow_private = false;
};

// RFC 1035 names as used in this file: letters, digits, '-' and '_' per label.
bool isHostLabelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// View and target names: [a-z0-9][a-z0-9_-]*.
bool isIdentifier(std::string_view s) {
  if (s.empty()) return false;
  auto first = s[0];
  if (!((first >= 'a' && first <= 'z') || (first >= '0' && first <= '9'))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string join(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string addressText(const std::string& bytes) {
  char buf[64];
  inet_ntop(bytes.size() == 16 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

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

std::uint32_t fnv1a(std::uint32_t hash, std::string_view bytes) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

class Loader {
 public:
  Loader(std::string file, std::string base_dir)
      : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

  LoadResult load(std::string_view text) {
    try {
      run(text);
    } catch (const std::exception& e) {
      // Every expected problem is reported where it is found; this is only a last line of defence
      // so that a bad file can never take down the caller.
      error(SourceLocation{file_, 0, 0}, std::string("internal error while loading: ") + e.what());
    }
    LoadResult result;
    bool has_error = std::any_of(diagnostics_.begin(), diagnostics_.end(), [](const Diagnostic& d) {
      return d.severity == Severity::kError;
    });
    // Main-file diagnostics first, in file order; zone-file diagnostics after, in their order.
    std::stable_sort(
        diagnostics_.begin(), diagnostics_.end(), [&](const Diagnostic& a, const Diagnostic& b) {
          return std::make_tuple(a.where.file != file_, a.where.file, a.where.line,
                                 a.where.column) <
                 std::make_tuple(b.where.file != file_, b.where.file, b.where.line, b.where.column);
        });
    result.diagnostics = std::move(diagnostics_);
    if (!has_error) result.zone = std::move(zone_);
    return result;
  }

 private:
  // ---- diagnostics ------------------------------------------------------------------------

  SourceLocation at(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    return SourceLocation{file_, mark.line + 1, mark.column + 1};
  }

  void error(SourceLocation where, std::string message) {
    diagnostics_.push_back(Diagnostic{Severity::kError, std::move(where), std::move(message)});
  }
  void warning(SourceLocation where, std::string message) {
    diagnostics_.push_back(Diagnostic{Severity::kWarning, std::move(where), std::move(message)});
  }

  // The same problem found in several views is one diagnostic that names the views.
  void viewError(const SourceLocation& where, const std::string& message, int view,
                 Severity severity = Severity::kError) {
    for (auto& pending : view_errors_) {
      if (pending.severity == severity && pending.where.file == where.file &&
          pending.where.line == where.line && pending.where.column == where.column &&
          pending.message == message) {
        pending.views.push_back(zone_.views[static_cast<std::size_t>(view)].name);
        return;
      }
    }
    view_errors_.push_back(
        {severity, where, message, {zone_.views[static_cast<std::size_t>(view)].name}});
  }
  void flushViewErrors() {
    for (auto& pending : view_errors_)
      diagnostics_.push_back(Diagnostic{pending.severity, pending.where,
                                        pending.message + " (" +
                                            (pending.views.size() == 1 ? "view " : "views ") +
                                            join(pending.views) + ")"});
    view_errors_.clear();
  }

  // ---- YAML helpers -----------------------------------------------------------------------

  // The entries of a map; non-scalar keys and duplicate keys are reported (yaml-cpp keeps
  // duplicates instead of rejecting them). `fold` compares keys case-insensitively.
  std::vector<Entry> entries(const YAML::Node& map, const std::string& what, bool fold = false) {
    std::vector<Entry> out;
    std::map<std::string, SourceLocation> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar()) {
        error(at(key), "a key in " + what + " must be a plain word");
        continue;
      }
      std::string name = key.Scalar();
      std::string folded = fold ? lower(name) : name;
      auto [pos, inserted] = seen.emplace(folded, at(key));
      if (!inserted) {
        error(at(key), "duplicate key '" + name + "' in " + what + " (first at line " +
                           std::to_string(pos->second.line) + ")");
        continue;
      }
      out.push_back(Entry{key, it->second, name});
    }
    return out;
  }

  // A value must be present; a key with nothing after it is reported at the key.
  bool present(const Entry& entry, const std::string& what) {
    if (entry.value.IsNull() || !entry.value.IsDefined()) {
      error(at(entry.key), "'" + entry.name + "' needs a value (" + what + ")");
      return false;
    }
    return true;
  }

  std::optional<std::uint64_t> number(const YAML::Node& node, const std::string& what,
                                      std::uint64_t max) {
    if (node.IsScalar()) {
      const std::string& s = node.Scalar();
      if (!s.empty() && s.size() <= 10 &&
          std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        std::uint64_t v = std::stoull(s);
        if (v <= max) return v;
      }
    }
    error(at(node), what + " must be an integer from 0 to " + std::to_string(max) +
                        (node.IsScalar() ? ", not '" + node.Scalar() + "'" : ""));
    return std::nullopt;
  }

  std::vector<YAML::Node> scalarList(const YAML::Node& node, const std::string& what) {
    std::vector<YAML::Node> out;
    if (!node.IsSequence()) {
      error(at(node), what + " must be a list");
      return out;
    }
    for (const YAML::Node& item : node) {
      if (item.IsScalar())
        out.push_back(item);
      else
        error(at(item), what + " must hold plain values, not lists or maps");
    }
    return out;
  }

  // "line 8" in the YAML file, "office.zone:8" in another file.
  std::string lineText(const SourceLocation& where) const {
    if (where.file == file_) return "line " + std::to_string(where.line);
    return where.file + ":" + std::to_string(where.line);
  }

  std::string viewNames() const {
    std::vector<std::string> names;
    for (const auto& view : zone_.views) names.push_back(view.name);
    return names.empty() ? "none" : join(names);
  }

  std::string targetNames() const {
    std::vector<std::string> names;
    for (const auto& [name, target] : targets_) names.push_back(name);
    return names.empty() ? "none defined" : join(names);
  }

  // ---- names ------------------------------------------------------------------------------

  // Parses a name of this file: "@" is the apex, a trailing dot makes it absolute (and it must
  // then lie in the zone), otherwise it is relative to the zone. Returns lowercase wire format.
  std::optional<std::string> hostName(const YAML::Node& node, const std::string& text,
                                      bool allow_wildcard) {
    if (text == "@") return zone_.origin;
    std::string why;
    std::string_view body = text;
    bool absolute = !body.empty() && body.back() == '.';
    if (absolute) body.remove_suffix(1);
    std::size_t label_start = 0;
    for (std::size_t i = 0; i <= body.size() && why.empty(); ++i) {
      if (i < body.size() && body[i] != '.') continue;
      std::string_view label = body.substr(label_start, i - label_start);
      if (label == "*") {
        if (!allow_wildcard) why = "a wildcard is not allowed here";
        if (label_start != 0) why = "'*' is only allowed as the whole leftmost label";
      } else if (!std::all_of(label.begin(), label.end(), isHostLabelChar)) {
        why = label.find('*') != std::string_view::npos
                  ? "'*' is only allowed as the whole leftmost label"
                  : "labels hold only letters, digits, '-' and '_'";
      }
      label_start = i + 1;
    }
    std::optional<std::string> name;
    if (why.empty()) name = wire::nameFromText(text, absolute ? "" : zone_.origin, &why);
    if (!name) {
      error(at(node), "bad name '" + text + "': " + why);
      return std::nullopt;
    }
    std::string lowered = wire::lowercaseName(*name);
    if (!wire::isSubdomainOf(lowered, zone_.origin)) {
      error(at(node), "'" + text + "' is outside the zone " + zone_.origin_text);
      return std::nullopt;
    }
    return lowered;
  }

  // A name inside rdata-like settings (soa mname, ns): relative to the zone unless absolute.
  std::optional<std::string> anyName(const YAML::Node& node, const std::string& what) {
    std::string why;
    const std::string& text = node.Scalar();
    auto name = text == "@" ? std::optional<std::string>(zone_.origin)
                            : wire::nameFromText(text, zone_.origin, &why);
    if (!name) error(at(node), "bad name '" + text + "' for " + what + ": " + why);
    return name;
  }

  // ---- the sections -----------------------------------------------------------------------

  void run(std::string_view text) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::ParserException& e) {
      error(SourceLocation{file_, e.mark.line + 1, e.mark.column + 1},
            "YAML syntax error: " + e.msg);
      return;
    }
    if (root.IsNull() || !root.IsDefined()) {
      error(SourceLocation{file_, 1, 1}, std::string("the file is empty; it needs the keys ") +
                                             "zone and views (allowed: " + kTopKeys + ")");
      return;
    }
    if (!root.IsMap()) {
      error(at(root), std::string("the file must be a map of the keys ") + kTopKeys);
      return;
    }

    std::map<std::string, Entry> top;
    for (Entry& entry : entries(root, "the file")) {
      static const std::set<std::string> kKnown = {"zone",      "ttl",       "views", "targets",
                                                   "records",   "public",    "soa",   "ns",
                                                   "recursion", "cloudflare"};
      if (!kKnown.count(entry.name)) {
        error(at(entry.key), "unknown key '" + entry.name + "' (allowed: " + kTopKeys + ")");
        continue;
      }
      top.emplace(entry.name, entry);
    }
    auto section = [&](const char* name) -> const Entry* {
      auto it = top.find(name);
      return it == top.end() ? nullptr : &it->second;
    };

    zone_.source_file = file_;
    bool origin_ok = parseOrigin(section("zone"), root);
    if (const Entry* ttl = section("ttl"); ttl && present(*ttl, "the default TTL in seconds")) {
      if (auto v = number(ttl->value, "ttl", kMaxTtl))
        zone_.default_ttl = static_cast<std::uint32_t>(*v);
    }
    parseViews(section("views"), root);
    if (const Entry* recursion = section("recursion")) {
      parseRecursion(*recursion);
    } else {
      // Without the key, only views whose every prefix is private, CGNAT or loopback space may
      // recurse: a view that matches public addresses is never an open resolver by default.
      for (auto& view : zone_.views)
        view.recursion = !view.prefixes.empty() &&
                         std::all_of(view.prefixes.begin(), view.prefixes.end(),
                                     [](const Prefix& p) { return isPrivatePrefix(p); });
    }
    if (const Entry* targets = section("targets")) parseTargets(*targets);
    if (!origin_ok) return;  // every name below is relative to the zone

    view_records_.resize(zone_.views.size());
    if (const Entry* records = section("records")) parseRecords(*records);
    for (std::size_t v = 0; v < zone_.views.size(); ++v) {
      if (zonefiles_[v].first.empty()) continue;
      namespace fs = std::filesystem;
      fs::path path = zonefiles_[v].first;
      if (path.is_relative()) path = (fs::path(base_dir_) / path).lexically_normal();
      readZonefile(path.string(), zonefiles_[v].second, zone_.origin, zone_.default_ttl,
                   view_records_[v], diagnostics_);
    }
    if (const Entry* pub = section("public")) parsePublic(*pub);
    if (const Entry* cloudflare = section("cloudflare")) parseCloudflare(*cloudflare);
    synthesizeApex(section("soa"), section("ns"), root);

    for (std::size_t v = 0; v < zone_.views.size(); ++v) {
      dedupe(static_cast<int>(v));
      checkCnames(static_cast<int>(v));
      checkPrivate(static_cast<int>(v));
    }
    flushViewErrors();
    warnWildcards();

    std::uint32_t serial = soa_serial_ ? *soa_serial_ : computeSerial();
    for (std::size_t v = 0; v < zone_.views.size(); ++v) {
      // The SOA is built last because its serial covers everything else.
      ResourceRecord soa = soa_template_;
      std::size_t at_serial = soa.rdata.size() - 20;
      for (int i = 0; i < 4; ++i)
        soa.rdata[at_serial + static_cast<std::size_t>(i)] =
            static_cast<char>((serial >> (24 - 8 * i)) & 0xff);
      auto& records = zone_.views[v].records;
      records.push_back(std::move(soa));
      for (auto& record : view_records_[v]) records.push_back(std::move(record));
    }
    zone_.serial = serial;
  }

  bool parseOrigin(const Entry* entry, const YAML::Node& root) {
    if (!entry) {
      error(at(root), "missing required key 'zone' (the apex, e.g. madhan.app)");
      return false;
    }
    if (!present(*entry, "the apex, e.g. madhan.app")) return false;
    if (!entry->value.IsScalar()) {
      error(at(entry->value), "zone must be a domain name like madhan.app");
      return false;
    }
    std::string text = entry->value.Scalar();
    if (!text.empty() && text.back() != '.') text.push_back('.');
    std::string why;
    auto name = wire::nameFromText(text, "", &why);
    if (name && name->size() == 1) why = "the root zone is not supported";
    if (name && std::any_of(text.begin(), text.end() - 1,
                            [](char c) { return c != '.' && !isHostLabelChar(c); }))
      why = "labels hold only letters, digits, '-' and '_'";
    if (!name || !why.empty()) {
      error(at(entry->value), "bad zone name '" + entry->value.Scalar() + "': " + why);
      return false;
    }
    zone_.origin = wire::lowercaseName(*name);
    zone_.origin_text = wire::nameToText(zone_.origin);
    return true;
  }

  void parseViews(const Entry* entry, const YAML::Node& root) {
    if (!entry) {
      error(at(root), "missing required key 'views' (a map of view name to client prefixes)");
      return;
    }
    if (!entry->value.IsMap() || entry->value.size() == 0) {
      error(entry->value.IsMap() || entry->value.IsNull() ? at(entry->key) : at(entry->value),
            "views must be a map of at least one view name to a list of client prefixes");
      return;
    }
    struct PrefixOwner {
      std::string view;
      int line;
    };
    std::map<std::tuple<bool, std::array<std::uint8_t, 16>, int>, PrefixOwner> used;
    for (const Entry& view_entry : entries(entry->value, "views")) {
      const std::string& name = view_entry.name;
      if (!isIdentifier(name)) {
        error(at(view_entry.key), "bad view name '" + name +
                                      "': use lowercase letters, digits, '-' and '_', starting "
                                      "with a letter or digit");
        continue;
      }
      if (wire::typeFromName(name)) {
        error(at(view_entry.key), "view name '" + name + "' is also the record type " +
                                      upper(name) +
                                      "; record maps could not tell the two apart, so pick "
                                      "another name");
        continue;
      }
      if (name == "ttl" || name == "allow-private") {
        error(at(view_entry.key), "view name '" + name +
                                      "' is a reserved word (a record modifier); pick another "
                                      "name");
        continue;
      }
      View view;
      view.name = name;
      std::optional<YAML::Node> match;
      std::string zonefile;
      SourceLocation zonefile_where;
      if (view_entry.value.IsSequence()) {
        match.emplace(view_entry.value);
      } else if (view_entry.value.IsMap()) {
        for (const Entry& field : entries(view_entry.value, "view '" + name + "'")) {
          if (field.name == "match") {
            match.emplace(field.value);
          } else if (field.name == "zonefile") {
            if (!field.value.IsScalar() || field.value.Scalar().empty())
              error(at(field.value.IsNull() ? field.key : field.value),
                    "zonefile must be the path of an RFC 1035 zone file");
            else {
              zonefile = field.value.Scalar();
              zonefile_where = at(field.value);
            }
          } else {
            error(at(field.key), "unknown key '" + field.name + "' in view '" + name +
                                     "' (allowed: match, zonefile)");
          }
        }
        if (!match) {
          error(at(view_entry.key), "view '" + name + "' needs a 'match' list of client prefixes");
          match.emplace(YAML::NodeType::Sequence);
        }
      } else {
        error(at(view_entry.value.IsNull() ? view_entry.key : view_entry.value),
              "view '" + name +
                  "' must be a list of client prefixes, or a map with match and zonefile");
        continue;
      }
      for (const YAML::Node& item : scalarList(*match, "the prefixes of view '" + name + "'")) {
        std::string why;
        auto prefix = parsePrefix(item.Scalar(), &why);
        if (!prefix) {
          error(at(item), "bad CIDR: " + why);
          continue;
        }
        auto [pos, inserted] =
            used.emplace(std::make_tuple(prefix->is_v6, prefix->address, prefix->length),
                         PrefixOwner{name, at(item).line});
        if (!inserted) {
          error(at(item), "prefix '" + item.Scalar() + "' is already used by view '" +
                              pos->second.view + "' (line " + std::to_string(pos->second.line) +
                              "); a client must pick exactly one view");
          continue;
        }
        view.prefixes.push_back(*prefix);
      }
      zone_.views.push_back(std::move(view));
      zonefiles_.emplace_back(zonefile, zonefile_where);
    }
  }

  void parseRecursion(const Entry& entry) {
    if (entry.value.IsNull()) return;
    for (const YAML::Node& item : scalarList(entry.value, "recursion")) {
      int view = findView(zone_, item.Scalar());
      if (view < 0)
        error(at(item),
              "unknown view '" + item.Scalar() + "' in recursion (views: " + viewNames() + ")");
      else
        zone_.views[static_cast<std::size_t>(view)].recursion = true;
    }
  }

  void parseTargets(const Entry& entry) {
    if (entry.value.IsNull()) return;
    if (!entry.value.IsMap()) {
      error(at(entry.value), "targets must be a map of target name to addresses");
      return;
    }
    for (const Entry& target_entry : entries(entry.value, "targets")) {
      if (!isIdentifier(target_entry.name)) {
        error(at(target_entry.key), "bad target name '" + target_entry.name +
                                        "': use lowercase letters, digits, '-' and '_', "
                                        "starting with a letter or digit");
        continue;
      }
      if (!present(target_entry, "an address or a list of addresses")) continue;
      Target target;
      target.where = at(target_entry.key);
      std::vector<YAML::Node> items;
      if (target_entry.value.IsScalar())
        items.push_back(target_entry.value);
      else
        items = scalarList(target_entry.value, "target '" + target_entry.name + "'");
      for (const YAML::Node& item : items) {
        if (auto address = parseAddress(item.Scalar()))
          target.addresses.push_back(*address);
        else
          error(at(item), "bad address '" + item.Scalar() + "' for target '" + target_entry.name +
                              "': not an IPv4 or IPv6 address");
      }
      if (target_entry.value.IsSequence() && target_entry.value.size() == 0)
        error(at(target_entry.key), "target '" + target_entry.name + "' has no addresses");
      targets_[target_entry.name] = std::move(target);
    }
  }

  // ---- records ----------------------------------------------------------------------------

  void parseRecords(const Entry& entry) {
    if (entry.value.IsNull()) return;
    if (!entry.value.IsMap()) {
      error(at(entry.value), "records must be a map of name to value");
      return;
    }
    struct Seen {
      std::string text;
      int line;
    };
    std::map<std::string, Seen> owners;
    // Duplicate keys are reported below as duplicate names, so entries() need not fold them.
    for (auto it = entry.value.begin(); it != entry.value.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar()) {
        error(at(key), "a name in records must be a plain word");
        continue;
      }
      const std::string text = key.Scalar();
      auto owner = hostName(key, text, /*allow_wildcard=*/true);
      if (!owner) continue;
      auto [pos, inserted] = owners.emplace(*owner, Seen{text, at(key).line});
      if (inserted) owner_keys_.emplace(*owner, at(key));
      if (!inserted) {
        error(at(key), "duplicate name: '" + pos->second.text + "' (line " +
                           std::to_string(pos->second.line) + ") and '" + text + "' (line " +
                           std::to_string(at(key).line) + ") are both " + wire::nameToText(*owner));
        continue;
      }
      Context context;
      context.owner = *owner;
      context.owner_text = text;
      context.ttl = zone_.default_ttl;
      for (std::size_t v = 0; v < zone_.views.size(); ++v)
        context.views.push_back(static_cast<int>(v));
      if (it->second.IsNull() || !it->second.IsDefined()) {
        error(at(key), "'" + text + "' needs a value: a target, an address, or a map");
        continue;
      }
      parseValue(it->second, context, /*in_view_map=*/false);
    }
  }

  void add(const Context& context, std::uint16_t t, std::string rdata,
           const SourceLocation& where) {
    for (int v : context.views) {
      ResourceRecord record;
      record.owner = context.owner;
      record.type = t;
      record.ttl = context.ttl;
      record.rdata = rdata;
      record.allow_private = context.allow_private;
      record.where = where;
      view_records_[static_cast<std::size_t>(v)].push_back(std::move(record));
    }
  }

  // A target name or an address literal. `only` restricts to A or AAAA (0: either).
  void addAddresses(const YAML::Node& node, const Context& context, std::uint16_t only) {
    const std::string& text = node.Scalar();
    std::vector<std::string> addresses;
    bool from_target = false;
    if (auto address = parseAddress(text)) {
      addresses.push_back(*address);
    } else if (auto it = targets_.find(text); it != targets_.end()) {
      addresses = it->second.addresses;
      from_target = true;
    } else if (isIdentifier(text)) {
      error(at(node), "undefined target '" + text + "' (targets: " + targetNames() + ")");
      return;
    } else {
      error(at(node), "bad address '" + text + "': not an IPv4 or IPv6 address or a target name");
      return;
    }
    bool added = false;
    for (const std::string& address : addresses) {
      std::uint16_t t = address.size() == 4 ? type::A : type::AAAA;
      if (only != 0 && t != only) {
        if (!from_target)
          error(at(node), "'" + text + "' is not an " + (only == type::A ? "IPv4" : "IPv6") +
                              " address, as " + wire::typeToName(only) + " needs");
        continue;
      }
      add(context, t, address, at(node));
      added = true;
    }
    if (from_target && !added && !addresses.empty())
      error(at(node), "target '" + text + "' has no " + (only == type::A ? "IPv4" : "IPv6") +
                          " address for " + wire::typeToName(only));
  }

  void parseValue(const YAML::Node& node, const Context& context, bool in_view_map) {
    if (node.IsScalar()) {
      addAddresses(node, context, 0);
      return;
    }
    if (node.IsSequence()) {
      if (node.size() == 0) error(at(node), "empty list for '" + context.owner_text + "'");
      for (const YAML::Node& item : node) {
        if (item.IsScalar())
          addAddresses(item, context, 0);
        else
          error(at(item),
                "a list holds targets or addresses; for other records use a type map "
                "like {TXT: [...]}");
      }
      return;
    }
    if (!node.IsMap()) {
      error(at(node), "'" + context.owner_text + "' needs a value: a target, an address, or a map");
      return;
    }

    Context inner = context;
    std::vector<const Entry*> view_keys, type_keys;
    std::vector<std::uint16_t> types;
    const std::vector<Entry> fields = entries(node, "the value of '" + context.owner_text + "'",
                                              /*fold=*/true);
    bool ok = true;
    for (const Entry& field : fields) {
      if (field.name == "ttl") {
        if (auto v = number(field.value, "ttl", kMaxTtl))
          inner.ttl = static_cast<std::uint32_t>(*v);
      } else if (field.name == "allow-private") {
        bool value = false;
        if (!field.value.IsScalar() || !YAML::convert<bool>::decode(field.value, value))
          error(at(field.value.IsNull() ? field.key : field.value),
                "allow-private must be true or false");
        inner.allow_private = value;
      } else if (findView(zone_, field.name) >= 0) {
        view_keys.push_back(&field);
      } else if (auto t = wire::typeFromName(field.name)) {
        if (!isSupportedRecordType(*t)) {
          error(at(field.key), "record type " + upper(field.name) +
                                   " is not supported in records (supported: " + kRecordTypes +
                                   "; SOA and NS are made from the soa and ns keys)");
          ok = false;
          continue;
        }
        type_keys.push_back(&field);
        types.push_back(*t);
      } else {
        error(at(field.key), "unknown key '" + field.name + "' in the value of '" +
                                 context.owner_text + "' (allowed: views " + viewNames() +
                                 "; record types " + kRecordTypes + "; modifiers ttl, " +
                                 "allow-private)");
        ok = false;
      }
    }
    if (!view_keys.empty() && !type_keys.empty()) {
      error(at(node), "the value of '" + context.owner_text + "' mixes view keys (" +
                          view_keys.front()->name + ") and record type keys (" +
                          type_keys.front()->name + "); use a view map whose values are type maps");
      return;
    }
    if (!view_keys.empty() && in_view_map) {
      error(at(view_keys.front()->key), "a view map cannot be nested in another view map (view '" +
                                            view_keys.front()->name + "' inside the value of '" +
                                            context.owner_text + "')");
      return;
    }
    if (view_keys.empty() && type_keys.empty()) {
      if (ok)
        error(at(node), "the value of '" + context.owner_text +
                            "' has no records: give views or record types");
      return;
    }
    for (const Entry* field : view_keys) {
      Context per_view = inner;
      per_view.views = {findView(zone_, field->name)};
      if (field->value.IsNull() || !field->value.IsDefined()) {
        error(at(field->key),
              "'" + context.owner_text + "' needs a value in view '" + field->name + "'");
        continue;
      }
      parseValue(field->value, per_view, /*in_view_map=*/true);
    }
    for (std::size_t i = 0; i < type_keys.size(); ++i) parseTyped(*type_keys[i], types[i], inner);
  }

  void parseTyped(const Entry& field, std::uint16_t t, const Context& context) {
    const std::string type_name = wire::typeToName(t);
    if (field.value.IsNull() || !field.value.IsDefined()) {
      error(at(field.key), type_name + " of '" + context.owner_text + "' needs a value");
      return;
    }
    std::vector<YAML::Node> items;
    if (field.value.IsScalar())
      items.push_back(field.value);
    else
      items = scalarList(field.value, type_name + " of '" + context.owner_text + "'");
    if (t == type::CNAME && items.size() > 1) {
      error(at(field.value), "CNAME of '" + context.owner_text + "' takes exactly one name");
      return;
    }
    for (const YAML::Node& item : items) {
      if (t == type::A || t == type::AAAA) {
        addAddresses(item, context, t);
        continue;
      }
      std::string text = item.Scalar();
      // A TXT value is the text itself; quotes at the start select presentation form, where
      // several "strings" make one record.
      if (t == type::TXT && (text.empty() || text.front() != '"')) text = quoteLiteral(text);
      std::string why;
      auto rdata = wire::rdataFromText(t, text, zone_.origin, &why);
      if (!rdata) {
        error(at(item), "bad " + type_name + " value '" + item.Scalar() + "': " + why);
        continue;
      }
      add(context, t, std::move(*rdata), at(item));
    }
  }

  // ---- public -----------------------------------------------------------------------------

  void parsePublic(const Entry& entry) {
    if (!entry.value.IsMap()) {
      error(at(entry.value.IsNull() ? entry.key : entry.value),
            "public must be a map with via and services");
      return;
    }
    const Entry* via = nullptr;
    const Entry* services = nullptr;
    const std::vector<Entry> fields = entries(entry.value, "public");
    for (const Entry& field : fields) {
      if (field.name == "via")
        via = &field;
      else if (field.name == "services")
        services = &field;
      else
        error(at(field.key), "unknown key '" + field.name + "' in public (allowed: via, services)");
    }
    int view = findView(zone_, "public");
    if (view < 0) {
      error(at(entry.key),
            "public publishes services in the view named 'public', but there is "
            "no such view (views: " +
                viewNames() + ")");
      return;
    }
    if (!via) {
      error(at(entry.key), "public needs 'via', the target that publishes the services");
      return;
    }
    const Target* target = nullptr;
    if (!via->value.IsScalar()) {
      error(at(via->value.IsNull() ? via->key : via->value), "via must be a target name");
    } else if (auto it = targets_.find(via->value.Scalar()); it == targets_.end()) {
      error(at(via->value),
            "undefined target '" + via->value.Scalar() + "' (targets: " + targetNames() + ")");
    } else {
      target = &it->second;
      zone_.public_via = via->value.Scalar();
    }
    if (!services || services->value.IsNull()) return;

    auto& records = view_records_[static_cast<std::size_t>(view)];
    std::map<std::string, int> listed;
    for (const YAML::Node& item : scalarList(services->value, "public.services")) {
      const std::string& text = item.Scalar();
      if (text == "@" || (!text.empty() && text.back() == '.')) {
        error(at(item), "service '" + text + "' must be a name relative to the zone, like grafana");
        continue;
      }
      auto owner = hostName(item, text, /*allow_wildcard=*/false);
      if (!owner) continue;
      auto [pos, inserted] = listed.emplace(*owner, at(item).line);
      if (!inserted) {
        error(at(item), "service '" + text + "' is listed twice (lines " +
                            std::to_string(pos->second) + " and " + std::to_string(at(item).line) +
                            ")");
        continue;
      }
      auto explicit_record =
          std::find_if(records.begin(), records.end(),
                       [&](const ResourceRecord& r) { return r.owner == *owner; });
      if (explicit_record != records.end()) {
        error(at(item), "service '" + text + "' already has a record in the public view (" +
                            lineText(explicit_record->where) + "); remove one of the two");
        continue;
      }
      zone_.public_services.push_back(text);
      if (!target) continue;
      Context context;
      context.owner = *owner;
      context.owner_text = text;
      context.ttl = zone_.default_ttl;
      context.views = {view};
      for (const std::string& address : target->addresses)
        add(context, address.size() == 4 ? type::A : type::AAAA, address, at(item));
    }
  }

  // ---- cloudflare -------------------------------------------------------------------------

  // Cloudflare's TTL: "auto" (stored as 1, its automatic TTL) or 60..86400 seconds.
  std::optional<std::uint32_t> cloudflareTtl(const YAML::Node& node) {
    if (node.IsScalar() && (node.Scalar() == "auto" || node.Scalar() == "1")) return 1;
    if (node.IsScalar()) {
      const std::string& s = node.Scalar();
      if (!s.empty() && s.size() <= 6 &&
          std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        std::uint32_t v = static_cast<std::uint32_t>(std::stoul(s));
        if (v >= 60 && v <= 86400) return v;
      }
    }
    error(at(node), "cloudflare ttl must be auto or an integer from 60 to 86400" +
                        (node.IsScalar() ? ", not '" + node.Scalar() + "'" : std::string()));
    return std::nullopt;
  }

  std::optional<bool> flag(const Entry& field, const std::string& what) {
    bool value = false;
    if (field.value.IsScalar() && YAML::convert<bool>::decode(field.value, value)) return value;
    error(at(field.value.IsNull() ? field.key : field.value), what + " must be true or false");
    return std::nullopt;
  }

  void parseCloudflare(const Entry& entry) {
    if (!entry.value.IsMap()) {
      error(at(entry.value.IsNull() ? entry.key : entry.value),
            "cloudflare must be a map (allowed: zone-id, proxied, ttl, records)");
      return;
    }
    int view = findView(zone_, "public");
    if (view < 0) {
      error(at(entry.key),
            "cloudflare mirrors the view named 'public', but there is no such view (views: " +
                viewNames() + ")");
      return;
    }
    CloudflareOptions& options = zone_.cloudflare;
    for (const Entry& field : entries(entry.value, "cloudflare")) {
      if (field.name == "zone-id") {
        const std::string id = field.value.IsScalar() ? field.value.Scalar() : "";
        if (id.size() != 32 || !std::all_of(id.begin(), id.end(), [](char c) {
              return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
            }))
          error(at(field.value.IsNull() ? field.key : field.value),
                "cloudflare zone-id must be the 32 lowercase hex characters of the zone's id "
                "(the dashboard's Overview page shows it)");
        else
          options.zone_id = id;
      } else if (field.name == "proxied") {
        if (auto v = flag(field, "cloudflare proxied")) options.proxied = *v;
      } else if (field.name == "ttl") {
        if (auto v = cloudflareTtl(field.value)) options.ttl = *v;
      } else if (field.name == "records") {
        if (!field.value.IsMap()) {
          error(at(field.value.IsNull() ? field.key : field.value),
                "cloudflare records must be a map of name to {proxied, ttl}");
          continue;
        }
        for (const Entry& name : entries(field.value, "cloudflare records", /*fold=*/true))
          parseCloudflareName(name, view);
      } else {
        error(at(field.key), "unknown key '" + field.name +
                                 "' in cloudflare (allowed: zone-id, proxied, ttl, records)");
      }
    }
  }

  void parseCloudflareName(const Entry& entry, int view) {
    auto owner = hostName(entry.key, entry.name, /*allow_wildcard=*/true);
    if (!owner) return;
    if (!entry.value.IsMap()) {
      error(at(entry.value.IsNull() ? entry.key : entry.value),
            "the cloudflare options of '" + entry.name + "' must be a map (allowed: proxied, ttl)");
      return;
    }
    CloudflareNameOptions options;
    options.owner = *owner;
    options.where = at(entry.key);
    for (const Entry& field : entries(entry.value, "cloudflare records." + entry.name)) {
      if (field.name == "proxied")
        options.proxied = flag(field, "proxied");
      else if (field.name == "ttl")
        options.ttl = cloudflareTtl(field.value);
      else
        error(at(field.key), "unknown key '" + field.name + "' in the cloudflare options of '" +
                                 entry.name + "' (allowed: proxied, ttl)");
    }
    // Options for a name Cloudflare will not hold are a mistake the operator wants to hear of.
    const auto& records = view_records_[static_cast<std::size_t>(view)];
    bool exists = false, proxiable = false;
    for (const ResourceRecord& record : records) {
      if (record.owner != *owner) continue;
      exists = true;
      proxiable |=
          record.type == type::A || record.type == type::AAAA || record.type == type::CNAME;
    }
    if (!exists) {
      error(options.where, "cloudflare options for '" + entry.name +
                               "', which has no record in the public view (Cloudflare mirrors "
                               "only the public view)");
      return;
    }
    if (options.proxied.value_or(false) && !proxiable) {
      error(options.where, "'" + entry.name +
                               "' cannot be proxied: Cloudflare proxies only A, AAAA and CNAME "
                               "records");
      return;
    }
    if (options.proxied.value_or(zone_.cloudflare.proxied) && options.ttl && *options.ttl != 1)
      warning(options.where, "'" + entry.name +
                                 "' is proxied, and proxied records always have automatic TTL; "
                                 "its ttl is ignored");
    zone_.cloudflare.names.push_back(std::move(options));
  }

  // ---- SOA and NS -------------------------------------------------------------------------

  void synthesizeApex(const Entry* soa, const Entry* ns, const YAML::Node& root) {
    std::string mname, rname;
    std::uint32_t values[5] = {0, 3600, 600, 604800, 300};  // serial refresh retry expire minimum
    std::uint32_t soa_ttl = zone_.default_ttl;
    SourceLocation soa_where = soa ? at(soa->key) : at(root);
    std::optional<YAML::Node> mname_node, rname_node;
    if (soa && !soa->value.IsNull()) {
      if (!soa->value.IsMap()) {
        error(at(soa->value), std::string("soa must be a map (allowed: ") + kSoaKeys + ")");
      } else {
        static const char* kNumbers[] = {"serial", "refresh", "retry", "expire", "minimum"};
        for (const Entry& field : entries(soa->value, "soa")) {
          if (!present(field, "see zones/FORMAT.md")) continue;
          auto index = std::find_if(std::begin(kNumbers), std::end(kNumbers),
                                    [&](const char* n) { return field.name == n; });
          if (field.name == "mname" || field.name == "rname") {
            if (!field.value.IsScalar()) {
              error(at(field.value), field.name + " must be a name");
              continue;
            }
            (field.name == "mname" ? mname_node : rname_node).emplace(field.value);
          } else if (index != std::end(kNumbers)) {
            bool is_serial = index == std::begin(kNumbers);
            auto v = number(field.value, "soa " + field.name, is_serial ? 4294967295u : kMaxTtl);
            if (!v) continue;
            values[index - std::begin(kNumbers)] = static_cast<std::uint32_t>(*v);
            if (is_serial) soa_serial_ = static_cast<std::uint32_t>(*v);
          } else if (field.name == "ttl") {
            if (auto v = number(field.value, "soa ttl", kMaxTtl))
              soa_ttl = static_cast<std::uint32_t>(*v);
          } else {
            error(at(field.key),
                  "unknown key '" + field.name + "' in soa (allowed: " + kSoaKeys + ")");
          }
        }
      }
    }
    auto resolve = [&](const std::optional<YAML::Node>& given, const char* fallback,
                       const char* what) {
      if (!given) return *wire::nameFromText(fallback, zone_.origin);
      const YAML::Node& node = *given;
      if (std::string(what) == "rname" && node.Scalar().find('@') != std::string::npos) {
        error(at(node),
              "rname is a name, not an e-mail address: write hostmaster.example.com. "
              "for hostmaster@example.com");
        return std::string();
      }
      return anyName(node, std::string("soa ") + what).value_or(std::string());
    };
    mname = resolve(mname_node, "ns1", "mname");
    rname = resolve(rname_node, "hostmaster", "rname");

    soa_template_.owner = zone_.origin;
    soa_template_.type = type::SOA;
    soa_template_.ttl = soa_ttl;
    soa_template_.where = soa_where;
    soa_template_.rdata = mname + rname;
    for (std::uint32_t v : values)
      for (int shift = 24; shift >= 0; shift -= 8)
        soa_template_.rdata.push_back(static_cast<char>((v >> shift) & 0xff));

    std::vector<std::pair<std::string, SourceLocation>> servers;
    if (ns && !ns->value.IsNull()) {
      std::vector<YAML::Node> items = scalarList(ns->value, "ns");
      if (ns->value.IsSequence() && items.empty() && ns->value.size() == 0)
        error(at(ns->key), "ns needs at least one name server name");
      for (const YAML::Node& item : items)
        if (auto name = anyName(item, "ns")) servers.emplace_back(*name, at(item));
    } else if (!mname.empty()) {
      servers.emplace_back(mname, mname_node ? at(*mname_node) : soa_where);
    }
    for (std::size_t v = 0; v < zone_.views.size(); ++v) {
      auto& records = view_records_[v];
      std::vector<ResourceRecord> apex;
      for (const auto& [name, where] : servers) {
        ResourceRecord record;
        record.owner = zone_.origin;
        record.type = type::NS;
        record.ttl = zone_.default_ttl;
        record.rdata = name;
        record.where = where;
        apex.push_back(std::move(record));
      }
      records.insert(records.begin(), apex.begin(), apex.end());
    }
  }

  // ---- checks -----------------------------------------------------------------------------

  // Identical records collapse; an RRset whose TTLs differ gets the lowest (RFC 2181 5.2).
  // Records of one owner in this view, by index; built once per check so that the checks stay
  // linear in the zone's size (a zone of 100,000 names must load in well under a second).
  static std::unordered_map<std::string, std::vector<std::size_t>> byOwner(
      const std::vector<ResourceRecord>& records) {
    std::unordered_map<std::string, std::vector<std::size_t>> out;
    out.reserve(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) out[records[i].owner].push_back(i);
    return out;
  }

  void dedupe(int view) {
    auto& records = view_records_[static_cast<std::size_t>(view)];
    // Identical records (owner, type, data) collapse into the first one.
    std::unordered_set<std::string> seen;
    seen.reserve(records.size());
    std::vector<ResourceRecord> kept;
    kept.reserve(records.size());
    for (auto& record : records) {
      std::string key = record.owner;
      key.push_back(static_cast<char>(record.type >> 8));
      key.push_back(static_cast<char>(record.type & 0xff));
      key += record.rdata;  // the owner is a wire name, so the three parts cannot run together
      if (seen.insert(std::move(key)).second) kept.push_back(std::move(record));
    }
    records = std::move(kept);
    // One RRset, one TTL (RFC 2181 5.2): the lowest, first written, wins.
    std::unordered_map<std::string, std::size_t> lowest;  // owner + type -> record index
    lowest.reserve(records.size());
    auto rrset = [](const ResourceRecord& r) {
      return r.owner + static_cast<char>(r.type >> 8) + static_cast<char>(r.type & 0xff);
    };
    for (std::size_t i = 0; i < records.size(); ++i) {
      auto [it, inserted] = lowest.emplace(rrset(records[i]), i);
      if (!inserted && records[i].ttl < records[it->second].ttl) it->second = i;
    }
    for (auto& record : records) {
      const ResourceRecord& low = records[lowest.at(rrset(record))];
      if (low.ttl >= record.ttl) continue;
      viewError(record.where,
                "the " + wire::typeToName(record.type) + " records of '" +
                    wire::nameToText(record.owner) + "' have different TTLs (" +
                    std::to_string(record.ttl) + " here, " + std::to_string(low.ttl) + " at line " +
                    std::to_string(low.where.line) + "); all get " + std::to_string(low.ttl),
                view, Severity::kWarning);
      record.ttl = low.ttl;
    }
  }

  void checkCnames(int view) {
    const auto& records = view_records_[static_cast<std::size_t>(view)];
    std::unordered_map<std::string, std::vector<std::size_t>> owners;
    bool any_cname = std::any_of(records.begin(), records.end(),
                                 [](const ResourceRecord& r) { return r.type == type::CNAME; });
    if (any_cname) owners = byOwner(records);
    for (const auto& cname : records) {
      if (cname.type != type::CNAME) continue;
      const std::string owner_text = wire::nameToText(cname.owner);
      if (cname.owner == zone_.origin) {
        viewError(cname.where,
                  "CNAME at the zone apex " + owner_text +
                      ": the apex has SOA and NS records, and a CNAME must be the "
                      "only record at its name",
                  view);
        continue;
      }
      for (std::size_t index : owners[cname.owner]) {
        const ResourceRecord& other = records[index];
        if (&other == &cname) continue;
        if (other.type == type::CNAME && &other < &cname) continue;  // reported once, below
        viewError(cname.where,
                  "CNAME beside other data at '" + owner_text + "': " +
                      (other.type == type::CNAME ? std::string("a second CNAME")
                                                 : wire::typeToName(other.type)) +
                      " at " + lineText(other.where) +
                      "; a CNAME must be the only record at its name",
                  view);
        break;
      }
    }
  }

  bool isPublicFacing(const View& view) const {
    if (view.name == "public") return true;
    return std::any_of(view.prefixes.begin(), view.prefixes.end(),
                       [](const Prefix& p) { return !isPrivatePrefix(p); });
  }

  void checkPrivate(int view) {
    if (!isPublicFacing(zone_.views[static_cast<std::size_t>(view)])) return;
    for (const auto& record : view_records_[static_cast<std::size_t>(view)]) {
      if ((record.type != type::A && record.type != type::AAAA) || record.allow_private) continue;
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(record.rdata.data());
      if (!isPrivateAddress(bytes, record.type == type::AAAA)) continue;
      viewError(record.where,
                "private address " + addressText(record.rdata) + " for '" +
                    wire::nameToText(record.owner) +
                    "' in a public-facing view; set allow-private: true on this value if it is "
                    "intended",
                view);
    }
  }

  // Wildcards are what replaces /etc/hosts here, but RFC 4592 wildcards also match deeper names,
  // which surprises people whose resolver appends the zone as a search domain.
  void warnWildcards() {
    struct Wildcard {
      std::string owner;
      SourceLocation where;
      std::vector<std::string> views;
    };
    std::vector<Wildcard> wildcards;
    for (std::size_t v = 0; v < zone_.views.size(); ++v) {
      for (const auto& record : view_records_[v]) {
        if (record.owner.size() < 2 || record.owner[0] != 1 || record.owner[1] != '*') continue;
        auto it = std::find_if(wildcards.begin(), wildcards.end(),
                               [&](const Wildcard& w) { return w.owner == record.owner; });
        if (it == wildcards.end()) {
          auto key = owner_keys_.find(record.owner);
          wildcards.push_back(
              {record.owner, key == owner_keys_.end() ? record.where : key->second, {}});
          it = wildcards.end() - 1;
        }
        if (it->views.empty() || it->views.back() != zone_.views[v].name)
          it->views.push_back(zone_.views[v].name);
      }
    }
    if (wildcards.empty()) return;
    std::vector<std::string> described, examples;
    for (const auto& w : wildcards) {
      std::string text = wire::nameToText(w.owner);
      described.push_back(text + " (" + (w.where.file == file_ ? "" : w.where.file + " ") +
                          "line " + std::to_string(w.where.line) + "; " +
                          (w.views.size() == 1 ? "view " : "views ") + join(w.views) + ")");
      examples.push_back("a.b." + text.substr(2));
    }
    std::string apex = zone_.origin_text.substr(0, zone_.origin_text.size() - 1);
    bool one = wildcards.size() == 1;
    warning(wildcards.front().where,
            std::string(one ? "wildcard " : "wildcards ") + join(described, " and ") +
                (one ? " also matches" : " also match") + " names with more labels (e.g. " +
                join(examples, ", ") + "), so a client that uses " + apex +
                " as a search domain gets " + (one ? "its" : "their") +
                " answer for mistyped or unqualified names");
  }

  // ---- serial -----------------------------------------------------------------------------

  // FNV-1a over every view's records (SOA excluded, it carries the serial) in a canonical order,
  // so identical content always gives the same serial and any change gives another one.
  std::uint32_t computeSerial() const {
    std::vector<std::size_t> order(zone_.views.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return zone_.views[a].name < zone_.views[b].name;
    });
    std::uint32_t hash = 2166136261u;
    auto u32 = [](std::uint32_t v) {
      return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                         static_cast<char>(v >> 8), static_cast<char>(v)};
    };
    for (std::size_t v : order) {
      hash = fnv1a(hash, "view " + zone_.views[v].name + '\n');
      std::vector<const ResourceRecord*> records;
      for (const auto& record : view_records_[v])
        if (record.type != type::SOA) records.push_back(&record);
      std::sort(records.begin(), records.end(),
                [](const ResourceRecord* a, const ResourceRecord* b) {
                  return std::tie(a->owner, a->type, a->rdata, a->ttl) <
                         std::tie(b->owner, b->type, b->rdata, b->ttl);
                });
      for (const ResourceRecord* r : records) {
        hash = fnv1a(hash, u32(static_cast<std::uint32_t>(r->owner.size())) + r->owner);
        hash = fnv1a(hash, u32(r->type) + u32(r->ttl));
        hash = fnv1a(hash, u32(static_cast<std::uint32_t>(r->rdata.size())) + r->rdata);
      }
    }
    return hash == 0 ? 1 : hash;  // 0 would look like "no serial" to people and tools
  }

  struct PendingViewError {
    Severity severity;
    SourceLocation where;
    std::string message;
    std::vector<std::string> views;
  };

  std::string file_;
  std::string base_dir_;
  std::vector<Diagnostic> diagnostics_;
  std::vector<PendingViewError> view_errors_;
  Zone zone_;
  std::map<std::string, Target> targets_;
  std::map<std::string, SourceLocation> owner_keys_;               // owner -> its key in records
  std::vector<std::vector<ResourceRecord>> view_records_;          // per view, SOA added at the end
  std::vector<std::pair<std::string, SourceLocation>> zonefiles_;  // per view; empty path: none
  ResourceRecord soa_template_;
  std::optional<std::uint32_t> soa_serial_;
};

}  // namespace

std::string Diagnostic::toString() const {
  std::string out = where.file;
  if (where.line > 0) {
    out += ":" + std::to_string(where.line);
    if (where.column > 0) out += ":" + std::to_string(where.column);
  }
  out += severity == Severity::kError ? ": error: " : ": warning: ";
  return out + message;
}

std::string LoadResult::report() const {
  std::string out;
  for (const auto& diagnostic : diagnostics) {
    if (!out.empty()) out.push_back('\n');
    out += diagnostic.toString();
  }
  return out;
}

LoadResult loadZoneText(std::string_view yaml, const std::string& file_name,
                        const std::string& base_dir) {
  return Loader(file_name, base_dir.empty() ? "." : base_dir).load(yaml);
}

LoadResult loadZoneFile(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string problem;
  if (fs::is_directory(path, ec)) problem = "is a directory";
  std::string text;
  if (problem.empty()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      problem = std::strerror(errno);
    } else {
      std::ostringstream buffer;
      buffer << in.rdbuf();
      if (in.bad()) problem = "read failed";
      text = buffer.str();
    }
  }
  if (!problem.empty()) {
    LoadResult result;
    result.diagnostics.push_back(Diagnostic{Diagnostic::Severity::kError,
                                            SourceLocation{path, 0, 0},
                                            "cannot read the zone file: " + problem});
    return result;
  }
  std::string base_dir = fs::path(path).parent_path().string();
  return loadZoneText(text, path, base_dir.empty() ? "." : base_dir);
}

}  // namespace horizon::zone
