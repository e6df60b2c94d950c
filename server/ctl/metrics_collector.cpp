// From counters to families. Label values come from the fixed tables in stats/ (views, types,
// rcodes, sources), so a family has at most a known number of series; combinations never seen
// are left out rather than exported as zeros.
#include "horizon/ctl/metrics_collector.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "horizon/metrics/process_metrics.hpp"
#include "horizon/stats/view_labels.hpp"

namespace horizon::ctl {
namespace {

using prometheus::MetricType;

// More than the families exported here (about 45, process metrics included).
constexpr std::size_t kFamilyCapacity = 64;

std::string viewName(std::size_t id) {
  return std::string(stats::viewLabelName(static_cast<std::uint16_t>(id)));
}

// Bounds kept in integer units (ns, us) are exported in seconds.
template <std::size_t N>
std::vector<double> seconds(const std::array<std::uint64_t, N>& bounds, double unit) {
  std::vector<double> out;
  for (auto b : bounds) out.push_back(static_cast<double>(b) * unit);
  return out;
}
template <std::size_t N>
std::vector<double> plain(const std::array<std::uint64_t, N>& bounds) {
  return seconds(bounds, 1.0);
}

void addQueryFamilies(metrics::Families& out, const stats::QueryTotals& q) {
  auto& requests = metrics::addFamily(out, "horizon_dns_requests_total",
                                      "DNS questions received, by view, transport, address "
                                      "family and query type.",
                                      MetricType::Counter);
  for (std::size_t v = 0; v < stats::kMaxViews; ++v)
    for (std::size_t t = 0; t < stats::kTransports; ++t)
      for (std::size_t f = 0; f < stats::kFamilies; ++f)
        for (std::size_t y = 0; y < stats::kTypes; ++y)
          if (const auto n = q.requests[v][t][f][y])
            metrics::addSample(
                requests,
                {{"view", viewName(v)},
                 {"transport", stats::transportName(static_cast<stats::Transport>(t))},
                 {"family", stats::familyName(f)},
                 {"type", stats::typeLabel(y)}},
                static_cast<double>(n));

  auto& responses =
      metrics::addFamily(out, "horizon_dns_responses_total",
                         "DNS answers sent, by view, source and rcode.", MetricType::Counter);
  auto& duration = metrics::addFamily(
      out, "horizon_dns_request_duration_seconds",
      "Time from a question's arrival to its answer being ready, by view and source.",
      MetricType::Histogram);
  const auto duration_bounds = seconds(stats::kDurationBoundsNs, 1e-9);
  for (std::size_t v = 0; v < stats::kMaxViews; ++v) {
    for (std::size_t s = 0; s < stats::kSources; ++s) {
      const char* source = stats::sourceName(static_cast<stats::Source>(s));
      std::uint64_t answered = 0;
      for (std::size_t r = 0; r < stats::kRcodes; ++r) {
        if (const auto n = q.responses[v][s][r]) {
          answered += n;
          metrics::addSample(
              responses,
              {{"view", viewName(v)}, {"source", source}, {"rcode", stats::rcodeLabel(r)}},
              static_cast<double>(n));
        }
      }
      if (answered == 0) continue;
      const auto& h = q.duration[v][s];
      metrics::addHistogram(duration, {{"view", viewName(v)}, {"source", source}}, duration_bounds,
                            h.buckets, static_cast<double>(h.sum) * 1e-9);
    }
  }

  auto& size =
      metrics::addFamily(out, "horizon_dns_response_size_bytes",
                         "Size of the DNS answers sent, by transport.", MetricType::Histogram);
  const auto size_bounds = plain(stats::kSizeBounds);
  for (std::size_t t = 0; t < stats::kTransports; ++t) {
    const auto& h = q.size[t];
    std::uint64_t total = 0;
    for (auto n : h.buckets) total += n;
    if (total == 0 && t > 1) continue;  // tls and https appear once they are served
    metrics::addHistogram(size,
                          {{"transport", stats::transportName(static_cast<stats::Transport>(t))}},
                          size_bounds, h.buckets, static_cast<double>(h.sum));
  }

  auto& truncated = metrics::addFamily(out, "horizon_dns_truncated_responses_total",
                                       "Answers sent with TC set (too large for the client's UDP "
                                       "size), by view.",
                                       MetricType::Counter);
  for (std::size_t v = 0; v < stats::kMaxViews; ++v)
    if (q.truncated[v])
      metrics::addSample(truncated, {{"view", viewName(v)}}, static_cast<double>(q.truncated[v]));

  auto& limited = metrics::addFamily(
      out, "horizon_dns_rate_limited_responses_total",
      "UDP answers over their view's response rate limit, by view and what was done: dropped, or "
      "slipped (sent truncated so a real client retries over TCP).",
      MetricType::Counter);
  for (std::size_t v = 0; v < stats::kMaxViews; ++v)
    for (std::size_t a = 0; a < stats::kLimitedActions; ++a)
      if (q.rate_limited[v][a])
        metrics::addSample(
            limited,
            {{"view", viewName(v)},
             {"action", stats::limitedActionName(static_cast<stats::LimitedAction>(a))}},
            static_cast<double>(q.rate_limited[v][a]));

  metrics::addSample(metrics::addFamily(out, "horizon_dns_dropped_requests_total",
                                        "Messages that were not DNS queries; nothing was sent.",
                                        MetricType::Counter),
                     {}, static_cast<double>(q.dropped));
}

void addCacheFamilies(metrics::Families& out, const net::ServerStatistics& s) {
  std::uint64_t hits = 0, misses = 0;
  for (std::size_t v = 0; v < stats::kMaxViews; ++v)
    for (std::size_t r = 0; r < stats::kRcodes; ++r) {
      hits += s.queries.responses[v][static_cast<std::size_t>(stats::Source::kCache)][r];
      misses += s.queries.responses[v][static_cast<std::size_t>(stats::Source::kRecursion)][r] +
                s.queries.responses[v][static_cast<std::size_t>(stats::Source::kStale)][r];
    }
  const auto gauge = [&](const char* name, const char* help, double value) {
    metrics::addSample(metrics::addFamily(out, name, help, MetricType::Gauge), {}, value);
  };
  const auto counter = [&](const char* name, const char* help, double value) {
    metrics::addSample(metrics::addFamily(out, name, help, MetricType::Counter), {}, value);
  };
  gauge("horizon_cache_entries", "Entries in the resolver cache.",
        static_cast<double>(s.cache_entries));
  gauge("horizon_cache_bytes", "Memory charged to the resolver cache.",
        static_cast<double>(s.cache_bytes));
  gauge("horizon_cache_max_bytes", "The resolver cache's memory bound (cache-max-bytes).",
        static_cast<double>(s.cache_max_bytes));
  counter("horizon_cache_hits_total", "Recursive questions answered from a fresh cache entry.",
          static_cast<double>(hits));
  counter("horizon_cache_misses_total",
          "Recursive questions that needed a resolution (answered by it, or stale).",
          static_cast<double>(misses));
  counter("horizon_cache_evictions_total",
          "Cache entries dropped to stay within the limits, or long expired.",
          static_cast<double>(s.cache_evictions));
  counter("horizon_cache_prefetches_total",
          "Background refreshes of popular entries close to expiry.",
          static_cast<double>(s.prefetches));
  counter("horizon_cache_stale_answers_total",
          "Answers given from expired entries because resolution failed (RFC 8767).",
          static_cast<double>(s.stale_answers));
  auto& validations = metrics::addFamily(
      out, "horizon_dnssec_validations_total",
      "Resolutions validated before caching, by outcome: secure, insecure (unsigned, or no "
      "anchor covers it) or bogus (answered SERVFAIL).",
      MetricType::Counter);
  const char* const outcomes[] = {"insecure", "secure", "bogus"};
  for (std::size_t i = 0; i < 3; ++i)
    metrics::addSample(validations, {{"result", outcomes[i]}},
                       static_cast<double>(s.validations[i]));
  counter("horizon_dnssec_signature_checks_total",
          "Signature verifications the validator made (cache hits make none).",
          static_cast<double>(s.signature_checks));
  auto& limits = metrics::addFamily(
      out, "horizon_dnssec_limits_reached_total",
      "Validations a work bound cut short: signature_checks (the answer is bogus) or "
      "nsec3_iterations (above the limit, the proof counts as insecure).",
      MetricType::Counter);
  metrics::addSample(limits, {{"limit", "signature_checks"}},
                     static_cast<double>(s.signature_limit_hits));
  metrics::addSample(limits, {{"limit", "nsec3_iterations"}},
                     static_cast<double>(s.nsec3_limit_hits));
  gauge("horizon_resolutions_in_flight", "Resolutions waiting for upstream servers.",
        static_cast<double>(s.resolutions_in_flight));
  auto& refused = metrics::addFamily(out, "horizon_resolutions_refused_total",
                                     "Recursive questions answered SERVFAIL at once because too "
                                     "many were waiting, by the cap reached: the worker's or one "
                                     "client address's.",
                                     MetricType::Counter);
  metrics::addSample(refused, {{"limit", "worker"}},
                     static_cast<double>(s.resolutions_refused_worker));
  metrics::addSample(refused, {{"limit", "client"}},
                     static_cast<double>(s.resolutions_refused_client));
  gauge("horizon_tcp_connections", "Open client TCP connections.", static_cast<double>(s.tcp_open));
  counter("horizon_tcp_connections_accepted_total", "Client TCP connections accepted.",
          static_cast<double>(s.tcp_accepted));
  counter("horizon_tcp_connections_evicted_total",
          "Idle client TCP connections closed to make room for new ones (the cap was reached).",
          static_cast<double>(s.tcp_evicted));
  auto& handshakes =
      metrics::addFamily(out, "horizon_tls_handshakes_total",
                         "TLS handshakes of DNS-over-TLS and DNS-over-HTTPS clients, "
                         "by result (failed: refused, broken or abandoned).",
                         MetricType::Counter);
  metrics::addSample(handshakes, {{"result", "ok"}}, static_cast<double>(s.tls_handshakes));
  metrics::addSample(handshakes, {{"result", "failed"}},
                     static_cast<double>(s.tls_handshake_failures));
  if (s.tls_certificate_expiry != 0)
    gauge("horizon_tls_certificate_expiry_timestamp_seconds",
          "When the certificate served to DoT and DoH clients expires (Unix time).",
          static_cast<double>(s.tls_certificate_expiry));
}

void addUpstreamFamilies(metrics::Families& out, const net::ServerStatistics& s) {
  auto& queries = metrics::addFamily(out, "horizon_upstream_queries_total",
                                     "Exchanges with upstream servers, by address (past 32 "
                                     "addresses: \"other\").",
                                     MetricType::Counter);
  auto& timeouts = metrics::addFamily(out, "horizon_upstream_timeouts_total",
                                      "Upstream exchanges that timed out.", MetricType::Counter);
  auto& errors = metrics::addFamily(out, "horizon_upstream_errors_total",
                                    "Upstream exchanges that failed: network (refused, "
                                    "unreachable, reset) or malformed (undecodable replies).",
                                    MetricType::Counter);
  auto& rtt =
      metrics::addFamily(out, "horizon_upstream_rtt_seconds",
                         "Round-trip time of answered upstream exchanges.", MetricType::Histogram);
  const auto rtt_bounds = seconds(resolver::kRttBoundsUs, 1e-6);
  for (const auto& u : s.upstreams) {
    metrics::addSample(queries, {{"upstream", u.label}}, static_cast<double>(u.queries));
    metrics::addSample(timeouts, {{"upstream", u.label}}, static_cast<double>(u.timeouts));
    metrics::addSample(errors, {{"upstream", u.label}, {"error", "network"}},
                       static_cast<double>(u.network_errors));
    metrics::addSample(errors, {{"upstream", u.label}, {"error", "malformed"}},
                       static_cast<double>(u.malformed));
    metrics::addHistogram(rtt, {{"upstream", u.label}}, rtt_bounds, u.rtt.buckets,
                          static_cast<double>(u.rtt.sum) * 1e-6);
  }
}

double epochSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

void addZoneFamilies(metrics::Families& out, const ReloaderStatus& status) {
  auto& serial = metrics::addFamily(out, "horizon_zone_serial",
                                    "The SOA serial served, by zone and view.", MetricType::Gauge);
  auto& records = metrics::addFamily(out, "horizon_zone_records",
                                     "Records served, by zone and view.", MetricType::Gauge);
  for (const auto& zone : status.zones) {
    for (const auto& view : zone.views) {
      metrics::addSample(serial, {{"zone", zone.origin}, {"view", view.name}},
                         static_cast<double>(zone.serial));
      metrics::addSample(records, {{"zone", zone.origin}, {"view", view.name}},
                         static_cast<double>(view.records));
    }
  }
  auto& reloads =
      metrics::addFamily(out, "horizon_reloads_total",
                         "Zone reload attempts, by trigger and result.", MetricType::Counter);
  for (std::size_t t = 0; t < kReloadTriggers; ++t)
    for (std::size_t ok = 0; ok < 2; ++ok)
      metrics::addSample(reloads,
                         {{"trigger", triggerName(static_cast<ReloadTrigger>(t))},
                          {"result", ok ? "success" : "failure"}},
                         static_cast<double>(status.reloads_by_trigger[t][ok]));
  const bool last_ok = status.last_reload && status.last_reload->ok;
  metrics::addSample(
      metrics::addFamily(out, "horizon_last_reload_success",
                         "1 when the last reload attempt succeeded.", MetricType::Gauge),
      {}, last_ok ? 1 : 0);
  metrics::addSample(
      metrics::addFamily(out, "horizon_last_reload_success_timestamp_seconds",
                         "When the zones last loaded successfully (Unix time; 0: never).",
                         MetricType::Gauge),
      {}, status.last_success ? epochSeconds(*status.last_success) : 0);
}

}  // namespace

metrics::Families collectServerMetrics(const net::Server* server, const ZoneReloader& reloader,
                                       const ExtraStatistics& extra) {
  metrics::Families out;
  // The builders below hold a family while adding the next (a histogram beside its counter), and
  // addFamily's references last only until the vector grows: room for every family up front.
  out.reserve(kFamilyCapacity);
  metrics::appendBuildInfo(out);
  metrics::addSample(metrics::addFamily(out, "horizon_ready",
                                        "1 once every zone is loaded and every listener is up.",
                                        MetricType::Gauge),
                     {}, extra.ready ? 1 : 0);
  std::uint64_t dnstap_written = 0, dnstap_dropped = 0;
  if (server) {
    // QueryTotals is ~100 KiB: on the heap, not the endpoint thread's stack.
    auto totals = std::make_unique<net::ServerStatistics>();
    server->statistics(*totals);
    addQueryFamilies(out, totals->queries);
    addCacheFamilies(out, *totals);
    addUpstreamFamilies(out, *totals);
    dnstap_written = totals->dnstap_written;
    dnstap_dropped = totals->dnstap_dropped;
  }
  addZoneFamilies(out, reloader.status());
  metrics::addSample(
      metrics::addFamily(out, "horizon_dnstap_messages_total",
                         "dnstap messages handed to the collector's queue.", MetricType::Counter),
      {}, static_cast<double>(dnstap_written));
  metrics::addSample(metrics::addFamily(out, "horizon_dnstap_dropped_messages_total",
                                        "dnstap messages dropped because the collector was slow "
                                        "or absent.",
                                        MetricType::Counter),
                     {}, static_cast<double>(dnstap_dropped));
  metrics::appendProcessMetrics(out);
  if (out.size() > kFamilyCapacity) throw std::logic_error("metrics: raise kFamilyCapacity");
  return out;
}

}  // namespace horizon::ctl
