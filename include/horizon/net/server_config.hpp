// horizond's settings: command-line flags, optionally preceded by a YAML config file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace horizon::net {

/// A listen address: UDP and TCP are both bound on it.
struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1", "0.0.0.0", "::"
  std::uint16_t port = 53;
};

/// Everything horizond needs to start.
struct ServerConfig {
  std::vector<std::string> zone_files;
  std::vector<ListenAddress> listen;
  unsigned workers = 0;                         // 0: one per core
  unsigned tcp_idle_timeout_ms = 10000;         // RFC 7766 6.2.3 suggests seconds, not minutes
  unsigned max_tcp_connections = 1024;          // over all workers
  unsigned max_tcp_queries_per_connection = 0;  // 0: unlimited
  bool query_log = false;
  std::string log_level = "info";
};

/// Parses "127.0.0.1:5353", "[::1]:5353", "::1" (port 53) or "5353" (127.0.0.1). Sets *error.
std::optional<ListenAddress> parseListenAddress(const std::string& text, std::string* error);

/// Parses argv (after an optional --config FILE whose values the flags override). Returns nullopt
/// and sets *error on any bad flag or config value; *help_requested is set for --help.
std::optional<ServerConfig> parseCommandLine(int argc, char** argv, std::string* error,
                                             bool* help_requested);

/// The text printed for --help.
std::string usageText();

}  // namespace horizon::net
