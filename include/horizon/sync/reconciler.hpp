// Brings one Cloudflare zone to the desired state: list, plan, write, and again while writes
// fail for reasons a fresh listing can fix (stale ids, records that appeared meanwhile), until
// the zone matches, nothing more can be done, or the client's deadline passes.
#pragma once

#include <string>
#include <vector>

#include "horizon/sync/cloudflare_client.hpp"
#include "horizon/sync/record_plan.hpp"

namespace horizon::sync {

/// What a reconciliation run did.
struct ReconcileReport {
  std::string zone_id;
  Plan initial;                          // the plan before any write
  Plan final;                            // against the listing after the last write
  std::vector<OperationResult> results;  // every write attempted, in order
  int rounds = 0;                        // list-plan-write rounds
  int writes_ok = 0;
  int writes_failed = 0;
  /// True when every desired record is in place at the end (final.inSync()).
  bool complete() const { return final.inSync(); }
};

/// Plans (dry_run) or applies the desired state. Resolves the zone id by name when the desired
/// state has none. Throws ApiError when the API cannot be used at all (authentication, zone not
/// found, listing failed past the deadline).
ReconcileReport reconcile(CloudflareClient& client, const DesiredState& desired,
                          const PlanOptions& options, bool dry_run, int max_rounds = 4);

}  // namespace horizon::sync
