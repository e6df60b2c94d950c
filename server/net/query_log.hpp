// Private to the network module: the query log, one line per answered query when it is on.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "horizon/wire/message.hpp"

namespace horizon::net {

/// Off, a line of key=value words for people, or one JSON object a line for machines.
enum class QueryLogFormat { kOff, kText, kJson };

/// The format configured by `enabled` (query-log) and `format` (query-log-format).
QueryLogFormat queryLogFormat(bool enabled, const std::string& format);

/// Everything one line says about an answered query.
struct QueryLogLine {
  const sockaddr* peer = nullptr;
  const char* transport = "udp";
  const wire::ParsedQuery* query = nullptr;  // nullptr: the question could not be parsed
  std::string_view view = "none";
  const char* source = "error";
  std::uint16_t rcode = 0;  // extended rcode
  std::size_t size = 0;     // response bytes
  bool truncated = false;
  std::uint64_t duration_ns = 0;
};

/// Formats `line` (names and types as the wire module's presentation functions print them, so
/// control characters come out escaped, never raw).
std::string formatQueryLog(QueryLogFormat format, const QueryLogLine& line);

/// Writes `line` to the log. Off the allocation-free path: only called when the log is on.
void logQuery(QueryLogFormat format, const QueryLogLine& line);

}  // namespace horizon::net
