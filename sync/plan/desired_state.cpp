// The public view, as Cloudflare records: what horizon-sync wants Cloudflare to hold.
#include <algorithm>
#include <stdexcept>

#include "horizon/ip/address.hpp"
#include "horizon/sync/record_plan.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/rdata.hpp"

namespace horizon::sync {
namespace {

namespace type = wire::type;

bool proxiable(std::uint16_t t) {
  return t == type::A || t == type::AAAA || t == type::CNAME;
}

// "name." -> "name": Cloudflare names and hostnames carry no trailing dot.
std::string stripDot(std::string text) {
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

// Splits "10 mail.example.org." into the leading number and the rest.
std::pair<std::uint16_t, std::string> splitPriority(const std::string& text) {
  std::size_t space = text.find(' ');
  return {static_cast<std::uint16_t>(std::stoul(text.substr(0, space))), text.substr(space + 1)};
}

// TXT rdata is a sequence of character-strings. One string is sent as plain text; several keep
// the quoted presentation form, which Cloudflare accepts and keeps as separate strings.
std::string txtContent(std::string_view rdata) {
  std::size_t strings = 0;
  for (std::size_t at = 0; at < rdata.size(); at += 1 + static_cast<std::uint8_t>(rdata[at]))
    ++strings;
  if (strings == 1) return std::string(rdata.substr(1));
  return wire::rdataToText(type::TXT, rdata);
}

}  // namespace

DesiredState desiredState(const zone::Zone& zone) {
  int view_index = zone::findView(zone, "public");
  if (view_index < 0)
    throw std::runtime_error("the zone " + zone.origin_text +
                             " has no view named 'public', so there is nothing to mirror");
  const zone::View& view = zone.views[static_cast<std::size_t>(view_index)];

  DesiredState state;
  // The view answers a refused record all the same: kept for judging records that are not ours.
  auto withhold = [&state](CloudflareRecord record, const zone::ResourceRecord& rr) {
    record.content = normalizeContent(record.type, wire::rdataToText(rr.type, rr.rdata));
    state.withheld.push_back(std::move(record));
  };
  state.zone_name = stripDot(wire::lowercaseName(zone.origin_text));
  state.zone_id = zone.cloudflare.zone_id;
  for (const zone::ResourceRecord& rr : view.records) {
    if (rr.owner == zone.origin && (rr.type == type::SOA || rr.type == type::NS)) continue;
    CloudflareRecord record;
    record.type = wire::typeToName(rr.type);
    record.name = normalizeName(wire::nameToText(rr.owner));
    const std::string where =
        record.name + " " + record.type + " (line " + std::to_string(rr.where.line) + ")";
    switch (rr.type) {
      case type::A:
      case type::AAAA: {
        const bool v6 = rr.type == type::AAAA;
        // Cloudflare is the public face: a private address there leaks the network's layout
        // and points the world at hosts it cannot reach, whatever the zone file allows.
        if (ip::isPrivateAddress(reinterpret_cast<const std::uint8_t*>(rr.rdata.data()), v6)) {
          state.refused.push_back("refusing to publish " + where + " " +
                                  wire::rdataToText(rr.type, rr.rdata) +
                                  ": a private, CGNAT, loopback or link-local address");
          withhold(record, rr);
          continue;
        }
        record.content = wire::rdataToText(rr.type, rr.rdata);
        break;
      }
      case type::CNAME:
        record.content = stripDot(wire::rdataToText(rr.type, rr.rdata));
        break;
      case type::TXT:
        record.content = txtContent(rr.rdata);
        break;
      case type::MX:
      case type::SRV: {
        auto [priority, rest] = splitPriority(wire::rdataToText(rr.type, rr.rdata));
        record.priority = priority;
        record.content = stripDot(rest);
        break;
      }
      case type::CAA:
        record.content = wire::rdataToText(rr.type, rr.rdata);
        break;
      default:
        state.refused.push_back("not mirroring " + where +
                                ": horizon-sync writes only A, AAAA, CNAME, TXT, MX, SRV and CAA");
        withhold(record, rr);
        continue;
    }
    record.content = normalizeContent(record.type, record.content);

    bool proxied = zone.cloudflare.proxied;
    std::uint32_t ttl = zone.cloudflare.ttl;
    for (const zone::CloudflareNameOptions& options : zone.cloudflare.names) {
      if (options.owner != rr.owner) continue;
      proxied = options.proxied.value_or(proxied);
      ttl = options.ttl.value_or(ttl);
    }
    record.proxied = proxied && proxiable(rr.type);
    record.ttl = record.proxied ? kAutomaticTtl : ttl;  // proxied records are always automatic
    record.comment = kOwnerMarker;
    state.records.push_back(std::move(record));
  }
  return state;
}

}  // namespace horizon::sync
