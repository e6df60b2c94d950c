// The families every horizon process exports besides its own: the standard process_* set that
// dashboards expect from any Prometheus client, and horizon_build_info.
#pragma once

#include "horizon/metrics/exposition.hpp"

namespace horizon::metrics {

/// Appends process_cpu_seconds_total, process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_open_fds, process_max_fds and
/// process_start_time_seconds, read now from /proc; a value that cannot be read is left out.
void appendProcessMetrics(Families& families);

/// Appends horizon_build_info{version="X.Y.Z"} 1.
void appendBuildInfo(Families& families);

}  // namespace horizon::metrics
