// Private to the zone loader: the checks that run over the loaded views once every record is in
// place, whatever key or zone file each record came from.
#pragma once

#include "load_context.hpp"

namespace horizon::zone {

/// Checks every view of `context.zone()`: identical records collapse into one and an RRset whose
/// TTLs differ gets the lowest (warned); a CNAME at the apex or beside other data, and a private
/// address in a public-facing view without allow-private, are errors; wildcards are warned of.
/// Problems found in several views are reported once, naming the views.
void runSemanticChecks(LoadContext& context);

}  // namespace horizon::zone
