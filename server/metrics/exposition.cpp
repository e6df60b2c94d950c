// The builders only fill prometheus-cpp's value types; TextSerializer does the escaping and the
// number formatting, so there is one writer of the format.
#include "horizon/metrics/exposition.hpp"

#include <prometheus/text_serializer.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace horizon::metrics {

prometheus::MetricFamily& addFamily(Families& families, std::string name, std::string help,
                                    prometheus::MetricType type) {
  prometheus::MetricFamily& family = families.emplace_back();
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void addSample(prometheus::MetricFamily& family,
               std::vector<prometheus::ClientMetric::Label> labels, double value) {
  prometheus::ClientMetric sample;
  sample.label = std::move(labels);
  switch (family.type) {
    case prometheus::MetricType::Counter:
      sample.counter.value = value;
      break;
    case prometheus::MetricType::Gauge:
      sample.gauge.value = value;
      break;
    case prometheus::MetricType::Untyped:
      sample.untyped.value = value;
      break;
    case prometheus::MetricType::Histogram:
    case prometheus::MetricType::Summary:
      throw std::invalid_argument("metrics: " + family.name +
                                  " is not a counter or gauge; its samples need their own builder");
  }
  family.metric.push_back(std::move(sample));
}

void addHistogram(prometheus::MetricFamily& family,
                  std::vector<prometheus::ClientMetric::Label> labels,
                  std::span<const double> upper_bounds, std::span<const std::uint64_t> counts,
                  double sum) {
  if (family.type != prometheus::MetricType::Histogram) {
    throw std::invalid_argument("metrics: " + family.name + " is not a histogram");
  }
  if (counts.size() != upper_bounds.size() + 1) {
    throw std::invalid_argument("metrics: " + family.name + " has " +
                                std::to_string(upper_bounds.size()) + " bounds but " +
                                std::to_string(counts.size()) + " bucket counts (want bounds + 1)");
  }
  prometheus::ClientMetric sample;
  sample.label = std::move(labels);
  auto& histogram = sample.histogram;
  histogram.bucket.reserve(counts.size());
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double bound =
        i < upper_bounds.size() ? upper_bounds[i] : std::numeric_limits<double>::infinity();
    // Prometheus reads `le` as a cumulative, rising sequence; anything else is a caller's bug.
    if (std::isnan(bound) ||
        (!histogram.bucket.empty() && !(bound > histogram.bucket.back().upper_bound))) {
      throw std::invalid_argument("metrics: " + family.name + "'s bucket bounds do not rise");
    }
    cumulative += counts[i];
    histogram.bucket.push_back({cumulative, bound});
  }
  histogram.sample_count = cumulative;
  histogram.sample_sum = sum;
  family.metric.push_back(std::move(sample));
}

std::string render(const Families& families) {
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace horizon::metrics
