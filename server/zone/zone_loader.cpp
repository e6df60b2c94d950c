// The zone YAML loader: the one validator used by horizond, horizon-sync and dnsctl, so a file
// that loads here is a file every binary agrees on. It never stops at the first problem: every
// diagnostic carries file, line and column, and a Zone is returned only when there is no error.
// The format is documented in zones/FORMAT.md.
#include "horizon/zone/zone_loader.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <span>
#include <sstream>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/rdata.hpp"
#include "horizon/zone/yaml_tree.hpp"
#include "huge_pages.hpp"
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
  yaml::Node key;
  yaml::Node value;
  std::string name;
};

struct Target {
  std::vector<std::string> addresses;  // 4 or 16 bytes each
  SourceLocation where;
};

// What applies to the records produced from one value: the views they go to and the modifiers.
// Views are a span so that narrowing to one view (a view map's key) copies nothing.
struct Context {
  std::string_view owner;       // lowercase wire
  std::string_view owner_text;  // as written, for messages
  std::span<const int> views;
  std::uint32_t ttl = kDefaultTtl;
  bool allow_private = false;
};

bool isWildcard(std::string_view owner) {
  return owner.size() >= 2 && owner[0] == 1 && owner[1] == '*';
}

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

std::uint64_t fnv1a64(std::uint64_t hash, std::string_view bytes) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

// A finaliser that spreads every input bit (splitmix64's), so that sums of record hashes do not
// cancel out for records that differ in a few bits.
std::uint64_t mix64(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

class Loader {
 public:
  Loader(std::string file, std::string base_dir)
      : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

  LoadResult load(std::string text) {
    try {
      run(std::move(text));
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

  SourceLocation at(const yaml::Node& node) const {
    const yaml::Mark mark = node.mark();
    return SourceLocation{file_, mark.line + 1, mark.column + 1};
  }

  // Where a record of the YAML file came from. The file is left empty (it is the zone's own
  // source_file): copying the path into each of 100,000s of records would cost an allocation each.
  static SourceLocation recordAt(const yaml::Node& node) {
    const yaml::Mark mark = node.mark();
    return SourceLocation{std::string(), mark.line + 1, mark.column + 1};
  }

  // A record's location for a diagnostic: with the file name filled in.
  SourceLocation located(const SourceLocation& where) const {
    if (!where.file.empty()) return where;
    return SourceLocation{file_, where.line, where.column};
  }

  void error(SourceLocation where, std::string message) {
    diagnostics_.push_back(Diagnostic{Severity::kError, std::move(where), std::move(message)});
  }
  void warning(SourceLocation where, std::string message) {
    diagnostics_.push_back(Diagnostic{Severity::kWarning, std::move(where), std::move(message)});
  }

  // The same problem found in several views is one diagnostic that names the views.
  void viewError(const SourceLocation& record_where, const std::string& message, int view,
                 Severity severity = Severity::kError) {
    const SourceLocation where = located(record_where);
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
  std::vector<Entry> entries(const yaml::Node& map, const std::string& what, bool fold = false) {
    return entriesLazy(
        map, [&] { return what; }, fold);
  }
  // The same, with the description made only when a message needs it (record maps are many).
  template <class Describe>
  std::vector<Entry> entriesLazy(const yaml::Node& map, const Describe& what, bool fold) {
    std::vector<Entry> out;
    const std::size_t size = map.size();
    out.reserve(size);
    // Maps in zone files are small except records, whose duplicates parseRecords reports itself.
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

  // A value must be present; a key with nothing after it is reported at the key.
  bool present(const Entry& entry, const std::string& what) {
    if (entry.value.isNull() || !entry.value.isDefined()) {
      error(at(entry.key), "'" + entry.name + "' needs a value (" + what + ")");
      return false;
    }
    return true;
  }

  std::optional<std::uint64_t> number(const yaml::Node& node, const std::string& what,
                                      std::uint64_t max) {
    if (node.isScalar()) {
      const std::string& s = node.text();
      if (!s.empty() && s.size() <= 10 &&
          std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        std::uint64_t v = std::stoull(s);
        if (v <= max) return v;
      }
    }
    error(at(node), what + " must be an integer from 0 to " + std::to_string(max) +
                        (node.isScalar() ? ", not '" + node.text() + "'" : ""));
    return std::nullopt;
  }

  std::vector<yaml::Node> scalarList(const yaml::Node& node, const std::string& what) {
    std::vector<yaml::Node> out;
    if (!node.isSequence()) {
      error(at(node), what + " must be a list");
      return out;
    }
    for (const yaml::Node& item : node) {
      if (item.isScalar())
        out.push_back(item);
      else
        error(at(item), what + " must hold plain values, not lists or maps");
    }
    return out;
  }

  // "line 8" in the YAML file, "office.zone:8" in another file.
  std::string lineText(const SourceLocation& where) const {
    if (where.file.empty() || where.file == file_) return "line " + std::to_string(where.line);
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
  std::optional<std::string> hostName(const yaml::Node& node, std::string_view text,
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
    if (why.empty() && !absolute && !body.empty() && body.size() <= 63 &&
        body.find('.') == std::string_view::npos && body.size() + 1 + zone_.origin.size() <= 255) {
      // The common case, one relative label ("grafana", "h123"): built directly, one allocation.
      std::string lowered;
      lowered.reserve(1 + body.size() + zone_.origin.size());
      lowered.push_back(static_cast<char>(body.size()));
      for (char c : body) lowered.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
      lowered += zone_.origin;
      return lowered;
    }
    std::optional<std::string> name;
    if (why.empty()) name = wire::nameFromText(text, absolute ? "" : zone_.origin, &why);
    if (!name) {
      error(at(node), "bad name '" + std::string(text) + "': " + why);
      return std::nullopt;
    }
    std::string lowered = wire::lowercaseName(*name);
    if (!wire::isSubdomainOf(lowered, zone_.origin)) {
      error(at(node), "'" + std::string(text) + "' is outside the zone " + zone_.origin_text);
      return std::nullopt;
    }
    return lowered;
  }

  // A name inside rdata-like settings (soa mname, ns): relative to the zone unless absolute.
  std::optional<std::string> anyName(const yaml::Node& node, const std::string& what) {
    std::string why;
    const std::string& text = node.text();
    auto name = text == "@" ? std::optional<std::string>(zone_.origin)
                            : wire::nameFromText(text, zone_.origin, &why);
    if (!name) error(at(node), "bad name '" + text + "' for " + what + ": " + why);
    return name;
  }

  // ---- the sections -----------------------------------------------------------------------

  void run(std::string text) {
    try {
      tree_ = yaml::parse(std::move(text));
    } catch (const yaml::ParseError& e) {
      error(SourceLocation{file_, e.mark().line + 1, e.mark().column + 1},
            std::string("YAML syntax error: ") + e.what());
      return;
    }
    const yaml::Node root = tree_.root();
    if (root.isNull() || !root.isDefined()) {
      error(SourceLocation{file_, 1, 1}, std::string("the file is empty; it needs the keys ") +
                                             "zone and views (allowed: " + kTopKeys + ")");
      return;
    }
    if (!root.isMap()) {
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
                                     [](const ip::Prefix& p) { return ip::isPrivatePrefix(p); });
    }
    if (const Entry* targets = section("targets")) parseTargets(*targets);
    if (!origin_ok) return;  // every name below is relative to the zone

    // Each view starts with a slot for its SOA, filled last because the serial covers everything
    // else; until then it is an SOA-typed record with no owner, which no check looks at.
    for (auto& view : zone_.views) view.records.emplace_back().type = type::SOA;
    if (const Entry* records = section("records")) {
      // Most names have one record per view; growing 100,000s of records by doubling would move
      // each of them about twice.
      for (auto& view : zone_.views) {
        view.records.reserve(records->value.size() + 8);
        adviseHugePages(view.records.data(), view.records.capacity() * sizeof(ResourceRecord));
      }
      parseRecords(*records);
    }
    for (std::size_t v = 0; v < zone_.views.size(); ++v) {
      if (zonefiles_[v].first.empty()) continue;
      namespace fs = std::filesystem;
      fs::path path = zonefiles_[v].first;
      if (path.is_relative()) path = (fs::path(base_dir_) / path).lexically_normal();
      readZonefile(path.string(), zonefiles_[v].second, zone_.origin, zone_.default_ttl,
                   zone_.views[v].records, diagnostics_);
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
      // The SOA goes into the slot kept for it at the front (moving 100,000s of records to
      // make room would cost as much as the rest of the assembly).
      zone_.views[v].records.front() = std::move(soa);
    }
    zone_.serial = serial;
  }

  bool parseOrigin(const Entry* entry, const yaml::Node& root) {
    if (!entry) {
      error(at(root), "missing required key 'zone' (the apex, e.g. madhan.app)");
      return false;
    }
    if (!present(*entry, "the apex, e.g. madhan.app")) return false;
    if (!entry->value.isScalar()) {
      error(at(entry->value), "zone must be a domain name like madhan.app");
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
      error(at(entry->value), "bad zone name '" + entry->value.text() + "': " + why);
      return false;
    }
    zone_.origin = wire::lowercaseName(*name);
    zone_.origin_text = wire::nameToText(zone_.origin);
    return true;
  }

  void parseViews(const Entry* entry, const yaml::Node& root) {
    if (!entry) {
      error(at(root), "missing required key 'views' (a map of view name to client prefixes)");
      return;
    }
    if (!entry->value.isMap() || entry->value.size() == 0) {
      error(entry->value.isMap() || entry->value.isNull() ? at(entry->key) : at(entry->value),
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
      std::optional<yaml::Node> match;
      std::string zonefile;
      SourceLocation zonefile_where;
      if (view_entry.value.isSequence()) {
        match.emplace(view_entry.value);
      } else if (view_entry.value.isMap()) {
        for (const Entry& field : entries(view_entry.value, "view '" + name + "'")) {
          if (field.name == "match") {
            match.emplace(field.value);
          } else if (field.name == "zonefile") {
            if (!field.value.isScalar() || field.value.text().empty())
              error(at(field.value.isNull() ? field.key : field.value),
                    "zonefile must be the path of an RFC 1035 zone file");
            else {
              zonefile = field.value.text();
              zonefile_where = at(field.value);
            }
          } else {
            error(at(field.key), "unknown key '" + field.name + "' in view '" + name +
                                     "' (allowed: match, zonefile)");
          }
        }
        if (!match) {
          error(at(view_entry.key), "view '" + name + "' needs a 'match' list of client prefixes");
        }
      } else {
        error(at(view_entry.value.isNull() ? view_entry.key : view_entry.value),
              "view '" + name +
                  "' must be a list of client prefixes, or a map with match and zonefile");
        continue;
      }
      std::vector<yaml::Node> prefix_items;
      if (match) prefix_items = scalarList(*match, "the prefixes of view '" + name + "'");
      for (const yaml::Node& item : prefix_items) {
        std::string why;
        auto prefix = ip::parsePrefix(item.text(), &why);
        if (!prefix) {
          error(at(item), "bad CIDR: " + why);
          continue;
        }
        auto [pos, inserted] =
            used.emplace(std::make_tuple(prefix->is_v6, prefix->address, prefix->length),
                         PrefixOwner{name, at(item).line});
        if (!inserted) {
          error(at(item), "prefix '" + item.text() + "' is already used by view '" +
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
    if (entry.value.isNull()) return;
    for (const yaml::Node& item : scalarList(entry.value, "recursion")) {
      int view = findView(zone_, item.text());
      if (view < 0)
        error(at(item),
              "unknown view '" + item.text() + "' in recursion (views: " + viewNames() + ")");
      else
        zone_.views[static_cast<std::size_t>(view)].recursion = true;
    }
  }

  void parseTargets(const Entry& entry) {
    if (entry.value.isNull()) return;
    if (!entry.value.isMap()) {
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
      std::vector<yaml::Node> items;
      if (target_entry.value.isScalar())
        items.push_back(target_entry.value);
      else
        items = scalarList(target_entry.value, "target '" + target_entry.name + "'");
      for (const yaml::Node& item : items) {
        if (auto address = ip::parseAddress(item.text()))
          target.addresses.push_back(*address);
        else
          error(at(item), "bad address '" + item.text() + "' for target '" + target_entry.name +
                              "': not an IPv4 or IPv6 address");
      }
      if (target_entry.value.isSequence() && target_entry.value.size() == 0)
        error(at(target_entry.key), "target '" + target_entry.name + "' has no addresses");
      targets_[target_entry.name] = std::move(target);
    }
  }

  // ---- records ----------------------------------------------------------------------------

  void parseRecords(const Entry& entry) {
    if (entry.value.isNull()) return;
    if (!entry.value.isMap()) {
      error(at(entry.value), "records must be a map of name to value");
      return;
    }
    const yaml::Node& map = entry.value;
    // Owners seen so far and the index of their key, in a flat table (firstEqual).
    std::vector<std::string> owners;
    std::vector<std::uint32_t> owner_keys;
    owners.reserve(map.size());  // never reallocated: Contexts hold views of these strings
    owner_keys.reserve(map.size());
    std::vector<std::uint32_t> owner_table = emptyTable(map.size());
    auto same_owner = [&](std::uint32_t a, std::uint32_t b) { return owners[a] == owners[b]; };
    std::vector<int> all_views;
    for (std::size_t v = 0; v < zone_.views.size(); ++v) all_views.push_back(static_cast<int>(v));
    // Duplicate keys are reported below as duplicate names, so entries() need not fold them.
    for (std::size_t i = 0; i < map.size(); ++i) {
      const yaml::Node key = map.key(i);
      if (!key.isScalar()) {
        error(at(key), "a name in records must be a plain word");
        continue;
      }
      const std::string_view text = key.scalar();
      auto owner = hostName(key, text, /*allow_wildcard=*/true);
      if (!owner) continue;
      const auto index = static_cast<std::uint32_t>(owners.size());
      owners.push_back(std::move(*owner));
      owner_keys.push_back(static_cast<std::uint32_t>(i));
      const std::uint32_t first_index = firstEqual(
          owner_table, mix64(std::hash<std::string_view>()(owners.back())), index, same_owner);
      if (first_index != index) {
        const yaml::Node first = map.key(owner_keys[first_index]);
        error(at(key), "duplicate name: '" + first.text() + "' (line " +
                           std::to_string(first.mark().line + 1) + ") and '" + std::string(text) +
                           "' (line " + std::to_string(key.mark().line + 1) + ") are both " +
                           wire::nameToText(owners.back()));
        continue;
      }
      if (isWildcard(owners.back())) owner_keys_.emplace(owners.back(), at(key));
      Context context{owners.back(), text, all_views, zone_.default_ttl, false};
      const yaml::Node value = map.value(i);
      if (value.isNull()) {
        error(at(key), "'" + std::string(text) + "' needs a value: a target, an address, or a map");
        continue;
      }
      parseValue(value, context, /*in_view_map=*/false);
    }
  }

  // `where` is a record location (recordAt: no file name).
  void add(const Context& context, std::uint16_t t, std::string_view rdata,
           const SourceLocation& where) {
    for (int v : context.views) {
      ResourceRecord& record = zone_.views[static_cast<std::size_t>(v)].records.emplace_back();
      record.owner = context.owner;
      record.type = t;
      record.ttl = context.ttl;
      record.rdata = rdata;
      record.allow_private = context.allow_private;
      record.where.line = where.line;
      record.where.column = where.column;
    }
  }

  // A target name or an address literal. `only` restricts to A or AAAA (0: either).
  void addAddresses(const yaml::Node& node, const Context& context, std::uint16_t only) {
    const std::string_view view = node.scalar();
    // The common case, one address literal, goes straight to the records.
    if (auto address = ip::parseAddress(view)) {
      const std::uint16_t t = address->size() == 4 ? type::A : type::AAAA;
      if (only == 0 || t == only) {
        add(context, t, *address, recordAt(node));
        return;
      }
    }
    const std::string text(view);
    std::vector<std::string> addresses;
    bool from_target = false;
    if (auto address = ip::parseAddress(text)) {
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
      add(context, t, address, recordAt(node));
      added = true;
    }
    if (from_target && !added && !addresses.empty())
      error(at(node), "target '" + text + "' has no " + (only == type::A ? "IPv4" : "IPv6") +
                          " address for " + wire::typeToName(only));
  }

  void parseValue(const yaml::Node& node, const Context& context, bool in_view_map) {
    if (node.isScalar()) {
      addAddresses(node, context, 0);
      return;
    }
    if (node.isSequence()) {
      if (node.size() == 0)
        error(at(node), "empty list for '" + std::string(context.owner_text) + "'");
      for (const yaml::Node& item : node) {
        if (item.isScalar())
          addAddresses(item, context, 0);
        else
          error(at(item),
                "a list holds targets or addresses; for other records use a type map "
                "like {TXT: [...]}");
      }
      return;
    }
    if (!node.isMap()) {
      error(at(node), "'" + std::string(context.owner_text) +
                          "' needs a value: a target, an address, or a map");
      return;
    }

    Context inner = context;
    std::vector<const Entry*> view_keys, type_keys;
    std::vector<std::uint16_t> types;
    const std::vector<Entry> fields = entriesLazy(
        node, [&] { return "the value of '" + std::string(context.owner_text) + "'"; },
        /*fold=*/true);
    bool ok = true;
    for (const Entry& field : fields) {
      if (field.name == "ttl") {
        if (auto v = number(field.value, "ttl", kMaxTtl))
          inner.ttl = static_cast<std::uint32_t>(*v);
      } else if (field.name == "allow-private") {
        bool value = false;
        if (!field.value.isScalar() || !yaml::decodeBool(field.value.scalar(), &value))
          error(at(field.value.isNull() ? field.key : field.value),
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
                                 std::string(context.owner_text) + "' (allowed: views " +
                                 viewNames() + "; record types " + kRecordTypes +
                                 "; modifiers ttl, " + "allow-private)");
        ok = false;
      }
    }
    if (!view_keys.empty() && !type_keys.empty()) {
      error(at(node), "the value of '" + std::string(context.owner_text) + "' mixes view keys (" +
                          view_keys.front()->name + ") and record type keys (" +
                          type_keys.front()->name + "); use a view map whose values are type maps");
      return;
    }
    if (!view_keys.empty() && in_view_map) {
      error(at(view_keys.front()->key), "a view map cannot be nested in another view map (view '" +
                                            view_keys.front()->name + "' inside the value of '" +
                                            std::string(context.owner_text) + "')");
      return;
    }
    if (view_keys.empty() && type_keys.empty()) {
      if (ok)
        error(at(node), "the value of '" + std::string(context.owner_text) +
                            "' has no records: give views or record types");
      return;
    }
    for (const Entry* field : view_keys) {
      Context per_view = inner;
      const int view = findView(zone_, field->name);
      per_view.views = std::span<const int>(&view, 1);
      if (field->value.isNull() || !field->value.isDefined()) {
        error(at(field->key), "'" + std::string(context.owner_text) + "' needs a value in view '" +
                                  field->name + "'");
        continue;
      }
      parseValue(field->value, per_view, /*in_view_map=*/true);
    }
    for (std::size_t i = 0; i < type_keys.size(); ++i) parseTyped(*type_keys[i], types[i], inner);
  }

  void parseTyped(const Entry& field, std::uint16_t t, const Context& context) {
    const std::string type_name = wire::typeToName(t);
    if (field.value.isNull() || !field.value.isDefined()) {
      error(at(field.key),
            type_name + " of '" + std::string(context.owner_text) + "' needs a value");
      return;
    }
    std::vector<yaml::Node> items;
    if (field.value.isScalar())
      items.push_back(field.value);
    else
      items = scalarList(field.value, type_name + " of '" + std::string(context.owner_text) + "'");
    if (t == type::CNAME && items.size() > 1) {
      error(at(field.value),
            "CNAME of '" + std::string(context.owner_text) + "' takes exactly one name");
      return;
    }
    for (const yaml::Node& item : items) {
      if (t == type::A || t == type::AAAA) {
        addAddresses(item, context, t);
        continue;
      }
      std::string text = item.text();
      // A TXT value is the text itself; quotes at the start select presentation form, where
      // several "strings" make one record.
      if (t == type::TXT && (text.empty() || text.front() != '"')) text = quoteLiteral(text);
      std::string why;
      auto rdata = wire::rdataFromText(t, text, zone_.origin, &why);
      if (!rdata) {
        error(at(item), "bad " + type_name + " value '" + item.text() + "': " + why);
        continue;
      }
      add(context, t, *rdata, recordAt(item));
    }
  }

  // ---- public -----------------------------------------------------------------------------

  void parsePublic(const Entry& entry) {
    if (!entry.value.isMap()) {
      error(at(entry.value.isNull() ? entry.key : entry.value),
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
    if (!via->value.isScalar()) {
      error(at(via->value.isNull() ? via->key : via->value), "via must be a target name");
    } else if (auto it = targets_.find(via->value.text()); it == targets_.end()) {
      error(at(via->value),
            "undefined target '" + via->value.text() + "' (targets: " + targetNames() + ")");
    } else {
      target = &it->second;
      zone_.public_via = via->value.text();
    }
    if (!services || services->value.isNull()) return;

    auto& records = zone_.views[static_cast<std::size_t>(view)].records;
    std::map<std::string, int> listed;
    for (const yaml::Node& item : scalarList(services->value, "public.services")) {
      const std::string& text = item.text();
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
      context.views = std::span<const int>(&view, 1);
      for (const std::string& address : target->addresses)
        add(context, address.size() == 4 ? type::A : type::AAAA, address, recordAt(item));
    }
  }

  // ---- cloudflare -------------------------------------------------------------------------

  // Cloudflare's TTL: "auto" (stored as 1, its automatic TTL) or 60..86400 seconds.
  std::optional<std::uint32_t> cloudflareTtl(const yaml::Node& node) {
    if (node.isScalar() && (node.text() == "auto" || node.text() == "1")) return 1;
    if (node.isScalar()) {
      const std::string& s = node.text();
      if (!s.empty() && s.size() <= 6 &&
          std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        std::uint32_t v = static_cast<std::uint32_t>(std::stoul(s));
        if (v >= 60 && v <= 86400) return v;
      }
    }
    error(at(node), "cloudflare ttl must be auto or an integer from 60 to 86400" +
                        (node.isScalar() ? ", not '" + node.text() + "'" : std::string()));
    return std::nullopt;
  }

  std::optional<bool> flag(const Entry& field, const std::string& what) {
    bool value = false;
    if (field.value.isScalar() && yaml::decodeBool(field.value.scalar(), &value)) return value;
    error(at(field.value.isNull() ? field.key : field.value), what + " must be true or false");
    return std::nullopt;
  }

  void parseCloudflare(const Entry& entry) {
    if (!entry.value.isMap()) {
      error(at(entry.value.isNull() ? entry.key : entry.value),
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
        const std::string id = field.value.isScalar() ? field.value.text() : "";
        if (id.size() != 32 || !std::all_of(id.begin(), id.end(), [](char c) {
              return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
            }))
          error(at(field.value.isNull() ? field.key : field.value),
                "cloudflare zone-id must be the 32 lowercase hex characters of the zone's id "
                "(the dashboard's Overview page shows it)");
        else
          options.zone_id = id;
      } else if (field.name == "proxied") {
        if (auto v = flag(field, "cloudflare proxied")) options.proxied = *v;
      } else if (field.name == "ttl") {
        if (auto v = cloudflareTtl(field.value)) options.ttl = *v;
      } else if (field.name == "records") {
        if (!field.value.isMap()) {
          error(at(field.value.isNull() ? field.key : field.value),
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
    if (!entry.value.isMap()) {
      error(at(entry.value.isNull() ? entry.key : entry.value),
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
    const auto& records = zone_.views[static_cast<std::size_t>(view)].records;
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

  void synthesizeApex(const Entry* soa, const Entry* ns, const yaml::Node& root) {
    std::string mname, rname;
    std::uint32_t values[5] = {0, 3600, 600, 604800, 300};  // serial refresh retry expire minimum
    std::uint32_t soa_ttl = zone_.default_ttl;
    SourceLocation soa_where = soa ? at(soa->key) : at(root);
    std::optional<yaml::Node> mname_node, rname_node;
    if (soa && !soa->value.isNull()) {
      if (!soa->value.isMap()) {
        error(at(soa->value), std::string("soa must be a map (allowed: ") + kSoaKeys + ")");
      } else {
        static const char* kNumbers[] = {"serial", "refresh", "retry", "expire", "minimum"};
        for (const Entry& field : entries(soa->value, "soa")) {
          if (!present(field, "see zones/FORMAT.md")) continue;
          auto index = std::find_if(std::begin(kNumbers), std::end(kNumbers),
                                    [&](const char* n) { return field.name == n; });
          if (field.name == "mname" || field.name == "rname") {
            if (!field.value.isScalar()) {
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
    auto resolve = [&](const std::optional<yaml::Node>& given, const char* fallback,
                       const char* what) {
      if (!given) return *wire::nameFromText(fallback, zone_.origin);
      const yaml::Node& node = *given;
      if (std::string(what) == "rname" && node.text().find('@') != std::string::npos) {
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
    if (ns && !ns->value.isNull()) {
      std::vector<yaml::Node> items = scalarList(ns->value, "ns");
      if (ns->value.isSequence() && items.empty() && ns->value.size() == 0)
        error(at(ns->key), "ns needs at least one name server name");
      for (const yaml::Node& item : items)
        if (auto name = anyName(item, "ns")) servers.emplace_back(*name, at(item));
    } else if (!mname.empty()) {
      servers.emplace_back(mname, mname_node ? at(*mname_node) : soa_where);
    }
    for (std::size_t v = 0; v < zone_.views.size(); ++v) {
      auto& records = zone_.views[v].records;
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
      // Appended: putting them in front would move every record.
      records.insert(records.end(), apex.begin(), apex.end());
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

  // Finds the first record equal to records[i] under `same` in an open-addressing table of
  // record indices (+1; 0 is empty), inserting i when there is none. Flat and allocation-free per
  // record: a node-based hash set made dedupe the slowest step of a 100,000-name load.
  template <class Same>
  static std::uint32_t firstEqual(std::vector<std::uint32_t>& table, std::uint64_t hash,
                                  std::uint32_t i, const Same& same) {
    const std::size_t mask = table.size() - 1;
    for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
      if (table[slot] == 0) {
        table[slot] = i + 1;
        return i;
      }
      if (same(table[slot] - 1, i)) return table[slot] - 1;
    }
  }

  static std::vector<std::uint32_t> emptyTable(std::size_t entries) {
    std::size_t size = 16;
    while (size < entries * 2) size *= 2;
    return std::vector<std::uint32_t>(size, 0);
  }

  static std::uint64_t rrsetHash(const ResourceRecord& r) {
    return mix64(std::hash<std::string_view>()(r.owner) * 31 + r.type);
  }

  void dedupe(int view) {
    auto& records = zone_.views[static_cast<std::size_t>(view)].records;
    // Identical records (owner, type, data) collapse into the first one.
    {
      std::vector<std::uint32_t> table = emptyTable(records.size());
      std::vector<bool> keep(records.size());
      auto same = [&](std::uint32_t a, std::uint32_t b) {
        const ResourceRecord& x = records[a];
        const ResourceRecord& y = records[b];
        return x.type == y.type && x.owner == y.owner && x.rdata == y.rdata;
      };
      bool any_duplicate = false;
      for (std::uint32_t i = 0; i < records.size(); ++i) {
        const std::uint64_t hash =
            rrsetHash(records[i]) ^ std::hash<std::string_view>()(records[i].rdata);
        keep[i] = firstEqual(table, mix64(hash), i, same) == i;
        any_duplicate |= !keep[i];
      }
      if (any_duplicate) {
        std::vector<ResourceRecord> kept;
        kept.reserve(records.size());
        for (std::size_t i = 0; i < records.size(); ++i)
          if (keep[i]) kept.push_back(std::move(records[i]));
        records = std::move(kept);
      }
    }
    // One RRset, one TTL (RFC 2181 5.2): the lowest, first written, wins.
    std::vector<std::uint32_t> table = emptyTable(records.size());
    std::vector<std::uint32_t> first(records.size());   // each record -> its RRset's first record
    std::vector<std::uint32_t> lowest(records.size());  // first record of an RRset -> lowest TTL
    auto same_rrset = [&](std::uint32_t a, std::uint32_t b) {
      return records[a].type == records[b].type && records[a].owner == records[b].owner;
    };
    for (std::uint32_t i = 0; i < records.size(); ++i) {
      first[i] = firstEqual(table, rrsetHash(records[i]), i, same_rrset);
      if (first[i] == i)
        lowest[i] = i;
      else if (records[i].ttl < records[lowest[first[i]]].ttl)
        lowest[first[i]] = i;
    }
    for (std::size_t i = 0; i < records.size(); ++i) {
      ResourceRecord& record = records[i];
      const ResourceRecord& low = records[lowest[first[i]]];
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
    const auto& records = zone_.views[static_cast<std::size_t>(view)].records;
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
                       [](const ip::Prefix& p) { return !ip::isPrivatePrefix(p); });
  }

  void checkPrivate(int view) {
    if (!isPublicFacing(zone_.views[static_cast<std::size_t>(view)])) return;
    for (const auto& record : zone_.views[static_cast<std::size_t>(view)].records) {
      if ((record.type != type::A && record.type != type::AAAA) || record.allow_private) continue;
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(record.rdata.data());
      if (!ip::isPrivateAddress(bytes, record.type == type::AAAA)) continue;
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
      for (const auto& record : zone_.views[v].records) {
        if (!isWildcard(record.owner)) continue;
        auto it = std::find_if(wildcards.begin(), wildcards.end(),
                               [&](const Wildcard& w) { return w.owner == record.owner; });
        if (it == wildcards.end()) {
          auto key = owner_keys_.find(record.owner);
          wildcards.push_back(
              {record.owner, key == owner_keys_.end() ? located(record.where) : key->second, {}});
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

  // A hash of every view's records (SOA excluded, it carries the serial) that does not depend on
  // their order, so identical content always gives the same serial and any change another one.
  // Records are summed as a set (dedupe() has made them unique), which needs no sort.
  std::uint32_t computeSerial() const {
    std::vector<std::pair<std::string, std::uint64_t>> views;  // view name -> sum of its records
    for (std::size_t v = 0; v < zone_.views.size(); ++v) {
      std::uint64_t sum = 0;
      for (const auto& r : zone_.views[v].records) {
        if (r.type == type::SOA) continue;
        std::uint64_t h = fnv1a64(14695981039346656037ull, r.owner);
        const std::uint64_t fields[] = {r.owner.size(), r.type, r.ttl, r.rdata.size()};
        for (std::uint64_t f : fields) h = (h ^ f) * 1099511628211ull;
        sum += mix64(fnv1a64(h, r.rdata));
      }
      views.emplace_back(zone_.views[v].name, sum);
    }
    std::sort(views.begin(), views.end());
    std::uint32_t hash = 2166136261u;
    for (const auto& [name, sum] : views) {
      hash = fnv1a(hash, "view " + name + '\n');
      for (int shift = 56; shift >= 0; shift -= 8) {
        const char byte = static_cast<char>(sum >> shift);
        hash = fnv1a(hash, std::string_view(&byte, 1));
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
  yaml::Tree tree_;                                   // the parsed file
  std::map<std::string, SourceLocation> owner_keys_;  // wildcard owner -> its key in records
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
  return Loader(file_name, base_dir.empty() ? "." : base_dir).load(std::string(yaml));
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
      // One buffer of the file's size: a stringstream would copy a large zone three times.
      char chunk[65536];
      const auto size = fs::file_size(path, ec);
      if (!ec) text.reserve(static_cast<std::size_t>(size));
      while (in.read(chunk, sizeof chunk) || in.gcount() > 0)
        text.append(chunk, static_cast<std::size_t>(in.gcount()));
      if (in.bad()) problem = "read failed";
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
  return Loader(path, base_dir.empty() ? "." : base_dir).load(std::move(text));
}

}  // namespace horizon::zone
