// The building blocks of horizond's statistics: counters and histograms that one thread writes
// and a scrape on another thread reads. Written with a relaxed load and store (no locked
// read-modify-write, so no cache line bounces between CPUs per query); each block belongs to one
// thread, and the scrape sums the blocks of every thread.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace horizon::stats {

/// A counter with a single writer. add() from its owning thread only; get() from anywhere.
class Counter {
 public:
  /// Adds `n`; only the owning thread may call it.
  void add(std::uint64_t n = 1) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  /// The current value, from any thread.
  std::uint64_t get() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

/// A gauge several threads may move (connections, resolutions in flight): a signed atomic, for
/// events far rarer than queries.
class SharedGauge {
 public:
  /// Adds `n` (negative to subtract), from any thread.
  void add(std::int64_t n) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  /// The current value, from any thread.
  std::int64_t get() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

/// Fixed upper bounds of a histogram; observations above the last go to +Inf.
template <std::size_t N>
using Bounds = std::array<double, N>;

/// A histogram with a single writer over `Bounds` known at compile time, in integer units (the
/// caller picks them: nanoseconds, bytes) so that observing is a search and two adds.
template <std::size_t N>
class Histogram {
 public:
  static constexpr std::size_t kBuckets = N + 1;  // the last is +Inf

  /// Adds `value` (in the units of `bounds`) to its bucket; only the owning thread may call it.
  void observe(std::uint64_t value, const std::array<std::uint64_t, N>& bounds) noexcept {
    std::size_t i = 0;
    while (i < N && value > bounds[i]) ++i;
    buckets_[i].add();
    sum_.add(value);
  }
  /// Observations in bucket `i` (not cumulative).
  std::uint64_t bucket(std::size_t i) const noexcept { return buckets_[i].get(); }
  /// The sum of every observed value.
  std::uint64_t sum() const noexcept { return sum_.get(); }

 private:
  std::array<Counter, kBuckets> buckets_{};
  Counter sum_;
};

/// A histogram's totals summed over threads: plain numbers, owned by the scrape.
template <std::size_t N>
struct HistogramTotals {
  std::array<std::uint64_t, N + 1> buckets{};
  std::uint64_t sum = 0;

  /// Adds one thread's histogram.
  void add(const Histogram<N>& h) noexcept {
    for (std::size_t i = 0; i <= N; ++i) buckets[i] += h.bucket(i);
    sum += h.sum();
  }
};

}  // namespace horizon::stats
