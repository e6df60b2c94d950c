// Renders Traefik's file-provider dynamic configuration for the zone's public services: one
// router per service (TLS, Authentik ForwardAuth) to the service's address in the LAN view.
#pragma once

#include <string>
#include <vector>

#include "horizon/zone/zone.hpp"

namespace horizon::sync {

/// What the rendered routes look like; the defaults match the seed's Bifrost.
struct TraefikOptions {
  std::string entry_point = "websecure";
  std::string cert_resolver = "letsencrypt";
  std::string middleware_name = "authentik";
  std::string forward_auth_address =
      "http://authentik-server:9000/outpost.goauthentik.io/auth/nginx";
  std::string backend_view = "lan";  // the view whose answer is the service's internal address
  std::string backend_scheme = "http";
  int backend_port = 80;
  std::string source_name;  // shown in the header comment ("zones/madhan.app.yaml")
};

/// The rendered file, or the reasons it could not be rendered.
struct TraefikRender {
  std::string yaml;                 // empty when errors is not
  std::vector<std::string> errors;  // e.g. a service without an address in the backend view
};

/// Renders the configuration for every name in zone.public_services, in the file's order.
TraefikRender renderTraefikConfig(const zone::Zone& zone, const TraefikOptions& options);

/// Writes `content` to `path` through a temporary file in the same directory, fsync and rename,
/// and only when the file's current content differs. Returns true when it wrote. Throws
/// std::runtime_error naming the path and the system error.
bool writeFileIfChanged(const std::string& path, const std::string& content);

}  // namespace horizon::sync
