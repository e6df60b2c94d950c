// Read at scrape time, never cached: a scrape every few seconds costs three small /proc reads
// and one directory listing, and the values are then as fresh as the scrape.
#include "horizon/metrics/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "horizon/version.hpp"
#include "proc_stat.hpp"

namespace horizon::metrics {
namespace {

std::optional<std::string> readFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Entries of /proc/self/fd, without the descriptor that lists them.
std::optional<std::size_t> countOpenFds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  const int own = ::dirfd(dir);
  std::size_t count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    int fd = -1;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), fd);
    if (ec == std::errc() && fd == own) continue;
    ++count;
  }
  ::closedir(dir);
  return count;
}

void gauge(Families& families, const char* name, const char* help, double value) {
  addSample(addFamily(families, name, help, prometheus::MetricType::Gauge), {}, value);
}

}  // namespace

std::optional<ProcStat> parseProcStat(std::string_view text) {
  // "PID (NAME) STATE ...": the name ends at the last ')', whatever it holds.
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::vector<std::string_view> fields;  // fields[0] is field 3 (state)
  std::string_view rest = text.substr(close + 1);
  while (!rest.empty()) {
    const auto start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const auto end = std::min(rest.find_first_of(" \n"), rest.size());
    fields.push_back(rest.substr(0, end));
    rest.remove_prefix(end);
  }
  auto field = [&](std::size_t number) -> std::optional<std::uint64_t> {
    if (number < 3 || number - 3 >= fields.size()) return std::nullopt;
    const std::string_view f = fields[number - 3];
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), value);
    if (ec != std::errc() || end != f.data() + f.size()) return std::nullopt;
    return value;
  };
  const auto utime = field(14), stime = field(15), start = field(22), vsize = field(23),
             rss = field(24);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  return ProcStat{*utime, *stime, *start, *vsize, *rss};
}

std::optional<std::uint64_t> parseBootTime(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, end - at);
    if (line.substr(0, 6) == "btime ") {
      std::string_view digits = line.substr(6);
      while (!digits.empty() && digits.front() == ' ') digits.remove_prefix(1);
      std::uint64_t value = 0;
      auto [stop, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (ec != std::errc() || stop == digits.data()) return std::nullopt;
      return value;
    }
    at = end + 1;
  }
  return std::nullopt;
}

void appendProcessMetrics(Families& families) {
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  std::optional<ProcStat> stat;
  if (auto text = readFile("/proc/self/stat")) stat = parseProcStat(*text);
  if (stat && ticks > 0) {
    addSample(addFamily(families, "process_cpu_seconds_total",
                        "Total user and system CPU time spent in seconds.",
                        prometheus::MetricType::Counter),
              {}, static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ticks);
  }
  if (stat && page > 0) {
    gauge(families, "process_resident_memory_bytes", "Resident memory size in bytes.",
          static_cast<double>(stat->rss_pages) * page);
  }
  if (stat) {
    gauge(families, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
          static_cast<double>(stat->vsize_bytes));
  }
  if (auto open = countOpenFds()) {
    gauge(families, "process_open_fds", "Number of open file descriptors.",
          static_cast<double>(*open));
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    const double max = limit.rlim_cur == RLIM_INFINITY ? std::numeric_limits<double>::infinity()
                                                       : static_cast<double>(limit.rlim_cur);
    gauge(families, "process_max_fds", "Maximum number of open file descriptors.", max);
  }
  std::optional<std::uint64_t> boot;
  if (auto text = readFile("/proc/stat")) boot = parseBootTime(*text);
  if (stat && boot && ticks > 0) {
    gauge(families, "process_start_time_seconds",
          "Start time of the process since unix epoch in seconds.",
          static_cast<double>(*boot) + static_cast<double>(stat->start_ticks) / ticks);
  }
}

void appendBuildInfo(Families& families) {
  addSample(addFamily(families, "horizon_build_info",
                      "The version of horizon this process runs; always 1.",
                      prometheus::MetricType::Gauge),
            {{"version", kVersionNumber}}, 1);
}

}  // namespace horizon::metrics
