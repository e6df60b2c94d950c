// The report's derived values. The exit status is worked out from the parts rather than kept
// alongside them, so the two cannot disagree.
#include "horizon/sync/sync_report.hpp"

namespace horizon::sync {
namespace {

// Higher is worse: an error outranks work left to do, which outranks success.
int severity(int status) {
  return status == kSyncExitError ? 2 : status == kSyncExitPending ? 1 : 0;
}

int cloudflareStatus(CloudflareOutcome::State state) {
  switch (state) {
    case CloudflareOutcome::State::kFailed:
      return kSyncExitError;
    case CloudflareOutcome::State::kChangesPending:
    case CloudflareOutcome::State::kLeftUndone:
      return kSyncExitPending;
    case CloudflareOutcome::State::kSkipped:
    case CloudflareOutcome::State::kInSync:
      break;
  }
  return kSyncExitOk;
}

int traefikStatus(TraefikOutcome::State state) {
  switch (state) {
    case TraefikOutcome::State::kNotRendered:
    case TraefikOutcome::State::kNotWritten:
      return kSyncExitError;
    case TraefikOutcome::State::kWouldChange:
      return kSyncExitPending;
    case TraefikOutcome::State::kNotRequested:
    case TraefikOutcome::State::kWritten:
    case TraefikOutcome::State::kUnchanged:
      break;
  }
  return kSyncExitOk;
}

}  // namespace

int SyncReport::exitStatus() const {
  if (!zone_loaded) return kSyncExitError;
  const int a = cloudflareStatus(cloudflare.state), b = traefikStatus(traefik.state);
  return severity(a) >= severity(b) ? a : b;
}

ChangeCounts SyncReport::changeCounts() const {
  ChangeCounts counts;
  if (!cloudflare.reconcile) return counts;
  if (apply) {
    for (const OperationResult& r : cloudflare.reconcile->results) {
      if (!r.ok) continue;
      if (r.kind == OperationResult::Kind::kPost) ++counts.creates;
      if (r.kind == OperationResult::Kind::kPatch) ++counts.updates;
      if (r.kind == OperationResult::Kind::kDelete) ++counts.deletes;
    }
    return counts;
  }
  for (const PlannedChange& c : cloudflare.reconcile->initial.changes) {
    if (c.action == PlannedChange::Action::kCreate) ++counts.creates;
    if (c.action == PlannedChange::Action::kUpdate || c.action == PlannedChange::Action::kAdopt)
      ++counts.updates;
    if (c.action == PlannedChange::Action::kDelete) ++counts.deletes;
  }
  return counts;
}

std::string describeCloudflareState(const CloudflareOutcome& outcome) {
  switch (outcome.state) {
    case CloudflareOutcome::State::kSkipped:
      return "skipped";
    case CloudflareOutcome::State::kInSync:
      return "in sync";
    case CloudflareOutcome::State::kChangesPending:
      return "changes pending";
    case CloudflareOutcome::State::kLeftUndone:
      return "left undone";
    case CloudflareOutcome::State::kFailed:
      return "failed: " + outcome.error;
  }
  return "?";
}

std::string describeTraefikState(TraefikOutcome::State state) {
  switch (state) {
    case TraefikOutcome::State::kNotRequested:
      return "";
    case TraefikOutcome::State::kWritten:
      return "written";
    case TraefikOutcome::State::kUnchanged:
      return "unchanged";
    case TraefikOutcome::State::kWouldChange:
      return "would change";
    case TraefikOutcome::State::kNotRendered:
      return "not rendered";
    case TraefikOutcome::State::kNotWritten:
      return "not written";
  }
  return "?";
}

}  // namespace horizon::sync
