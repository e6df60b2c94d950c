// dnsctl's view of a zone through the server's own answer engine.
#include "horizon/edit/zone_inspect.hpp"

#include <arpa/inet.h>
#include <ldns/ldns.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <set>
#include <stdexcept>

#include "horizon/query/answer_engine.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"
#include "horizon/wire/rdata.hpp"

namespace horizon::edit {
namespace {

// The uncompressed wire form of an ldns name or field (ldns keeps both that way).
std::string rdfWire(const ldns_rdf* rdf) {
  return std::string(reinterpret_cast<const char*>(ldns_rdf_data(rdf)), ldns_rdf_size(rdf));
}

// Records as text through the wire module's presentation, as everything else prints them.
std::vector<AnswerRecord> decodeSection(const ldns_rr_list* list) {
  std::vector<AnswerRecord> out;
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(list, i);
    const auto type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
    std::string rdata;
    for (std::size_t f = 0; f < ldns_rr_rd_count(rr); ++f) rdata += rdfWire(ldns_rr_rdf(rr, f));
    AnswerRecord record;
    record.owner = wire::nameToText(rdfWire(ldns_rr_owner(rr)));
    record.ttl = ldns_rr_ttl(rr);
    record.type = wire::typeToName(type);
    record.data = wire::rdataToText(type, rdata);
    out.push_back(std::move(record));
  }
  return out;
}

// The candidate client addresses of a prefix: the usual host addresses first.
std::vector<ip::ClientAddress> candidates(const ip::Prefix& prefix) {
  const int bits = prefix.is_v6 ? 128 : 32;
  const std::size_t bytes = prefix.is_v6 ? 16 : 4;
  ip::ClientAddress network;
  network.is_v6 = prefix.is_v6;
  std::copy(prefix.address.begin(), prefix.address.begin() + bytes, network.bytes.begin());
  ip::ClientAddress last = network;
  for (int bit = prefix.length; bit < bits; ++bit)
    last.bytes[bit / 8] |= static_cast<std::uint8_t>(0x80 >> (bit % 8));
  auto add = [&](ip::ClientAddress a, int delta) {
    // +1 / -1 on the big-endian address, within the prefix.
    for (std::size_t i = bytes; i-- > 0;) {
      const int v = a.bytes[i] + delta;
      a.bytes[i] = static_cast<std::uint8_t>(v & 0xff);
      if (v >= 0 && v <= 0xff) break;
    }
    return a;
  };
  std::vector<ip::ClientAddress> out;
  if (prefix.length < bits) out.push_back(add(network, +1));
  out.push_back(network);
  if (prefix.length < bits - 1) out.push_back(add(last, -1));
  if (prefix.length < bits) out.push_back(last);
  return out;
}

}  // namespace

std::string addressToString(const ip::ClientAddress& address) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(address.is_v6 ? AF_INET6 : AF_INET, address.bytes.data(), text, sizeof text);
  return text;
}

std::string resolveQueryName(const std::string& typed, const zone::Zone& zone) {
  if (typed == "@") return zone.origin_text;
  if (typed.find('.') == std::string::npos) return typed + "." + zone.origin_text;
  return typed;  // queryZone makes it absolute as it is
}

std::string relativeOwner(const zone::Zone& zone, const std::string& owner) {
  std::string text = wire::nameToText(owner);
  if (text == zone.origin_text) return "@";
  const std::string suffix = "." + zone.origin_text;
  if (text.size() > suffix.size() && text.ends_with(suffix))
    return text.substr(0, text.size() - suffix.size());
  return text;
}

std::optional<ip::ClientAddress> representativeAddress(const query::CompiledZone& zone,
                                                       const std::string& view,
                                                       std::string* error) {
  const query::CompiledView* wanted = nullptr;
  std::string names;
  for (const auto& v : zone.views) {
    if (v.name == view) wanted = &v;
    names += (names.empty() ? "" : ", ") + v.name;
  }
  if (wanted == nullptr) {
    if (error) *error = "no view named '" + view + "' (views: " + names + ")";
    return std::nullopt;
  }
  // The prefix table in the view's own order is not kept; any entry of this view will do.
  for (const auto& entry : zone.prefixes) {
    if (&zone.views[entry.view] != wanted) continue;
    for (const auto& candidate : candidates(entry.prefix))
      if (zone.selectView(candidate) == wanted) return candidate;
  }
  if (error)
    *error = "no client address selects view '" + view +
             "': more specific prefixes of other views cover its candidates; use --from ADDR";
  return std::nullopt;
}

QueryResult queryZone(const query::Snapshot& snapshot, const ip::ClientAddress& client,
                      const std::string& qname, const std::string& qtype) {
  QueryResult result;
  result.qname = qname.empty() || qname.back() != '.' ? qname + "." : qname;
  result.client = addressToString(client);
  const ldns_rr_type type = ldns_get_rr_type_by_name(qtype.c_str());
  if (type == 0) throw std::invalid_argument("unknown record type '" + qtype + "'");
  char* type_name = ldns_rr_type2str(type);
  result.qtype = type_name;
  std::free(type_name);

  ldns_pkt* raw = nullptr;
  if (ldns_pkt_query_new_frm_str(&raw, result.qname.c_str(), type, LDNS_RR_CLASS_IN, LDNS_RD) !=
      LDNS_STATUS_OK)
    throw std::invalid_argument("'" + qname + "' is not a domain name");
  std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)> request(raw, ldns_pkt_free);
  ldns_pkt_set_id(request.get(), 1);
  std::uint8_t* wire = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&wire, request.get(), &size) != LDNS_STATUS_OK)
    throw std::invalid_argument("cannot encode a query for '" + qname + "'");
  std::vector<std::uint8_t> packet(wire, wire + size);
  std::free(wire);

  for (const auto& z : snapshot.zones)
    if (const auto* view = z.selectView(client)) {
      // The view of the zone the name is in, else of the first zone: for the report only.
      if (result.view.empty()) result.view = view->name;
    }
  std::vector<std::uint8_t> response(query::kMaxResponseSize);
  query::RecursionRequest recursion;
  const std::size_t n =
      query::answerQuery(snapshot, client, packet, response, query::Transport::kTcp, &recursion);
  if (n == 0) {
    // Outside our zones in a view that may recurse: the resolver would answer, not the zone.
    result.rcode = recursion.needed ? "RECURSION" : "NO RESPONSE";
    return result;
  }
  ldns_pkt* decoded = nullptr;
  if (ldns_wire2pkt(&decoded, response.data(), n) != LDNS_STATUS_OK)
    throw std::runtime_error("the engine's response does not decode");
  std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)> reply(decoded, ldns_pkt_free);
  result.rcode = wire::rcodeToName(ldns_pkt_get_rcode(reply.get()));
  result.authoritative = ldns_pkt_aa(reply.get());
  result.answer = decodeSection(ldns_pkt_answer(reply.get()));
  result.authority = decodeSection(ldns_pkt_authority(reply.get()));
  result.additional = decodeSection(ldns_pkt_additional(reply.get()));
  return result;
}

ListTable listZone(const zone::Zone& zone, const query::Snapshot& snapshot) {
  ListTable table;
  if (snapshot.zones.empty()) return table;
  const query::CompiledZone& compiled = snapshot.zones.front();
  std::vector<ip::ClientAddress> clients;
  std::vector<std::set<std::string>> owners_per_view;
  std::vector<std::string> order;  // relative owners, first seen first
  std::set<std::string> seen;
  auto note = [&](const std::string& name) {
    if (seen.insert(name).second) order.push_back(name);
  };
  for (const auto& view : zone.views) {
    std::string error;
    auto client = representativeAddress(compiled, view.name, &error);
    if (!client) throw std::runtime_error(error);
    table.views.push_back(view.name);
    clients.push_back(*client);
    std::set<std::string> owners;
    for (const auto& rr : view.records) {
      const std::string name = relativeOwner(zone, rr.owner);
      owners.insert(name);
      // The apex holds SOA and NS in every view: listed only when it has an address.
      if (name != "@" || rr.type == 1 || rr.type == 28 || rr.type == 5) note(name);
    }
    owners_per_view.push_back(std::move(owners));
  }
  for (const auto& service : zone.public_services) note(service);

  const int public_view = zone::findView(zone, "public");
  for (const auto& name : order) {
    ListRow row;
    row.name = name;
    const std::string absolute = name == "@" ? zone.origin_text : name + "." + zone.origin_text;
    for (std::size_t v = 0; v < zone.views.size(); ++v) {
      ListCell cell;
      for (const char* type : {"A", "AAAA"}) {
        QueryResult r = queryZone(snapshot, clients[v], absolute, type);
        cell.nxdomain = r.rcode == "NXDOMAIN";
        for (const auto& rr : r.answer) {
          std::string value = rr.type == "CNAME" ? "CNAME " + rr.data : rr.data;
          if (std::find(cell.values.begin(), cell.values.end(), value) == cell.values.end())
            cell.values.push_back(value);
        }
      }
      cell.wildcard =
          !cell.values.empty() && !owners_per_view[v].count(name) && !name.starts_with("*");
      if (static_cast<int>(v) == public_view && !cell.values.empty()) row.published = true;
      row.cells.push_back(std::move(cell));
    }
    for (const auto& service : zone.public_services)
      if (service == name) row.service = true;
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace horizon::edit
