// Label folding and the scrape-time sum of the per-thread query counters.
#include "horizon/stats/query_counters.hpp"

namespace horizon::stats {
namespace {

// The query types an operator looks for on a dashboard; their codes are RFC 1035, 3596, 2782,
// 6844, 4034 and 9460's.
struct TypeLabel {
  std::uint16_t code;
  const char* name;
};
constexpr TypeLabel kTypeLabels[kTypes - 1] = {
    {1, "A"},     {28, "AAAA"}, {5, "CNAME"}, {15, "MX"},     {2, "NS"},
    {12, "PTR"},  {6, "SOA"},   {33, "SRV"},  {16, "TXT"},    {65, "HTTPS"},
    {64, "SVCB"}, {257, "CAA"}, {43, "DS"},   {48, "DNSKEY"}, {255, "ANY"}};

constexpr const char* kRcodeLabels[kRcodes] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                               "NOTIMP",  "REFUSED", "BADVERS",  "other"};
constexpr std::uint16_t kBadvers = 16;  // RFC 6891 9

}  // namespace

const char* sourceName(Source source) {
  switch (source) {
    case Source::kAuthoritative:
      return "authoritative";
    case Source::kCache:
      return "cache";
    case Source::kRecursion:
      return "recursion";
    case Source::kStale:
      return "stale";
    case Source::kRefused:
      return "refused";
    case Source::kError:
      return "error";
  }
  return "error";
}

const char* transportName(Transport transport) {
  switch (transport) {
    case Transport::kUdp:
      return "udp";
    case Transport::kTcp:
      return "tcp";
    case Transport::kTls:
      return "tls";
    case Transport::kHttps:
      return "https";
  }
  return "udp";
}

const char* familyName(std::size_t family) {
  return family == 0 ? "ipv4" : "ipv6";
}

std::size_t typeIndex(std::uint16_t qtype) {
  // A and AAAA are most of a home network's questions: they are found first.
  for (std::size_t i = 0; i < kTypes - 1; ++i)
    if (kTypeLabels[i].code == qtype) return i;
  return kTypes - 1;
}

const char* typeLabel(std::size_t index) {
  return index < kTypes - 1 ? kTypeLabels[index].name : "other";
}

std::size_t rcodeIndex(std::uint16_t rcode) {
  if (rcode <= 5) return rcode;  // NOERROR .. REFUSED
  if (rcode == kBadvers) return 6;
  return kRcodes - 1;
}

const char* rcodeLabel(std::size_t index) {
  return index < kRcodes ? kRcodeLabels[index] : "other";
}

const char* limitedActionName(LimitedAction action) {
  return action == LimitedAction::kSlipped ? "slipped" : "dropped";
}

void QueryTotals::add(const QueryCounters& c) noexcept {
  for (std::size_t v = 0; v < kMaxViews; ++v) {
    for (std::size_t t = 0; t < kTransports; ++t)
      for (std::size_t f = 0; f < kFamilies; ++f)
        for (std::size_t q = 0; q < kTypes; ++q)
          requests[v][t][f][q] += c.requests[v][t][f][q].get();
    for (std::size_t s = 0; s < kSources; ++s) {
      for (std::size_t r = 0; r < kRcodes; ++r) responses[v][s][r] += c.responses[v][s][r].get();
      duration[v][s].add(c.duration[v][s]);
    }
    truncated[v] += c.truncated[v].get();
    for (std::size_t a = 0; a < kLimitedActions; ++a)
      rate_limited[v][a] += c.rate_limited[v][a].get();
  }
  for (std::size_t t = 0; t < kTransports; ++t) size[t].add(c.size[t]);
  dropped += c.dropped.get();
}

}  // namespace horizon::stats
