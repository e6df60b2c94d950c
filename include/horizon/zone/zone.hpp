// The loaded zone: per view, the complete set of resource records in wire form. This is what the
// loader produces from a zone YAML file and what the answer engine, horizon-sync and dnsctl read.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "horizon/ip/prefix.hpp"
#include "horizon/zone/rate_limit.hpp"
#include "horizon/zone/source_location.hpp"
#include "horizon/zone/traefik_settings.hpp"

namespace horizon::zone {

/// One resource record, class IN.
struct ResourceRecord {
  std::string owner;  // absolute, lowercase wire-format name
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::string rdata;  // uncompressed wire rdata; names in it keep the case they were written in
  bool allow_private = false;  // the file says a private address here is intended
  // The YAML node or zone-file line it came from. `where.file` is empty for the zone's own YAML
  // file (Zone::source_file) and names the zone file otherwise.
  SourceLocation where;
};

/// A view: the client prefixes it serves and its complete zone content (SOA and NS included).
struct View {
  std::string name;
  std::vector<ip::Prefix> prefixes;
  std::vector<ResourceRecord> records;
  bool recursion = false;  // clients of this view may ask for names outside our zones
  // The file has a `recursion:` key, so `recursion` is its explicit word rather than the default
  // for the view's prefixes; an explicit "no" outweighs any other file's yes (zones/FORMAT.md).
  bool recursion_explicit = false;
  // The file's `rate-limit`; without it, defaultRateLimit applies.
  std::optional<RateLimitSettings> rate_limit;
};

/// horizon-sync's settings for one name of the public view (`cloudflare.records`).
struct CloudflareNameOptions {
  std::string owner;  // lowercase wire-format name
  std::optional<bool> proxied;
  std::optional<std::uint32_t> ttl;  // 1 = automatic, else 60..86400
  SourceLocation where;
};

/// horizon-sync's settings for the zone (the `cloudflare` key); defaults apply without it.
struct CloudflareOptions {
  std::string zone_id;    // empty: looked up by the zone's name
  bool proxied = false;   // for A, AAAA and CNAME records
  std::uint32_t ttl = 1;  // Cloudflare's TTL: 1 = automatic, else 60..86400
  std::vector<CloudflareNameOptions> names;
};

/// One zone with its views, after validation.
struct Zone {
  std::string origin;       // lowercase wire-format apex name
  std::string origin_text;  // "madhan.app." for messages
  std::uint32_t default_ttl = 300;
  std::uint32_t serial = 0;
  std::vector<View> views;
  std::string public_via;                    // target name used for public.services ("bifrost")
  std::vector<std::string> public_services;  // relative names as written ("grafana")
  TraefikSettings traefik;                   // public.traefik, defaults filled in
  CloudflareOptions cloudflare;
  std::string source_file;
};

/// Returns the index of the view named `name`, or -1.
int findView(const Zone& zone, const std::string& name);

/// The limits of a view whose file does not set `rate-limit`: kDefaultRateLimit for a view that
/// faces the internet (named `public`, or matching any address outside private space) and does
/// not recurse, kNoRateLimit for the rest (the LAN and VPN, whose many clients share a network).
RateLimitSettings defaultRateLimit(const View& view);

}  // namespace horizon::zone
