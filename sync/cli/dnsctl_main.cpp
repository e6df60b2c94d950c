// dnsctl: the owner's command for the zone file. Edits it the way a careful person would (only the
// lines that must change, validated with the server's own loader, written atomically under a
// lock), then asks horizond to reload and runs horizon-sync's apply. Also answers "what would the
// server say" from the file with the server's own answer engine. This file is the command line;
// the commands are in dnsctl_*_commands.cpp, the work in the edit and sync libraries.
#include <cstdlib>
#include <iostream>
#include <string>

#include "command_line.hpp"
#include "dnsctl_commands.hpp"
#include "horizon/sync/retry_event_printer.hpp"
#include "horizon/zone/message_text.hpp"

namespace {

using namespace horizon;
using edit::DnsctlOptions;

const char* const kDescription =
    "Edits and inspects a horizon zone file (the source of truth of horizond and\n"
    "horizon-sync). Options may come before or after the command; COMMAND --help\n"
    "describes one command.\n";

const char* const kExitStatus =
    "exit status: 0 ok (also a no-op edit); 1 error (including a failed reload or sync after\n"
    "the file was written, which is said); 2 refused (invalid name, name outside the zone,\n"
    "an edit the loader rejects... file untouched); 64 bad command line. check exits 1\n"
    "on errors.";

// Which options a command takes besides the global ones.
enum Takes : unsigned { kNothing = 0, kQueryOptions = 1, kImportOptions = 2, kSyncOptions = 4 };

struct Command {
  const char* name;
  const char* summary;  // the line in dnsctl --help
  const char* details;  // the rest of COMMAND --help
  unsigned takes;
};

const Command kCommands[] = {
    {"expose", "add NAME to public.services, then reload and sync",
     "Adds NAME (jellyfin or jellyfin.madhan.app) to public.services, so the public view\n"
     "answers it with public.via. Only the services line changes; comments, order and\n"
     "quoting stay. The edit is validated with the server's loader before it is written\n"
     "(atomically, under a lock on the zone file's directory). Already published: no-op.\n"
     "Then: the server reloads (with --control or $HORIZON_CONTROL_SOCKET), Cloudflare is\n"
     "synced when a token is configured (CLOUDFLARE_API_TOKEN or --token-file), and the\n"
     "Traefik file is rendered with --traefik-out. The sync options are horizon-sync's.\n"
     "A zone file its owner may not write (mode 0444, say) is refused unless --force\n"
     "(which also lifts the sync's --max-change-percent); its owner, group and mode are kept.",
     kSyncOptions},
    {"unexpose", "remove NAME from public.services, then reload and sync",
     "Removes NAME from public.services (the list stays, possibly as []), then reloads and\n"
     "syncs like expose. Not listed: no-op. The sync options are horizon-sync's. A read-only\n"
     "zone file is refused unless --force, as for expose.",
     kSyncOptions},
    {"list", "every name with its answer per view and whether it is published",
     "One row per name of the zone (every record owner of every view, and every public\n"
     "service): its A/AAAA/CNAME answer in each view as the server computes it (\"-\": none or\n"
     "NXDOMAIN; \"(*)\": answered by a wildcard) and whether it is published (answered in the\n"
     "public view; \"service\": listed in public.services).",
     kNothing},
    {"query", "the answer the server would give (--view V or --from ADDR)",
     "The answer horizond would give, computed from the file by the server's own answer\n"
     "engine (no server needed). TYPE defaults to A. NAME is absolute (grafana.madhan.app);\n"
     "a single label (grafana) or @ is taken relative to the zone. The client is --from ADDR,\n"
     "or with --view V an address that really selects V (its first prefix's network+1, or\n"
     "the next candidate when a more specific prefix of another view covers it); without\n"
     "either, --from 127.0.0.1.",
     kQueryOptions},
    {"check", "validate the file; errors and warnings with line numbers",
     "Loads the file with the server's loader and prints every error and warning as\n"
     "file:line:column, then a summary (zone, serial, views with record counts).\n"
     "Exit 0 when there is no error (warnings allowed), 1 when there are errors.",
     kNothing},
    {"plan", "horizon-sync plan for this zone (Cloudflare and Traefik)",
     "Exactly horizon-sync plan --zone FILE: what would change on Cloudflare and in the\n"
     "Traefik file. Exit 0 in sync, 2 changes pending, 1 error.",
     kSyncOptions},
    {"sync", "horizon-sync apply for this zone",
     "Exactly horizon-sync apply --zone FILE. Exit 0 everything in place, 2 something\n"
     "left undone, 1 error.",
     kSyncOptions},
    {"reload", "ask the running server to reload (needs --control)",
     "Asks the running horizond to reload its zone files now; prints the new serials or\n"
     "the reason the reload failed (the server then keeps serving the last good data).",
     kNothing},
    {"status", "the running server's status (needs --control)",
     "The running server's status: zones, serials, views with record counts, the last\n"
     "reload and its result, uptime.",
     kNothing},
    {"import-hosts", "turn /etc/hosts lines for names in the zone into records",
     "Reads /etc/hosts-format lines (ADDR name [aliases...]). For each name inside the zone\n"
     "and each view V given (--view V, repeated or V1,V2; default lan): if V already answers\n"
     "exactly ADDR, it is reported as covered (for example by the *.madhan.app wildcard);\n"
     "otherwise a record \"name: {V: ADDR}\" is added under records, one entry for all the\n"
     "views (validated, atomic, locked like expose). Names outside the zone are skipped; a\n"
     "name with its own entry answering something else is a conflict left for a person.\n"
     "--dry-run only reports. After an edit: reload and sync as for expose. A read-only\n"
     "zone file is refused unless --force, as for expose.",
     kImportOptions | kSyncOptions},
};

void addGlobalOptions(CLI::App& app, DnsctlOptions& o) {
  app.add_option("--zone", o.zone, "the zone file (default zones/madhan.app.yaml)")
      ->type_name("FILE");
  app.add_option("--control", o.control,
                 "horizond's control socket (default $HORIZON_CONTROL_SOCKET; without either, "
                 "the server is not contacted)")
      ->type_name("PATH");
  app.add_flag("--json", o.json, "machine-readable output");
}

// Listed in the command's --help; unlisted on the program, where they are accepted only so that
// they may come before the command.
void addCommandOptions(CLI::App& app, DnsctlOptions& o, unsigned takes, bool listed) {
  const std::string group = listed ? "Options" : sync::kUnlistedGroup;
  if (takes & kQueryOptions) {
    app.add_option("--view", o.view, "ask as a client that this view answers")
        ->type_name("V")
        ->group(group);
    app.add_option("--from", o.from, "ask as this client address (default 127.0.0.1)")
        ->type_name("ADDR")
        ->group(group);
  }
  if (takes & kImportOptions) {
    app.add_option("--view", o.views,
                   "a view the records are for; repeat it (or V1,V2) for several (default lan)")
        ->type_name("V")
        ->delimiter(',')
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->group(group);
    app.add_flag("--dry-run", o.dry_run, "only report; write nothing")->group(group);
  }
  if (takes & kSyncOptions)
    sync::addSyncOptions(app, o.sync, &o.token_file_given, listed ? "Sync options" : group);
}

void addPositionals(CLI::App& sub, DnsctlOptions& o) {
  const std::string name = sub.get_name();
  if (name == "expose" || name == "unexpose") {
    sub.add_option("NAME", o.name, "jellyfin or jellyfin.madhan.app")->required()->type_name("");
  } else if (name == "query") {
    sub.add_option("NAME", o.name, "grafana.madhan.app, grafana or @")->required()->type_name("");
    sub.add_option("TYPE", o.type, "A, AAAA, TXT, TYPE65... (default A)")->type_name("");
  } else if (name == "import-hosts") {
    sub.add_option("FILE", o.file, "a file in /etc/hosts format")->required()->type_name("");
  }
}

// An option given before the command was parsed by the program, which accepts every command's
// options there; it must be one the command takes.
void checkOptionsBeforeCommand(const CLI::App& app, const CLI::App& command) {
  for (const CLI::Option* option : app.get_options()) {
    if (option->count() == 0 || option->get_group() != sync::kUnlistedGroup) continue;
    if (command.get_option_no_throw(option->get_name()) == nullptr)
      throw sync::UsageError(option->get_name() + " is not an option of " + command.get_name());
  }
}

int run(DnsctlOptions& o) {
  if (o.control.empty())
    if (const char* env = std::getenv("HORIZON_CONTROL_SOCKET"); env && *env) o.control = env;
  o.sync.zone_file = o.zone;
  sync::finishSyncSettings(o.sync);
  // Every run of horizon-sync's apply or plan (sync, plan, the sync after an edit) says what it
  // waits for on stderr.
  o.sync.on_retry = sync::retryEventWriter("dnsctl", o.json, std::cerr);
  const edit::TerminalStyle style = edit::TerminalStyle::forStdout(o.json);
  const std::string& c = o.command;
  if (c == "check") return edit::runCheck(o, style);
  if (c == "query") return edit::runQuery(o);
  if (c == "list") return edit::runList(o, style);
  if (c == "expose" || c == "unexpose") return edit::runExpose(o, c == "expose", style);
  if (c == "import-hosts") return edit::runImportHosts(o, style);
  if (c == "reload" || c == "status") return edit::runControl(o, style);
  return edit::runSyncCommand(o, c == "sync");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(kDescription, "dnsctl");
  sync::setUpProgram(app);
  app.footer(kExitStatus);
  DnsctlOptions o;
  addGlobalOptions(app, o);
  for (const Command& command : kCommands) {
    CLI::App* sub = app.add_subcommand(command.name, command.summary)->group("Commands");
    sub->footer(std::string(command.details) + "\n\n" + kExitStatus);
    addPositionals(*sub, o);
    addGlobalOptions(*sub, o);
    addCommandOptions(*sub, o, command.takes, /*listed=*/true);
  }
  // Every command's options, accepted before the command too (checked against it below).
  addCommandOptions(app, o, kQueryOptions | kSyncOptions, /*listed=*/false);
  app.add_flag("--dry-run", o.dry_run)->group(sync::kUnlistedGroup);
  if (auto done = sync::parseCommandLine(app, argc, argv)) return *done;

  try {
    const auto chosen = app.get_subcommands();
    if (chosen.empty()) return sync::reportUsageError(app, "no command given");
    checkOptionsBeforeCommand(app, *chosen.front());
    o.command = chosen.front()->get_name();
    return run(o);
  } catch (const sync::UsageError& e) {
    return sync::reportUsageError(app, e.what());
  } catch (const std::exception& e) {
    std::cerr << "dnsctl: " << zone::boundedMessage(e.what()) << "\n";
    return edit::kEditExitFailed;
  }
}
