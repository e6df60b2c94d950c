// Counting and logging one answered query.
#include "query_observer.hpp"

#include "horizon/stats/view_labels.hpp"
#include "horizon/wire/constants.hpp"

namespace horizon::net {

QueryObserver::QueryObserver(const config::ServerConfig& config)
    : counters_(config.metrics.empty() ? nullptr : std::make_unique<stats::QueryCounters>()),
      log_(queryLogFormat(config.query_log, config.query_log_format)) {}

void QueryObserver::record(const sockaddr* peer, stats::Transport transport,
                           std::span<const std::uint8_t> request, const wire::ParsedQuery* query,
                           std::span<const std::uint8_t> response,
                           const query::AnswerSummary& summary, SteadyClock::time_point started) {
  const auto elapsed = SteadyClock::now() - started;
  const auto duration_ns = static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()));
  // The engine knows its own rcode, the extended BADVERS included; answers from the resolver
  // carry theirs in the header.
  const bool from_engine = summary.source == stats::Source::kAuthoritative ||
                           summary.source == stats::Source::kRefused ||
                           summary.source == stats::Source::kError;
  std::uint16_t rcode = summary.rcode;
  bool truncated = false;
  if (response.size() >= wire::kHeaderSize) {
    if (!from_engine) rcode = response[3] & 0x0f;
    truncated = (response[2] & 0x02) != 0;
  }
  if (counters_) {
    counters_->response(
        {summary.view, summary.source, transport, rcode, truncated, response.size(), duration_ns});
  }
  if (log_ == QueryLogFormat::kOff) return;
  wire::ParsedQuery parsed;
  if (!query && wire::parseQuery(request, parsed) == wire::ParseStatus::kOk) query = &parsed;
  logQuery(log_,
           {peer, stats::transportName(transport), query, stats::viewLabelName(summary.view),
            stats::sourceName(summary.source), rcode, response.size(), truncated, duration_ns});
}

}  // namespace horizon::net
