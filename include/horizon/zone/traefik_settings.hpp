// The zone file's `public.traefik` key: how Traefik on the VPS publishes the zone's public
// services. The loader fills and checks it; horizon-sync and dnsctl render from it alone, so the
// two cannot write different files from the same zone. The defaults follow Authentik's documented
// Traefik integration (forward auth at /outpost.goauthentik.io/auth/traefik, its response
// headers, and a callback route to the outpost on every protected host).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "horizon/zone/source_location.hpp"

namespace horizon::zone {

/// Authentik's outpost path prefix: its callback and sign-in URLs on each protected host.
inline constexpr const char* kAuthentikOutpostPath = "/outpost.goauthentik.io";

/// Where one public service is sent and what it passes through, after the file's defaults.
struct TraefikRoute {
  bool auth = true;             // behind the forward-auth middleware
  std::string scheme = "http";  // http, https or h2c
  std::string view = "lan";     // the view whose answer for the name is the backend address
  std::string target;           // instead of `view`: a target of the file (its name)
  std::vector<std::string> target_addresses;  // the target's addresses, 4 or 16 bytes each
  int port = 80;
  bool pass_host_header = true;
  std::string servers_transport;         // a serversTransport Traefik defines; empty: its default
  std::vector<std::string> middlewares;  // extra middlewares by name ("headers@file"), after auth
};

/// One entry of `public.traefik.services`: a service's route with its overrides applied.
struct TraefikServiceRoute {
  std::string service;  // as written in public.services ("jellyfin")
  TraefikRoute route;
  SourceLocation where;
};

/// Everything the rendered Traefik configuration depends on besides the zone's names.
struct TraefikSettings {
  std::string entrypoint = "websecure";
  std::string cert_resolver = "letsencrypt";  // empty: Traefik's default certificate store
  std::string auth_middleware = "authentik";  // the forwardAuth middleware's name
  std::string forward_auth_address =
      "http://authentik-server:9000/outpost.goauthentik.io/auth/traefik";
  // Where the outpost callback routes go: the forward-auth address up to the outpost path
  // unless the file says otherwise.
  std::string outpost_address = "http://authentik-server:9000/outpost.goauthentik.io";
  bool outpost_routes = true;  // a callback router per protected host
  bool trust_forward_header = true;
  std::vector<std::string> auth_response_headers = {
      "X-authentik-username",      "X-authentik-groups",    "X-authentik-entitlements",
      "X-authentik-email",         "X-authentik-name",      "X-authentik-uid",
      "X-authentik-jwt",           "X-authentik-meta-jwks", "X-authentik-meta-outpost",
      "X-authentik-meta-provider", "X-authentik-meta-app",  "X-authentik-meta-version"};
  TraefikRoute defaults;                      // `backend`, `middlewares`: every service's start
  std::vector<TraefikServiceRoute> services;  // the services with overrides, in file order

  /// The route of `service` (as written in public.services): its overrides, else the defaults.
  const TraefikRoute& routeOf(const std::string& service) const;
};

}  // namespace horizon::zone
