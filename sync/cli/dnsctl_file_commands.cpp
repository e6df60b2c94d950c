// dnsctl's commands that read the zone file: check (the loader's verdict), query (the answer
// engine's) and list (every name in every view). They share the server's code, so what they
// say is what horizond would do with the file.
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "dnsctl_commands.hpp"
#include "horizon/edit/edit_transaction.hpp"
#include "horizon/edit/zone_inspect.hpp"
#include "horizon/query/compiled_zone.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace horizon::edit {
namespace {

using Json = nlohmann::json;

// The loader's diagnostics on stderr, one per line.
void printReport(const zone::LoadResult& loaded) {
  for (const auto& d : loaded.diagnostics) std::cerr << d.toString() << "\n";
}

// The zone loaded from the file, with its diagnostics printed on failure.
std::optional<zone::Zone> loadOrReport(const DnsctlOptions& o) {
  zone::LoadResult loaded = zone::loadZoneFile(o.zone);
  if (!loaded.ok()) {
    printReport(loaded);
    std::cerr << "dnsctl: " << o.zone << " has errors (dnsctl check shows them)\n";
    return std::nullopt;
  }
  return std::move(loaded.zone);
}

Json recordsJson(const std::vector<AnswerRecord>& records) {
  Json out = Json::array();
  for (const auto& r : records)
    out.push_back({{"name", r.owner}, {"ttl", r.ttl}, {"type", r.type}, {"data", r.data}});
  return out;
}

}  // namespace

int runCheck(const DnsctlOptions& o, const TerminalStyle& style) {
  zone::LoadResult loaded = zone::loadZoneFile(o.zone);
  int errors = 0, warnings = 0;
  Json diagnostics = Json::array();
  for (const auto& d : loaded.diagnostics) {
    const bool error = d.severity == zone::Diagnostic::Severity::kError;
    (error ? errors : warnings)++;
    if (o.json) {
      diagnostics.push_back({{"severity", error ? "error" : "warning"},
                             {"file", d.where.file},
                             {"line", d.where.line},
                             {"column", d.where.column},
                             {"message", d.message},
                             {"text", d.toString()}});
    } else {
      std::string text = d.toString();
      std::cout << (error ? style.red(text) : text) << "\n";
    }
  }
  if (o.json) {
    Json out = {{"file", o.zone},
                {"ok", loaded.ok()},
                {"errors", errors},
                {"warnings", warnings},
                {"diagnostics", diagnostics}};
    if (loaded.ok()) {
      out["zone"] = loaded.zone->origin_text;
      out["serial"] = loaded.zone->serial;
      Json views = Json::array();
      for (const auto& v : loaded.zone->views)
        views.push_back({{"name", v.name}, {"records", v.records.size()}});
      out["views"] = views;
    }
    std::cout << out.dump(2) << "\n";
  } else if (loaded.ok()) {
    const zone::Zone& z = *loaded.zone;
    std::string views;
    for (const auto& v : z.views)
      views += (views.empty() ? "" : ", ") + v.name + " (" + std::to_string(v.records.size()) +
               " records)";
    std::cout << style.green("ok") << ": " << o.zone << ": zone " << z.origin_text << " serial "
              << z.serial << ", views " << views << "; " << warnings << " warning(s)\n";
  } else {
    std::cout << style.red("invalid") << ": " << o.zone << ": " << errors << " error(s), "
              << warnings << " warning(s)\n";
  }
  return loaded.ok() ? kEditExitOk : kEditExitFailed;
}

int runQuery(const DnsctlOptions& o) {
  if (!o.view.empty() && !o.from.empty()) throw sync::UsageError("give --view or --from, not both");
  auto zone = loadOrReport(o);
  if (!zone) return kEditExitFailed;
  auto snapshot = query::compileSnapshot({*zone});
  std::optional<ip::ClientAddress> client;
  if (!o.view.empty()) {
    std::string error;
    client = representativeAddress(snapshot->zones.front(), o.view, &error);
    if (!client) {
      std::cerr << "dnsctl: " << error << "\n";
      return kEditExitRefused;
    }
  } else {
    client = ip::ClientAddress::fromString(o.from.empty() ? "127.0.0.1" : o.from);
    if (!client)
      throw sync::UsageError("--from needs an IPv4 or IPv6 address, not '" + o.from + "'");
  }
  QueryResult r;
  try {
    r = queryZone(*snapshot, *client, resolveQueryName(o.name, *zone), o.type);
  } catch (const std::invalid_argument& e) {
    throw sync::UsageError(e.what());
  }
  if (o.json) {
    std::cout << Json{{"question", {{"name", r.qname}, {"type", r.qtype}}},
                      {"client", r.client},
                      {"view", r.view.empty() ? Json(nullptr) : Json(r.view)},
                      {"rcode", r.rcode},
                      {"authoritative", r.authoritative},
                      {"answer", recordsJson(r.answer)},
                      {"authority", recordsJson(r.authority)},
                      {"additional", recordsJson(r.additional)}}
                     .dump(2)
              << "\n";
    return kEditExitOk;
  }
  std::cout << ";; client " << r.client << ", view "
            << (r.view.empty() ? std::string("(none)") : r.view) << "\n";
  std::cout << ";; status: " << r.rcode << (r.authoritative ? ", flags: aa" : "") << "\n";
  if (r.rcode == "RECURSION")
    std::cout << ";; outside the zone: this view may recurse, so the resolver would answer\n";
  std::cout << "\n;; QUESTION SECTION:\n;" << r.qname << "\t\tIN\t" << r.qtype << "\n";
  auto section = [](const char* title, const std::vector<AnswerRecord>& records) {
    if (records.empty()) return;
    std::cout << "\n;; " << title << " SECTION:\n";
    for (const auto& rr : records)
      std::cout << rr.owner << "\t" << rr.ttl << "\tIN\t" << rr.type << "\t" << rr.data << "\n";
  };
  section("ANSWER", r.answer);
  section("AUTHORITY", r.authority);
  section("ADDITIONAL", r.additional);
  return kEditExitOk;
}

int runList(const DnsctlOptions& o, const TerminalStyle& style) {
  auto zone = loadOrReport(o);
  if (!zone) return kEditExitFailed;
  auto snapshot = query::compileSnapshot({*zone});
  ListTable table = listZone(*zone, *snapshot);
  if (o.json) {
    Json out = Json::array();
    for (const auto& row : table.rows) {
      Json views = Json::object();
      for (std::size_t v = 0; v < table.views.size(); ++v) {
        const auto& cell = row.cells[v];
        views[table.views[v]] = {
            {"answers", cell.values}, {"wildcard", cell.wildcard}, {"nxdomain", cell.nxdomain}};
      }
      out.push_back({{"name", row.name},
                     {"views", views},
                     {"published", row.published},
                     {"service", row.service}});
    }
    std::cout << out.dump(2) << "\n";
    return kEditExitOk;
  }
  std::vector<std::vector<std::string>> plain, styled;
  std::vector<std::string> header = {"NAME"};
  for (const auto& v : table.views) header.push_back(v);
  header.push_back("PUBLISHED");
  plain.push_back(header);
  styled.push_back({});
  for (const auto& h : header) styled.back().push_back(style.bold(h));
  for (const auto& row : table.rows) {
    std::vector<std::string> p = {row.name}, s = {row.name};
    for (const auto& cell : row.cells) {
      std::string text;
      for (const auto& value : cell.values) text += (text.empty() ? "" : ", ") + value;
      if (text.empty()) text = "-";
      if (cell.wildcard) text += " (*)";
      p.push_back(text);
      s.push_back(text == "-" ? style.dim(text) : text);
    }
    std::string published = row.published ? (row.service ? "yes (service)" : "yes") : "no";
    p.push_back(published);
    s.push_back(row.published ? style.green(published) : published);
    plain.push_back(p);
    styled.push_back(s);
  }
  printTable(plain, styled);
  return kEditExitOk;
}

}  // namespace horizon::edit
