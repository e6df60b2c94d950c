// From the recursion settings to the resolver's configuration.
#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <fstream>
#include <sstream>
#include <string_view>

#include "horizon/config/server_config.hpp"
#include "horizon/resolver/upstream.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::config {
namespace {

// RFC 7858's port for DNS over TLS.
constexpr std::uint16_t kDnsOverTlsPort = 853;
constexpr std::string_view kTlsScheme = "tls://";

// An authentication name: an IP address, or a host name of letters, digits, '-' and '.'.
bool validAuthName(const std::string& name) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(name, ec);
  if (!ec) return true;
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.find("..") != name.npos)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  });
}

}  // namespace

std::optional<resolver::Endpoint> parseUpstream(const std::string& text, std::string* error) {
  const bool tls = text.starts_with(kTlsScheme);
  std::string address = text;
  std::string auth_name;
  if (tls) {
    address = text.substr(kTlsScheme.size());
    const auto hash = address.find('#');
    if (hash == std::string::npos || hash + 1 == address.size()) {
      *error = "'" + text +
               "': a tls:// upstream needs the name its certificate is checked against, as "
               "tls://ADDR[:PORT]#NAME";
      return std::nullopt;
    }
    auth_name = address.substr(hash + 1);
    address.resize(hash);
    if (auth_name.back() == '.') auth_name.pop_back();
    std::transform(auth_name.begin(), auth_name.end(), auth_name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!validAuthName(auth_name)) {
      *error = "'" + text + "': '" + auth_name + "' is neither a host name nor an IP address";
      return std::nullopt;
    }
  }
  auto parsed = parseListenAddress(address, error);
  if (!parsed) return std::nullopt;
  resolver::Endpoint out{boost::asio::ip::make_address(parsed->host), parsed->port, auth_name};
  // Without a port, a TLS upstream listens on 853, not 53: "[v6]" and "v4" carry no ':PORT'.
  const bool port_given = address.front() == '['
                              ? address.find("]:") != std::string::npos
                              : std::count(address.begin(), address.end(), ':') == 1 ||
                                    address.find_first_not_of("0123456789") == std::string::npos;
  if (tls && !port_given) out.port = kDnsOverTlsPort;
  return out;
}

std::optional<resolver::ResolverConfig> buildResolverConfig(const ServerConfig& config,
                                                            std::string* error) {
  resolver::ResolverConfig out;
  auto upstream = [&](const std::string& what,
                      const std::string& text) -> std::optional<resolver::Endpoint> {
    std::string why;
    auto endpoint = parseUpstream(text, &why);
    if (!endpoint) *error = what + ": " + why;
    return endpoint;
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
  // One trust store for every TLS upstream of every worker, loaded (and checked) once here.
  const bool any_tls =
      std::any_of(out.forwarders.begin(), out.forwarders.end(),
                  [](const resolver::Endpoint& e) { return e.tls(); }) ||
      std::any_of(out.forward_zones.begin(), out.forward_zones.end(), [](const auto& zone) {
        return std::any_of(zone.servers.begin(), zone.servers.end(),
                           [](const resolver::Endpoint& e) { return e.tls(); });
      });
  if (any_tls || !config.tls_ca_file.empty()) {
    std::string why;
    out.tls = resolver::makeTlsClientContext(config.tls_ca_file, &why);
    if (!out.tls) {
      *error = "tls-ca: " + why;
      return std::nullopt;
    }
  }
  for (const auto& name : config.rebinding_allow) {
    auto d = domain("rebinding-allow", name);
    if (!d) return std::nullopt;
    out.rebinding_allow.push_back(*d);
  }
  out.serve_stale = config.serve_stale;
  out.qname_minimisation = config.qname_minimisation;
  if (config.dnssec) {
    auto anchors = std::make_shared<dnssec::TrustAnchors>();
    try {
      *anchors = config.trust_anchor_file.empty()
                     ? dnssec::TrustAnchors::builtInRoot()
                     : dnssec::TrustAnchors::fromFile(config.trust_anchor_file);
    } catch (const std::exception& e) {
      *error = std::string("trust anchor: ") + e.what();
      return std::nullopt;
    }
    for (const auto& name : config.domain_insecure) {
      auto d = domain("domain-insecure", name);
      if (!d) return std::nullopt;
      anchors->addNegative(*d);
    }
    // A forward zone serves a private namespace the public chain of trust cannot vouch for:
    // unsigned unless an anchor lies at or below it.
    for (const auto& zone : out.forward_zones) {
      const bool anchored = std::any_of(
          anchors->anchors().begin(), anchors->anchors().end(),
          [&](const dnssec::TrustAnchor& a) { return wire::isSubdomainOf(a.zone, zone.domain); });
      if (!anchored) anchors->addNegative(zone.domain);
    }
    out.trust_anchors = std::move(anchors);
    out.bogus_ttl = config.dnssec_bogus_ttl;
  }
  return out;
}

}  // namespace horizon::config
