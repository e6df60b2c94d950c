// Private to the network module: what happens to each query besides answering it. Counting it
// for the metrics (when they are on), writing the query log line (when it is on) and, later,
// capturing it for dnstap. One observer per thread that answers queries (each UDP thread, each
// worker's io thread), so nothing here is shared between threads; the counting is
// allocation-free and lock-free, the log line is not (it is off on busy servers).
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>

#include "horizon/config/server_config.hpp"
#include "horizon/dnstap/dnstap_writer.hpp"
#include "horizon/query/answer_engine.hpp"
#include "horizon/stats/query_counters.hpp"
#include "query_log.hpp"

namespace horizon::net {

using SteadyClock = std::chrono::steady_clock;

/// One thread's observer. Only its thread may call it.
class QueryObserver {
 public:
  /// An observer for `config`; it allocates its counters when the metrics are on, and writes
  /// dnstap messages to `dnstap`'s queue number `queue` when `dnstap` is given.
  QueryObserver(const config::ServerConfig& config, dnstap::Writer* dnstap, unsigned queue);

  /// True when anything needs the time a query took (its caller then reads the clock).
  bool timed() const {
    return counters_ != nullptr || log_ != QueryLogFormat::kOff || dnstap_ != nullptr;
  }
  /// Captures a message that arrived from `peer` at `local` (nullptr: unknown), as CLIENT_QUERY.
  void arrived(const sockaddr* peer, const sockaddr* local, stats::Transport transport,
               std::span<const std::uint8_t> request) {
    if (dnstap_) tapQuery(peer, local, transport, request);
  }
  /// Counts a question that answerQuery accepted (`summary.answered`), before its answer.
  void request(const query::AnswerSummary& summary, stats::Transport transport, bool ipv6) {
    if (counters_) counters_->request({summary.view, transport, ipv6, summary.qtype});
  }
  /// Counts an answer of view `view` (a label id) that rate limiting dropped or slipped.
  void rateLimited(std::uint16_t view, stats::LimitedAction action) {
    if (counters_) counters_->rate_limited[view][static_cast<std::size_t>(action)].add();
  }
  /// Counts a datagram or message that was not a query: nothing was sent.
  void dropped() {
    if (counters_) counters_->dropped.add();
  }
  /// Records the answer sent to `peer`: its view and source come from `summary` (the caller
  /// sets the source of recursive answers); rcode, TC and size from `response`. `query` is the
  /// question as parsed when the caller has it (else `request` is parsed again for the log).
  void answered(const sockaddr* peer, stats::Transport transport,
                std::span<const std::uint8_t> request, const wire::ParsedQuery* query,
                std::span<const std::uint8_t> response, const query::AnswerSummary& summary,
                SteadyClock::time_point started, const sockaddr* local = nullptr) {
    if (dnstap_) tapResponse(peer, local, transport, response, started);
    if (!counters_ && log_ == QueryLogFormat::kOff) return;
    record(peer, transport, request, query, response, summary, started);
  }

  /// The counters (nullptr when the metrics are off).
  const stats::QueryCounters* counters() const { return counters_.get(); }

 private:
  void record(const sockaddr* peer, stats::Transport transport,
              std::span<const std::uint8_t> request, const wire::ParsedQuery* query,
              std::span<const std::uint8_t> response, const query::AnswerSummary& summary,
              SteadyClock::time_point started);
  void tapQuery(const sockaddr* peer, const sockaddr* local, stats::Transport transport,
                std::span<const std::uint8_t> request);
  void tapResponse(const sockaddr* peer, const sockaddr* local, stats::Transport transport,
                   std::span<const std::uint8_t> response, SteadyClock::time_point started);

  std::unique_ptr<stats::QueryCounters> counters_;
  QueryLogFormat log_ = QueryLogFormat::kOff;
  dnstap::Writer* dnstap_ = nullptr;
  unsigned queue_ = 0;
};

}  // namespace horizon::net
