// A DNS record as Cloudflare's API v4 sees it: the unit horizon-sync reads, compares and writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace horizon::sync {

/// The comment that marks a Cloudflare record as horizon's own. A record is owned exactly when
/// its comment starts with this marker; anything else is never changed or deleted.
inline constexpr const char* kOwnerMarker = "managed-by: horizon";

/// Cloudflare's TTL value for "automatic".
inline constexpr std::uint32_t kAutomaticTtl = 1;

/// One record. For MX, `content` is the exchange and `priority` the preference. SRV and CAA are
/// written through Cloudflare's `data` object and read back from it; here `content` holds
/// "weight port target" for SRV (priority apart) and `flags tag "value"` for CAA.
struct CloudflareRecord {
  std::string id;  // 32 characters; empty for a record not created yet
  std::string type;
  std::string name;     // lowercase, no trailing dot ("grafana.madhan.app")
  std::string content;  // normalised: see normalizeContent()
  std::uint32_t ttl = kAutomaticTtl;
  bool proxied = false;
  std::optional<std::uint16_t> priority;  // MX and SRV
  std::string comment;
  bool read_only = false;  // meta.read_only: Cloudflare manages it; never touched

  /// True when the comment carries kOwnerMarker.
  bool owned() const;
};

/// Lowercases a name and strips one trailing dot, the form Cloudflare names are compared in.
std::string normalizeName(const std::string& name);

/// Canonical content for comparisons: addresses re-printed (AAAA compressed), names lowercased
/// without the trailing dot, TXT without surrounding quotes. Unknown types are returned as is.
std::string normalizeContent(const std::string& type, const std::string& content);

/// The record's data for people: "10 mx.example.org" for MX and SRV, the content otherwise.
std::string formatRecordData(const CloudflareRecord& record);

/// The record's TTL for people: "proxied", "ttl auto" or "ttl 300".
std::string formatRecordTtl(const CloudflareRecord& record);

/// One line for people: "grafana.madhan.app A 178.156.199.250 (ttl auto)".
std::string describeRecord(const CloudflareRecord& record);

}  // namespace horizon::sync
