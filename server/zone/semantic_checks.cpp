// The semantic checks of a loaded zone: they look at the views as a whole, after parsing, so a
// record from a zone file is checked like one from the YAML. Each stays linear in the zone's
// size: a zone of 100,000 names must load in well under a second.
#include "semantic_checks.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hashing.hpp"
#include "horizon/ip/address.hpp"
#include "horizon/ip/prefix.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/rdata.hpp"
#include "index_table.hpp"

namespace horizon::zone {
namespace {

namespace type = wire::type;
using Severity = Diagnostic::Severity;

std::string addressText(const std::string& bytes) {
  char buf[64];
  inet_ntop(bytes.size() == 16 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

// The same problem found in several views is one diagnostic that names the views. Collected
// while the views are checked, and reported together when they all have been.
class ViewDiagnostics {
 public:
  explicit ViewDiagnostics(LoadContext& context) : context_(context) {}

  void add(const SourceLocation& record_where, const std::string& message, int view,
           Severity severity = Severity::kError) {
    const SourceLocation where = context_.located(record_where);
    const std::string& view_name = context_.zone().views[static_cast<std::size_t>(view)].name;
    for (auto& pending : pending_) {
      if (pending.severity == severity && pending.where.file == where.file &&
          pending.where.line == where.line && pending.where.column == where.column &&
          pending.message == message) {
        pending.views.push_back(view_name);
        return;
      }
    }
    pending_.push_back({severity, where, message, {view_name}});
  }

  void flush() {
    for (auto& pending : pending_)
      context_.diagnostics().push_back(
          Diagnostic{pending.severity, pending.where,
                     pending.message + " (" + (pending.views.size() == 1 ? "view " : "views ") +
                         join(pending.views) + ")"});
    pending_.clear();
  }

 private:
  struct Pending {
    Severity severity;
    SourceLocation where;
    std::string message;
    std::vector<std::string> views;
  };
  LoadContext& context_;
  std::vector<Pending> pending_;
};

// Records of one owner in this view, by index; built once per check so that the checks stay
// linear in the zone's size.
std::unordered_map<std::string, std::vector<std::size_t>> byOwner(
    const std::vector<ResourceRecord>& records) {
  std::unordered_map<std::string, std::vector<std::size_t>> out;
  out.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) out[records[i].owner].push_back(i);
  return out;
}

std::uint64_t rrsetHash(const ResourceRecord& r) {
  return mix64(std::hash<std::string_view>()(r.owner) * 31 + r.type);
}

// Identical records collapse; an RRset whose TTLs differ gets the lowest (RFC 2181 5.2).
void dedupe(std::vector<ResourceRecord>& records, int view, ViewDiagnostics& report) {
  // Identical records (owner, type, data) collapse into the first one.
  {
    std::vector<std::uint32_t> table = emptyIndexTable(records.size());
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
  std::vector<std::uint32_t> table = emptyIndexTable(records.size());
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
    report.add(record.where,
               "the " + wire::typeToName(record.type) + " records of '" +
                   wire::nameToText(record.owner) + "' have different TTLs (" +
                   std::to_string(record.ttl) + " here, " + std::to_string(low.ttl) + " at line " +
                   std::to_string(low.where.line) + "); all get " + std::to_string(low.ttl),
               view, Severity::kWarning);
    record.ttl = low.ttl;
  }
}

// A CNAME must be the only record at its name (RFC 1034 3.6.2), so never at the apex.
void checkCnames(const LoadContext& context, const std::vector<ResourceRecord>& records, int view,
                 ViewDiagnostics& report) {
  std::unordered_map<std::string, std::vector<std::size_t>> owners;
  bool any_cname = std::any_of(records.begin(), records.end(),
                               [](const ResourceRecord& r) { return r.type == type::CNAME; });
  if (any_cname) owners = byOwner(records);
  for (const auto& cname : records) {
    if (cname.type != type::CNAME) continue;
    const std::string owner_text = wire::nameToText(cname.owner);
    if (cname.owner == context.zone().origin) {
      report.add(cname.where,
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
      report.add(cname.where,
                 "CNAME beside other data at '" + owner_text + "': " +
                     (other.type == type::CNAME ? std::string("a second CNAME")
                                                : wire::typeToName(other.type)) +
                     " at " + context.lineText(other.where) +
                     "; a CNAME must be the only record at its name",
                 view);
      break;
    }
  }
}

bool isPublicFacing(const View& view) {
  if (view.name == "public") return true;
  return std::any_of(view.prefixes.begin(), view.prefixes.end(),
                     [](const ip::Prefix& p) { return !ip::isPrivatePrefix(p); });
}

// A private address in a view that answers the Internet is most often a mistake; where it is
// intended, the value says so with allow-private.
void checkPrivate(const View& view, int index, ViewDiagnostics& report) {
  if (!isPublicFacing(view)) return;
  for (const auto& record : view.records) {
    if ((record.type != type::A && record.type != type::AAAA) || record.allow_private) continue;
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(record.rdata.data());
    if (!ip::isPrivateAddress(bytes, record.type == type::AAAA)) continue;
    report.add(record.where,
               "private address " + addressText(record.rdata) + " for '" +
                   wire::nameToText(record.owner) +
                   "' in a public-facing view; set allow-private: true on this value if it is "
                   "intended",
               index);
  }
}

// Wildcards are what replaces /etc/hosts here, but RFC 4592 wildcards also match deeper names,
// which surprises people whose resolver appends the zone as a search domain.
void warnWildcards(LoadContext& context) {
  const Zone& zone = context.zone();
  struct Wildcard {
    std::string owner;
    SourceLocation where;
    std::vector<std::string> views;
  };
  std::vector<Wildcard> wildcards;
  const auto& keys = context.wildcardKeys();
  for (const auto& view : zone.views) {
    for (const auto& record : view.records) {
      if (!isWildcard(record.owner)) continue;
      auto it = std::find_if(wildcards.begin(), wildcards.end(),
                             [&](const Wildcard& w) { return w.owner == record.owner; });
      if (it == wildcards.end()) {
        auto key = keys.find(record.owner);
        wildcards.push_back(
            {record.owner, key == keys.end() ? context.located(record.where) : key->second, {}});
        it = wildcards.end() - 1;
      }
      if (it->views.empty() || it->views.back() != view.name) it->views.push_back(view.name);
    }
  }
  if (wildcards.empty() || context.acknowledged().count(kWildcardSearchDomain)) return;
  std::vector<std::string> described, examples;
  for (const auto& w : wildcards) {
    std::string text = wire::nameToText(w.owner);
    described.push_back(text + " (" + (w.where.file == context.file() ? "" : w.where.file + " ") +
                        "line " + std::to_string(w.where.line) + "; " +
                        (w.views.size() == 1 ? "view " : "views ") + join(w.views) + ")");
    examples.push_back("a.b." + text.substr(2));
  }
  std::string apex = zone.origin_text.substr(0, zone.origin_text.size() - 1);
  bool one = wildcards.size() == 1;
  context.warning(wildcards.front().where,
                  std::string(one ? "wildcard " : "wildcards ") + join(described, " and ") +
                      (one ? " also matches" : " also match") + " names with more labels (e.g. " +
                      join(examples, ", ") + "), so a client that uses " + apex +
                      " as a search domain gets " + (one ? "its" : "their") +
                      " answer for mistyped or unqualified names");
}

}  // namespace

void runSemanticChecks(LoadContext& context) {
  ViewDiagnostics report(context);
  auto& views = context.zone().views;
  for (std::size_t v = 0; v < views.size(); ++v) {
    const int index = static_cast<int>(v);
    dedupe(views[v].records, index, report);
    checkCnames(context, views[v].records, index, report);
    checkPrivate(views[v], index, report);
  }
  report.flush();
  warnWildcards(context);
}

}  // namespace horizon::zone
