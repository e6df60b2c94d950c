// horizond's settings, as the rest of the server reads them. Where each one comes from (its flag,
// its config key, its default and its help) is the table in settings.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "horizon/edns/edns_responder.hpp"
#include "horizon/resolver/resolver.hpp"
#include "horizon/tsig/tsig.hpp"

namespace horizon::config {

/// A listen address: UDP and TCP are both bound on it.
struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1", "0.0.0.0", "::"
  std::uint16_t port = 53;
  /// Field by field.
  friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

/// Everything horizond needs to start. The defaults here are the table's defaults.
struct ServerConfig {
  std::vector<std::string> zone_files;
  std::vector<ListenAddress> listen;
  unsigned workers = 0;                         // 0: one per CPU this process may use
  bool cpu_affinity = true;                     // with one worker per CPU: pin, steer datagrams
  unsigned tcp_idle_timeout_ms = 10000;         // RFC 7766 6.2.3 suggests seconds, not minutes
  unsigned max_tcp_connections = 1024;          // over all workers
  unsigned max_tcp_queries_per_connection = 0;  // 0: unlimited
  // Encrypted DNS: DNS over TLS (RFC 7858) and DNS over HTTPS (RFC 8484) listeners.
  std::vector<ListenAddress> listen_tls;     // DoT, on TCP
  std::vector<ListenAddress> listen_https;   // DoH, on TCP
  std::string tls_cert;                      // PEM chain, leaf first; required with either
  std::string tls_key;                       // PEM private key
  std::vector<std::string> trusted_proxies;  // prefixes whose forwarding headers are believed
  bool rate_limit = true;  // UDP response rate limiting, as each view's `rate-limit` says
  bool query_log = false;
  std::string query_log_format = "text";  // "text" or "json"
  std::string log_level = "info";

  // Observability.
  std::string metrics;  // "ADDR:PORT" of the HTTP endpoint (/metrics, /health, /ready); empty: off
  std::string dnstap;   // "unix:PATH" or "file:PATH"; empty: off
  bool wait_for_zones = false;  // a zone that fails to load at start is waited for, not fatal

  // Live reload (control plane).
  std::string control_socket;             // empty: no control socket
  unsigned zone_poll_interval_ms = 2000;  // stat the zone files this often; 0: inotify only

  // Recursion for names outside our zones (for views that may recurse).
  std::string root_hints_file;          // empty: the IANA root hints built in
  std::vector<std::string> forwarders;  // "ADDR[:PORT]" or "tls://ADDR[:PORT]#NAME"
  std::vector<std::pair<std::string, std::vector<std::string>>> forward_zones;  // domain, servers
  std::string tls_ca_file;                   // trust store for TLS upstreams; empty: the system's
  std::vector<std::string> rebinding_allow;  // domains whose answers may carry private addresses
  std::size_t cache_max_entries = 100000;
  std::size_t cache_max_bytes = 64u << 20;
  bool serve_stale = true;
  bool qname_minimisation = true;

  // DNSSEC validation of recursive answers (RFC 4033-4035).
  bool dnssec = true;
  std::string trust_anchor_file;             // empty: the root KSKs built in
  std::vector<std::string> domain_insecure;  // negative trust anchors (RFC 7646)
  unsigned dnssec_bogus_ttl = 60;            // seconds a bogus answer is kept

  // Identity and cookies (EDNS options).
  std::string nsid;             // empty: no NSID
  bool identity_chaos = false;  // answer hostname.bind / id.server CH TXT with the nsid
  bool cookies = true;
  std::string cookie_secret;           // 32 hex digits; empty: random, rotated
  std::vector<std::string> tsig_keys;  // "[ALGORITHM:]NAME:BASE64" each
};

/// The EDNS responder's settings from `config`; throws std::runtime_error naming the setting
/// when the nsid is too long or the cookie secret is not 32 hex digits.
edns::EdnsSettings buildEdnsSettings(const ServerConfig& config);

/// The TSIG keys from `config`; throws std::runtime_error naming the bad key (never its secret).
std::vector<tsig::Key> buildTsigKeys(const ServerConfig& config);

/// Parses "127.0.0.1:5353", "[::1]:5353", "::1" (port 53) or "5353" (127.0.0.1). Sets *error.
std::optional<ListenAddress> parseListenAddress(const std::string& text, std::string* error);

/// Parses an upstream: "ADDR[:PORT]" (port 53) or "tls://ADDR[:PORT]#NAME" (port 853, DNS over
/// TLS with the certificate checked against NAME, lowercased). nullopt and *error when malformed.
std::optional<resolver::Endpoint> parseUpstream(const std::string& text, std::string* error);

/// Turns the recursion settings into the resolver's configuration: reads the root hints file,
/// parses upstream addresses and domains, loads the TLS trust store when a TLS upstream needs it.
/// Returns nullopt and sets *error naming the setting.
std::optional<resolver::ResolverConfig> buildResolverConfig(const ServerConfig& config,
                                                            std::string* error);

}  // namespace horizon::config
