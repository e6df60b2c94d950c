// The table of horizond's settings, and how one value of a setting is read.
#include <array>
#include <cctype>
#include <charconv>

#include "horizon/config/settings.hpp"

namespace horizon::config {
namespace {

using K = SettingKind;

constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error"};
constexpr std::string_view kQueryLogFormats[] = {"text", "json"};

// Sections, in the order --help and the example config show them.
constexpr std::string_view kServing = "Serving";
constexpr std::string_view kTcp = "TCP (RFC 7766)";
constexpr std::string_view kEncrypted =
    "Encrypted DNS: DNS over TLS (RFC 7858) and HTTPS (RFC 8484)";
constexpr std::string_view kReload = "Live reload and the control socket";
constexpr std::string_view kRecursion =
    "Recursion, for clients whose view may recurse (the zone file's `recursion:` key; by default "
    "views of private, CGNAT and loopback space), for names outside every zone";
constexpr std::string_view kDnssec = "DNSSEC validation of recursive answers";
constexpr std::string_view kLogging = "Logging";
constexpr std::string_view kObservability = "Metrics, health and dnstap";
constexpr std::string_view kIdentity = "Identity (NSID) and DNS cookies";

// Upper bounds keep typos (an extra zero or two) from turning into absurd resource use.
const std::array kTable = {
    Setting{.key = "zones",
            .flag = "--zone",
            .kind = K::kPathList,
            .target = &ServerConfig::zone_files,
            .value_name = "FILE",
            .default_text = "none; at least one is required",
            .section = kServing,
            .help = "A zone YAML file, the source of truth of one zone (repeatable).",
            .example = "[madhan.app.yaml]"},
    Setting{.key = "listen",
            .flag = "--listen",
            .kind = K::kListenList,
            .target = &ServerConfig::listen,
            .value_name = "ADDR:PORT",
            .default_text = "none; at least one is required",
            .section = kServing,
            .help = "A UDP and TCP listen address: 127.0.0.1:53, [::1]:53, :: (port 53), "
                    "0.0.0.0:5353, or a bare port for 127.0.0.1 (repeatable; port 0 picks a free "
                    "port). 0.0.0.0 and [::] together serve IPv4 and IPv6; answers leave from "
                    "the address each query was sent to.",
            .example = "[\"0.0.0.0:53\", \"[::]:53\"]"},
    Setting{.key = "workers",
            .flag = "--workers",
            .kind = K::kNumber,
            .target = &ServerConfig::workers,
            .value_name = "N",
            .default_text = "0",
            .section = kServing,
            .help = "Worker threads, each with its own sockets; 0 means one per CPU this process "
                    "may use.",
            .example = "0",
            .min = 0,
            .max = 1024},
    Setting{.key = "cpu-affinity",
            .flag = "--no-cpu-affinity",
            .kind = K::kSwitch,
            .target = &ServerConfig::cpu_affinity,
            .default_text = "true",
            .section = kServing,
            .help = "With one worker per CPU, pin each worker's UDP threads to its CPU and hand "
                    "each datagram to the worker on the CPU that received it, so no query or "
                    "answer wakes a thread on another CPU. The flag turns it off.",
            .example = "true",
            .switch_value = false},
    Setting{.key = "rate-limit",
            .flag = "--no-rate-limit",
            .kind = K::kSwitch,
            .target = &ServerConfig::rate_limit,
            .default_text = "true",
            .section = kServing,
            .help = "Response rate limiting of UDP answers, per view as the zone file's "
                    "`rate-limit` key says: by default views that face the internet and do not "
                    "recurse (the public one) get 20 answers a second per name and type, and 5 "
                    "NXDOMAIN and errors, per client /24 (IPv6 /56); of the answers over the "
                    "rate every second one is sent truncated (so a real client retries over TCP) "
                    "and the rest dropped. TCP is never limited. The flag turns it off for every "
                    "view.",
            .example = "true",
            .switch_value = false},
    Setting{.key = "tcp-idle-timeout-ms",
            .flag = "--tcp-idle-timeout-ms",
            .kind = K::kNumber,
            .target = &ServerConfig::tcp_idle_timeout_ms,
            .value_name = "MS",
            .default_text = "10000",
            .section = kTcp,
            .help = "Close a TCP connection without a complete query for this many milliseconds.",
            .example = "10000",
            .min = 1,
            .max = 3600 * 1000},
    Setting{.key = "max-tcp-connections",
            .flag = "--max-tcp-connections",
            .kind = K::kNumber,
            .target = &ServerConfig::max_tcp_connections,
            .value_name = "N",
            .default_text = "1024",
            .section = kTcp,
            .help = "Open TCP connections over all workers (shared out among them); at the cap a "
                    "new connection evicts the longest-idle one. Lowered (with a warning) to half "
                    "of what the descriptor limit leaves past its reserve.",
            .example = "1024",
            .min = 1,
            .max = 1000000},
    Setting{.key = "max-tcp-queries-per-connection",
            .flag = "--max-tcp-queries-per-connection",
            .kind = K::kNumber,
            .target = &ServerConfig::max_tcp_queries_per_connection,
            .value_name = "N",
            .default_text = "0",
            .section = kTcp,
            .help = "Close a TCP connection after this many queries; 0 for unlimited.",
            .example = "0",
            .min = 0,
            .max = 1u << 30},
    Setting{.key = "listen-tls",
            .flag = "--listen-tls",
            .kind = K::kListenList,
            .target = &ServerConfig::listen_tls,
            .value_name = "ADDR:PORT",
            .default_text = "none",
            .section = kEncrypted,
            .help = "A DNS-over-TLS listen address (repeatable); 853 is the port clients expect. "
                    "Clients get the same views as over UDP, by their address. Connections "
                    "count against max-tcp-connections and close after tcp-idle-timeout-ms.",
            .example = "[\"0.0.0.0:853\"]",
            .example_commented = true},
    Setting{.key = "listen-https",
            .flag = "--listen-https",
            .kind = K::kListenList,
            .target = &ServerConfig::listen_https,
            .value_name = "ADDR:PORT",
            .default_text = "none",
            .section = kEncrypted,
            .help = "A DNS-over-HTTPS listen address (repeatable; path /dns-query, HTTP/2 and "
                    "HTTP/1.1). Connections count against max-tcp-connections.",
            .example = "[\"0.0.0.0:443\"]",
            .example_commented = true},
    Setting{.key = "trusted-proxy",
            .flag = "--trusted-proxy",
            .kind = K::kTextList,
            .target = &ServerConfig::trusted_proxies,
            .value_name = "PREFIX",
            .default_text = "none",
            .section = kEncrypted,
            .help = "A reverse proxy in front of the DoT and DoH listeners (repeatable; an "
                    "address or prefix). From these peers only, the client address for the view "
                    "comes from a PROXY protocol v2 header before TLS, or else from a DoH "
                    "request's Forwarded or X-Forwarded-For header (the address the proxy "
                    "appended, the last one); anyone else's headers are ignored.",
            .example = "[\"10.0.0.0/8\"]",
            .example_commented = true},
    Setting{.key = "tls-cert",
            .flag = "--tls-cert",
            .kind = K::kPath,
            .target = &ServerConfig::tls_cert,
            .value_name = "FILE",
            .default_text = "none; required with listen-tls or listen-https",
            .section = kEncrypted,
            .help = "The certificate chain the encrypted listeners present (PEM, the server's "
                    "certificate first). Checked every 2 seconds: a changed file is loaded for "
                    "new connections; one that fails to load is logged and the old one kept.",
            .example = "/etc/horizon/tls/tls.crt",
            .example_commented = true},
    Setting{.key = "tls-key",
            .flag = "--tls-key",
            .kind = K::kPath,
            .target = &ServerConfig::tls_key,
            .value_name = "FILE",
            .default_text = "none; required with tls-cert",
            .section = kEncrypted,
            .help = "The private key of tls-cert (PEM, unencrypted), reloaded with it.",
            .example = "/etc/horizon/tls/tls.key",
            .example_commented = true},
    Setting{.key = "control",
            .flag = "--control",
            .kind = K::kPath,
            .target = &ServerConfig::control_socket,
            .value_name = "PATH",
            .default_text = "none",
            .section = kReload,
            .help = "The Unix socket (mode 0660) for control commands, one JSON request per line: "
                    "{\"command\":\"status\"}, {\"command\":\"reload\"}. dnsctl reload and status "
                    "use it. Zone files are reloaded on their own when they change (inotify), and "
                    "on SIGHUP; a file with errors is reported and the old data kept.",
            .example = "/run/horizon/control.sock"},
    Setting{.key = "zone-poll-interval-ms",
            .flag = "--zone-poll-interval-ms",
            .kind = K::kNumber,
            .target = &ServerConfig::zone_poll_interval_ms,
            .value_name = "MS",
            .default_text = "2000",
            .section = kReload,
            .help = "Also stat() the zone files this often, in case inotify misses a change; 0: "
                    "inotify only.",
            .example = "2000",
            .min = 0,
            .max = 3600 * 1000},
    Setting{.key = "root-hints",
            .flag = "--root-hints",
            .kind = K::kPath,
            .target = &ServerConfig::root_hints_file,
            .value_name = "FILE",
            .default_text = "IANA's, built in",
            .section = kRecursion,
            .help = "named.root-format hints to iterate from.",
            .example = "/usr/share/dns/root.hints",
            .example_commented = true},
    Setting{.key = "forward",
            .flag = "--forward",
            .kind = K::kTextList,
            .target = &ServerConfig::forwarders,
            .value_name = "ADDR[:PORT]|tls://ADDR[:PORT]#NAME",
            .default_text = "none: iterate from the root hints",
            .section = kRecursion,
            .help = "Forward to this resolver instead of iterating (repeatable: tried in order, "
                    "failing over). tls://ADDR[:PORT]#NAME (port 853 by default; IPv6 as "
                    "tls://[::1]:853#NAME) speaks DNS over TLS only, with the certificate checked "
                    "against NAME (a host name, or the address itself) and the --tls-ca store; a "
                    "TLS failure fails that upstream over to the next, never to plain DNS.",
            .example = "[\"192.0.2.53\", \"192.0.2.54:53\"]",
            .example_commented = true},
    Setting{.key = "forward-zones",
            .flag = "--forward-zone",
            .kind = K::kForwardZones,
            .target = &ServerConfig::forward_zones,
            .value_name = "DOMAIN=ADDR[:PORT][,ADDR...]",
            .default_text = "none",
            .section = kRecursion,
            .help = "Conditional forwarding: names at or below DOMAIN go to these servers, "
                    "longest match first (repeatable). In the config file, a map of domain to "
                    "list of servers. A server may be tls://ADDR[:PORT]#NAME, as for forward.",
            .example = "{cluster.local: [\"10.96.0.10\"]}"},
    Setting{.key = "tls-ca",
            .flag = "--tls-ca",
            .kind = K::kPath,
            .target = &ServerConfig::tls_ca_file,
            .value_name = "FILE",
            .default_text = "the system's trust store",
            .section = kRecursion,
            .help = "PEM CA certificates that tls:// upstreams' certificates must chain to, "
                    "instead of the system's trust store.",
            .example = "/etc/horizon/upstream-ca.pem",
            .example_commented = true},
    Setting{.key = "rebinding-allow",
            .flag = "--rebinding-allow",
            .kind = K::kTextList,
            .target = &ServerConfig::rebinding_allow,
            .value_name = "DOMAIN",
            .default_text = "none",
            .section = kRecursion,
            .help = "Answers at or below DOMAIN may carry private addresses (repeatable); "
                    "anywhere else such addresses are stripped (DNS rebinding protection). "
                    "Forward zones are not allowed implicitly: list them here too.",
            .example = "[cluster.local]"},
    Setting{.key = "cache-max-entries",
            .flag = "--cache-max-entries",
            .kind = K::kNumber,
            .target = &ServerConfig::cache_max_entries,
            .value_name = "N",
            .default_text = "100000",
            .section = kRecursion,
            .help = "Resolver cache entries at most.",
            .example = "100000",
            .min = 1,
            .max = 1u << 30},
    Setting{.key = "cache-max-bytes",
            .flag = "--cache-max-bytes",
            .kind = K::kNumber,
            .target = &ServerConfig::cache_max_bytes,
            .value_name = "N",
            .default_text = "67108864",
            .section = kRecursion,
            .help = "Resolver cache memory bound, in bytes of heap.",
            .example = "67108864",
            .min = 4096,
            .max = 4000000000u},
    Setting{.key = "serve-stale",
            .flag = "--no-serve-stale",
            .kind = K::kSwitch,
            .target = &ServerConfig::serve_stale,
            .default_text = "true",
            .section = kRecursion,
            .help = "When every upstream fails, answer with expired data (RFC 8767) rather than "
                    "SERVFAIL. The flag turns it off.",
            .example = "true",
            .switch_value = false},
    Setting{.key = "qname-minimisation",
            .flag = "--no-qname-minimisation",
            .kind = K::kSwitch,
            .target = &ServerConfig::qname_minimisation,
            .default_text = "true",
            .section = kRecursion,
            .help = "Send each server only as much of the name as it needs (RFC 9156). The flag "
                    "turns it off.",
            .example = "true",
            .switch_value = false},
    Setting{.key = "dnssec",
            .flag = "--no-dnssec",
            .kind = K::kSwitch,
            .target = &ServerConfig::dnssec,
            .default_text = "true",
            .section = kDnssec,
            .help = "Validate recursive answers (RFC 4035): AD on secure data for clients that "
                    "ask with DO or AD, SERVFAIL with an Extended DNS Error for bogus data, data "
                    "as received when the client sets CD. Our own zones are answered as always. "
                    "The flag turns validation off.",
            .example = "true",
            .switch_value = false},
    Setting{.key = "trust-anchor",
            .flag = "--trust-anchor",
            .kind = K::kPath,
            .target = &ServerConfig::trust_anchor_file,
            .value_name = "FILE",
            .default_text = "the root KSKs 20326 and 38696, built in",
            .section = kDnssec,
            .help = "DS or DNSKEY records in presentation format, one per line, replacing the "
                    "built-in root anchors (a private root, or anchors for a private domain).",
            .example = "/etc/horizon/root.ds",
            .example_commented = true},
    Setting{.key = "domain-insecure",
            .flag = "--domain-insecure",
            .kind = K::kTextList,
            .target = &ServerConfig::domain_insecure,
            .value_name = "DOMAIN",
            .default_text = "none",
            .section = kDnssec,
            .help = "A negative trust anchor (RFC 7646): names at or below DOMAIN are not "
                    "validated (repeatable). Forward zones without an anchor of their own are "
                    "treated this way already.",
            .example = "[broken.example]",
            .example_commented = true},
    Setting{.key = "dnssec-bogus-ttl",
            .flag = "--dnssec-bogus-ttl",
            .kind = K::kNumber,
            .target = &ServerConfig::dnssec_bogus_ttl,
            .value_name = "SECONDS",
            .default_text = "60",
            .section = kDnssec,
            .help = "How long a bogus answer is remembered (and answered SERVFAIL) before the "
                    "zone is asked again.",
            .example = "60",
            .min = 0,
            .max = 86400},
    Setting{.key = "query-log",
            .flag = "--query-log",
            .kind = K::kSwitch,
            .target = &ServerConfig::query_log,
            .default_text = "false",
            .section = kLogging,
            .help = "Log one line per answered query, recursion included: transport, client, "
                    "name, type, rcode, view, source, size and time taken. Off on busy servers.",
            .example = "false",
            .switch_value = true},
    Setting{.key = "query-log-format",
            .flag = "--query-log-format",
            .kind = K::kChoice,
            .target = &ServerConfig::query_log_format,
            .value_name = "FORMAT",
            .default_text = "text",
            .section = kLogging,
            .help = "text (key=value words, for people) or json (one JSON object a line).",
            .example = "text",
            .choices = kQueryLogFormats},
    Setting{.key = "log-level",
            .flag = "--log-level",
            .kind = K::kChoice,
            .target = &ServerConfig::log_level,
            .value_name = "LEVEL",
            .default_text = "info",
            .section = kLogging,
            .help = "trace, debug, info, warn or error.",
            .example = "info",
            .choices = kLogLevels},
    Setting{.key = "metrics",
            .flag = "--metrics",
            .kind = K::kListen,
            .target = &ServerConfig::metrics,
            .value_name = "ADDR:PORT",
            .default_text = "off",
            .section = kObservability,
            .help = "Serve HTTP on this address: GET /metrics (Prometheus text format), /health "
                    "(200 while the process serves) and /ready (200 once every zone is loaded "
                    "and every listener is up, 503 before and while stopping). 9153 is the "
                    "customary port (CoreDNS's).",
            .example = "\"127.0.0.1:9153\""},
    Setting{.key = "wait-for-zones",
            .flag = "--wait-for-zones",
            .kind = K::kSwitch,
            .target = &ServerConfig::wait_for_zones,
            .default_text = "false",
            .section = kObservability,
            .help = "When a zone file fails to load at start, keep running (not ready, /ready "
                    "503) and load it once it is fixed, instead of exiting: what an orchestrator "
                    "that probes readiness expects.",
            .example = "false",
            .switch_value = true},
    Setting{.key = "dnstap",
            .flag = "--dnstap",
            .kind = K::kText,
            .target = &ServerConfig::dnstap,
            .value_name = "unix:PATH|file:PATH",
            .default_text = "off",
            .section = kObservability,
            .help = "Write dnstap (Frame Streams) messages of client queries and responses and "
                    "of upstream queries and responses to a collector's socket or a file. A "
                    "slow collector never holds up answers: messages are dropped and counted.",
            .example = "\"unix:/run/horizon/dnstap.sock\"",
            .example_commented = true},
    Setting{.key = "nsid",
            .flag = "--nsid",
            .kind = K::kText,
            .target = &ServerConfig::nsid,
            .value_name = "TEXT",
            .default_text = "none",
            .section = kIdentity,
            .help = "This server's identity (at most 128 octets), sent in the NSID option to "
                    "queries that ask for it (RFC 5001; dig +nsid), so replicas behind one "
                    "address can be told apart.",
            .example = "\"horizond-1\"",
            .example_commented = true},
    Setting{.key = "identity-chaos",
            .flag = "--identity-chaos",
            .kind = K::kSwitch,
            .target = &ServerConfig::identity_chaos,
            .default_text = "false",
            .section = kIdentity,
            .help = "Also answer the CH TXT questions hostname.bind and id.server with the nsid "
                    "text (anyone may ask them, so it is off unless set).",
            .example = "false",
            .switch_value = true},
    Setting{.key = "cookies",
            .flag = "--no-cookies",
            .kind = K::kSwitch,
            .target = &ServerConfig::cookies,
            .default_text = "true",
            .section = kIdentity,
            .help = "Answer a client cookie with a server cookie (RFC 7873, RFC 9018 version 1), "
                    "and a UDP query whose server cookie is not ours or is over an hour old with "
                    "BADCOOKIE and a fresh one. The flag turns cookies off.",
            .example = "true",
            .switch_value = false},
    Setting{.key = "cookie-secret",
            .flag = "--cookie-secret",
            .kind = K::kText,
            .target = &ServerConfig::cookie_secret,
            .value_name = "HEX",
            .default_text = "random, replaced hourly",
            .section = kIdentity,
            .help = "The server cookie secret, 32 hex digits (16 octets). Replicas behind one "
                    "address need the same one, or a client's cookie from one is BADCOOKIE at "
                    "the other.",
            .example = "\"0123456789abcdef0123456789abcdef\"",
            .example_commented = true},
    Setting{.key = "tsig-keys",
            .flag = "--tsig-key",
            .kind = K::kTextList,
            .target = &ServerConfig::tsig_keys,
            .value_name = "[ALG:]NAME:BASE64",
            .default_text = "none",
            .section = kIdentity,
            .help = "A TSIG key (RFC 8945) as dig -y writes it; the algorithm defaults to "
                    "hmac-sha256. A query signed with it is answered from the zones and the "
                    "answer signed; a query signed with an unknown key or a wrong MAC gets "
                    "NOTAUTH with BADKEY or BADSIG. Repeatable.",
            .example = "[\"hmac-sha256:transfer:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"]",
            .example_commented = true},
};

// Digits only: std::stoul would accept "+5", " 5" and "5abc".
bool parseNumber(std::string_view text, unsigned long long& value) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

template <typename T>
T& member(ServerConfig& config, const SettingTarget& target) {
  return config.*std::get<T ServerConfig::*>(target);
}

}  // namespace

std::span<const Setting> settingsTable() {
  return kTable;
}

const Setting* findSettingByKey(std::string_view key) {
  for (const Setting& setting : kTable)
    if (setting.key == key) return &setting;
  return nullptr;
}

void clearSetting(const Setting& setting, ServerConfig& config) {
  std::visit(
      [&](auto pointer) {
        using Value = std::remove_reference_t<decltype(config.*pointer)>;
        if constexpr (!std::is_same_v<Value, bool> && !std::is_same_v<Value, unsigned> &&
                      !std::is_same_v<Value, std::size_t> && !std::is_same_v<Value, std::string>)
          (config.*pointer).clear();
      },
      setting.target);
}

bool applySettingValue(const Setting& setting, std::string_view value, ServerConfig& config,
                       const std::string& what, const std::filesystem::path& base,
                       std::string* error) {
  auto fail = [&](const std::string& why) {
    *error = what + ": " + why;
    return false;
  };
  auto path = [&](std::string_view text) {
    std::filesystem::path file(text);
    return (file.is_relative() && !base.empty() ? base / file : file).string();
  };
  if (value.empty() && setting.kind != SettingKind::kSwitch) return fail("empty value");
  switch (setting.kind) {
    case SettingKind::kSwitch: {
      // YAML 1.1's spellings, as yaml-cpp reads them: true/yes/on/y and false/no/off/n, any case.
      std::string word(value);
      for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      bool flag = false;
      if (word == "true" || word == "yes" || word == "on" || word == "y") {
        flag = true;
      } else if (word != "false" && word != "no" && word != "off" && word != "n") {
        return fail("must be true or false");
      }
      member<bool>(config, setting.target) = flag;
      return true;
    }
    case SettingKind::kNumber: {
      unsigned long long number = 0;
      if (!parseNumber(value, number) || number < setting.min || number > setting.max)
        return fail("expected a whole number from " + std::to_string(setting.min) + " to " +
                    std::to_string(setting.max) + ", got '" + std::string(value) + "'");
      if (std::holds_alternative<unsigned ServerConfig::*>(setting.target)) {
        member<unsigned>(config, setting.target) = static_cast<unsigned>(number);
      } else {
        member<std::size_t>(config, setting.target) = static_cast<std::size_t>(number);
      }
      return true;
    }
    case SettingKind::kChoice: {
      for (std::string_view choice : setting.choices) {
        if (choice == value) {
          member<std::string>(config, setting.target) = std::string(value);
          return true;
        }
      }
      std::string known;
      for (std::string_view choice : setting.choices)
        known += (known.empty() ? "" : ", ") + std::string(choice);
      return fail("unknown value '" + std::string(value) + "' (expected " + known + ")");
    }
    case SettingKind::kPath:
      member<std::string>(config, setting.target) = path(value);
      return true;
    case SettingKind::kText:
      member<std::string>(config, setting.target) = std::string(value);
      return true;
    case SettingKind::kPathList:
      member<std::vector<std::string>>(config, setting.target).push_back(path(value));
      return true;
    case SettingKind::kTextList:
      member<std::vector<std::string>>(config, setting.target).emplace_back(value);
      return true;
    case SettingKind::kListenList: {
      std::string why;
      auto address = parseListenAddress(std::string(value), &why);
      if (!address) return fail(why);
      member<std::vector<ListenAddress>>(config, setting.target).push_back(*address);
      return true;
    }
    case SettingKind::kListen: {
      std::string why;
      if (!parseListenAddress(std::string(value), &why)) return fail(why);
      member<std::string>(config, setting.target) = std::string(value);
      return true;
    }
    case SettingKind::kForwardZones: {
      const auto eq = value.find('=');
      if (eq == std::string_view::npos || eq == 0 || eq + 1 == value.size())
        return fail("expected DOMAIN=ADDR[:PORT][,ADDR...], got '" + std::string(value) + "'");
      std::vector<std::string> servers;
      const std::string_view rest = value.substr(eq + 1);
      for (std::size_t start = 0; start <= rest.size();) {
        std::size_t comma = rest.find(',', start);
        if (comma == std::string_view::npos) comma = rest.size();
        servers.emplace_back(rest.substr(start, comma - start));
        start = comma + 1;
      }
      using Zones = std::vector<std::pair<std::string, std::vector<std::string>>>;
      member<Zones>(config, setting.target).emplace_back(value.substr(0, eq), servers);
      return true;
    }
  }
  return fail("unsupported setting");
}

}  // namespace horizon::config
