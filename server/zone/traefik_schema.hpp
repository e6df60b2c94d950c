// Private to the zone loader: the `public.traefik` key, Traefik's settings for the public
// services (entry point, certificates, Authentik forward auth, backends, per-service overrides).
#pragma once

#include "load_context.hpp"

namespace horizon::zone {

/// Reads `public.traefik` into zone.traefik after public.services is read: every value checked
/// where it stands, views and targets resolved, and a service's overrides refused unless the
/// service is listed in public.services.
void parseTraefik(LoadContext& context, const Entry& entry);

}  // namespace horizon::zone
