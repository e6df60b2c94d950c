// Private to the zone loader: the keys about the public view, `public` (services published
// through a target) and `cloudflare` (horizon-sync's settings for mirroring that view).
#pragma once

#include "load_context.hpp"

namespace horizon::zone {

/// Reads the `public` key: each service gets the addresses of the `via` target in the view named
/// public, which must exist; a service listed twice, or with its own record there, is an error.
void parsePublic(LoadContext& context, const Entry& entry);

/// Reads the `cloudflare` key into the zone's CloudflareOptions: zone id, defaults, and options
/// per name, each of which must have a record in the public view (the only one Cloudflare holds).
void parseCloudflare(LoadContext& context, const Entry& entry);

}  // namespace horizon::zone
