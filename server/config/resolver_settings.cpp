// From the recursion settings to the resolver's configuration.
#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <fstream>
#include <sstream>

#include "horizon/config/server_config.hpp"
#include "horizon/resolver/upstream.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::config {

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
