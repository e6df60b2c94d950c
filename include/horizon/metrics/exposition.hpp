// The Prometheus text exposition, built at scrape time: callers read their counters into
// prometheus-cpp's plain MetricFamily values, one line per sample, and render them. Nothing here
// keeps state between scrapes, so the numbers live wherever their owners keep them.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace horizon::metrics {

/// One scrape's worth of metric families, in the order they are rendered.
using Families = std::vector<prometheus::MetricFamily>;

/// Appends an empty family and returns it; the reference is valid until the next addFamily on
/// the same vector.
prometheus::MetricFamily& addFamily(Families& families, std::string name, std::string help,
                                    prometheus::MetricType type);

/// Appends one sample to a counter, gauge or untyped family (the family's type says which).
/// Throws std::invalid_argument for a histogram or summary family.
void addSample(prometheus::MetricFamily& family,
               std::vector<prometheus::ClientMetric::Label> labels, double value);

/// Appends one histogram sample. `counts` are per bucket, not cumulative, one more than
/// `upper_bounds` (the last is the +Inf bucket); `upper_bounds` rise strictly. Throws
/// std::invalid_argument when the family is not a histogram or the sizes or bounds are wrong.
void addHistogram(prometheus::MetricFamily& family,
                  std::vector<prometheus::ClientMetric::Label> labels,
                  std::span<const double> upper_bounds, std::span<const std::uint64_t> counts,
                  double sum);

/// The families in Prometheus text format 0.0.4.
std::string render(const Families& families);

}  // namespace horizon::metrics
