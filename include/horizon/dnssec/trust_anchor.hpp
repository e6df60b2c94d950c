// Trust anchors (RFC 4033 2, the root's built in) and negative trust anchors (RFC 7646): where
// chains of trust start, and the domains validation must leave alone.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "horizon/wire/record.hpp"

namespace horizon::dnssec {

/// One secure entry point: DS and/or DNSKEY records for `zone`.
struct TrustAnchor {
  std::string zone;  // lowercase wire format
  std::vector<wire::Record> ds;
  std::vector<wire::Record> dnskeys;
};

/// The anchors a validator starts from, and its negative anchors.
class TrustAnchors {
 public:
  /// The root zone's key-signing keys as IANA publishes them (key tags 20326 and 38696, the
  /// DS records of Debian's dns-root-data).
  static TrustAnchors builtInRoot();
  /// Reads DS and DNSKEY records in presentation format (one per line; comments, blank lines,
  /// $TTL and other classes' records aside). Throws std::runtime_error naming the file and line
  /// for anything else, or when it holds no anchor.
  static TrustAnchors fromFile(const std::string& path);

  /// Adds a negative trust anchor: `domain` (lowercase wire format) and names below it are
  /// treated as insecure, unless an anchor lies deeper.
  void addNegative(const std::string& domain);
  /// The deepest anchor at or above `name`; nullptr when there is none or a negative anchor is
  /// at least as deep (the name is then insecure without any query).
  const TrustAnchor* covering(std::string_view name) const;
  /// The anchor of exactly `zone`, or nullptr.
  const TrustAnchor* at(std::string_view zone) const;
  /// All anchors (for the log at start).
  const std::vector<TrustAnchor>& anchors() const { return anchors_; }
  const std::vector<std::string>& negatives() const { return negatives_; }

 private:
  void add(const wire::Record& record);
  std::vector<TrustAnchor> anchors_;
  std::vector<std::string> negatives_;
};

}  // namespace horizon::dnssec
