// The apex records, SOA and NS, made from the soa and ns keys. A zone file may leave both out:
// every SOA field has a default, and the one name server defaults to the SOA's mname.
#include "apex.hpp"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::zone {
namespace {

namespace type = wire::type;

constexpr const char* kSoaKeys = "mname, rname, serial, refresh, retry, expire, minimum, ttl";

// The SOA rdata ends with five 32-bit fields: serial, refresh, retry, expire, minimum.
constexpr std::size_t kSoaNumbersSize = 20;

}  // namespace

void addSoaSlots(Zone& zone) {
  // Until it is filled, a slot is an SOA-typed record with no owner, which no check looks at.
  for (auto& view : zone.views) view.records.emplace_back().type = type::SOA;
}

SoaTemplate synthesizeApex(LoadContext& context, const Entry* soa, const Entry* ns,
                           const yaml::Node& root) {
  const Zone& zone = context.zone();
  SoaTemplate result;
  std::string mname, rname;
  std::uint32_t values[5] = {0, 3600, 600, 604800, 300};  // serial refresh retry expire minimum
  std::uint32_t soa_ttl = zone.default_ttl;
  SourceLocation soa_where = soa ? context.at(soa->key) : context.at(root);
  std::optional<yaml::Node> mname_node, rname_node;
  if (soa && !soa->value.isNull()) {
    if (!soa->value.isMap()) {
      context.error(context.at(soa->value),
                    std::string("soa must be a map (allowed: ") + kSoaKeys + ")");
    } else {
      static const char* kNumbers[] = {"serial", "refresh", "retry", "expire", "minimum"};
      for (const Entry& field : context.entries(soa->value, "soa")) {
        if (!context.present(field, "see zones/FORMAT.md")) continue;
        auto index = std::find_if(std::begin(kNumbers), std::end(kNumbers),
                                  [&](const char* n) { return field.name == n; });
        if (field.name == "mname" || field.name == "rname") {
          if (!field.value.isScalar()) {
            context.error(context.at(field.value), field.name + " must be a name");
            continue;
          }
          (field.name == "mname" ? mname_node : rname_node).emplace(field.value);
        } else if (index != std::end(kNumbers)) {
          bool is_serial = index == std::begin(kNumbers);
          auto v =
              context.number(field.value, "soa " + field.name, is_serial ? 4294967295u : kMaxTtl);
          if (!v) continue;
          values[index - std::begin(kNumbers)] = static_cast<std::uint32_t>(*v);
          if (is_serial) result.serial = static_cast<std::uint32_t>(*v);
        } else if (field.name == "ttl") {
          if (auto v = context.number(field.value, "soa ttl", kMaxTtl))
            soa_ttl = static_cast<std::uint32_t>(*v);
        } else {
          context.error(context.at(field.key),
                        "unknown key '" + field.name + "' in soa (allowed: " + kSoaKeys + ")");
        }
      }
    }
  }
  auto resolve = [&](const std::optional<yaml::Node>& given, const char* fallback,
                     const char* what) {
    if (!given) return *wire::nameFromText(fallback, zone.origin);
    const yaml::Node& node = *given;
    if (std::string(what) == "rname" && node.text().find('@') != std::string::npos) {
      context.error(context.at(node),
                    "rname is a name, not an e-mail address: write hostmaster.example.com. "
                    "for hostmaster@example.com");
      return std::string();
    }
    return context.anyName(node, std::string("soa ") + what).value_or(std::string());
  };
  mname = resolve(mname_node, "ns1", "mname");
  rname = resolve(rname_node, "hostmaster", "rname");

  ResourceRecord& record = result.record;
  record.owner = zone.origin;
  record.type = type::SOA;
  record.ttl = soa_ttl;
  record.where = soa_where;
  record.rdata = mname + rname;
  for (std::uint32_t v : values)
    for (int shift = 24; shift >= 0; shift -= 8)
      record.rdata.push_back(static_cast<char>((v >> shift) & 0xff));

  std::vector<std::pair<std::string, SourceLocation>> servers;
  if (ns && !ns->value.isNull()) {
    std::vector<yaml::Node> items = context.scalarList(ns->value, "ns");
    if (ns->value.isSequence() && items.empty() && ns->value.size() == 0)
      context.error(context.at(ns->key), "ns needs at least one name server name");
    for (const yaml::Node& item : items)
      if (auto name = context.anyName(item, "ns")) servers.emplace_back(*name, context.at(item));
  } else if (!mname.empty()) {
    servers.emplace_back(mname, mname_node ? context.at(*mname_node) : soa_where);
  }
  for (auto& view : context.zone().views) {
    auto& records = view.records;
    std::vector<ResourceRecord> apex;
    for (const auto& [name, where] : servers) {
      ResourceRecord ns_record;
      ns_record.owner = zone.origin;
      ns_record.type = type::NS;
      ns_record.ttl = zone.default_ttl;
      ns_record.rdata = name;
      ns_record.where = where;
      apex.push_back(std::move(ns_record));
    }
    // Appended: putting them in front would move every record.
    records.insert(records.end(), apex.begin(), apex.end());
  }
  return result;
}

void fillSoaSlots(Zone& zone, const ResourceRecord& soa, std::uint32_t serial) {
  for (auto& view : zone.views) {
    ResourceRecord record = soa;
    const std::size_t at_serial = record.rdata.size() - kSoaNumbersSize;
    for (int i = 0; i < 4; ++i)
      record.rdata[at_serial + static_cast<std::size_t>(i)] =
          static_cast<char>((serial >> (24 - 8 * i)) & 0xff);
    view.records.front() = std::move(record);
  }
}

}  // namespace horizon::zone
