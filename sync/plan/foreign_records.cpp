// The judge of records that are not ours (the rule is in foreign_records.hpp). Wildcards are
// matched the simple way, a wildcard "*.x" covering every name strictly below x: Cloudflare
// names are compared as text, and the closest wildcard is the one with the longest parent.
#include "horizon/sync/foreign_records.hpp"

#include <algorithm>
#include <cctype>

#include "horizon/ip/address.hpp"

namespace horizon::sync {
namespace {

bool isWildcard(const std::string& name) {
  return name.starts_with("*.");
}

// True when `name` is strictly below `parent`.
bool isBelow(const std::string& name, const std::string& parent) {
  return name.size() > parent.size() + 1 && name.ends_with(parent) &&
         name[name.size() - parent.size() - 1] == '.';
}

// What a client connecting to the name uses: these decide where it goes.
bool isAddressOrAlias(const std::string& type) {
  return type == "A" || type == "AAAA" || type == "CNAME" || type == "HTTPS" || type == "SVCB";
}

// "A 178.156.199.250, AAAA 2001:db8::1" for people.
std::string listData(const std::vector<CloudflareRecord>& records, const std::string& type) {
  std::string out;
  for (const CloudflareRecord& r : records)
    if (type.empty() || r.type == type) out += (out.empty() ? "" : ", ") + formatRecordData(r);
  return out;
}

// "A, TXT": the types among `records`, each once.
std::string listTypes(const std::vector<CloudflareRecord>& records) {
  std::vector<std::string> types;
  for (const CloudflareRecord& r : records)
    if (std::find(types.begin(), types.end(), r.type) == types.end()) types.push_back(r.type);
  std::string out;
  for (const std::string& t : types) out += (out.empty() ? "" : ", ") + t;
  return out;
}

}  // namespace

PublicViewAnswers::PublicViewAnswers(const std::vector<CloudflareRecord>& published,
                                     const std::vector<CloudflareRecord>& withheld) {
  for (const CloudflareRecord& r : published) by_name_[r.name].push_back(r);
  for (const CloudflareRecord& r : withheld) by_name_[r.name].push_back(r);
}

std::vector<CloudflareRecord> PublicViewAnswers::answering(const std::string& name,
                                                           std::string* source) const {
  if (auto it = by_name_.find(name); it != by_name_.end()) {
    *source = name;
    return it->second;
  }
  const std::vector<CloudflareRecord>* closest = nullptr;
  for (const auto& [owner, records] : by_name_) {
    if (!isWildcard(owner) || !isBelow(name, owner.substr(2))) continue;
    if (!closest || owner.size() > source->size()) {
      closest = &records;
      *source = owner;
    }
  }
  return closest ? *closest : std::vector<CloudflareRecord>{};
}

std::string PublicViewAnswers::answeredBelow(const std::string& parent) const {
  std::string found;
  for (const auto& [owner, records] : by_name_) {
    if (!isBelow(owner, parent)) continue;
    if (!isWildcard(owner)) return owner;  // a plain name makes the better example
    if (found.empty()) found = owner;
  }
  return found;
}

bool publishesPrivateAddress(const CloudflareRecord& record) {
  if (record.type != "A" && record.type != "AAAA") return false;
  std::optional<std::string> bytes = ip::parseAddress(record.content);
  if (!bytes || bytes->size() != (record.type == "A" ? 4u : 16u)) return false;
  return ip::isPrivateAddress(reinterpret_cast<const std::uint8_t*>(bytes->data()),
                              record.type == "AAAA");
}

ForeignVerdict judgeForeignRecord(const CloudflareRecord& record, const PublicViewAnswers& view) {
  ForeignVerdict verdict;
  verdict.private_address = publishesPrivateAddress(record);
  std::string source;
  const std::vector<CloudflareRecord> answer = view.answering(record.name, &source);
  const bool here = source == record.name;
  const std::string where = here ? " here" : " from its wildcard " + source;
  auto has = [&](const std::string& type) {
    return std::any_of(answer.begin(), answer.end(),
                       [&](const CloudflareRecord& r) { return r.type == type; });
  };
  if (!answer.empty()) {
    if (has(record.type)) {  // 1a
      verdict.contradicting = true;
      verdict.reason =
          "the public view answers " + record.type + " " + listData(answer, record.type) + where;
    } else if (isAddressOrAlias(record.type) || has("CNAME")) {  // 1b, 1c
      verdict.contradicting = true;
      verdict.reason =
          "the public view answers " + listTypes(answer) + where + ", no " + record.type;
    }
  }
  if (!verdict.contradicting && isWildcard(record.name) && isAddressOrAlias(record.type)) {  // 2
    const std::string parent = record.name.substr(2);
    if (std::string below = view.answeredBelow(parent); !below.empty()) {
      verdict.contradicting = true;
      verdict.reason = "the public view has no wildcard " + record.name + " (below " + parent +
                       " it answers only the names it lists, such as " + below + ")";
    }
  }
  if (!verdict.contradicting && verdict.private_address) {  // 3
    verdict.contradicting = true;
    verdict.reason = "the public view does not answer " + record.name;  // else 1 had caught it
  }
  return verdict;
}

std::string resolveRecordName(const std::string& given, const std::string& zone_name) {
  std::string name = given;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool absolute = !name.empty() && name.back() == '.';
  if (absolute) name.pop_back();
  if (name.empty() || name == "@") return zone_name;
  if (absolute || name == zone_name || isBelow(name, zone_name)) return name;
  return name + "." + zone_name;
}

std::string relativeRecordName(const std::string& name, const std::string& zone_name) {
  std::string relative = name == zone_name ? "@"
                         : isBelow(name, zone_name)
                             ? name.substr(0, name.size() - zone_name.size() - 1)
                             : name;
  if (relative.find('*') != std::string::npos) return "'" + relative + "'";
  return relative;
}

}  // namespace horizon::sync
