// Private to the zone loader: the checks that run over the loaded views once every record is in
// place, whatever key or zone file each record came from.
#pragma once

#include "load_context.hpp"

namespace horizon::zone {

/// The name under which the file's `acknowledge` key silences the warning about wildcards that
/// also match names with more labels (a search domain's mistyped names).
inline constexpr const char* kWildcardSearchDomain = "wildcard-search-domain";

/// Every warning `acknowledge` may name, for its messages.
inline constexpr const char* kAcknowledgeable = "wildcard-search-domain";

/// Checks every view of `context.zone()`: identical records collapse into one and an RRset whose
/// TTLs differ gets the lowest (warned); a CNAME at the apex or beside other data, and a private
/// address in a public-facing view without allow-private, are errors; wildcards are warned of
/// unless the file acknowledges kWildcardSearchDomain.
/// Problems found in several views are reported once, naming the views.
void runSemanticChecks(LoadContext& context);

}  // namespace horizon::zone
