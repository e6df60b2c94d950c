// Lookups over a loaded Zone.
#include "horizon/zone/zone.hpp"

#include <algorithm>

namespace horizon::zone {

int findView(const Zone& zone, const std::string& name) {
  for (std::size_t i = 0; i < zone.views.size(); ++i)
    if (zone.views[i].name == name) return static_cast<int>(i);
  return -1;
}

RateLimitSettings defaultRateLimit(const View& view) {
  const bool faces_internet =
      view.name == "public" ||
      std::any_of(view.prefixes.begin(), view.prefixes.end(),
                  [](const ip::Prefix& p) { return !ip::isPrivatePrefix(p); });
  return faces_internet && !view.recursion ? kDefaultRateLimit : kNoRateLimit;
}

const TraefikRoute& TraefikSettings::routeOf(const std::string& service) const {
  for (const TraefikServiceRoute& entry : services)
    if (entry.service == service) return entry.route;
  return defaults;
}

}  // namespace horizon::zone
