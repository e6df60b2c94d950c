// What horizond would answer, computed from a zone file with the server's own answer engine: a
// real query packet goes through answerQuery for a client address in the chosen view and the
// response is decoded with ldns. Used by `dnsctl query`, `list` and `import-hosts`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "horizon/ip/prefix.hpp"
#include "horizon/query/compiled_zone.hpp"
#include "horizon/zone/zone.hpp"

namespace horizon::edit {

/// One record of a decoded response.
struct AnswerRecord {
  std::string owner;  // "grafana.madhan.app."
  std::uint32_t ttl = 0;
  std::string type;  // "A"
  std::string data;  // "192.168.1.220"
};

/// A decoded response.
struct QueryResult {
  std::string qname;   // as asked, absolute
  std::string qtype;   // "A"
  std::string client;  // the client address used
  std::string view;    // the view that address selects; empty when none
  std::string rcode;   // "NOERROR", "NXDOMAIN", "REFUSED", ...
  bool authoritative = false;
  std::vector<AnswerRecord> answer, authority, additional;
};

/// Asks the engine `qname` (absolute or not; made absolute as is) of type `qtype` ("A", "aaaa",
/// "TYPE65"), as `client` would. Throws std::invalid_argument for a bad name or type.
QueryResult queryZone(const query::Snapshot& snapshot, const ip::ClientAddress& client,
                      const std::string& qname, const std::string& qtype);

/// A client address that `zone`'s prefix table really puts in `view` (most specific prefix
/// wins): the first of network+1, network, last-1 and last of each of its prefixes that does.
/// nullopt and *error when the view does not exist or every candidate lands elsewhere.
std::optional<ip::ClientAddress> representativeAddress(const query::CompiledZone& zone,
                                                       const std::string& view, std::string* error);

/// "192.0.2.1" or "2001:db8::1".
std::string addressToString(const ip::ClientAddress& address);

/// The name `dnsctl query` asks for NAME as typed: "@" is the apex, one label ("grafana") is
/// relative to the zone, anything else is taken as it is.
std::string resolveQueryName(const std::string& typed, const zone::Zone& zone);

/// `owner` (lowercase wire) relative to the zone: "grafana", "*.proxy", "@".
std::string relativeOwner(const zone::Zone& zone, const std::string& owner);

/// One view's answer for one name in `dnsctl list`.
struct ListCell {
  std::vector<std::string> values;  // addresses, or "CNAME target."; empty: none / NXDOMAIN
  bool wildcard = false;            // answered by a wildcard, not by a record of the name
  bool nxdomain = false;
};

/// One name in `dnsctl list`.
struct ListRow {
  std::string name;             // relative
  std::vector<ListCell> cells;  // one per ListTable::views entry
  bool published = false;       // has an answer in the view named public
  bool service = false;         // listed in public.services
};

/// Every owner of every view (plus public services) with its answer per view.
struct ListTable {
  std::vector<std::string> views;
  std::vector<ListRow> rows;
};

/// Builds the table from the loaded zone and its compiled snapshot (one zone). Throws
/// std::runtime_error when a view has no address that selects it.
ListTable listZone(const zone::Zone& zone, const query::Snapshot& snapshot);

}  // namespace horizon::edit
