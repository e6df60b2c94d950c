// Renders Traefik's dynamic configuration for the zone's public services from the zone alone
// (its public.services and public.traefik): one router per service (TLS, Authentik forward auth
// unless the service opts out, Authentik's callback route beside it) to the service's backend.
// The same document is written as a YAML file (file provider) and served as JSON (HTTP
// provider), so the two cannot differ.
#pragma once

#include <string>
#include <vector>

#include "horizon/zone/zone.hpp"

namespace horizon::sync {

/// What the render needs besides the zone.
struct TraefikOptions {
  std::string source_name;  // shown in the YAML header comment ("zones/madhan.app.yaml")
};

/// The rendered configuration in both forms, or the reasons it could not be rendered.
struct TraefikRender {
  std::string yaml;                 // the file provider's file; empty when errors is not
  std::string json;                 // the same document for the HTTP provider; empty likewise
  std::vector<std::string> errors;  // e.g. a service without an address in its backend view
};

/// Renders the configuration for every name in zone.public_services, in the file's order.
TraefikRender renderTraefikConfig(const zone::Zone& zone, const TraefikOptions& options);

/// Writes `content` to `path` through a temporary file in the same directory, fsync and rename,
/// and only when the file's current content differs. Returns true when it wrote. Throws
/// std::runtime_error naming the path and the system error.
bool writeFileIfChanged(const std::string& path, const std::string& content);

}  // namespace horizon::sync
