// The loaded zone: per view, the complete set of resource records in wire form. This is what the
// loader produces from a zone YAML file and what the answer engine, horizon-sync and dnsctl read.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace horizon::zone {

/// Where something came from in a source file; line and column are 1-based (0 = unknown).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

/// An address prefix of a view. IPv4 prefixes are stored as IPv4 (4 address bytes used).
struct Prefix {
  bool is_v6 = false;
  std::array<std::uint8_t, 16> address{};  // network byte order; host bits zero
  int length = 0;                          // prefix length in bits
};

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
  std::vector<Prefix> prefixes;
  std::vector<ResourceRecord> records;
  bool recursion = false;  // clients of this view may ask for names outside our zones
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
  CloudflareOptions cloudflare;
  std::string source_file;
};

/// Parses "192.168.1.0/24", "::/0" or a bare address (a host prefix). Returns nullopt and sets
/// *error on failure, including host bits set beyond the prefix length.
std::optional<Prefix> parsePrefix(std::string_view text, std::string* error = nullptr);

/// Parses an IPv4 or IPv6 literal into 4 or 16 bytes; nullopt when it is not one.
std::optional<std::string> parseAddress(std::string_view text);

/// Returns the index of the view named `name`, or -1.
int findView(const Zone& zone, const std::string& name);

/// True for addresses that must not be published by accident: RFC 1918, CGNAT 100.64/10,
/// loopback, link-local, unspecified, IPv6 ULA fc00::/7, ::1, fe80::/10. `bytes` is 4 or 16 long.
bool isPrivateAddress(const std::uint8_t* bytes, bool is_v6);

/// True when every address of `prefix` is private in the sense of isPrivateAddress (a view that
/// serves only such prefixes is not public-facing).
bool isPrivatePrefix(const Prefix& prefix);

}  // namespace horizon::zone
