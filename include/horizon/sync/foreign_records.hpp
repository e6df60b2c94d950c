// Records horizon does not own, judged against the public view: which contradict it (listed in a
// section of their own, retired with --replace) and which are unrelated to it (mail,
// verification, names it does not mention; listed with --verbose, never flagged). No I/O.
//
// The rule. A record without the marker (and not read-only) contradicts the public view when
//   1. the public view answers its name (records at the name, the apex SOA and NS aside, or one of
//      its wildcards covering the name, the closest one counting) and
//      a. has the record's type there with other data, or
//      b. it is an address or alias record (A, AAAA, CNAME, HTTPS, SVCB: what a client connecting
//         to the name uses), which the public view does not have there, or
//      c. the public view has a CNAME there, which cannot share its name; or
//   2. it is an address or alias wildcard ("*.x") covering a name the public view answers: it
//      answers every name below x that the public view says does not exist; or
//   3. it publishes a private, CGNAT, loopback or link-local address, at any name: the world is
//      pointed at hosts it cannot reach and the network's layout leaks, as horizon-sync refuses
//      to do for the public view itself.
// Everything else is unrelated: other types beside a public name (MX, TXT, CAA, SRV carry mail,
// verification and policy data the public view does not model) and every public address at a
// name the public view does not mention.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "horizon/sync/cloudflare_record.hpp"

namespace horizon::sync {

/// What the public view answers, by name: its published and its withheld records.
class PublicViewAnswers {
 public:
  /// From the records horizon-sync publishes and those it refuses to (the view has them all).
  PublicViewAnswers(const std::vector<CloudflareRecord>& published,
                    const std::vector<CloudflareRecord>& withheld);

  /// The view's records that answer `name`: those at the name, else those of the closest
  /// wildcard covering it; empty when the view does not answer it. `*source` gets the name the
  /// records are at.
  std::vector<CloudflareRecord> answering(const std::string& name, std::string* source) const;

  /// A name the view answers strictly below `parent`, or empty when there is none.
  std::string answeredBelow(const std::string& parent) const;

 private:
  std::map<std::string, std::vector<CloudflareRecord>> by_name_;
};

/// How a record that is not ours stands against the public view.
struct ForeignVerdict {
  bool contradicting = false;
  bool private_address = false;  // an A or AAAA with a private, CGNAT, loopback or link-local one
  std::string reason;            // contradicting: how it differs from the public view, for people
};

/// Applies the rule above to one record that is not ours.
ForeignVerdict judgeForeignRecord(const CloudflareRecord& record, const PublicViewAnswers& view);

/// True when an A or AAAA record's content is a private, CGNAT, loopback or link-local address.
bool publishesPrivateAddress(const CloudflareRecord& record);

/// A name as the operator gives it (`*`, `grafana`, `@`, `grafana.madhan.app`, with or without
/// the trailing dot) as Cloudflare spells it: lowercase, absolute, without the trailing dot.
/// A name ending in the zone's name is taken as full, anything else as relative to the zone.
std::string resolveRecordName(const std::string& given, const std::string& zone_name);

/// The short form of a Cloudflare name, as the zone file writes it and --replace takes it:
/// "@" for the apex, "grafana", "*"; shell-quoted ('*') when it holds a wildcard.
std::string relativeRecordName(const std::string& name, const std::string& zone_name);

}  // namespace horizon::sync
