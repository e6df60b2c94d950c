// The parts of /proc/self/stat and /proc/stat that the process metrics need, parsed from text so
// the parsers can be tested on odd process names.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace horizon::metrics {

/// Fields of /proc/PID/stat (proc(5)), in the kernel's units.
struct ProcStat {
  std::uint64_t utime_ticks = 0;  // field 14, clock ticks in user mode
  std::uint64_t stime_ticks = 0;  // field 15, clock ticks in kernel mode
  std::uint64_t start_ticks = 0;  // field 22, clock ticks after boot when the process started
  std::uint64_t vsize_bytes = 0;  // field 23
  std::uint64_t rss_pages = 0;    // field 24
};

/// Parses one /proc/PID/stat line; nullopt when it is not one. The name in parentheses may
/// itself hold spaces and parentheses.
std::optional<ProcStat> parseProcStat(std::string_view text);

/// The `btime` line of /proc/stat: boot time in seconds since the epoch; nullopt when absent.
std::optional<std::uint64_t> parseBootTime(std::string_view text);

}  // namespace horizon::metrics
