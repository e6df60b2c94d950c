// dnsctl's commands that edit the zone file (expose, unexpose, import-hosts). The transaction,
// its rules and its follow-ups are library code (horizon/edit); these print its report.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "dnsctl_commands.hpp"
#include "edit_report_printer.hpp"
#include "horizon/edit/hosts_import.hpp"
#include "horizon/edit/live_follow_ups.hpp"
#include "horizon/edit/service_edit.hpp"
#include "horizon/edit/zone_file_io.hpp"
#include "horizon/zone/message_text.hpp"

namespace horizon::edit {
namespace {
using Json = nlohmann::json;
}  // namespace

int runExpose(const DnsctlOptions& o, bool expose, const TerminalStyle& style) {
  const std::string& typed = o.name;
  LiveFollowUps follow_ups(o.control, o.sync, o.token_file_given);
  ServiceEditReport r = editPublicService(
      o.zone, typed, expose ? ServiceAction::kExpose : ServiceAction::kUnexpose, follow_ups,
      /*allow_read_only=*/o.sync.plan.force);
  const FileEdit& file = r.edit.file;
  Json report = {{"command", o.command}, {"name", r.name}};
  switch (file.status) {
    case FileEdit::Status::kRefused:
      printDiagnostics(file);
      if (o.json) {
        report["file"] = {{"path", o.zone}, {"changed", false}, {"refused", file.message}};
        std::cout << report.dump(2) << "\n";
      }
      // The name is as typed and the message may quote it: neither may reach the terminal raw.
      std::cerr << "dnsctl: " << o.command << " " << zone::shortValue(typed)
                << ": refused: " << zone::boundedMessage(file.message) << "\n";
      break;
    case FileEdit::Status::kUnchanged:
      if (o.json) {
        report["file"] = {{"path", o.zone}, {"changed", false}, {"message", file.message}};
        std::cout << report.dump(2) << "\n";
      } else {
        std::cout << file.message << "; " << o.zone << " unchanged, nothing to do\n";
      }
      break;
    case FileEdit::Status::kWritten:
      if (o.json) {
        report["file"] = {{"path", o.zone}, {"changed", true}, {"diff", file.diff}};
      } else {
        std::cout << (expose ? "exposed " : "unexposed ") << style.bold(r.name) << "\n";
        printDiff(o.zone, file.diff, style);
      }
      printFollowUps(r.edit, o.json, report, style);
      if (o.json) std::cout << report.dump(2) << "\n";
      break;
  }
  return r.edit.exitStatus();
}

int runImportHosts(const DnsctlOptions& o, const TerminalStyle& style) {
  // --view before the command is the program's (a single value); after it, import-hosts' own.
  std::vector<std::string> views = o.views;
  if (!o.view.empty()) views.insert(views.begin(), o.view);
  if (views.empty()) views.push_back("lan");
  for (std::size_t i = 0; i < views.size(); ++i)
    if (std::find(views.begin(), views.begin() + static_cast<long>(i), views[i]) !=
        views.begin() + static_cast<long>(i))
      throw sync::UsageError("--view " + views[i] + " is given twice");
  std::string hosts_text;
  try {
    hosts_text = readTextFile(o.file);
  } catch (const std::exception& e) {
    std::cerr << "dnsctl: " << e.what() << "\n";
    return kEditExitFailed;
  }
  std::vector<std::string> problems;
  auto entries = parseHosts(hosts_text, &problems);
  for (const auto& p : problems) std::cerr << "dnsctl: " << o.file << ": " << p << "\n";
  LiveFollowUps follow_ups(o.control, o.sync, o.token_file_given);
  HostsImportReport r = importHosts(o.zone, entries, views, o.dry_run, follow_ups,
                                    /*allow_read_only=*/o.sync.plan.force);
  const FileEdit& file = r.edit.file;
  const bool written = file.status == FileEdit::Status::kWritten;

  static const char* kKinds[] = {"covered", "add", "skipped", "conflict"};
  Json report = {{"command", "import-hosts"}, {"views", views}, {"dry_run", o.dry_run}};
  Json items = Json::array();
  std::vector<std::vector<std::string>> plain, styled;
  for (const auto& d : r.decisions) {
    std::string kind = kKinds[static_cast<int>(d.kind)];
    if (kind == "add") kind = o.dry_run || !written ? "would add" : "added";
    items.push_back({{"line", d.entry.line},
                     {"address", d.entry.address},
                     {"name", d.entry.name},
                     {"view", d.view},
                     {"result", kind},
                     {"reason", d.reason}});
    plain.push_back({kind, d.view, d.entry.address, d.entry.name, d.reason});
    styled.push_back({kind == "added"      ? style.green(kind)
                      : kind == "conflict" ? style.red(kind)
                                           : kind,
                      d.view, d.entry.address, d.entry.name, style.dim(d.reason)});
  }
  report["entries"] = items;
  if (!o.json) printTable(plain, styled);
  switch (file.status) {
    case FileEdit::Status::kRefused:
      printDiagnostics(file);
      std::cerr << "dnsctl: import-hosts: refused: " << zone::boundedMessage(file.message) << "\n";
      if (o.json) {
        report["file"] = {{"path", o.zone}, {"changed", false}, {"refused", file.message}};
        std::cout << report.dump(2) << "\n";
      }
      break;
    case FileEdit::Status::kUnchanged:
      report["file"] = {{"path", o.zone}, {"changed", false}};
      if (o.json)
        std::cout << report.dump(2) << "\n";
      else
        std::cout << (o.dry_run ? "dry run: " : "") << o.zone << " unchanged\n";
      break;
    case FileEdit::Status::kWritten:
      report["file"] = {{"path", o.zone}, {"changed", true}, {"diff", file.diff}};
      if (!o.json) printDiff(o.zone, file.diff, style);
      printFollowUps(r.edit, o.json, report, style);
      if (o.json) std::cout << report.dump(2) << "\n";
      break;
  }
  return r.exitStatus();
}

}  // namespace horizon::edit
