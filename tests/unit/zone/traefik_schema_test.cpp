// The `public.traefik` key (server/zone/traefik_schema.cpp): the defaults without it, every
// setting read into zone.traefik, the outpost address following the forward-auth address, the
// per-service overrides, and each mistake reported at its line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "horizon/zone/zone_loader.hpp"
#include "loader_test_helpers.hpp"

namespace horizon::zone {
namespace {

using ::testing::ElementsAre;
using testing::errors;
using testing::expectOneError;
using ::testing::HasSubstr;
using testing::load;
using ::testing::SizeIs;

// Lines 1 to 14; public.traefik's settings start on line 15.
constexpr const char* kHead = R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  vpn: [100.109.0.0/16]
  public: [0.0.0.0/0]
targets:
  gateway: 192.168.1.220
  bifrost: 178.156.199.250
records:
  "*": {lan: gateway, vpn: gateway}
public:
  via: bifrost
  services: [grafana, jellyfin, status]
  traefik:
)";

LoadResult loadWith(const std::string& traefik) {
  return load(std::string(kHead) + traefik);
}

TEST(ZoneLoaderTraefik, DefaultsFollowAuthentiksTraefikIntegration) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  public: [0.0.0.0/0]
targets:
  bifrost: 178.156.199.250
records:
  "*": {lan: 192.168.1.220}
public:
  via: bifrost
  services: [grafana]
)");
  ASSERT_TRUE(result.ok()) << result.report();
  const TraefikSettings& t = result.zone->traefik;
  EXPECT_EQ(t.entrypoint, "websecure");
  EXPECT_EQ(t.cert_resolver, "letsencrypt");
  EXPECT_EQ(t.auth_middleware, "authentik");
  EXPECT_EQ(t.forward_auth_address,
            "http://authentik-server:9000/outpost.goauthentik.io/auth/traefik");
  EXPECT_EQ(t.outpost_address, "http://authentik-server:9000/outpost.goauthentik.io");
  EXPECT_TRUE(t.outpost_routes);
  EXPECT_TRUE(t.trust_forward_header);
  EXPECT_THAT(t.auth_response_headers, SizeIs(12));
  EXPECT_TRUE(t.defaults.auth);
  EXPECT_EQ(t.defaults.view, "lan");
  EXPECT_EQ(t.defaults.scheme, "http");
  EXPECT_EQ(t.defaults.port, 80);
  EXPECT_TRUE(t.defaults.pass_host_header);
  EXPECT_TRUE(t.services.empty());
}

TEST(ZoneLoaderTraefik, EverySettingIsRead) {
  auto result = loadWith(R"(    entrypoint: https
    cert-resolver: ""
    auth-middleware: sso
    forward-auth-address: https://auth.internal/outpost.goauthentik.io/auth/nginx
    trust-forward-header: false
    auth-response-headers: [X-authentik-username, Remote-User]
    middlewares: [headers@file, ratelimit]
    backend: {target: gateway, scheme: https, port: 8443, pass-host-header: no, servers-transport: skip@file}
    services:
      status: {auth: false, view: vpn, port: 3001, middlewares: []}
      jellyfin: {auth: false, port: 8096}
)");
  ASSERT_TRUE(result.ok()) << result.report();
  const TraefikSettings& t = result.zone->traefik;
  EXPECT_EQ(t.entrypoint, "https");
  EXPECT_EQ(t.cert_resolver, "");
  EXPECT_EQ(t.auth_middleware, "sso");
  EXPECT_EQ(t.outpost_address, "https://auth.internal/outpost.goauthentik.io");
  EXPECT_FALSE(t.trust_forward_header);
  EXPECT_THAT(t.auth_response_headers, ElementsAre("X-authentik-username", "Remote-User"));
  EXPECT_THAT(t.defaults.middlewares, ElementsAre("headers@file", "ratelimit"));
  EXPECT_EQ(t.defaults.target, "gateway");
  EXPECT_EQ(t.defaults.target_addresses, std::vector<std::string>{std::string("\xc0\xa8\x01\xdc")});
  EXPECT_EQ(t.defaults.view, "");
  EXPECT_EQ(t.defaults.port, 8443);
  EXPECT_FALSE(t.defaults.pass_host_header);
  EXPECT_EQ(t.defaults.servers_transport, "skip@file");

  ASSERT_THAT(t.services, SizeIs(2));
  const TraefikRoute& status = t.routeOf("status");
  EXPECT_FALSE(status.auth);
  EXPECT_EQ(status.view, "vpn");  // a view replaces the default target
  EXPECT_TRUE(status.target.empty());
  EXPECT_EQ(status.port, 3001);
  EXPECT_EQ(status.scheme, "https");  // not overridden: the default's
  EXPECT_TRUE(status.middlewares.empty());
  EXPECT_EQ(t.services[0].where.line, 24);
  EXPECT_EQ(t.routeOf("jellyfin").port, 8096);
  EXPECT_EQ(t.routeOf("jellyfin").target, "gateway");
  EXPECT_THAT(t.routeOf("jellyfin").middlewares, ElementsAre("headers@file", "ratelimit"));
  EXPECT_EQ(&t.routeOf("grafana"), &t.defaults);
}

TEST(ZoneLoaderTraefik, AnExplicitOutpostAddressIsKept) {
  auto result = loadWith(R"(    forward-auth-address: http://sso:9000/check
    outpost-address: http://sso:9000/outpost.goauthentik.io
)");
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_EQ(result.zone->traefik.outpost_address, "http://sso:9000/outpost.goauthentik.io");
}

TEST(ZoneLoaderTraefik, EachMistakeIsAnErrorAtItsLine) {
  struct Case {
    std::string settings;
    int line;
    std::string message;
  };
  const Case cases[] = {
      {"    entrypoint: \"web secure\"\n", 15, "is not a Traefik name"},
      {"    entrypoint: [a]\n", 15, "entrypoint must be a plain value"},
      {"    forward-auth-address: authentik:9000/auth\n", 15, "must be an http:// or https://"},
      {"    forward-auth-address: http://sso:9000/check\n", 15, "set outpost-address"},
      {"    trust-forward-header: sometimes\n", 15, "must be true or false"},
      {"    auth-response-headers: [\"X y\"]\n", 15, "is not an HTTP header name"},
      {"    middlewares: [authentik]\n", 15, "is the forward-auth middleware"},
      {"    middlewares: [sso]\n    auth-middleware: sso\n", 15, "is the forward-auth middleware"},
      {"    middlewares: [\"a@b@c\"]\n", 15, "is not a Traefik name"},
      {"    backend: {scheme: ftp}\n", 15, "scheme must be http, https or h2c"},
      {"    backend: {port: 0}\n", 15, "port must be from 1 to 65535"},
      {"    backend: {port: 70000}\n", 15, "port must be an integer from 0 to 65535"},
      {"    backend: {view: office}\n", 15, "undefined view 'office'"},
      {"    backend: {target: nas}\n", 15, "undefined target 'nas'"},
      {"    backend: {view: lan, target: gateway}\n", 15, "keep one"},
      {"    backend: {host: x}\n", 15, "unknown key 'host' in public.traefik.backend"},
      {"    services:\n      photos: {auth: false}\n", 16, "not in public.services"},
      {"    services:\n      status: {auth: maybe}\n", 16, "auth must be true or false"},
      {"    services:\n      status: {path: /x}\n", 16, "unknown key 'path'"},
      {"    services:\n      status: true\n", 16, "must be a map"},
      {"    routers: {}\n", 15, "unknown key 'routers' in public.traefik"},
      {"    entrypoint:\n", 15, "needs a value"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.settings);
    expectOneError(loadWith(c.settings), c.line, c.message);
  }
}

TEST(ZoneLoaderTraefik, NotAMapIsAnError) {
  auto result = load(std::string(kHead).substr(0, std::string(kHead).size() - 1) + " yes\n");
  expectOneError(result, 14, "public.traefik must be a map");
}

}  // namespace
}  // namespace horizon::zone
