// dnsctl plan and dnsctl sync: exactly horizon-sync plan and apply for the zone dnsctl edits,
// through the same run and the same printers.
#include <iostream>

#include "command_line.hpp"
#include "dnsctl_commands.hpp"
#include "horizon/sync/sync_report_printer.hpp"

namespace horizon::edit {

int runSyncCommand(const DnsctlOptions& o, bool apply) {
  if (o.sync.skip_cloudflare && o.sync.traefik_out.empty())
    throw sync::UsageError("--no-cloudflare leaves nothing to do without --traefik-out");
  return sync::printSyncRun(sync::runSync(o.sync, apply), o.json, "dnsctl", std::cout, std::cerr,
                            o.sync.verbose);
}

}  // namespace horizon::edit
