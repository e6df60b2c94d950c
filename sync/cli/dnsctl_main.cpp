// dnsctl: the owner's command for the zone file. Edits it the way a careful person would (only the
// lines that must change, validated with the server's own loader, written atomically under a
// lock), then asks horizond to reload and runs horizon-sync's apply. Also answers "what would the
// server say" from the file with the server's own answer engine.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "horizon/edit/control_client.hpp"
#include "horizon/edit/edit_transaction.hpp"
#include "horizon/edit/hosts_import.hpp"
#include "horizon/edit/live_follow_ups.hpp"
#include "horizon/edit/service_edit.hpp"
#include "horizon/edit/zone_edit.hpp"
#include "horizon/edit/zone_file_io.hpp"
#include "horizon/edit/zone_inspect.hpp"
#include "horizon/query/compiled_zone.hpp"
#include "horizon/sync/sync_command.hpp"
#include "horizon/sync/sync_report_printer.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace {

using namespace horizon;
using Json = nlohmann::json;

// Exit codes, documented in --help and the README.
constexpr int kExitOk = 0;
constexpr int kExitError = 1;    // something failed (file unreadable, server or API error)
constexpr int kExitRefused = 2;  // validation refused the change or the input; file untouched
constexpr int kExitUsage = 64;   // EX_USAGE: a bad command line

const char* kUsage =
    R"(usage: dnsctl [--zone FILE] [--control PATH] [--json] COMMAND [ARGS] [options]

Edits and inspects a horizon zone file (the source of truth of horizond and
horizon-sync). Options may come before or after the command.

commands:
  expose NAME           add NAME to public.services, then reload and sync
  unexpose NAME         remove NAME from public.services, then reload and sync
  list                  every name with its answer per view and whether it is published
  query NAME [TYPE]     the answer the server would give (--view V or --from ADDR)
  check                 validate the file; errors and warnings with line numbers
  plan                  horizon-sync plan for this zone (Cloudflare and Traefik)
  sync                  horizon-sync apply for this zone
  reload                ask the running server to reload (needs --control)
  status                the running server's status (needs --control)
  import-hosts FILE     turn /etc/hosts lines for names in the zone into records

global options:
  --zone FILE           the zone file (default zones/madhan.app.yaml)
  --control PATH        horizond's control socket (default $HORIZON_CONTROL_SOCKET;
                        without either, the server is not contacted)
  --json                machine-readable output
  --help                this text; COMMAND --help for one command

exit status: 0 ok (also a no-op edit); 1 error (including a failed reload or sync after
the file was written, which is said); 2 refused (invalid name, name outside the zone,
an edit the loader rejects... file untouched); 64 bad command line. check exits 1
on errors.
)";

const std::map<std::string, std::string> kCommandHelp = {
    {"expose", R"(usage: dnsctl expose NAME [--zone FILE] [--control PATH] [sync options]

Adds NAME (jellyfin or jellyfin.madhan.app) to public.services, so the public view
answers it with public.via. Only the services line changes; comments, order and
quoting stay. The edit is validated with the server's loader before it is written
(atomically, under a lock on the zone file's directory). Already published: no-op.
Then: the server reloads (with --control or $HORIZON_CONTROL_SOCKET), Cloudflare is
synced when a token is configured (CLOUDFLARE_API_TOKEN or --token-file), and the
Traefik file is rendered with --traefik-out.

sync options (as horizon-sync's):
)"},
    {"unexpose", R"(usage: dnsctl unexpose NAME [--zone FILE] [--control PATH] [sync options]

Removes NAME from public.services (the list stays, possibly as []), then reloads and
syncs like expose. Not listed: no-op.

sync options (as horizon-sync's):
)"},
    {"list", R"HELP(usage: dnsctl list [--zone FILE] [--json]

One row per name of the zone (every record owner of every view, and every public
service): its A/AAAA/CNAME answer in each view as the server computes it ("-": none or
NXDOMAIN; "(*)": answered by a wildcard) and whether it is published (answered in the
public view; "service": listed in public.services).
)HELP"},
    {"query", R"(usage: dnsctl query NAME [TYPE] [--view V | --from ADDR] [--zone FILE] [--json]

The answer horizond would give, computed from the file by the server's own answer
engine (no server needed). TYPE defaults to A. NAME is absolute (grafana.madhan.app);
a single label (grafana) or @ is taken relative to the zone. The client is --from ADDR,
or with --view V an address that really selects V (its first prefix's network+1, or
the next candidate when a more specific prefix of another view covers it); without
either, --from 127.0.0.1.
)"},
    {"check", R"(usage: dnsctl check [--zone FILE] [--json]

Loads the file with the server's loader and prints every error and warning as
file:line:column, then a summary (zone, serial, views with record counts).
Exit 0 when there is no error (warnings allowed), 1 when there are errors.
)"},
    {"plan", R"(usage: dnsctl plan [--zone FILE] [--json] [sync options]

Exactly horizon-sync plan --zone FILE: what would change on Cloudflare and in the
Traefik file. Exit 0 in sync, 2 changes pending, 1 error.

sync options:
)"},
    {"sync", R"(usage: dnsctl sync [--zone FILE] [--json] [sync options]

Exactly horizon-sync apply --zone FILE. Exit 0 everything in place, 2 something
left undone, 1 error.

sync options:
)"},
    {"reload", R"(usage: dnsctl reload --control PATH [--json]

Asks the running horizond to reload its zone files now; prints the new serials or
the reason the reload failed (the server then keeps serving the last good data).
)"},
    {"status", R"(usage: dnsctl status --control PATH [--json]

The running server's status: zones, serials, views with record counts, the last
reload and its result, uptime.
)"},
    {"import-hosts",
     R"(usage: dnsctl import-hosts FILE [--view V] [--dry-run] [--zone FILE] [--control PATH]

Reads /etc/hosts-format lines (ADDR name [aliases...]). For each name inside the zone:
if view V (default lan) already answers exactly ADDR, it is reported as covered (for
example by the *.madhan.app wildcard); otherwise a record "name: {V: ADDR}" is added
under records (validated, atomic, locked like expose). Names outside the zone are
skipped; a name with its own entry answering something else is a conflict left for
a person. --dry-run only reports. After an edit: reload and sync as for expose.
)"},
};

struct Options {
  std::string command;
  std::vector<std::string> args;
  std::string zone = "zones/madhan.app.yaml";
  std::string control;
  bool json = false;
  std::string view;
  std::string from;
  bool dry_run = false;
  bool help = false;
  sync::SyncSettings sync;
  bool token_file_given = false;
};

[[noreturn]] void usageError(const std::string& message) {
  std::cerr << "dnsctl: " << message << "\n(dnsctl --help shows the commands and options)\n";
  std::exit(kExitUsage);
}

Options parseOptions(int argc, char** argv) {
  Options o;
  std::vector<std::string> positional;
  sync::ArgumentCursor cursor(argc, argv);
  while (cursor.advance()) {
    const std::string arg = cursor.name();
    const bool has_inline = cursor.hasInlineValue();
    auto next = [&]() -> std::string { return cursor.value(); };
    auto flag = [&](bool& target) {
      if (has_inline) throw sync::UsageError(arg + " takes no value");
      target = true;
    };
    if (arg == "--help" || arg == "-h") {
      o.help = true;
    } else if (arg == "--zone") {
      o.zone = next();
    } else if (arg == "--control") {
      o.control = next();
    } else if (arg == "--json") {
      flag(o.json);
    } else if (arg == "--view") {
      o.view = next();
    } else if (arg == "--from") {
      o.from = next();
    } else if (arg == "--dry-run") {
      flag(o.dry_run);
    } else if (sync::parseSyncOption(o.sync, arg, next, has_inline)) {
      o.token_file_given |= arg == "--token-file";
    } else if (arg.size() > 1 && arg[0] == '-') {
      throw sync::UsageError("unknown option '" + arg + "'");
    } else {
      positional.push_back(arg);
    }
  }
  if (!positional.empty()) {
    o.command = positional[0];
    o.args.assign(positional.begin() + 1, positional.end());
  }
  if (o.control.empty())
    if (const char* env = std::getenv("HORIZON_CONTROL_SOCKET"); env && *env) o.control = env;
  o.sync.zone_file = o.zone;
  sync::finishSyncSettings(o.sync);
  return o;
}

void requireArgs(const Options& o, std::size_t min, std::size_t max, const char* what) {
  if (o.args.size() < min || o.args.size() > max)
    throw sync::UsageError(o.command + " expects " + what);
}

// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
struct Style {
  bool on = false;
  std::string wrap(const std::string& text, const char* code) const {
    return on ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
  }
  std::string bold(const std::string& t) const { return wrap(t, "1"); }
  std::string green(const std::string& t) const { return wrap(t, "32"); }
  std::string red(const std::string& t) const { return wrap(t, "31"); }
  std::string dim(const std::string& t) const { return wrap(t, "2"); }
};

// Prints rows with aligned columns; `styled[r][c]` may hold escape codes, widths use `plain`.
void printTable(const std::vector<std::vector<std::string>>& plain,
                const std::vector<std::vector<std::string>>& styled) {
  std::vector<std::size_t> width;
  for (const auto& row : plain)
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], row[c].size());
    }
  for (std::size_t r = 0; r < plain.size(); ++r) {
    std::string line;
    for (std::size_t c = 0; c < plain[r].size(); ++c) {
      line += styled[r][c];
      if (c + 1 < plain[r].size()) line += std::string(width[c] - plain[r][c].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

// The loader's diagnostics on stderr, one per line.
void printReport(const zone::LoadResult& loaded) {
  for (const auto& d : loaded.diagnostics) std::cerr << d.toString() << "\n";
}

// The zone loaded from the file, with its diagnostics printed on failure.
std::optional<zone::Zone> loadOrReport(const Options& o) {
  zone::LoadResult loaded = zone::loadZoneFile(o.zone);
  if (!loaded.ok()) {
    printReport(loaded);
    std::cerr << "dnsctl: " << o.zone << " has errors (dnsctl check shows them)\n";
    return std::nullopt;
  }
  return std::move(loaded.zone);
}

int cmdCheck(const Options& o, const Style& style) {
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
  return loaded.ok() ? kExitOk : kExitError;
}

Json recordsJson(const std::vector<edit::AnswerRecord>& records) {
  Json out = Json::array();
  for (const auto& r : records)
    out.push_back({{"name", r.owner}, {"ttl", r.ttl}, {"type", r.type}, {"data", r.data}});
  return out;
}

int cmdQuery(const Options& o) {
  requireArgs(o, 1, 2, "NAME [TYPE]");
  if (!o.view.empty() && !o.from.empty()) throw sync::UsageError("give --view or --from, not both");
  auto zone = loadOrReport(o);
  if (!zone) return kExitError;
  auto snapshot = query::compileSnapshot({*zone});
  std::optional<ip::ClientAddress> client;
  if (!o.view.empty()) {
    std::string error;
    client = edit::representativeAddress(snapshot->zones.front(), o.view, &error);
    if (!client) {
      std::cerr << "dnsctl: " << error << "\n";
      return kExitRefused;
    }
  } else {
    client = ip::ClientAddress::fromString(o.from.empty() ? "127.0.0.1" : o.from);
    if (!client)
      throw sync::UsageError("--from needs an IPv4 or IPv6 address, not '" + o.from + "'");
  }
  std::string name = o.args[0];
  if (name == "@") {
    name = zone->origin_text;
  } else if (name.find('.') == std::string::npos) {
    name += "." + zone->origin_text;  // one label: relative to the zone
  }
  edit::QueryResult r;
  try {
    r = edit::queryZone(*snapshot, *client, name, o.args.size() > 1 ? o.args[1] : "A");
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
    return kExitOk;
  }
  std::cout << ";; client " << r.client << ", view "
            << (r.view.empty() ? std::string("(none)") : r.view) << "\n";
  std::cout << ";; status: " << r.rcode << (r.authoritative ? ", flags: aa" : "") << "\n";
  if (r.rcode == "RECURSION")
    std::cout << ";; outside the zone: this view may recurse, so the resolver would answer\n";
  std::cout << "\n;; QUESTION SECTION:\n;" << r.qname << "\t\tIN\t" << r.qtype << "\n";
  auto section = [](const char* title, const std::vector<edit::AnswerRecord>& records) {
    if (records.empty()) return;
    std::cout << "\n;; " << title << " SECTION:\n";
    for (const auto& rr : records)
      std::cout << rr.owner << "\t" << rr.ttl << "\tIN\t" << rr.type << "\t" << rr.data << "\n";
  };
  section("ANSWER", r.answer);
  section("AUTHORITY", r.authority);
  section("ADDITIONAL", r.additional);
  return kExitOk;
}

int cmdList(const Options& o, const Style& style) {
  requireArgs(o, 0, 0, "no arguments");
  auto zone = loadOrReport(o);
  if (!zone) return kExitError;
  auto snapshot = query::compileSnapshot({*zone});
  edit::ListTable table = edit::listZone(*zone, *snapshot);
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
    return kExitOk;
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
  return kExitOk;
}

void printDiff(const Options& o, const std::vector<std::string>& diff, const Style& style) {
  std::cout << "file: " << o.zone << "\n";
  for (const auto& line : diff) {
    if (line.starts_with("-"))
      std::cout << "  " << style.red(line) << "\n";
    else if (line.starts_with("+"))
      std::cout << "  " << style.green(line) << "\n";
    else
      std::cout << "  " << style.dim(line) << "\n";
  }
}

// The loader's diagnostics of a refused edit, on stderr.
void printDiagnostics(const edit::FileEdit& file) {
  for (const auto& d : file.diagnostics) std::cerr << d.toString() << "\n";
}

// The server's part of a written edit: a line of text, or report["server"].
void printServerReload(const Options& o, const edit::EditReport& e, Json& report,
                       const Style& style) {
  const edit::ServerReload& server = *e.server;
  switch (server.state) {
    case edit::ServerReload::State::kNotConfigured:
      report["server"] = {{"state", "not configured"}};
      if (!o.json)
        std::cout << "server: not configured (no --control or $HORIZON_CONTROL_SOCKET)\n";
      break;
    case edit::ServerReload::State::kReloaded: {
      report["server"] = {{"state", "reloaded"}, {"serials", server.serials}};
      std::string serials;
      for (const auto& [origin, serial] : server.serials) {
        auto old = e.serials_before.find(origin);
        serials += (serials.empty() ? "" : ", ") + origin + " serial " +
                   (old != e.serials_before.end() ? std::to_string(old->second) + " -> " : "") +
                   std::to_string(serial);
      }
      if (!o.json) std::cout << "server: " << style.green("reloaded") << " (" << serials << ")\n";
      break;
    }
    case edit::ServerReload::State::kFailed:
      report["server"] = {{"state", "reload failed"}, {"error", server.error}};
      if (!o.json)
        std::cout << "server: " << style.red("reload failed") << ": " << server.error
                  << " (it keeps serving the last good data)\n";
      break;
    case edit::ServerReload::State::kUnreachable:
      report["server"] = {{"state", "not reachable"}, {"error", server.error}};
      if (!o.json)
        std::cout << "server: " << style.red("not reachable") << ": " << server.error << "\n";
      break;
  }
}

// Cloudflare's and Traefik's part of a written edit: lines of text (horizon-sync's own report of
// Cloudflare indented under dnsctl's line), or report["cloudflare"] and report["traefik"].
void printSyncFollowUp(const Options& o, const edit::SyncFollowUp& follow_up, Json& report,
                       const Style& style) {
  const char* kNoCloudflare =
      "cloudflare: not configured (no CLOUDFLARE_API_TOKEN or --token-file)";
  const char* kNoTraefik = "traefik: not configured (no --traefik-out)";
  if (!follow_up.report) {
    report["cloudflare"] = {{"state", "not configured"}};
    report["traefik"] = {{"state", "not configured"}};
    if (!o.json) std::cout << kNoCloudflare << "\n" << kNoTraefik << "\n";
    return;
  }
  const sync::SyncReport& run = *follow_up.report;
  const sync::ChangeCounts counts = run.changeCounts();
  const std::string cloudflare_state = sync::cloudflareStateText(run.cloudflare);
  const std::string traefik_state = sync::traefikStateText(run.traefik.state);
  std::ostringstream errors;
  sync::writeSyncErrors(run, "dnsctl", errors);
  if (o.json) {
    Json cloudflare = {{"state", "not configured"}};
    if (follow_up.cloudflare_configured)
      cloudflare = {{"state", cloudflare_state},
                    {"created", counts.creates},
                    {"updated", counts.updates},
                    {"deleted", counts.deletes},
                    {"detail", sync::syncReportJson(run)}};
    report["cloudflare"] = cloudflare;
    report["traefik"] = follow_up.traefik_configured
                            ? Json{{"state", traefik_state}, {"file", run.traefik.file}}
                            : Json{{"state", "not configured"}};
    if (!errors.str().empty()) report["errors"] = errors.str();
    return;
  }
  if (follow_up.cloudflare_configured) {
    const bool ok = run.cloudflare.state == sync::CloudflareOutcome::State::kInSync;
    std::cout << "cloudflare: "
              << (ok ? style.green(cloudflare_state) : style.red(cloudflare_state)) << ": created "
              << counts.creates << ", updated " << counts.updates << ", deleted " << counts.deletes
              << "\n";
    sync::writeCloudflareText(run, std::cout, "  ");
  } else {
    std::cout << kNoCloudflare << "\n";
  }
  if (follow_up.traefik_configured)
    std::cout << "traefik: " << traefik_state << " " << run.traefik.file << "\n";
  else
    std::cout << kNoTraefik << "\n";
  std::cerr << errors.str();
}

// Everything after a written edit: the diff is printed by the caller, this prints the rest.
void printFollowUps(const Options& o, const edit::EditReport& e, Json& report, const Style& style) {
  printServerReload(o, e, report, style);
  printSyncFollowUp(o, *e.sync, report, style);
}

edit::LiveFollowUps liveFollowUps(const Options& o) {
  return edit::LiveFollowUps(o.control, o.sync, o.token_file_given);
}

int cmdExpose(const Options& o, bool expose, const Style& style) {
  requireArgs(o, 1, 1, "one NAME");
  const std::string typed = o.args[0];
  edit::LiveFollowUps follow_ups = liveFollowUps(o);
  edit::ServiceEditReport r = edit::editPublicService(
      o.zone, typed, expose ? edit::ServiceAction::kExpose : edit::ServiceAction::kUnexpose,
      follow_ups);
  const edit::FileEdit& file = r.edit.file;
  Json report = {{"command", o.command}, {"name", r.name}};
  switch (file.status) {
    case edit::FileEdit::Status::kRefused:
      printDiagnostics(file);
      if (o.json) {
        report["file"] = {{"path", o.zone}, {"changed", false}, {"refused", file.message}};
        std::cout << report.dump(2) << "\n";
      }
      std::cerr << "dnsctl: " << o.command << " " << typed << ": refused: " << file.message << "\n";
      break;
    case edit::FileEdit::Status::kUnchanged:
      if (o.json) {
        report["file"] = {{"path", o.zone}, {"changed", false}, {"message", file.message}};
        std::cout << report.dump(2) << "\n";
      } else {
        std::cout << file.message << "; " << o.zone << " unchanged, nothing to do\n";
      }
      break;
    case edit::FileEdit::Status::kWritten:
      if (o.json) {
        report["file"] = {{"path", o.zone}, {"changed", true}, {"diff", file.diff}};
      } else {
        std::cout << (expose ? "exposed " : "unexposed ") << style.bold(r.name) << "\n";
        printDiff(o, file.diff, style);
      }
      printFollowUps(o, r.edit, report, style);
      if (o.json) std::cout << report.dump(2) << "\n";
      break;
  }
  return r.edit.exitStatus();
}

int cmdImportHosts(const Options& o, const Style& style) {
  requireArgs(o, 1, 1, "one hosts FILE");
  const std::string view = o.view.empty() ? "lan" : o.view;
  std::string hosts_text;
  try {
    hosts_text = edit::readTextFile(o.args[0]);
  } catch (const std::exception& e) {
    std::cerr << "dnsctl: " << e.what() << "\n";
    return kExitError;
  }
  std::vector<std::string> problems;
  auto entries = edit::parseHosts(hosts_text, &problems);
  for (const auto& p : problems) std::cerr << "dnsctl: " << o.args[0] << ": " << p << "\n";
  edit::LiveFollowUps follow_ups = liveFollowUps(o);
  edit::HostsImportReport r = edit::importHosts(o.zone, entries, view, o.dry_run, follow_ups);
  const edit::FileEdit& file = r.edit.file;
  const bool written = file.status == edit::FileEdit::Status::kWritten;

  static const char* kKinds[] = {"covered", "add", "skipped", "conflict"};
  Json report = {{"command", "import-hosts"}, {"view", view}, {"dry_run", o.dry_run}};
  Json items = Json::array();
  std::vector<std::vector<std::string>> plain, styled;
  for (const auto& d : r.decisions) {
    std::string kind = kKinds[static_cast<int>(d.kind)];
    if (kind == "add") kind = o.dry_run || !written ? "would add" : "added";
    items.push_back({{"line", d.entry.line},
                     {"address", d.entry.address},
                     {"name", d.entry.name},
                     {"result", kind},
                     {"reason", d.reason}});
    plain.push_back({kind, d.entry.address, d.entry.name, d.reason});
    styled.push_back({kind == "added"      ? style.green(kind)
                      : kind == "conflict" ? style.red(kind)
                                           : kind,
                      d.entry.address, d.entry.name, style.dim(d.reason)});
  }
  report["entries"] = items;
  if (!o.json) printTable(plain, styled);
  switch (file.status) {
    case edit::FileEdit::Status::kRefused:
      printDiagnostics(file);
      std::cerr << "dnsctl: import-hosts: refused: " << file.message << "\n";
      if (o.json) {
        report["file"] = {{"path", o.zone}, {"changed", false}, {"refused", file.message}};
        std::cout << report.dump(2) << "\n";
      }
      break;
    case edit::FileEdit::Status::kUnchanged:
      report["file"] = {{"path", o.zone}, {"changed", false}};
      if (o.json)
        std::cout << report.dump(2) << "\n";
      else
        std::cout << (o.dry_run ? "dry run: " : "") << o.zone << " unchanged\n";
      break;
    case edit::FileEdit::Status::kWritten:
      report["file"] = {{"path", o.zone}, {"changed", true}, {"diff", file.diff}};
      if (!o.json) printDiff(o, file.diff, style);
      printFollowUps(o, r.edit, report, style);
      if (o.json) std::cout << report.dump(2) << "\n";
      break;
  }
  return r.exitStatus();
}

int cmdControl(const Options& o, const Style& style) {
  requireArgs(o, 0, 0, "no arguments");
  if (o.control.empty())
    throw sync::UsageError(o.command +
                           " needs the server's control socket: --control PATH (or "
                           "$HORIZON_CONTROL_SOCKET), as given to horizond --control");
  Json r;
  try {
    r = edit::controlRequest(o.control, {{"command", o.command}});
  } catch (const edit::ControlError& e) {
    std::cerr << "dnsctl: the server is not reachable: " << e.what() << "\n";
    return kExitError;
  }
  if (o.json) {
    std::cout << r.dump(2) << "\n";
    return r.value("ok", false) ? kExitOk : kExitError;
  }
  if (!r.value("ok", false)) {
    std::cerr << "dnsctl: " << o.command << " failed: " << r.value("error", "(no reason given)")
              << "\n";
    return kExitError;
  }
  if (o.command == "reload") {
    std::cout << style.green("reloaded");
    const Json serials = r.value("serials", Json::object());
    for (const auto& [origin, serial] : serials.items())
      std::cout << "  " << origin << " serial " << serial.dump();
    std::cout << "\n";
    return kExitOk;
  }
  const Json s = r.value("status", Json::object());
  auto text = [](const Json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); };
  std::cout << text(s.value("version", Json("horizond"))) << ", up "
            << text(s.value("uptime_seconds", Json(0))) << " s (since "
            << text(s.value("started", Json("?"))) << ")\n";
  const Json reloads = s.value("reloads", Json::object());
  std::cout << "reloads: " << text(reloads.value("ok", Json(0))) << " ok, "
            << text(reloads.value("failed", Json(0))) << " failed\n";
  if (const Json last = s.value("last_reload", Json(nullptr)); last.is_object()) {
    const bool ok = last.value("ok", false);
    std::cout << "last reload: " << text(last.value("time", Json("?"))) << " ("
              << text(last.value("trigger", Json("?"))) << ") "
              << (ok ? style.green("ok")
                     : style.red("failed: " + text(last.value("error", Json("")))))
              << "\n";
  }
  std::vector<std::vector<std::string>> plain = {
      {"ZONE", "SERIAL", "VIEW", "RECORDS", "RECURSION", "FILE"}};
  std::vector<std::vector<std::string>> styled;
  for (const auto& zone : s.value("zones", Json::array())) {
    for (const auto& view : zone.value("views", Json::array()))
      plain.push_back({text(zone.value("origin", Json(""))), text(zone.value("serial", Json(0))),
                       text(view.value("name", Json(""))), text(view.value("records", Json(0))),
                       view.value("recursion", false) ? "yes" : "no",
                       text(zone.value("source_file", Json("")))});
  }
  styled = plain;
  for (auto& h : styled[0]) h = style.bold(h);
  printTable(plain, styled);
  return kExitOk;
}

int run(const Options& o) {
  Style style;
  style.on = !o.json && ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
  const std::string& c = o.command;
  if (c == "check") return requireArgs(o, 0, 0, "no arguments"), cmdCheck(o, style);
  if (c == "query") return cmdQuery(o);
  if (c == "list") return cmdList(o, style);
  if (c == "expose" || c == "unexpose") return cmdExpose(o, c == "expose", style);
  if (c == "import-hosts") return cmdImportHosts(o, style);
  if (c == "reload" || c == "status") return cmdControl(o, style);
  if (c == "plan" || c == "sync") {
    requireArgs(o, 0, 0, "no arguments");
    if (o.sync.skip_cloudflare && o.sync.traefik_out.empty())
      throw sync::UsageError("--no-cloudflare leaves nothing to do without --traefik-out");
    sync::SyncReport report = sync::runSync(o.sync, c == "sync");
    sync::writeSyncErrors(report, "dnsctl", std::cerr);
    if (o.json) {
      if (report.zone_loaded) std::cout << sync::syncReportJson(report).dump(2) << "\n";
    } else {
      sync::writeSyncText(report, std::cout);
    }
    return report.exitStatus();
  }
  throw sync::UsageError("unknown command '" + c +
                         "' (commands: expose, unexpose, list, query, check, plan, sync, "
                         "reload, status, import-hosts)");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Options o = parseOptions(argc, argv);
    if (o.help) {
      auto it = kCommandHelp.find(o.command);
      if (it == kCommandHelp.end()) {
        std::cout << kUsage;
      } else {
        std::cout << it->second;
        if (it->second.ends_with("options:\n") || it->second.ends_with("'s):\n"))
          std::cout << horizon::sync::kSyncOptionsHelp;
      }
      return kExitOk;
    }
    if (o.command.empty()) usageError("no command given");
    return run(o);
  } catch (const horizon::sync::UsageError& e) {
    usageError(e.what());
  } catch (const std::exception& e) {
    std::cerr << "dnsctl: " << e.what() << "\n";
    return kExitError;
  }
}
