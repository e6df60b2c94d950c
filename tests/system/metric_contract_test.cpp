// The helpers that hold queries and scrapes to the metric contract (support/metric_contract.hpp):
// the PromQL scanner must find every metric a query names and nothing else, or the checks of the
// dashboard and the rules would pass a wrong name or fail a right one; the contract reader must
// refuse a malformed list rather than skip a line; and the list itself keeps Prometheus's naming
// rules, on which the _bucket/_sum/_count rule depends.
#include "metric_contract.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace horizon::test {
namespace {

using Names = std::set<std::string>;
using List = std::vector<std::string>;

const std::string kContract = HORIZON_TEST_DATA "/metric_names.txt";

TEST(ScanPromql, FindsTheMetricOfAnAggregatedRate) {
  const PromqlNames names =
      scanPromql(R"(sum by (view) (rate(horizon_dns_requests_total{view="lan"}[5m])))");
  EXPECT_EQ(names.metrics(), (Names{"horizon_dns_requests_total"}));
  ASSERT_EQ(names.selectors.size(), 1u);
  EXPECT_EQ(names.selectors[0].labels, (List{"view"}));
  EXPECT_EQ(names.grouping_labels, (List{"view"}));
}

TEST(ScanPromql, IgnoresFunctionsKeywordsNumbersAndDurations) {
  const PromqlNames names = scanPromql(
      "histogram_quantile(0.99, sum without (instance) (rate("
      "horizon_dns_request_duration_seconds_bucket{view=~\"lan|vpn\", source!=\"cache\"}[5m] "
      "offset 1h))) > bool 1e-3 and on (job) group_left (version) horizon_build_info "
      "or vector(Inf) unless absent(up) or sum_over_time(horizon_ready[1h:5m]) * -NaN "
      "or label_replace(horizon_ready, \"reason\", \"down\", \"\", \"\") @ start()");
  EXPECT_EQ(names.metrics(), (Names{"horizon_dns_request_duration_seconds_bucket",
                                    "horizon_build_info", "up", "horizon_ready"}));
  EXPECT_EQ(names.grouping_labels, (List{"instance", "job", "version"}));
  EXPECT_EQ(names.selectors[0].labels, (List{"view", "source"}));
}

TEST(ScanPromql, KeywordsAreCaseInsensitive) {
  const PromqlNames names = scanPromql("SUM BY (view) (horizon_dns_requests_total) AND up");
  EXPECT_EQ(names.metrics(), (Names{"horizon_dns_requests_total", "up"}));
  EXPECT_EQ(names.grouping_labels, (List{"view"}));
}

TEST(ScanPromql, LabelValuesAndStringsAreNotMetrics) {
  const PromqlNames names =
      scanPromql(R"(up{job="horizon_ready", instance=~'process_open_fds', x=`a"b`} == 0)");
  EXPECT_EQ(names.metrics(), (Names{"up"}));
  EXPECT_EQ(names.selectors[0].labels, (List{"job", "instance", "x"}));
}

TEST(ScanPromql, GrafanaVariablesAreOpaque) {
  const PromqlNames names =
      scanPromql(R"(rate(horizon_cache_hits_total{instance=~"$instance"}[$__rate_interval]) )"
                 R"(/ ${scale} + horizon_cache_bytes{view=~"${view:regex}"} offset $offset)");
  EXPECT_EQ(names.metrics(), (Names{"horizon_cache_hits_total", "horizon_cache_bytes"}));
}

TEST(ScanPromql, ASpaceMayComeBeforeTheMatchers) {
  const PromqlNames names = scanPromql(R"(horizon_zone_serial {zone="madhan.app."})");
  ASSERT_EQ(names.selectors.size(), 1u);
  EXPECT_EQ(names.selectors[0].labels, (List{"zone"}));
}

TEST(ScanPromql, CommentsAreSkipped) {
  const PromqlNames names = scanPromql("# horizon_ready is not used here\nup == 0");
  EXPECT_EQ(names.metrics(), (Names{"up"}));
}

TEST(ScanPromql, ASelectorWithoutANameIsReported) {
  // The check then fails on it: such a selector escapes the contract.
  const PromqlNames names = scanPromql(R"(count({__name__=~"horizon_.*"}))");
  ASSERT_EQ(names.selectors.size(), 1u);
  EXPECT_EQ(names.selectors[0].metric, "");
  EXPECT_EQ(names.selectors[0].labels, (List{"__name__"}));
}

TEST(ScanPromql, UnclosedPartsThrow) {
  EXPECT_THROW(scanPromql(R"(up{job="horizond)"), std::invalid_argument);
  EXPECT_THROW(scanPromql(R"(up{job="horizond")"), std::invalid_argument);
  EXPECT_THROW(scanPromql("rate(up[5m)"), std::invalid_argument);
  EXPECT_THROW(scanPromql("sum by (view"), std::invalid_argument);
}

TEST(ScanGrafanaVariableQuery, LabelValuesOfASelector) {
  const PromqlNames names = scanGrafanaVariableQuery(
      R"( label_values(horizon_dns_requests_total{instance=~"$instance", x="a,b"}, view) )");
  EXPECT_EQ(names.metrics(), (Names{"horizon_dns_requests_total"}));
  EXPECT_EQ(names.selectors[0].labels, (List{"instance", "x"}));
  EXPECT_EQ(names.grouping_labels, (List{"view"}));
}

TEST(ScanGrafanaVariableQuery, OtherForms) {
  EXPECT_EQ(scanGrafanaVariableQuery("label_values(instance)").grouping_labels, (List{"instance"}));
  EXPECT_TRUE(scanGrafanaVariableQuery("label_values(instance)").selectors.empty());
  EXPECT_EQ(scanGrafanaVariableQuery("query_result(topk(5, horizon_cache_bytes))").metrics(),
            (Names{"horizon_cache_bytes"}));
  EXPECT_EQ(scanGrafanaVariableQuery("horizon_ready").metrics(), (Names{"horizon_ready"}));
  EXPECT_THROW(scanGrafanaVariableQuery("metrics(horizon_.*)"), std::invalid_argument);
  EXPECT_THROW(scanGrafanaVariableQuery("label_names()"), std::invalid_argument);
}

TEST(ContractProblems, NoneForNamesTheContractHas) {
  const MetricContract contract = readMetricContract(kContract);
  for (const char* expr :
       {R"(sum by (view) (rate(horizon_dns_requests_total{view="lan"}[5m])))",
        R"(histogram_quantile(0.9, sum by (le, upstream) )"
        R"((rate(horizon_upstream_rtt_seconds_bucket{instance=~"$instance"}[5m]))))",
        R"(up{job="horizond"} == 0 or horizon_ready == 0)",
        R"(sum by (instance) (horizon_cache_bytes) / on (instance) horizon_cache_max_bytes)"})
    EXPECT_EQ(contractProblems(contract, scanPromql(expr)), List{}) << expr;
}

TEST(ContractProblems, NamesWhatIsWrong) {
  const MetricContract contract = readMetricContract(kContract);
  const auto problems = [&](const char* expr) {
    return contractProblems(contract, scanPromql(expr));
  };
  EXPECT_EQ(problems("rate(horizon_dns_request_total[5m])"),
            List{"unknown metric horizon_dns_request_total"});
  EXPECT_EQ(problems("horizn_ready"), List{"unknown metric horizn_ready"});
  EXPECT_EQ(problems(R"(count({__name__=~"horizon_.*"}))"),
            List{"a selector without a metric name"});
  EXPECT_EQ(problems(R"(horizon_dns_requests_total{rcode="SERVFAIL"})"),
            List{"horizon_dns_requests_total has no label rcode"});
  EXPECT_EQ(problems("sum by (rcode) (horizon_dns_requests_total)"),
            List{"no series here has the label rcode"});
  // `le` belongs to a histogram's _bucket series only.
  EXPECT_EQ(problems("sum by (le) (horizon_dns_request_duration_seconds_count)"),
            List{"no series here has the label le"});
  EXPECT_EQ(problems(R"(up{view="lan"})"), List{"up has no label view"});
}

TEST(MetricContractFile, HistogramSeriesStandForTheHistogram) {
  const MetricContract contract = readMetricContract(kContract);
  const MetricSpec* bucket = contract.find("horizon_dns_request_duration_seconds_bucket");
  ASSERT_NE(bucket, nullptr);
  EXPECT_EQ(bucket->name, "horizon_dns_request_duration_seconds");
  EXPECT_EQ(contract.find("horizon_upstream_rtt_seconds_count"),
            contract.find("horizon_upstream_rtt_seconds"));
  // Only a histogram has those series.
  EXPECT_EQ(contract.find("horizon_dns_requests_total_count"), nullptr);
  EXPECT_EQ(contract.find("horizon_cache_bytes_sum"), nullptr);
  EXPECT_EQ(contract.find("horizon_dns_request_duration_seconds_total"), nullptr);
  EXPECT_EQ(contract.find("up"), nullptr);
}

TEST(MetricContractFile, LabelsOfASeries) {
  const MetricContract contract = readMetricContract(kContract);
  EXPECT_EQ(contract.labelsOf("horizon_dns_request_duration_seconds_bucket"),
            (Names{"view", "source", "le", "job", "instance"}));
  EXPECT_EQ(contract.labelsOf("horizon_dns_request_duration_seconds_sum"),
            (Names{"view", "source", "job", "instance"}));
  EXPECT_EQ(contract.labelsOf("horizon_ready"), (Names{"job", "instance"}));
  EXPECT_TRUE(contract.labelsOf("horizon_nonexistent").empty());
}

TEST(MetricContractFile, EachProgramHasItsSection) {
  const MetricContract contract = readMetricContract(kContract);
  const auto horizond = contract.namesOf("horizond");
  const auto sync = contract.namesOf("horizon-sync");
  for (const char* shared : {"horizon_build_info", "process_cpu_seconds_total",
                             "process_resident_memory_bytes", "process_start_time_seconds"}) {
    EXPECT_TRUE(horizond.count(shared)) << shared;
    EXPECT_TRUE(sync.count(shared)) << shared;
  }
  EXPECT_TRUE(horizond.count("horizon_dns_requests_total"));
  EXPECT_FALSE(sync.count("horizon_dns_requests_total"));
  EXPECT_TRUE(sync.count("horizon_sync_pending_changes"));
  EXPECT_FALSE(horizond.count("horizon_sync_pending_changes"));
}

// Prometheus's naming rules, which the _bucket/_sum/_count rule relies on: with no listed name
// ending in those suffixes, a series name belongs to at most one metric of the list.
TEST(MetricContractFile, NamesFollowPrometheusConventions) {
  const MetricContract contract = readMetricContract(kContract);
  ASSERT_FALSE(contract.metrics.empty());
  for (const auto& [name, spec] : contract.metrics) {
    EXPECT_TRUE(name.starts_with("horizon_") || name.starts_with("process_")) << name;
    EXPECT_EQ(name.ends_with("_total"), spec.type == "counter") << name;
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      EXPECT_FALSE(name.ends_with(suffix)) << name << " looks like a histogram's series";
  }
}

TEST(MetricContractFile, MalformedListsAreRefused) {
  TempDir dir;
  const auto read = [&](const std::string& text) {
    return readMetricContract(dir.write("names.txt", text));
  };
  EXPECT_NO_THROW(read("# fine\n[a]\nm_total counter x,y\nn gauge -\n[b]\nn gauge -\n"));
  EXPECT_THROW(read("m_total counter -\n"), std::runtime_error);               // no section
  EXPECT_THROW(read("[a]\nm_total counter\n"), std::runtime_error);            // no labels
  EXPECT_THROW(read("[a]\nm_total counter - extra\n"), std::runtime_error);    // extra field
  EXPECT_THROW(read("[a]\nm summary -\n"), std::runtime_error);                // unknown type
  EXPECT_THROW(read("[a]\nm gauge -\nm gauge -\n"), std::runtime_error);       // twice
  EXPECT_THROW(read("[a]\nm gauge x\n[b]\nm gauge y\n"), std::runtime_error);  // differ
  EXPECT_THROW(read("[a]\nm gauge job\n"), std::runtime_error);  // added by Prometheus
  EXPECT_THROW(read("[a\nm gauge -\n"), std::runtime_error);     // bad section
  EXPECT_THROW(readMetricContract(dir.path() + "/missing.txt"), std::runtime_error);
}

}  // namespace
}  // namespace horizon::test
