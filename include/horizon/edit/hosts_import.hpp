// `dnsctl import-hosts`: /etc/hosts override lines ("192.168.1.220 grafana.madhan.app") compared
// with what a view already answers, deciding per name: covered, to add, skipped or in conflict;
// then the names to add written as records of that view, in one edit transaction.
#pragma once

#include <string>
#include <vector>

#include "horizon/edit/edit_transaction.hpp"
#include "horizon/query/compiled_zone.hpp"
#include "horizon/zone/zone.hpp"

namespace horizon::edit {

/// One name of one hosts line.
struct HostsEntry {
  int line = 0;  // 1-based
  std::string address;
  std::string name;
};

/// Parses hosts-format text (`ADDR name [aliases...]`, `#` comments, blank lines). Lines whose
/// first field is not an address go to *problems as "line N: ...".
std::vector<HostsEntry> parseHosts(const std::string& text, std::vector<std::string>* problems);

/// What import-hosts does with one entry.
struct HostsDecision {
  enum class Kind { kCovered, kAdd, kSkipped, kConflict };
  HostsEntry entry;
  Kind kind = Kind::kSkipped;
  std::string view;    // the view it was decided against
  std::string owner;   // relative owner in the zone, when inside it
  std::string reason;  // for people: "already covered by *.madhan.app", "outside the zone"
};

/// Decides for each entry against `view` of `zone` (compiled as `snapshot`): covered when the
/// view already answers exactly that address (for its family), add when the name has no entry of
/// its own in `records`, conflict when it has one with another answer, skipped when outside the
/// zone, the apex, or a repeat of an earlier line.
std::vector<HostsDecision> planHostsImport(const zone::Zone& zone, const query::Snapshot& snapshot,
                                           const std::vector<HostsEntry>& entries,
                                           const std::string& view);

/// What import-hosts did.
struct HostsImportReport {
  std::vector<HostsDecision> decisions;  // one per entry; adds that could not be made: conflicts
  EditReport edit;
  /// True when some entry is in conflict.
  bool hasConflicts() const;
  /// The edit's exit status when it was refused or a follow-up failed; else kEditExitRefused
  /// when an entry is in conflict (left for a person), else kEditExitOk.
  int exitStatus() const;
};

/// Imports `entries` into each of `views` (at least one) of the zone file at `zone_path` as one
/// edit transaction: refused when a view does not exist; with `dry_run`, only decides. Decisions
/// come entry by entry, one per view in the order given. A name added in several views gets one
/// entry holding each (`nas: {lan: ADDR, vpn: ADDR}`), and the views given that already answered
/// it with that address keep doing so through that entry. Every added name must then answer its
/// address in those views, or nothing is written. A read-only file is edited only with
/// `allow_read_only`.
HostsImportReport importHosts(const std::string& zone_path, const std::vector<HostsEntry>& entries,
                              const std::vector<std::string>& views, bool dry_run,
                              EditFollowUps& follow_ups, bool allow_read_only = false);

}  // namespace horizon::edit
