// The pure part of horizon-sync: what Cloudflare should hold (desired state, from the zone's
// public view), and the record-by-record plan that gets it there from what it holds now. No I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "horizon/sync/cloudflare_client.hpp"
#include "horizon/sync/cloudflare_record.hpp"
#include "horizon/zone/zone.hpp"

namespace horizon::sync {

/// The records Cloudflare should hold for one zone, marked as ours.
struct DesiredState {
  std::string zone_name;  // "madhan.app"
  std::string zone_id;    // from the zone file's cloudflare.zone-id; empty: look it up
  std::vector<CloudflareRecord> records;
  /// Records of the public view that must not be published (private, CGNAT, loopback or
  /// link-local addresses), one message each; they are left out of `records`.
  std::vector<std::string> refused;
  /// The refused records themselves (content as text): the view still answers them, so a record
  /// that is not ours there is judged against them.
  std::vector<CloudflareRecord> withheld;
};

/// Every record of the zone's public view except the apex SOA and NS, with the zone file's
/// cloudflare options applied. Throws std::runtime_error when the zone has no public view.
DesiredState desiredState(const zone::Zone& zone);

/// Knobs of the planner. Names are as the operator gives them (see resolveRecordName).
struct PlanOptions {
  bool adopt = false;  // take over every record not ours whose name and type the view publishes
  std::vector<std::string> adopt_names;    // the same, at these names only (comments kept)
  std::vector<std::string> replace_names;  // delete or take over contradicting records here
  bool force = false;                      // ignore the safety threshold
  int max_change_percent = 30;             // of owned records changed or deleted in one run...
  std::size_t threshold_min_owned = 10;    // ...once at least this many records are owned
};

/// One write the plan makes.
struct PlannedChange {
  enum class Action { kCreate, kUpdate, kDelete, kAdopt };
  Action action = Action::kCreate;
  std::optional<CloudflareRecord> before;  // update, delete, adopt: the record as it is now
  std::optional<CloudflareRecord> after;   // create, update, adopt: the record as it will be
  std::vector<std::string> fields;  // update, adopt: fields that change ("content", "ttl", ...)
};

/// Something the plan reports but does not write.
struct PlanNote {
  enum class Kind {
    kConflict,   // an unowned record holds the desired name and type, with other content
    kAdoptable,  // an unowned record identical to a desired one: in place, not ours
    kRefused,    // a desired record that must not be published
    kReadOnly,   // a read-only record collides with a desired one
    kUnmatched,  // a name given to --replace or --adopt with nothing there to act on
  };
  Kind kind = Kind::kConflict;
  std::string message;
  std::optional<CloudflareRecord> existing;
  std::optional<CloudflareRecord> desired;
};

/// A record that is not ours, other than one identical to a desired record (that is adoptable,
/// a note): how it stands against the public view and what this run does with it.
struct ForeignRecord {
  enum class Fate {
    kLeftAlone,  // not named by --replace or --adopt (or nothing they could do)
    kDeleted,    // --replace: the public view has nothing of its name and type
    kTakenOver,  // --replace: changed in place to the public view's, the marker as its comment
    kAdopted,  // --adopt: changed in place to the public view's, its comment kept after the marker
  };
  CloudflareRecord record;
  bool contradicting = false;    // false: unrelated to the public view (foreign_records.hpp)
  bool private_address = false;  // publishes a private, CGNAT, loopback or link-local address
  std::string reason;            // contradicting: how it differs from the public view
  std::optional<CloudflareRecord> desired;  // the public view's record it is taken over to be
  Fate fate = Fate::kLeftAlone;
};

/// The plan for one zone.
struct Plan {
  std::string zone_name;
  std::vector<PlannedChange> changes;
  std::vector<PlanNote> notes;
  std::size_t unchanged = 0;  // desired records already in place and owned
  std::size_t owned = 0;      // records carrying the marker before the run
  std::size_t unowned = 0;    // records that are not ours (read-only ones aside)
  /// Every record not ours except those identical to a desired record, contradicting ones first.
  std::vector<ForeignRecord> foreign;
  /// Set when the safety threshold stops the run; `changes` then still says what was planned.
  std::optional<std::string> blocked;

  /// True when Cloudflare matches: nothing to write, no conflict, nothing refused, no record that
  /// is not ours left contradicting the public view.
  bool inSync() const;
  /// Records not ours that contradict the public view and stay as they are.
  std::size_t contradictingLeft() const;
  /// Writes that apply() would make (none when blocked).
  RecordChanges writes() const;
};

/// Compares desired and existing records. Records without the marker are never changed or
/// deleted unless adopted or, when they contradict the public view, named by --replace;
/// read-only records are never touched. The safety threshold counts every update, adoption and
/// delete, of records not ours too.
Plan makePlan(const DesiredState& desired, const std::vector<CloudflareRecord>& existing,
              const PlanOptions& options);

}  // namespace horizon::sync
