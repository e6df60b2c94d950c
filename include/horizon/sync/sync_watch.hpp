// `horizon-sync watch`: apply runs at start, whenever the zone file changes and at an interval,
// so edits of the file and dashboard edits of owned records are both put right.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>

#include "horizon/sync/sync_run.hpp"

namespace horizon::sync {

/// What the watch loop tells its caller.
struct WatchEvents {
  std::function<void()> on_change;                // the zone file changed
  std::function<void(const SyncReport&)> on_run;  // an apply run finished
};

/// Applies now, after every change of the zone file (rewritten in place, renamed over, or
/// swapped through a symlink) and at least every `interval`, until `stop` is set.
void watchZone(const SyncSettings& settings, std::chrono::seconds interval,
               const std::atomic<bool>& stop, const WatchEvents& events);

}  // namespace horizon::sync
