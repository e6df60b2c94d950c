// Private to the metrics module: the conditional-request check of RFC 9110 section 13.1.2, so
// a poller that already holds the current document gets a 304 instead of the body again.
#pragma once

#include <string_view>

namespace horizon::metrics {

/// Whether one If-None-Match field value ("*" or a comma-separated list of entity tags) names
/// `etag` (quotes included), by weak comparison: a W/ prefix on either side is ignored. A
/// malformed list matches only through the tags before the fault.
bool noneMatchNames(std::string_view field_value, std::string_view etag);

}  // namespace horizon::metrics
