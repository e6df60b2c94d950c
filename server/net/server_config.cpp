// horizond's command line and YAML config file. Control plane: allocations and exceptions are
// fine here, but every bad input ends as one clear message naming the flag or key at fault.
#include "horizon/net/server_config.hpp"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::net {
namespace {

constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error"};

// Upper bounds keep typos (an extra zero or two) from turning into absurd resource use.
constexpr unsigned kMaxWorkers = 1024;
constexpr unsigned kMaxIdleTimeoutMs = 3600 * 1000;
constexpr unsigned kMaxTcpConnections = 1000000;
constexpr unsigned kMaxPollIntervalMs = 3600 * 1000;

bool isIpLiteral(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// Digits only: std::stoul would accept "+5", " 5" and "5abc".
std::optional<unsigned long> parseDigits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  unsigned long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<unsigned> parseBounded(std::string_view text, unsigned min, unsigned max,
                                     const std::string& what, std::string* error) {
  auto value = parseDigits(text);
  if (!value || *value < min || *value > max) {
    *error = what + ": expected a whole number from " + std::to_string(min) + " to " +
             std::to_string(max) + ", got '" + std::string(text) + "'";
    return std::nullopt;
  }
  return static_cast<unsigned>(*value);
}

bool isLogLevel(std::string_view level) {
  for (auto known : kLogLevels) {
    if (level == known) return true;
  }
  return false;
}

std::string logLevelError(const std::string& what, const std::string& value) {
  return what + ": unknown log level '" + value + "' (expected trace, debug, info, warn or error)";
}

// What the config file may set; std::nullopt means "not given, keep the default".
struct FileSettings {
  std::optional<std::vector<std::string>> zones;
  std::optional<std::vector<ListenAddress>> listen;
  std::optional<unsigned> workers;
  std::optional<unsigned> tcp_idle_timeout_ms;
  std::optional<unsigned> max_tcp_connections;
  std::optional<unsigned> max_tcp_queries_per_connection;
  std::optional<bool> query_log;
  std::optional<std::string> log_level;
  std::optional<std::string> root_hints;
  std::optional<std::vector<std::string>> forward;
  std::optional<std::vector<std::pair<std::string, std::vector<std::string>>>> forward_zones;
  std::optional<std::vector<std::string>> rebinding_allow;
  std::optional<unsigned> cache_max_entries;
  std::optional<unsigned> cache_max_bytes;
  std::optional<bool> serve_stale;
  std::optional<bool> qname_minimisation;
  std::optional<std::string> control;
  std::optional<unsigned> zone_poll_interval_ms;
};

std::string where(const std::string& file, const YAML::Node& node) {
  // yaml-cpp marks are 0-based; editors count from 1.
  return file + ":" + std::to_string(node.Mark().line + 1);
}

std::optional<bool> readBool(const std::string& file, const std::string& key,
                             const YAML::Node& node, std::string* error) {
  bool flag = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, flag)) {
    *error = where(file, node) + ": '" + key + "' must be true or false";
    return std::nullopt;
  }
  return flag;
}

std::optional<std::vector<std::string>> readStringList(const std::string& file,
                                                       const std::string& key,
                                                       const YAML::Node& node, std::string* error) {
  if (!node.IsSequence()) {
    *error = where(file, node) + ": '" + key + "' must be a list, e.g. " + key + ": [...]";
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : node) {
    if (!item.IsScalar() || item.Scalar().empty()) {
      *error = where(file, item) + ": every entry of '" + key + "' must be a non-empty string";
      return std::nullopt;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

std::optional<unsigned> readUnsigned(const std::string& file, const std::string& key,
                                     const YAML::Node& node, unsigned min, unsigned max,
                                     std::string* error) {
  if (!node.IsScalar()) {
    *error = where(file, node) + ": '" + key + "' must be a number";
    return std::nullopt;
  }
  return parseBounded(node.Scalar(), min, max, where(file, node) + ": '" + key + "'", error);
}

std::optional<FileSettings> readConfigFile(const std::string& path, std::string* error) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    *error = "--config: cannot read '" + path + "'";
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    *error = path + ":" + std::to_string(e.mark.line + 1) + ":" +
             std::to_string(e.mark.column + 1) + ": " + e.msg;
    return std::nullopt;
  }
  FileSettings settings;
  if (root.IsNull()) return settings;  // an empty file sets nothing
  if (!root.IsMap()) {
    *error = where(path, root) + ": the config must be a mapping of settings (key: value)";
    return std::nullopt;
  }
  // Relative zone paths are relative to the config file, so /etc/horizon/horizond.yaml can say
  // "zones: [madhan.app.yaml]" whatever directory horizond was started from.
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  std::set<std::string> seen;
  for (const auto& entry : root) {
    const YAML::Node& key_node = entry.first;
    const YAML::Node& value = entry.second;
    const std::string key = key_node.IsScalar() ? key_node.Scalar() : std::string();
    if (!seen.insert(key).second) {
      *error = where(path, key_node) + ": '" + key + "' is given twice";
      return std::nullopt;
    }
    if (key == "zones") {
      auto list = readStringList(path, key, value, error);
      if (!list) return std::nullopt;
      for (auto& file : *list) {
        if (std::filesystem::path(file).is_relative()) file = (base / file).string();
      }
      settings.zones = std::move(list);
    } else if (key == "listen") {
      auto list = readStringList(path, key, value, error);
      if (!list) return std::nullopt;
      std::vector<ListenAddress> addresses;
      for (std::size_t i = 0; i < list->size(); ++i) {
        std::string why;
        auto address = parseListenAddress((*list)[i], &why);
        if (!address) {
          *error = where(path, value[i]) + ": 'listen': " + why;
          return std::nullopt;
        }
        addresses.push_back(*address);
      }
      settings.listen = std::move(addresses);
    } else if (key == "workers") {
      settings.workers = readUnsigned(path, key, value, 0, kMaxWorkers, error);
      if (!settings.workers) return std::nullopt;
    } else if (key == "tcp-idle-timeout-ms") {
      settings.tcp_idle_timeout_ms = readUnsigned(path, key, value, 1, kMaxIdleTimeoutMs, error);
      if (!settings.tcp_idle_timeout_ms) return std::nullopt;
    } else if (key == "max-tcp-connections") {
      settings.max_tcp_connections = readUnsigned(path, key, value, 1, kMaxTcpConnections, error);
      if (!settings.max_tcp_connections) return std::nullopt;
    } else if (key == "max-tcp-queries-per-connection") {
      settings.max_tcp_queries_per_connection = readUnsigned(path, key, value, 0, 1u << 30, error);
      if (!settings.max_tcp_queries_per_connection) return std::nullopt;
    } else if (key == "query-log") {
      settings.query_log = readBool(path, key, value, error);
      if (!settings.query_log) return std::nullopt;
    } else if (key == "serve-stale") {
      settings.serve_stale = readBool(path, key, value, error);
      if (!settings.serve_stale) return std::nullopt;
    } else if (key == "qname-minimisation") {
      settings.qname_minimisation = readBool(path, key, value, error);
      if (!settings.qname_minimisation) return std::nullopt;
    } else if (key == "root-hints") {
      if (!value.IsScalar()) {
        *error = where(path, value) + ": 'root-hints' must be a file name";
        return std::nullopt;
      }
      std::string file = value.Scalar();
      if (std::filesystem::path(file).is_relative()) file = (base / file).string();
      settings.root_hints = file;
    } else if (key == "control") {
      if (!value.IsScalar() || value.Scalar().empty()) {
        *error = where(path, value) + ": 'control' must be the path of the control socket";
        return std::nullopt;
      }
      std::string file = value.Scalar();
      if (std::filesystem::path(file).is_relative()) file = (base / file).string();
      settings.control = file;
    } else if (key == "zone-poll-interval-ms") {
      settings.zone_poll_interval_ms = readUnsigned(path, key, value, 0, kMaxPollIntervalMs, error);
      if (!settings.zone_poll_interval_ms) return std::nullopt;
    } else if (key == "forward") {
      settings.forward = readStringList(path, key, value, error);
      if (!settings.forward) return std::nullopt;
    } else if (key == "rebinding-allow") {
      settings.rebinding_allow = readStringList(path, key, value, error);
      if (!settings.rebinding_allow) return std::nullopt;
    } else if (key == "forward-zones") {
      if (!value.IsMap()) {
        *error = where(path, value) + ": 'forward-zones' must map domains to server lists";
        return std::nullopt;
      }
      std::vector<std::pair<std::string, std::vector<std::string>>> zones;
      for (const auto& zone : value) {
        auto servers = readStringList(path, "forward-zones", zone.second, error);
        if (!servers) return std::nullopt;
        zones.emplace_back(zone.first.Scalar(), *servers);
      }
      settings.forward_zones = std::move(zones);
    } else if (key == "cache-max-entries") {
      settings.cache_max_entries = readUnsigned(path, key, value, 1, 1u << 30, error);
      if (!settings.cache_max_entries) return std::nullopt;
    } else if (key == "cache-max-bytes") {
      settings.cache_max_bytes = readUnsigned(path, key, value, 4096, 4000000000u, error);
      if (!settings.cache_max_bytes) return std::nullopt;
    } else if (key == "log-level") {
      if (!value.IsScalar() || !isLogLevel(value.Scalar())) {
        *error = logLevelError(where(path, value) + ": 'log-level'",
                               value.IsScalar() ? value.Scalar() : std::string("(not a string)"));
        return std::nullopt;
      }
      settings.log_level = value.Scalar();
    } else {
      *error = where(path, key_node) + ": unknown key '" + key +
               "' (known: zones, listen, workers, tcp-idle-timeout-ms, max-tcp-connections, "
               "max-tcp-queries-per-connection, query-log, log-level, root-hints, forward, "
               "forward-zones, rebinding-allow, cache-max-entries, cache-max-bytes, serve-stale, "
               "qname-minimisation, control, zone-poll-interval-ms)";
      return std::nullopt;
    }
  }
  return settings;
}

// A flag taking a value accepts both "--flag value" and "--flag=value".
struct FlagSpec {
  std::string_view name;
  bool takes_value;
};
constexpr FlagSpec kFlags[] = {
    {"--zone", true},
    {"--listen", true},
    {"--config", true},
    {"--workers", true},
    {"--tcp-idle-timeout-ms", true},
    {"--max-tcp-connections", true},
    {"--max-tcp-queries-per-connection", true},
    {"--query-log", false},
    {"--log-level", true},
    {"--root-hints", true},
    {"--forward", true},
    {"--forward-zone", true},
    {"--rebinding-allow", true},
    {"--cache-max-entries", true},
    {"--cache-max-bytes", true},
    {"--no-serve-stale", false},
    {"--no-qname-minimisation", false},
    {"--control", true},
    {"--zone-poll-interval-ms", true},
    {"--help", false},
    {"--version", false},
};

struct Flag {
  std::string name;
  std::string value;
};

// Splits argv into flags with their values; the first problem ends the scan.
std::optional<std::vector<Flag>> splitFlags(int argc, char** argv, std::string* error) {
  std::vector<Flag> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h") arg = "--help";
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    const FlagSpec* spec = nullptr;
    for (const auto& candidate : kFlags) {
      if (candidate.name == name) spec = &candidate;
    }
    if (spec == nullptr) {
      *error = arg.rfind("-", 0) == 0 ? "unknown flag '" + name + "'"
                                      : "unexpected argument '" + arg + "' (flags start with --)";
      return std::nullopt;
    }
    Flag flag{name, {}};
    if (spec->takes_value) {
      if (inline_value) {
        flag.value = *inline_value;
      } else if (i + 1 < argc) {
        flag.value = argv[++i];
      } else {
        *error = name + ": missing value";
        return std::nullopt;
      }
      if (flag.value.empty()) {
        *error = name + ": empty value";
        return std::nullopt;
      }
    } else if (inline_value) {
      *error = name + ": takes no value";
      return std::nullopt;
    }
    flags.push_back(std::move(flag));
  }
  return flags;
}

}  // namespace

std::optional<ListenAddress> parseListenAddress(const std::string& text, std::string* error) {
  ListenAddress out;
  std::string host;
  std::optional<std::string> port_text;
  if (text.empty()) {
    *error = "empty listen address";
    return std::nullopt;
  }
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos) {
      *error = "'" + text + "': missing ']' after the IPv6 address";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    const std::string rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        *error = "'" + text + "': expected ':PORT' after ']'";
        return std::nullopt;
      }
      port_text = rest.substr(1);
    }
  } else if (text.find_first_not_of("0123456789") == std::string::npos) {
    host = "127.0.0.1";  // a bare port keeps the server private by default
    port_text = text;
  } else if (const auto colons = std::count(text.begin(), text.end(), ':'); colons > 1) {
    host = text;  // a bare IPv6 address; write [addr]:port to give a port
  } else if (colons == 1) {
    const auto colon = text.find(':');
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  } else {
    host = text;
  }
  if (!isIpLiteral(host)) {
    *error = "'" + text + "': '" + host + "' is not an IPv4 or IPv6 address";
    return std::nullopt;
  }
  if (port_text) {
    auto port = parseDigits(*port_text);
    if (!port || *port > 65535) {
      *error = "'" + text + "': port must be a number from 0 to 65535, got '" + *port_text + "'";
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(*port);
  }
  out.host = host;
  return out;
}

std::optional<ServerConfig> parseCommandLine(int argc, char** argv, std::string* error,
                                             bool* help_requested) {
  *help_requested = false;
  error->clear();
  auto flags = splitFlags(argc, argv, error);
  if (!flags) return std::nullopt;
  for (const auto& flag : *flags) {
    if (flag.name == "--help") {
      *help_requested = true;
      return std::nullopt;
    }
  }

  ServerConfig config;
  // The config file comes first whatever its position, so every flag overrides it.
  std::optional<std::string> config_path;
  for (const auto& flag : *flags) {
    if (flag.name != "--config") continue;
    if (config_path) {
      *error = "--config: given more than once";
      return std::nullopt;
    }
    config_path = flag.value;
  }
  if (config_path) {
    auto settings = readConfigFile(*config_path, error);
    if (!settings) return std::nullopt;
    if (settings->zones) config.zone_files = *settings->zones;
    if (settings->listen) config.listen = *settings->listen;
    if (settings->workers) config.workers = *settings->workers;
    if (settings->tcp_idle_timeout_ms) config.tcp_idle_timeout_ms = *settings->tcp_idle_timeout_ms;
    if (settings->max_tcp_connections) config.max_tcp_connections = *settings->max_tcp_connections;
    if (settings->max_tcp_queries_per_connection) {
      config.max_tcp_queries_per_connection = *settings->max_tcp_queries_per_connection;
    }
    if (settings->query_log) config.query_log = *settings->query_log;
    if (settings->log_level) config.log_level = *settings->log_level;
    if (settings->root_hints) config.root_hints_file = *settings->root_hints;
    if (settings->forward) config.forwarders = *settings->forward;
    if (settings->forward_zones) config.forward_zones = *settings->forward_zones;
    if (settings->rebinding_allow) config.rebinding_allow = *settings->rebinding_allow;
    if (settings->cache_max_entries) config.cache_max_entries = *settings->cache_max_entries;
    if (settings->cache_max_bytes) config.cache_max_bytes = *settings->cache_max_bytes;
    if (settings->serve_stale) config.serve_stale = *settings->serve_stale;
    if (settings->qname_minimisation) config.qname_minimisation = *settings->qname_minimisation;
    if (settings->control) config.control_socket = *settings->control;
    if (settings->zone_poll_interval_ms) {
      config.zone_poll_interval_ms = *settings->zone_poll_interval_ms;
    }
  }

  // A list given by flags replaces the config's list rather than extending it.
  bool zones_from_flags = false, listen_from_flags = false, forward_from_flags = false,
       forward_zones_from_flags = false, rebinding_from_flags = false;
  for (const auto& flag : *flags) {
    if (flag.name == "--zone") {
      if (!zones_from_flags) config.zone_files.clear();
      zones_from_flags = true;
      config.zone_files.push_back(flag.value);
    } else if (flag.name == "--listen") {
      std::string why;
      auto address = parseListenAddress(flag.value, &why);
      if (!address) {
        *error = "--listen: " + why;
        return std::nullopt;
      }
      if (!listen_from_flags) config.listen.clear();
      listen_from_flags = true;
      config.listen.push_back(*address);
    } else if (flag.name == "--workers") {
      auto value = parseBounded(flag.value, 0, kMaxWorkers, flag.name, error);
      if (!value) return std::nullopt;
      config.workers = *value;
    } else if (flag.name == "--tcp-idle-timeout-ms") {
      auto value = parseBounded(flag.value, 1, kMaxIdleTimeoutMs, flag.name, error);
      if (!value) return std::nullopt;
      config.tcp_idle_timeout_ms = *value;
    } else if (flag.name == "--max-tcp-connections") {
      auto value = parseBounded(flag.value, 1, kMaxTcpConnections, flag.name, error);
      if (!value) return std::nullopt;
      config.max_tcp_connections = *value;
    } else if (flag.name == "--max-tcp-queries-per-connection") {
      auto value = parseBounded(flag.value, 0, 1u << 30, flag.name, error);
      if (!value) return std::nullopt;
      config.max_tcp_queries_per_connection = *value;
    } else if (flag.name == "--query-log") {
      config.query_log = true;
    } else if (flag.name == "--root-hints") {
      config.root_hints_file = flag.value;
    } else if (flag.name == "--forward") {
      if (!forward_from_flags) config.forwarders.clear();
      forward_from_flags = true;
      config.forwarders.push_back(flag.value);
    } else if (flag.name == "--forward-zone") {
      // DOMAIN=ADDR[:PORT][,ADDR[:PORT]...]
      const auto eq = flag.value.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == flag.value.size()) {
        *error = "--forward-zone: expected DOMAIN=ADDR[:PORT][,ADDR...], got '" + flag.value + "'";
        return std::nullopt;
      }
      std::vector<std::string> servers;
      std::string rest = flag.value.substr(eq + 1);
      for (std::size_t start = 0; start <= rest.size();) {
        std::size_t comma = rest.find(',', start);
        if (comma == std::string::npos) comma = rest.size();
        servers.push_back(rest.substr(start, comma - start));
        start = comma + 1;
      }
      if (!forward_zones_from_flags) config.forward_zones.clear();
      forward_zones_from_flags = true;
      config.forward_zones.emplace_back(flag.value.substr(0, eq), servers);
    } else if (flag.name == "--rebinding-allow") {
      if (!rebinding_from_flags) config.rebinding_allow.clear();
      rebinding_from_flags = true;
      config.rebinding_allow.push_back(flag.value);
    } else if (flag.name == "--cache-max-entries") {
      auto value = parseBounded(flag.value, 1, 1u << 30, flag.name, error);
      if (!value) return std::nullopt;
      config.cache_max_entries = *value;
    } else if (flag.name == "--cache-max-bytes") {
      auto value = parseBounded(flag.value, 4096, 4000000000u, flag.name, error);
      if (!value) return std::nullopt;
      config.cache_max_bytes = *value;
    } else if (flag.name == "--no-serve-stale") {
      config.serve_stale = false;
    } else if (flag.name == "--no-qname-minimisation") {
      config.qname_minimisation = false;
    } else if (flag.name == "--control") {
      config.control_socket = flag.value;
    } else if (flag.name == "--zone-poll-interval-ms") {
      auto value = parseBounded(flag.value, 0, kMaxPollIntervalMs, flag.name, error);
      if (!value) return std::nullopt;
      config.zone_poll_interval_ms = *value;
    } else if (flag.name == "--log-level") {
      if (!isLogLevel(flag.value)) {
        *error = logLevelError(flag.name, flag.value);
        return std::nullopt;
      }
      config.log_level = flag.value;
    }
    // --config was read above; --version is answered by main before parsing.
  }

  if (config.zone_files.empty()) {
    *error = "no zone file: give --zone FILE or 'zones:' in the --config file";
    return std::nullopt;
  }
  if (config.listen.empty()) {
    *error = "no listen address: give --listen ADDR:PORT or 'listen:' in the --config file";
    return std::nullopt;
  }
  // Check the recursion settings now, so a typo is a usage error rather than a late failure.
  if (!buildResolverConfig(config, error)) return std::nullopt;
  return config;
}

std::optional<resolver::ResolverConfig> buildResolverConfig(const ServerConfig& config,
                                                            std::string* error) {
  resolver::ResolverConfig out;
  auto upstream = [&](const std::string& what,
                      const std::string& text) -> std::optional<resolver::Endpoint> {
    std::string why;
    auto parsed = parseListenAddress(text, &why);
    if (!parsed) {
      *error = what + ": " + why;
      return std::nullopt;
    }
    return resolver::Endpoint{boost::asio::ip::make_address(parsed->host), parsed->port};
  };
  auto domain = [&](const std::string& what,
                    const std::string& text) -> std::optional<std::string> {
    std::string why;
    auto name = wire::nameFromText(text.back() == '.' ? text : text + ".", "", &why);
    if (!name) {
      *error = what + ": '" + text + "' is not a domain name: " + why;
      return std::nullopt;
    }
    return wire::lowercaseName(*name);
  };
  if (config.root_hints_file.empty()) {
    out.root_hints = resolver::builtinRootHints();
  } else {
    std::ifstream in(config.root_hints_file);
    if (!in) {
      *error = "root hints: cannot read '" + config.root_hints_file + "'";
      return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    std::string why;
    auto hints = resolver::parseRootHints(text.str(), &why);
    if (!hints) {
      *error = "root hints '" + config.root_hints_file + "': " + why;
      return std::nullopt;
    }
    out.root_hints = *hints;
  }
  for (const auto& text : config.forwarders) {
    auto ep = upstream("forward", text);
    if (!ep) return std::nullopt;
    out.forwarders.push_back(*ep);
  }
  for (const auto& [name, servers] : config.forward_zones) {
    auto d = domain("forward zone", name);
    if (!d) return std::nullopt;
    resolver::ForwardZone zone{*d, {}};
    for (const auto& text : servers) {
      auto ep = upstream("forward zone " + name, text);
      if (!ep) return std::nullopt;
      zone.servers.push_back(*ep);
    }
    out.forward_zones.push_back(std::move(zone));
  }
  for (const auto& name : config.rebinding_allow) {
    auto d = domain("rebinding-allow", name);
    if (!d) return std::nullopt;
    out.rebinding_allow.push_back(*d);
  }
  out.serve_stale = config.serve_stale;
  out.qname_minimisation = config.qname_minimisation;
  return out;
}

std::string usageText() {
  return R"(Usage: horizond [--config FILE] --zone FILE... --listen ADDR:PORT... [options]

horizond answers DNS queries for the zones in FILE, choosing each zone's view by the client's
source address.

  --config FILE          YAML settings (keys: zones, listen, workers, tcp-idle-timeout-ms,
                         max-tcp-connections, max-tcp-queries-per-connection, query-log,
                         log-level, control, zone-poll-interval-ms, and the recursion
                         settings below). Flags override it; a list given by flags replaces the
                         config's list. Relative zone paths are relative to FILE's folder.
  --zone FILE            a zone YAML file (repeatable; required unless the config lists zones)
  --listen ADDR:PORT     UDP and TCP listen address: 127.0.0.1:53, [::1]:53, ::, 0.0.0.0:5353,
                         or a bare port for 127.0.0.1 (repeatable; at least one is required;
                         port 0 picks a free port)
  --workers N            worker threads (default 0: one per CPU core)
  --tcp-idle-timeout-ms MS     close TCP connections without a complete query for MS
                               milliseconds (default 10000)
  --max-tcp-connections N      open TCP connections over all workers; at the cap a new
                               connection evicts the longest idle one (default 1024)
  --max-tcp-queries-per-connection N   0 for unlimited (default 0)
  --query-log            log every query: client, name, type, rcode, view

Live reload: zone files are watched (inotify, and a slow stat poll) and reloaded when they
change; SIGHUP reloads too. A file with errors is reported and the old data keeps being served.
  --control PATH         Unix socket for control commands (status, reload), mode 0660;
                         one JSON request per line, e.g. {"command":"status"}
  --zone-poll-interval-ms MS   also stat the zone files every MS milliseconds, in case
                         inotify misses a change (default 2000; 0: inotify only)

Recursion, for clients whose view may recurse (zone file key `recursion`; by default views
of private, CGNAT and loopback space), for names outside every zone:
  --root-hints FILE      named.root-format hints to iterate from (default: IANA's, built in)
  --forward ADDR[:PORT]  forward to this resolver instead of iterating (repeatable: failover)
  --forward-zone DOMAIN=ADDR[:PORT][,ADDR...]   names at or below DOMAIN go to these servers,
                         e.g. cluster.local=10.96.0.10 (repeatable)
  --rebinding-allow DOMAIN   answers below DOMAIN may carry private addresses (repeatable;
                         otherwise such addresses are stripped: DNS rebinding protection)
  --cache-max-entries N  resolver cache entries (default 100000)
  --cache-max-bytes N    resolver cache memory bound (default 67108864)
  --no-serve-stale       answer SERVFAIL rather than expired data when upstreams fail
  --no-qname-minimisation    send the full name to every server (RFC 9156 off)
  --log-level LEVEL      trace, debug, info, warn or error (default info)
  --help                 print this text
  --version              print the version
)";
}

}  // namespace horizon::net
