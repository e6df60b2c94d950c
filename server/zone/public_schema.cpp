// The keys about the public view. `public` publishes services of the LAN through one target (a
// reverse proxy) in the view named public; `cloudflare` holds horizon-sync's settings for that
// view, which is the only one Cloudflare mirrors. Both run after the records, which they check
// against.
#include "public_schema.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "horizon/wire/constants.hpp"
#include "traefik_schema.hpp"

namespace horizon::zone {
namespace {

namespace type = wire::type;

// Cloudflare's TTL: "auto" (stored as 1, its automatic TTL) or 60..86400 seconds.
std::optional<std::uint32_t> cloudflareTtl(LoadContext& context, const yaml::Node& node) {
  if (node.isScalar() && (node.text() == "auto" || node.text() == "1")) return 1;
  if (node.isScalar()) {
    const std::string& s = node.text();
    if (!s.empty() && s.size() <= 6 &&
        std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      std::uint32_t v = static_cast<std::uint32_t>(std::stoul(s));
      if (v >= 60 && v <= 86400) return v;
    }
  }
  context.error(context.at(node),
                "cloudflare ttl must be auto or an integer from 60 to 86400" +
                    (node.isScalar() ? ", not '" + node.text() + "'" : std::string()));
  return std::nullopt;
}

std::optional<bool> flag(LoadContext& context, const Entry& field, const std::string& what) {
  bool value = false;
  if (field.value.isScalar() && yaml::decodeBool(field.value.scalar(), &value)) return value;
  context.error(context.at(field.value.isNull() ? field.key : field.value),
                what + " must be true or false");
  return std::nullopt;
}

void parseCloudflareName(LoadContext& context, const Entry& entry, int view) {
  Zone& zone = context.zone();
  auto owner = context.hostName(entry.key, entry.name, /*allow_wildcard=*/true);
  if (!owner) return;
  if (!entry.value.isMap()) {
    context.error(
        context.at(entry.value.isNull() ? entry.key : entry.value),
        "the cloudflare options of '" + entry.name + "' must be a map (allowed: proxied, ttl)");
    return;
  }
  CloudflareNameOptions options;
  options.owner = *owner;
  options.where = context.at(entry.key);
  for (const Entry& field : context.entries(entry.value, "cloudflare records." + entry.name)) {
    if (field.name == "proxied")
      options.proxied = flag(context, field, "proxied");
    else if (field.name == "ttl")
      options.ttl = cloudflareTtl(context, field.value);
    else
      context.error(context.at(field.key), "unknown key '" + field.name +
                                               "' in the cloudflare options of '" + entry.name +
                                               "' (allowed: proxied, ttl)");
  }
  // Options for a name Cloudflare will not hold are a mistake the operator wants to hear of.
  const auto& records = zone.views[static_cast<std::size_t>(view)].records;
  bool exists = false, proxiable = false;
  for (const ResourceRecord& record : records) {
    if (record.owner != *owner) continue;
    exists = true;
    proxiable |= record.type == type::A || record.type == type::AAAA || record.type == type::CNAME;
  }
  if (!exists) {
    context.error(options.where, "cloudflare options for '" + entry.name +
                                     "', which has no record in the public view (Cloudflare "
                                     "mirrors only the public view)");
    return;
  }
  if (options.proxied.value_or(false) && !proxiable) {
    context.error(options.where, "'" + entry.name +
                                     "' cannot be proxied: Cloudflare proxies only A, AAAA and "
                                     "CNAME records");
    return;
  }
  if (options.proxied.value_or(zone.cloudflare.proxied) && options.ttl && *options.ttl != 1)
    context.warning(options.where, "'" + entry.name +
                                       "' is proxied, and proxied records always have automatic "
                                       "TTL; its ttl is ignored");
  zone.cloudflare.names.push_back(std::move(options));
}

// The names of public.services: each gets the `via` target's addresses in the public view.
void parseServices(LoadContext& context, const Entry& services, const Target* target, int view) {
  Zone& zone = context.zone();
  auto& records = zone.views[static_cast<std::size_t>(view)].records;
  std::map<std::string, int> listed;
  for (const yaml::Node& item : context.scalarList(services.value, "public.services")) {
    const std::string& text = item.text();
    if (text == "@" || (!text.empty() && text.back() == '.')) {
      context.error(context.at(item),
                    "service '" + text + "' must be a name relative to the zone, like grafana");
      continue;
    }
    auto owner = context.hostName(item, text, /*allow_wildcard=*/false);
    if (!owner) continue;
    auto [pos, inserted] = listed.emplace(*owner, context.at(item).line);
    if (!inserted) {
      context.error(context.at(item), "service '" + text + "' is listed twice (lines " +
                                          std::to_string(pos->second) + " and " +
                                          std::to_string(context.at(item).line) + ")");
      continue;
    }
    auto explicit_record = std::find_if(records.begin(), records.end(),
                                        [&](const ResourceRecord& r) { return r.owner == *owner; });
    if (explicit_record != records.end()) {
      context.error(context.at(item),
                    "service '" + text + "' already has a record in the public view (" +
                        context.lineText(explicit_record->where) + "); remove one of the two");
      continue;
    }
    zone.public_services.push_back(text);
    if (!target) continue;
    RecordContext record;
    record.owner = *owner;
    record.owner_text = text;
    record.ttl = zone.default_ttl;
    record.views = std::span<const int>(&view, 1);
    for (const std::string& address : target->addresses)
      context.add(record, address.size() == 4 ? type::A : type::AAAA, address,
                  LoadContext::recordAt(item));
  }
}

}  // namespace

void parsePublic(LoadContext& context, const Entry& entry) {
  Zone& zone = context.zone();
  if (!entry.value.isMap()) {
    context.error(context.at(entry.value.isNull() ? entry.key : entry.value),
                  "public must be a map with via and services");
    return;
  }
  const Entry* via = nullptr;
  const Entry* services = nullptr;
  const Entry* traefik = nullptr;
  const std::vector<Entry> fields = context.entries(entry.value, "public");
  for (const Entry& field : fields) {
    if (field.name == "via")
      via = &field;
    else if (field.name == "services")
      services = &field;
    else if (field.name == "traefik")
      traefik = &field;
    else
      context.error(context.at(field.key),
                    "unknown key '" + field.name + "' in public (allowed: via, services, traefik)");
  }
  int view = findView(zone, "public");
  if (view < 0) {
    context.error(context.at(entry.key),
                  "public publishes services in the view named 'public', but there is "
                  "no such view (views: " +
                      context.viewNames() + ")");
    return;
  }
  if (!via) {
    context.error(context.at(entry.key),
                  "public needs 'via', the target that publishes the services");
    return;
  }
  const Target* target = nullptr;
  const auto& targets = context.targets();
  if (!via->value.isScalar()) {
    context.error(context.at(via->value.isNull() ? via->key : via->value),
                  "via must be a target name");
  } else if (auto it = targets.find(via->value.text()); it == targets.end()) {
    context.error(context.at(via->value), "undefined target '" + via->value.text() +
                                              "' (targets: " + context.targetNames() + ")");
  } else {
    target = &it->second;
    zone.public_via = via->value.text();
  }
  if (services && !services->value.isNull()) parseServices(context, *services, target, view);
  if (traefik) parseTraefik(context, *traefik);
}

void parseCloudflare(LoadContext& context, const Entry& entry) {
  if (!entry.value.isMap()) {
    context.error(context.at(entry.value.isNull() ? entry.key : entry.value),
                  "cloudflare must be a map (allowed: zone-id, proxied, ttl, records)");
    return;
  }
  int view = findView(context.zone(), "public");
  if (view < 0) {
    context.error(context.at(entry.key),
                  "cloudflare mirrors the view named 'public', but there is no such view "
                  "(views: " +
                      context.viewNames() + ")");
    return;
  }
  CloudflareOptions& options = context.zone().cloudflare;
  for (const Entry& field : context.entries(entry.value, "cloudflare")) {
    if (field.name == "zone-id") {
      const std::string id = field.value.isScalar() ? field.value.text() : "";
      if (id.size() != 32 || !std::all_of(id.begin(), id.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
          }))
        context.error(context.at(field.value.isNull() ? field.key : field.value),
                      "cloudflare zone-id must be the 32 lowercase hex characters of the zone's "
                      "id (the dashboard's Overview page shows it)");
      else
        options.zone_id = id;
    } else if (field.name == "proxied") {
      if (auto v = flag(context, field, "cloudflare proxied")) options.proxied = *v;
    } else if (field.name == "ttl") {
      if (auto v = cloudflareTtl(context, field.value)) options.ttl = *v;
    } else if (field.name == "records") {
      if (!field.value.isMap()) {
        context.error(context.at(field.value.isNull() ? field.key : field.value),
                      "cloudflare records must be a map of name to {proxied, ttl}");
        continue;
      }
      for (const Entry& name : context.entries(field.value, "cloudflare records", /*fold=*/true))
        parseCloudflareName(context, name, view);
    } else {
      context.error(context.at(field.key),
                    "unknown key '" + field.name +
                        "' in cloudflare (allowed: zone-id, proxied, ttl, records)");
    }
  }
}

}  // namespace horizon::zone
