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
};

/// Every record of the zone's public view except the apex SOA and NS, with the zone file's
/// cloudflare options applied. Throws std::runtime_error when the zone has no public view.
DesiredState desiredState(const zone::Zone& zone);

/// Knobs of the planner.
struct PlanOptions {
  bool adopt = false;                    // take over unowned records that collide with desired ones
  bool force = false;                    // ignore the safety threshold
  int max_change_percent = 30;           // of owned records changed or deleted in one run...
  std::size_t threshold_min_owned = 10;  // ...once at least this many records are owned
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
  };
  Kind kind = Kind::kConflict;
  std::string message;
  std::optional<CloudflareRecord> existing;
  std::optional<CloudflareRecord> desired;
};

/// The plan for one zone.
struct Plan {
  std::string zone_name;
  std::vector<PlannedChange> changes;
  std::vector<PlanNote> notes;
  std::size_t unchanged = 0;  // desired records already in place and owned
  std::size_t owned = 0;      // records carrying the marker before the run
  std::size_t unowned = 0;    // records left alone because they are not ours
  /// Set when the safety threshold stops the run; `changes` then still says what was planned.
  std::optional<std::string> blocked;

  /// True when Cloudflare matches: nothing to write, no conflict, nothing refused.
  bool inSync() const;
  /// Writes that apply() would make (none when blocked).
  RecordChanges writes() const;
};

/// Compares desired and existing records. Records without the marker are never changed or
/// deleted (unless adopted), read-only records never touched.
Plan makePlan(const DesiredState& desired, const std::vector<CloudflareRecord>& existing,
              const PlanOptions& options);

}  // namespace horizon::sync
