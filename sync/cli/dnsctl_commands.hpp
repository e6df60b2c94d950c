// dnsctl's commands: each reads the parsed command line, calls the library and prints. Grouped
// by what they touch: the file (check, query, list), the file and what follows it (expose,
// unexpose, import-hosts), the running server (reload, status), Cloudflare and Traefik (plan,
// sync). Each returns dnsctl's exit status (kEditExit*); a command line that makes no sense
// throws sync::UsageError.
#pragma once

#include <string>
#include <vector>

#include "horizon/edit/edit_transaction.hpp"
#include "horizon/sync/sync_run.hpp"
#include "terminal_style.hpp"

namespace horizon::edit {

/// The default zone file, relative to the working directory.
inline constexpr const char* kDefaultZoneFile = "zones/madhan.app.yaml";

/// dnsctl's parsed command line.
struct DnsctlOptions {
  std::string command;
  std::string name;        // expose, unexpose, query: NAME
  std::string type = "A";  // query: TYPE
  std::string file;        // import-hosts: FILE
  std::string zone = kDefaultZoneFile;
  std::string control;  // --control, else $HORIZON_CONTROL_SOCKET; empty: no server
  bool json = false;
  std::string view;                // query: --view; before the command: import-hosts' too
  std::vector<std::string> views;  // import-hosts: every --view, in order
  std::string from;
  bool dry_run = false;
  sync::SyncSettings sync;  // the sync options, for plan, sync and the sync after an edit
  bool token_file_given = false;
};

/// `dnsctl check`: the loader's errors and warnings, then a summary. 0, or 1 with errors.
int runCheck(const DnsctlOptions& options, const TerminalStyle& style);
/// `dnsctl query NAME [TYPE]`: the answer the server's engine gives from the file.
int runQuery(const DnsctlOptions& options);
/// `dnsctl list`: every name with its answer per view and whether it is published.
int runList(const DnsctlOptions& options, const TerminalStyle& style);

/// `dnsctl expose NAME` (expose) or `dnsctl unexpose NAME`.
int runExpose(const DnsctlOptions& options, bool expose, const TerminalStyle& style);
/// `dnsctl import-hosts FILE`.
int runImportHosts(const DnsctlOptions& options, const TerminalStyle& style);

/// `dnsctl reload` and `dnsctl status`, over the control socket.
int runControl(const DnsctlOptions& options, const TerminalStyle& style);

/// `dnsctl plan` (apply false) and `dnsctl sync`: horizon-sync's run for this zone.
int runSyncCommand(const DnsctlOptions& options, bool apply);

}  // namespace horizon::edit
