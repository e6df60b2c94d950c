// What one horizon-sync plan or apply run did, part by part: the typed report that horizon-sync's
// printers, its watch loop and dnsctl's follow-up all read, so nobody reads printed text back.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "horizon/sync/reconciler.hpp"

namespace horizon::sync {

/// Exit status of a run: everything in place (apply) or nothing to do (plan).
inline constexpr int kSyncExitOk = 0;
/// Exit status of a run: an error (zone file, API, Traefik file).
inline constexpr int kSyncExitError = 1;
/// Exit status of a run: changes pending (plan) or something left undone (apply).
inline constexpr int kSyncExitPending = 2;
/// Exit status of a bad command line (EX_USAGE).
inline constexpr int kSyncExitUsage = 64;

/// Cloudflare's part of a run.
struct CloudflareOutcome {
  enum class State { kSkipped, kInSync, kChangesPending, kLeftUndone, kFailed };
  State state = State::kSkipped;
  std::string error;                         // kFailed: why (never carries the token)
  std::optional<ReconcileReport> reconcile;  // set when the API answered (not skipped or failed)
  int requests = 0;                          // HTTP exchanges made, retries included
  ApiStats api;  // failed exchanges and rate-limit waits, also when the part failed
};

/// The Traefik part of a run: the routes rendered, and the file written from them.
struct TraefikOutcome {
  enum class State { kNotRequested, kWritten, kUnchanged, kWouldChange, kNotRendered, kNotWritten };
  State state = State::kNotRequested;
  std::string file;                 // --traefik-out; empty when the routes are only served
  std::string json;                 // the rendered routes as JSON, when they rendered
  std::vector<std::string> errors;  // kNotRendered: the render errors; kNotWritten: the write error
};

/// Records created, updated (adoptions included) and deleted.
struct ChangeCounts {
  std::size_t creates = 0;
  std::size_t updates = 0;
  std::size_t deletes = 0;
};

/// One plan or apply run.
struct SyncReport {
  bool apply = false;        // false: a plan, nothing was written
  bool zone_loaded = false;  // false: the zone file had errors and nothing was attempted
  std::string zone_errors;   // the loader's diagnostics when !zone_loaded, one per line
  CloudflareOutcome cloudflare;
  TraefikOutcome traefik;

  /// kSyncExitError when any part failed, else kSyncExitPending when any part is not in place,
  /// else kSyncExitOk.
  int exitStatus() const;
  /// What was planned (plan) or written successfully (apply) on Cloudflare.
  ChangeCounts changeCounts() const;
};

/// "in sync", "changes pending", "left undone", "failed: <error>" or "skipped".
std::string describeCloudflareState(const CloudflareOutcome& outcome);

/// "written", "unchanged", "would change", "not rendered", "not written"; empty when no file was
/// asked for.
std::string describeTraefikState(TraefikOutcome::State state);

}  // namespace horizon::sync
