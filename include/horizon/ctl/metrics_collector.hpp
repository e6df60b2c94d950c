// horizond's metrics: what the workers, the cache, the resolvers and the reloader count, turned
// into Prometheus families at each scrape (README, "Metrics", lists them).
#pragma once

#include <cstdint>
#include <functional>

#include "horizon/ctl/zone_reloader.hpp"
#include "horizon/metrics/exposition.hpp"
#include "horizon/net/server.hpp"

namespace horizon::ctl {

/// What the server and the reloader do not know: readiness.
struct ExtraStatistics {
  bool ready = false;
};

/// Builds every family horizond exports, reading `server` (nullptr before it exists: its
/// families are then left out) and `reloader` now, with `extra` for the rest. Runs on the
/// metrics endpoint's thread; allocates freely.
metrics::Families collectServerMetrics(const net::Server* server, const ZoneReloader& reloader,
                                       const ExtraStatistics& extra);

}  // namespace horizon::ctl
