// The exposition builders and the text they render (server/metrics/exposition.cpp): one sample
// per call, histograms from per-bucket counts, and text that Prometheus's own checker accepts.
#include "horizon/metrics/exposition.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "horizon/metrics/process_metrics.hpp"

namespace horizon::metrics {
namespace {

using prometheus::MetricType;
using ::testing::HasSubstr;

TEST(ExpositionTest, CountersAndGaugesTakeTheirValueByFamilyType) {
  Families families;
  auto& requests =
      addFamily(families, "horizon_dns_requests_total", "Queries received.", MetricType::Counter);
  addSample(requests, {{"view", "lan"}, {"transport", "udp"}}, 12);
  addSample(requests, {{"view", "public"}, {"transport", "tcp"}}, 3);
  addSample(
      addFamily(families, "horizon_cache_entries", "Entries in the cache.", MetricType::Gauge), {},
      42);
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].metric.size(), 2u);
  EXPECT_EQ(families[0].metric[1].counter.value, 3);
  EXPECT_EQ(families[1].metric[0].gauge.value, 42);

  const std::string text = render(families);
  EXPECT_THAT(text, HasSubstr("# HELP horizon_dns_requests_total Queries received.\n"
                              "# TYPE horizon_dns_requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr("horizon_dns_requests_total{view=\"lan\",transport=\"udp\"} 12\n"));
  EXPECT_THAT(text, HasSubstr("horizon_dns_requests_total{view=\"public\",transport=\"tcp\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE horizon_cache_entries gauge\nhorizon_cache_entries 42\n"));
}

TEST(ExpositionTest, HistogramBucketsBecomeCumulativeWithInf) {
  Families families;
  auto& sizes = addFamily(families, "horizon_dns_response_size_bytes", "Response sizes.",
                          MetricType::Histogram);
  const std::array<double, 3> bounds{64, 128, 512};
  const std::array<std::uint64_t, 4> counts{5, 0, 2, 1};  // the last one is above 512
  addHistogram(sizes, {{"transport", "udp"}}, bounds, counts, 1234.5);
  const auto& histogram = sizes.metric.at(0).histogram;
  EXPECT_EQ(histogram.sample_count, 8u);
  EXPECT_EQ(histogram.sample_sum, 1234.5);

  const std::string text = render(families);
  EXPECT_THAT(text,
              HasSubstr("horizon_dns_response_size_bytes_bucket{transport=\"udp\",le=\"64\"} 5\n"));
  EXPECT_THAT(
      text, HasSubstr("horizon_dns_response_size_bytes_bucket{transport=\"udp\",le=\"128\"} 5\n"));
  EXPECT_THAT(
      text, HasSubstr("horizon_dns_response_size_bytes_bucket{transport=\"udp\",le=\"512\"} 7\n"));
  EXPECT_THAT(
      text, HasSubstr("horizon_dns_response_size_bytes_bucket{transport=\"udp\",le=\"+Inf\"} 8\n"));
  EXPECT_THAT(text, HasSubstr("horizon_dns_response_size_bytes_count{transport=\"udp\"} 8\n"));
  EXPECT_THAT(text, HasSubstr("horizon_dns_response_size_bytes_sum{transport=\"udp\"} 1234.5\n"));
  // One +Inf bucket only, however the serializer treats a last bound of infinity.
  EXPECT_EQ(text.find("le=\"+Inf\""), text.rfind("le=\"+Inf\""));
}

TEST(ExpositionTest, SmallBoundsKeepTheirDigits) {
  Families families;
  auto& rtt = addFamily(families, "horizon_upstream_rtt_seconds", "Upstream round trips.",
                        MetricType::Histogram);
  const std::array<double, 2> bounds{0.0005, 0.001};
  const std::array<std::uint64_t, 3> counts{1, 1, 0};
  addHistogram(rtt, {}, bounds, counts, 0.0012);
  const std::string text = render(families);
  EXPECT_THAT(text, HasSubstr("horizon_upstream_rtt_seconds_bucket{le=\"0.0005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("horizon_upstream_rtt_seconds_bucket{le=\"0.001\"} 2\n"));
}

TEST(ExpositionTest, BuildersRefuseWhatCannotBeRendered) {
  Families families;
  auto& histogram = addFamily(families, "h_seconds", "h", MetricType::Histogram);
  EXPECT_THROW(addSample(histogram, {}, 1), std::invalid_argument);
  const std::array<double, 2> bounds{1, 2};
  const std::array<std::uint64_t, 2> too_few{1, 1};
  EXPECT_THROW(addHistogram(histogram, {}, bounds, too_few, 0), std::invalid_argument);
  const std::array<double, 2> falling{2, 1};
  const std::array<std::uint64_t, 3> counts{1, 1, 1};
  EXPECT_THROW(addHistogram(histogram, {}, falling, counts, 0), std::invalid_argument);
  auto& counter = addFamily(families, "c_total", "c", MetricType::Counter);
  EXPECT_THROW(addHistogram(counter, {}, bounds, counts, 0), std::invalid_argument);
}

TEST(ExpositionTest, LabelValuesAreEscaped) {
  Families families;
  addSample(addFamily(families, "horizon_zone_serial", "Serial.", MetricType::Gauge),
            {{"zone", "we\"ird\\zone\n."}}, 1);
  EXPECT_THAT(render(families), HasSubstr(R"(horizon_zone_serial{zone="we\"ird\\zone\n."} 1)"));
}

TEST(ExpositionTest, LargeCountersAndTimestampsAreNotRounded) {
  Families families;
  addSample(addFamily(families, "big_total", "b", MetricType::Counter), {}, 123456789012.0);
  addSample(addFamily(families, "when_seconds", "w", MetricType::Gauge), {}, 1712345678.25);
  const std::string text = render(families);
  EXPECT_THAT(text, HasSubstr("big_total 123456789012\n"));
  EXPECT_THAT(text, HasSubstr("when_seconds 1712345678.25\n"));
}

// Every kind of family the builders make, as promtool (Debian's `prometheus` package) reads it.
TEST(ExpositionTest, PromtoolAcceptsTheRenderedText) {
  const char* promtool = "/usr/bin/promtool";
  if (access(promtool, X_OK) != 0)
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus)";
  Families families;
  appendBuildInfo(families);
  auto& responses =
      addFamily(families, "horizon_dns_responses_total", "Responses sent.", MetricType::Counter);
  addSample(responses, {{"view", "lan"}, {"source", "authoritative"}, {"rcode", "NOERROR"}}, 7);
  auto& duration = addFamily(families, "horizon_dns_request_duration_seconds",
                             "Time from query to answer.", MetricType::Histogram);
  const std::array<double, 3> bounds{0.00005, 0.0001, 0.00025};
  const std::array<std::uint64_t, 4> counts{3, 2, 1, 0};
  addHistogram(duration, {{"view", "lan"}, {"source", "cache"}}, bounds, counts, 0.0004);
  addSample(addFamily(families, "horizon_ready", "1 when serving.", MetricType::Gauge), {}, 1);
  appendProcessMetrics(families);

  char path[] = "/tmp/horizon-exposition-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string text = render(families);
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  const std::string command = std::string(promtool) + " check metrics < " + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  std::array<char, 512> chunk{};
  while (std::size_t n = fread(chunk.data(), 1, chunk.size(), pipe)) output.append(chunk.data(), n);
  const int status = pclose(pipe);
  std::remove(path);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output << "\n" << text;
}

}  // namespace
}  // namespace horizon::metrics
