// Canonical forms for Cloudflare records, so that the planner compares what a record means and
// not how Cloudflare or the zone file happened to spell it (case, trailing dots, quotes, address
// notation): each of those differences would otherwise be a perpetual diff.
#include "horizon/sync/cloudflare_record.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <sstream>
#include <vector>

namespace horizon::sync {
namespace {

std::string toLower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string toUpper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

// A host name inside content. "." alone is kept: it is the null MX (RFC 7505) and the "no
// service" SRV target, and stripping it would leave an empty, different value.
std::string normalizeHost(const std::string& host) {
  if (host == ".") return host;
  return normalizeName(host);
}

std::string normalizeAddress(int family, const std::string& content) {
  unsigned char bytes[16];
  if (inet_pton(family, content.c_str(), bytes) != 1) return content;
  char text[INET6_ADDRSTRLEN];
  if (inet_ntop(family, bytes, text, sizeof(text)) == nullptr) return content;
  return text;
}

// One double-quoted string covering the whole content: `"v=spf1 -all"`. Anything else (several
// strings, text after the closing quote, an unterminated quote) is kept as is, because
// unquoting it would change its meaning.
std::string normalizeTxt(const std::string& content) {
  if (content.size() < 2 || content.front() != '"') return content;
  std::string value;
  for (std::size_t i = 1; i < content.size(); ++i) {
    char c = content[i];
    if (c == '\\' && i + 1 < content.size()) {
      char next = content[i + 1];
      if (next == '"' || next == '\\') {
        value += next;
      } else {
        value += c;
        value += next;
      }
      ++i;
    } else if (c == '"') {
      return i + 1 == content.size() ? value : content;
    } else {
      value += c;
    }
  }
  return content;  // unterminated
}

// SRV content is "weight port target" (priority is a field of its own).
std::string normalizeSrv(const std::string& content) {
  std::istringstream in(content);
  std::vector<std::string> fields;
  for (std::string field; in >> field;) fields.push_back(field);
  if (fields.size() != 3) return content;
  return fields[0] + " " + fields[1] + " " + normalizeHost(fields[2]);
}

}  // namespace

bool CloudflareRecord::owned() const {
  return comment.compare(0, std::strlen(kOwnerMarker), kOwnerMarker) == 0;
}

std::string normalizeName(const std::string& name) {
  std::string result = toLower(name);
  if (!result.empty() && result.back() == '.') result.pop_back();
  return result;
}

std::string normalizeContent(const std::string& type, const std::string& content) {
  const std::string upper = toUpper(type);
  if (upper == "A") return normalizeAddress(AF_INET, content);
  if (upper == "AAAA") return normalizeAddress(AF_INET6, content);
  if (upper == "CNAME" || upper == "MX" || upper == "NS" || upper == "PTR") {
    return normalizeHost(content);
  }
  if (upper == "TXT") return normalizeTxt(content);
  if (upper == "SRV") return normalizeSrv(content);
  return content;  // CAA and types we do not manage: compared as given
}

std::string formatRecordData(const CloudflareRecord& record) {
  return record.priority ? std::to_string(*record.priority) + " " + record.content : record.content;
}

std::string formatRecordTtl(const CloudflareRecord& record) {
  if (record.proxied) return "proxied";
  return record.ttl == kAutomaticTtl ? "ttl auto" : "ttl " + std::to_string(record.ttl);
}

std::string describeRecord(const CloudflareRecord& record) {
  return record.name + " " + record.type + " " + formatRecordData(record) + " (" +
         formatRecordTtl(record) + ")";
}

}  // namespace horizon::sync
