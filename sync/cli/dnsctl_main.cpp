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
#include "horizon/edit/hosts_import.hpp"
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

// The status before an edit, so a reload can say "serial X -> Y".
std::map<std::string, std::uint32_t> serialsBefore(const Options& o) {
  std::map<std::string, std::uint32_t> out;
  if (o.control.empty()) return out;
  try {
    Json status = edit::controlRequest(o.control, {{"command", "status"}});
    if (status.value("ok", false))
      for (const auto& z : status["status"]["zones"])
        out[z.value("origin", "")] = z.value("serial", 0u);
  } catch (const std::exception&) {
    // Reported by the reload that follows.
  }
  return out;
}

// After an edit: reload, then sync. Prints (or fills `report`) and returns the exit status.
int followUp(const Options& o, const std::map<std::string, std::uint32_t>& before, Json& report,
             const Style& style) {
  int status = kExitOk;
  // Server.
  Json server;
  if (o.control.empty()) {
    server = {{"state", "not configured"}};
    if (!o.json) std::cout << "server: not configured (no --control or $HORIZON_CONTROL_SOCKET)\n";
  } else {
    try {
      Json r = edit::controlRequest(o.control, {{"command", "reload"}});
      if (r.value("ok", false)) {
        server = {{"state", "reloaded"}, {"serials", r.value("serials", Json::object())}};
        std::string serials;
        for (const auto& [origin, serial] : server["serials"].items()) {
          auto old = before.find(origin);
          serials += (serials.empty() ? "" : ", ") + origin + " serial " +
                     (old != before.end() ? std::to_string(old->second) + " -> " : "") +
                     std::to_string(serial.get<std::uint32_t>());
        }
        if (!o.json) std::cout << "server: " << style.green("reloaded") << " (" << serials << ")\n";
      } else {
        status = kExitError;
        server = {{"state", "reload failed"}, {"error", r.value("error", "")}};
        if (!o.json)
          std::cout << "server: " << style.red("reload failed") << ": " << r.value("error", "")
                    << " (it keeps serving the last good data)\n";
      }
    } catch (const edit::ControlError& e) {
      status = kExitError;
      server = {{"state", "not reachable"}, {"error", e.what()}};
      if (!o.json)
        std::cout << "server: " << style.red("not reachable") << ": " << e.what() << "\n";
    }
  }
  report["server"] = server;

  // Cloudflare and Traefik, through horizon-sync's apply.
  const char* env_token = std::getenv("CLOUDFLARE_API_TOKEN");
  const bool cloudflare = o.token_file_given || (env_token && *env_token);
  sync::SyncSettings args = o.sync;
  args.skip_cloudflare = args.skip_cloudflare || !cloudflare;
  if (args.skip_cloudflare && args.traefik_out.empty()) {
    report["cloudflare"] = {{"state", "not configured"}};
    report["traefik"] = {{"state", "not configured"}};
    if (!o.json) {
      std::cout << "cloudflare: not configured (no CLOUDFLARE_API_TOKEN or --token-file)\n";
      std::cout << "traefik: not configured (no --traefik-out)\n";
    }
    return status;
  }
  sync::SyncReport outcome = sync::runSync(args, /*apply=*/true);
  if (outcome.exitStatus() != sync::kSyncExitOk) status = kExitError;
  std::ostringstream err;
  sync::writeSyncErrors(outcome, "dnsctl", err);
  const std::string traefik_state = sync::traefikStateText(outcome.traefik.state);
  const sync::ChangeCounts counts = outcome.changeCounts();
  if (o.json) {
    Json cf = {
        {"state", cloudflare ? sync::cloudflareStateText(outcome.cloudflare) : "not configured"}};
    if (cloudflare)
      cf.update({{"created", counts.creates},
                 {"updated", counts.updates},
                 {"deleted", counts.deletes},
                 {"detail", sync::syncReportJson(outcome)}});
    report["cloudflare"] = cf;
    report["traefik"] = args.traefik_out.empty()
                            ? Json{{"state", "not configured"}}
                            : Json{{"state", traefik_state}, {"file", args.traefik_out}};
    if (!err.str().empty()) report["errors"] = err.str();
    return status;
  }
  if (cloudflare) {
    const std::string state = sync::cloudflareStateText(outcome.cloudflare);
    const bool ok = outcome.cloudflare.state == sync::CloudflareOutcome::State::kInSync;
    std::cout << "cloudflare: " << (ok ? style.green(state) : style.red(state)) << ": created "
              << counts.creates << ", updated " << counts.updates << ", deleted " << counts.deletes
              << "\n";
    sync::writeCloudflareText(outcome, std::cout, "  ");
  } else {
    std::cout << "cloudflare: not configured (no CLOUDFLARE_API_TOKEN or --token-file)\n";
  }
  if (args.traefik_out.empty())
    std::cout << "traefik: not configured (no --traefik-out)\n";
  else
    std::cout << "traefik: " << traefik_state << " " << args.traefik_out << "\n";
  if (!err.str().empty()) std::cerr << err.str();
  return status;
}

// Applies `change` to the zone file's text under the lock: validates, writes, prints the diff.
// Returns the exit status of the edit itself; `written` tells whether the file changed.
struct EditOutcome {
  int status = kExitOk;
  bool written = false;
  std::vector<std::string> diff;
  std::string message;
};

EditOutcome editZoneFile(
    const Options& o,
    const std::function<edit::TextEdit(const std::string&, const zone::Zone&)>& change,
    const std::function<std::string(const zone::Zone&)>& verify) {
  EditOutcome result;
  edit::ZoneFileLock lock(o.zone);
  const std::string original = edit::readTextFile(o.zone);
  const std::string base_dir = edit::directoryOf(o.zone);
  zone::LoadResult before = zone::loadZoneText(original, o.zone, base_dir);
  if (!before.ok()) {
    printReport(before);
    result.status = kExitRefused;
    result.message = o.zone + " has errors already; fix them first (dnsctl check)";
    return result;
  }
  edit::TextEdit edited = change(original, *before.zone);
  if (edited.status == edit::TextEdit::Status::kRefused) {
    result.status = kExitRefused;
    result.message = edited.message;
    return result;
  }
  if (edited.status == edit::TextEdit::Status::kUnchanged) {
    result.message = edited.message;
    return result;
  }
  zone::LoadResult after = zone::loadZoneText(edited.text, o.zone, base_dir);
  if (!after.ok()) {
    printReport(after);
    result.status = kExitRefused;
    result.message = "the edited file would not load; " + o.zone + " is unchanged";
    return result;
  }
  // A safety net: the edit must mean what it was for, whatever the file's layout.
  if (std::string problem = verify(*after.zone); !problem.empty()) {
    result.status = kExitRefused;
    result.message = "the edit did not have the intended effect (" + problem + "); " + o.zone +
                     " is unchanged; please edit it by hand";
    return result;
  }
  edit::replaceFileAtomically(o.zone, edited.text);
  result.written = true;
  result.diff = edit::lineDiff(original, edited.text);
  return result;
}

void printDiff(const Options& o, const EditOutcome& e, const Style& style) {
  std::cout << "file: " << o.zone << "\n";
  for (const auto& line : e.diff) {
    if (line.starts_with("-"))
      std::cout << "  " << style.red(line) << "\n";
    else if (line.starts_with("+"))
      std::cout << "  " << style.green(line) << "\n";
    else
      std::cout << "  " << style.dim(line) << "\n";
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

int cmdExpose(const Options& o, bool expose, const Style& style) {
  requireArgs(o, 1, 1, "one NAME");
  const std::string typed = o.args[0];
  const auto before = serialsBefore(o);
  std::string name;
  std::string refusal;
  EditOutcome e = editZoneFile(
      o,
      [&](const std::string& text, const zone::Zone& z) -> edit::TextEdit {
        std::string error;
        auto relative = edit::relativeName(typed, z.origin_text, &error);
        if (!relative) return {edit::TextEdit::Status::kRefused, text, error};
        name = *relative;
        if (expose) {
          // Published by a record of its own in the public view: nothing to add.
          const int pub = zone::findView(z, "public");
          for (const auto& service : z.public_services)
            if (lower(service) == name)
              return {edit::TextEdit::Status::kUnchanged, text,
                      name + " is already published (in public.services)"};
          if (pub >= 0)
            for (const auto& rr : z.views[pub].records)
              if (edit::relativeOwner(z, rr.owner) == name)
                return {edit::TextEdit::Status::kUnchanged, text,
                        name + " is already published by its own record in the public view (line " +
                            std::to_string(rr.where.line) + ")"};
          return edit::addPublicService(text, name);
        }
        edit::TextEdit t = edit::removePublicService(text, name);
        if (t.status == edit::TextEdit::Status::kUnchanged) {
          const int pub = zone::findView(z, "public");
          if (pub >= 0)
            for (const auto& rr : z.views[pub].records)
              if (edit::relativeOwner(z, rr.owner) == name)
                return {edit::TextEdit::Status::kRefused, text,
                        name +
                            " is not in public.services but has its own record in the public "
                            "view (line " +
                            std::to_string(rr.where.line) + "); edit that record by hand"};
        }
        return t;
      },
      [&](const zone::Zone& z) -> std::string {
        bool listed = false;
        for (const auto& service : z.public_services) listed |= lower(service) == name;
        if (listed != expose) return name + (expose ? " is not listed" : " is still listed");
        return {};
      });
  Json report = {{"command", o.command}, {"name", name.empty() ? typed : name}};
  if (e.status != kExitOk) {
    if (o.json) {
      report["file"] = {{"path", o.zone}, {"changed", false}, {"refused", e.message}};
      std::cout << report.dump(2) << "\n";
    }
    std::cerr << "dnsctl: " << o.command << " " << typed << ": refused: " << e.message << "\n";
    return e.status;
  }
  if (!e.written) {
    if (o.json) {
      report["file"] = {{"path", o.zone}, {"changed", false}, {"message", e.message}};
      std::cout << report.dump(2) << "\n";
    } else {
      std::cout << e.message << "; " << o.zone << " unchanged, nothing to do\n";
    }
    return kExitOk;
  }
  if (o.json) {
    report["file"] = {{"path", o.zone}, {"changed", true}, {"diff", e.diff}};
  } else {
    std::cout << (expose ? "exposed " : "unexposed ") << style.bold(name) << "\n";
    printDiff(o, e, style);
  }
  int status = followUp(o, before, report, style);
  if (o.json) std::cout << report.dump(2) << "\n";
  return status;
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
  const auto before = serialsBefore(o);

  std::vector<edit::HostsDecision> decisions;
  std::vector<std::string> added;  // relative owners added
  auto plan = [&](const std::string& text, const zone::Zone& z) -> edit::TextEdit {
    if (zone::findView(z, view) < 0)
      return {edit::TextEdit::Status::kRefused, text, "no view named '" + view + "'"};
    auto snapshot = query::compileSnapshot({z});
    decisions = edit::planHostsImport(z, *snapshot, entries, view);
    if (o.dry_run) return {edit::TextEdit::Status::kUnchanged, text, "dry run"};
    std::string current = text;
    for (auto& d : decisions) {
      if (d.kind != edit::HostsDecision::Kind::kAdd) continue;
      edit::TextEdit t = edit::addViewRecord(current, d.owner, view, d.entry.address);
      if (t.status != edit::TextEdit::Status::kChanged) {
        d.kind = edit::HostsDecision::Kind::kConflict;
        d.reason = t.message;
        continue;
      }
      current = t.text;
      added.push_back(d.owner);
    }
    if (current == text) return {edit::TextEdit::Status::kUnchanged, text, "nothing to add"};
    return {edit::TextEdit::Status::kChanged, current, {}};
  };
  auto verify = [&](const zone::Zone& z) -> std::string {
    // Every added name must now answer its address in the view.
    auto snapshot = query::compileSnapshot({z});
    std::string error;
    auto client = edit::representativeAddress(snapshot->zones.front(), view, &error);
    if (!client) return error;
    for (const auto& d : decisions) {
      if (d.kind != edit::HostsDecision::Kind::kAdd) continue;
      const bool v6 = ip::parseAddress(d.entry.address)->size() == 16;
      auto r =
          edit::queryZone(*snapshot, *client, d.owner + "." + z.origin_text, v6 ? "AAAA" : "A");
      if (r.answer.size() != 1 ||
          ip::parseAddress(r.answer[0].data) != ip::parseAddress(d.entry.address))
        return d.owner + " does not answer " + d.entry.address;
    }
    return {};
  };
  EditOutcome e = editZoneFile(o, plan, verify);
  static const char* kKinds[] = {"covered", "add", "skipped", "conflict"};
  Json report = {{"command", "import-hosts"}, {"view", view}, {"dry_run", o.dry_run}};
  Json items = Json::array();
  std::vector<std::vector<std::string>> plain, styled;
  for (const auto& d : decisions) {
    std::string kind = kKinds[static_cast<int>(d.kind)];
    if (kind == "add") kind = o.dry_run || !e.written ? "would add" : "added";
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
  if (e.status != kExitOk) {
    std::cerr << "dnsctl: import-hosts: refused: " << e.message << "\n";
    if (o.json) {
      report["file"] = {{"path", o.zone}, {"changed", false}, {"refused", e.message}};
      std::cout << report.dump(2) << "\n";
    }
    return e.status;
  }
  bool conflicts = std::any_of(decisions.begin(), decisions.end(), [](const auto& d) {
    return d.kind == edit::HostsDecision::Kind::kConflict;
  });
  if (!e.written) {
    report["file"] = {{"path", o.zone}, {"changed", false}};
    if (o.json)
      std::cout << report.dump(2) << "\n";
    else
      std::cout << (o.dry_run ? "dry run: " : "") << o.zone << " unchanged\n";
    return conflicts ? kExitRefused : kExitOk;
  }
  report["file"] = {{"path", o.zone}, {"changed", true}, {"diff", e.diff}};
  if (!o.json) printDiff(o, e, style);
  int status = followUp(o, before, report, style);
  if (o.json) std::cout << report.dump(2) << "\n";
  return status != kExitOk ? status : conflicts ? kExitRefused : kExitOk;
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
