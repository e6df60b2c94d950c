// The query log's two formats.
#include "query_log.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "horizon/wire/presentation.hpp"

namespace horizon::net {
namespace {

struct Client {
  char address[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
};

Client clientOf(const sockaddr* peer) {
  Client c;
  if (!peer) return c;
  if (peer->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(peer);
    inet_ntop(AF_INET, &in->sin_addr, c.address, sizeof c.address);
    c.port = ntohs(in->sin_port);
  } else if (peer->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(peer);
    inet_ntop(AF_INET6, &in6->sin6_addr, c.address, sizeof c.address);
    c.port = ntohs(in6->sin6_port);
  }
  return c;
}

// The JSON lines go through a logger of their own whose pattern is the bare message, so each
// line is one JSON object a machine can read.
spdlog::logger& jsonLogger() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto base = spdlog::default_logger();
    auto l =
        std::make_shared<spdlog::logger>("query-json", base->sinks().begin(), base->sinks().end());
    l->set_pattern("%v");
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::info);
    return l;
  }();
  return *logger;
}

}  // namespace

QueryLogFormat queryLogFormat(bool enabled, const std::string& format) {
  if (!enabled) return QueryLogFormat::kOff;
  return format == "json" ? QueryLogFormat::kJson : QueryLogFormat::kText;
}

std::string formatQueryLog(QueryLogFormat format, const QueryLogLine& line) {
  const Client client = clientOf(line.peer);
  char qname[wire::kMaxNameTextSize] = "-";
  std::string qtype = "-";
  if (line.query && line.query->has_question) {
    wire::nameToText(line.query->qname, line.query->qname_len, qname, sizeof qname);
    qtype = wire::typeToName(line.query->qtype);
  }
  const std::string rcode = wire::rcodeToName(line.rcode);
  const double ms = static_cast<double>(line.duration_ns) / 1e6;
  if (format == QueryLogFormat::kJson) {
    nlohmann::json j = {{"transport", line.transport},
                        {"client", client.address},
                        {"port", client.port},
                        {"qname", qname},
                        {"qtype", qtype},
                        {"rcode", rcode},
                        {"view", std::string(line.view)},
                        {"source", line.source},
                        {"size", line.size},
                        {"tc", line.truncated},
                        {"ms", ms}};
    // Names print with \DDD escapes; replacing invalid UTF-8 keeps dump() from throwing.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return fmt::format(
      "query {} client={} qname={} qtype={} rcode={} view={} source={} size={}{} time={:.3f}ms",
      line.transport, client.address, qname, qtype, rcode, line.view, line.source, line.size,
      line.truncated ? " tc" : "", ms);
}

void logQuery(QueryLogFormat format, const QueryLogLine& line) {
  if (format == QueryLogFormat::kJson) {
    jsonLogger().info("{}", formatQueryLog(format, line));
  } else {
    spdlog::info("{}", formatQueryLog(format, line));
  }
}

}  // namespace horizon::net
