// The process metrics (server/metrics/process_metrics.cpp): the /proc parsers on odd input, and
// the families read from this very process.
#include "horizon/metrics/process_metrics.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>

#include "horizon/version.hpp"
#include "metrics/proc_stat.hpp"

namespace horizon::metrics {
namespace {

// proc(5)'s layout: pid, (comm), state, then fields 4.. ; 14/15 utime/stime, 22 starttime,
// 23 vsize, 24 rss.
std::string statLine(const std::string& comm) {
  return "4242 (" + comm +
         ") S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0 987654 123456789 2048 "
         "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
}

TEST(ProcStatTest, ReadsTheFieldsAfterTheName) {
  const auto stat = parseProcStat(statLine("horizond"));
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->utime_ticks, 250u);
  EXPECT_EQ(stat->stime_ticks, 75u);
  EXPECT_EQ(stat->start_ticks, 987654u);
  EXPECT_EQ(stat->vsize_bytes, 123456789u);
  EXPECT_EQ(stat->rss_pages, 2048u);
}

TEST(ProcStatTest, ANameWithSpacesAndParenthesesDoesNotShiftTheFields) {
  const auto stat = parseProcStat(statLine("a) b (c) 9 9"));
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->utime_ticks, 250u);
  EXPECT_EQ(stat->rss_pages, 2048u);
}

TEST(ProcStatTest, TruncatedOrGarbledLinesGiveNothing) {
  EXPECT_FALSE(parseProcStat(""));
  EXPECT_FALSE(parseProcStat("4242 horizond S 1 2 3"));
  EXPECT_FALSE(parseProcStat("4242 (horizond) S 1 4242 4242 0 -1 4194560 100 0 0 0 250"));
  std::string garbled = statLine("x");
  garbled.replace(garbled.find(" 250 "), 5, " 2x0 ");
  EXPECT_FALSE(parseProcStat(garbled));
}

TEST(ProcStatTest, BootTimeComesFromTheBtimeLine) {
  EXPECT_EQ(parseBootTime("cpu  1 2 3\nintr 5\nbtime 1712000000\nprocesses 9\n"), 1712000000u);
  EXPECT_FALSE(parseBootTime("cpu  1 2 3\nprocesses 9\n"));
  EXPECT_FALSE(parseBootTime("btime x\n"));
}

std::map<std::string, double> values(const Families& families) {
  std::map<std::string, double> out;
  for (const auto& family : families) {
    EXPECT_EQ(family.metric.size(), 1u) << family.name;
    if (family.metric.empty()) continue;
    const auto& sample = family.metric.front();
    out[family.name] =
        family.type == prometheus::MetricType::Counter ? sample.counter.value : sample.gauge.value;
  }
  return out;
}

TEST(ProcessMetricsTest, DescribesThisProcess) {
  Families families;
  appendProcessMetrics(families);
  const auto v = values(families);
  ASSERT_EQ(v.size(), 6u);
  EXPECT_GE(v.at("process_cpu_seconds_total"), 0);
  EXPECT_GT(v.at("process_resident_memory_bytes"), 1 << 20);  // a gtest binary is larger
  EXPECT_GE(v.at("process_virtual_memory_bytes"), v.at("process_resident_memory_bytes"));
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(v.at("process_max_fds"), static_cast<double>(limit.rlim_cur));
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(v.at("process_start_time_seconds"), now + 1);
  EXPECT_GT(v.at("process_start_time_seconds"), now - 24 * 3600.0);  // started by this test run
  for (const auto& family : families) {
    EXPECT_EQ(family.type, family.name == "process_cpu_seconds_total"
                               ? prometheus::MetricType::Counter
                               : prometheus::MetricType::Gauge)
        << family.name;
  }
}

TEST(ProcessMetricsTest, OpenDescriptorsAreCountedExactly) {
  Families before_families, after_families;
  appendProcessMetrics(before_families);
  const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  appendProcessMetrics(after_families);
  close(fd);
  EXPECT_EQ(values(after_families).at("process_open_fds"),
            values(before_families).at("process_open_fds") + 1);
}

TEST(ProcessMetricsTest, BuildInfoCarriesTheVersion) {
  Families families;
  appendBuildInfo(families);
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].name, "horizon_build_info");
  EXPECT_EQ(families[0].type, prometheus::MetricType::Gauge);
  ASSERT_EQ(families[0].metric.size(), 1u);
  EXPECT_EQ(families[0].metric[0].gauge.value, 1);
  ASSERT_EQ(families[0].metric[0].label.size(), 1u);
  EXPECT_EQ(families[0].metric[0].label[0].name, "version");
  EXPECT_EQ(families[0].metric[0].label[0].value, kVersionNumber);
}

}  // namespace
}  // namespace horizon::metrics
