// Counting and logging one answered query.
#include "query_observer.hpp"

#include <time.h>

#include <algorithm>

#include "horizon/stats/view_labels.hpp"
#include "horizon/wire/constants.hpp"

namespace horizon::net {

QueryObserver::QueryObserver(const config::ServerConfig& config, dnstap::Writer* dnstap,
                             unsigned queue)
    : counters_(config.metrics.empty() ? nullptr : std::make_unique<stats::QueryCounters>()),
      log_(queryLogFormat(config.query_log, config.query_log_format)),
      dnstap_(dnstap),
      queue_(queue) {}

namespace {

dnstap::Transport dnstapTransport(stats::Transport transport) {
  switch (transport) {
    case stats::Transport::kUdp:
      return dnstap::Transport::kUdp;
    case stats::Transport::kTcp:
      return dnstap::Transport::kTcp;
    case stats::Transport::kTls:
      return dnstap::Transport::kTls;
    case stats::Transport::kHttps:
      return dnstap::Transport::kHttps;
  }
  return dnstap::Transport::kUdp;
}

timespec wallNow() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return now;
}

}  // namespace

void QueryObserver::tapQuery(const sockaddr* peer, const sockaddr* local,
                             stats::Transport transport, std::span<const std::uint8_t> request) {
  dnstap::Event event;
  event.type = dnstap::MessageType::kClientQuery;
  event.transport = dnstapTransport(transport);
  event.query_address = peer;
  event.response_address = local;
  event.message = request;
  event.query_time = wallNow();
  dnstap_->write(queue_, event);  // a full queue drops it, and the writer counts the drop
}

// The query's wall-clock time is the response's less the time taken, so the steady clock reading
// the transports already take serves dnstap too.
void QueryObserver::tapResponse(const sockaddr* peer, const sockaddr* local,
                                stats::Transport transport, std::span<const std::uint8_t> response,
                                SteadyClock::time_point started) {
  const timespec now = wallNow();
  const auto taken =
      std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - started).count();
  std::int64_t ns = static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec -
                    std::max<std::int64_t>(0, taken);
  const timespec asked{static_cast<time_t>(ns / 1'000'000'000),
                       static_cast<long>(ns % 1'000'000'000)};
  dnstap::Event event;
  event.type = dnstap::MessageType::kClientResponse;
  event.transport = dnstapTransport(transport);
  event.query_address = peer;
  event.response_address = local;
  event.message = response;
  event.query_time = asked;
  event.response_time = now;
  dnstap_->write(queue_, event);
}

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
