// What Session delegates to: one implementation per HTTP version (http1_engine.hpp,
// http2_engine.hpp), sharing the handler, the limits, the counters and the output buffer.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "horizon/doh/session.hpp"

namespace horizon::doh {

/// Bytes produced and not yet written by the connection.
class OutputBuffer {
 public:
  /// Appends `bytes` after what is pending.
  void append(std::span<const std::uint8_t> bytes) {
    data_.insert(data_.end(), bytes.begin(), bytes.end());
  }
  /// The pending bytes.
  std::span<const std::uint8_t> view() const {
    return {data_.data() + head_, data_.size() - head_};
  }
  /// Drops the first `n` pending bytes (clamped to what is pending).
  void consume(std::size_t n) {
    head_ += std::min(n, size());
    // Compacting once the written part is half the buffer keeps appends amortised O(1).
    if (head_ == data_.size()) {
      data_.clear();
      head_ = 0;
    } else if (head_ > data_.size() / 2) {
      data_.erase(data_.begin(), data_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  /// How many bytes are pending.
  std::size_t size() const { return data_.size() - head_; }

 private:
  std::vector<std::uint8_t> data_;
  std::size_t head_ = 0;
};

/// One HTTP version's side of a Session; the public contract is Session's.
class Engine {
 public:
  /// Shares `handler`, which must outlive the engine.
  Engine(Handler& handler, const Limits& limits) : handler_(handler), limits_(limits) {}
  virtual ~Engine() = default;
  /// See Session::receive.
  virtual bool receive(std::span<const std::uint8_t> bytes) = 0;
  /// See Session::answer.
  virtual void answer(RequestId id, std::span<const std::uint8_t> dns_response) = 0;
  /// See Session::pendingOutput.
  virtual std::span<const std::uint8_t> pendingOutput() { return out_.view(); }
  /// See Session::consumed.
  virtual void consumed(std::size_t n) { out_.consume(n); }
  /// See Session::readPaused.
  virtual bool readPaused() const = 0;
  /// See Session::wantsClose.
  virtual bool wantsClose() const = 0;
  /// See Session::pendingQueries.
  virtual std::size_t pendingQueries() const = 0;
  /// See Session::counters.
  const Counters& counters() const { return counters_; }

 protected:
  Handler& handler_;
  const Limits limits_;
  Counters counters_;
  OutputBuffer out_;
  RequestId next_id_ = 1;
};

}  // namespace horizon::doh
