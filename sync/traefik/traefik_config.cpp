// Traefik's dynamic configuration for the zone's public services. Each public service is reached
// on the VPS through TLS and (unless it opts out) Authentik forward auth, then proxied over the
// tunnel to the address its backend view (LAN by default) gives for the name, with the original
// Host header: the same answer a LAN client gets from horizond, so the two cannot drift apart.
#include "horizon/sync/traefik_config.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string_view>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"
#include "yaml_writer.hpp"

namespace horizon::sync {
namespace {

namespace type = wire::type;
using Json = nlohmann::ordered_json;

// Comments cannot be escaped; a line break in a file name must not end the comment.
std::string commentSafe(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  return out;
}

// ---- Names and addresses -------------------------------------------------------------------

// Traefik names routers and services by map key and reserves '@' for provider namespaces, so
// keys are kept to [a-z0-9_-]: "photos.home" becomes "photos-home".
std::string routeKey(std::string_view service) {
  std::string key;
  for (char c : service) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '_' || c == '-')
      key.push_back(static_cast<char>(std::tolower(u)));
    else
      key.push_back('-');
  }
  return key;
}

std::string withoutTrailingDot(std::string text) {
  if (text.size() > 1 && text.back() == '.') text.pop_back();
  return text;
}

// The URL host form of an A or AAAA rdata; empty for malformed rdata.
std::string addressText(std::uint16_t rr_type, const std::string& rdata) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (rr_type == type::A && rdata.size() == 4) {
    inet_ntop(AF_INET, rdata.data(), buffer, sizeof buffer);
    return buffer;
  }
  if (rr_type == type::AAAA && rdata.size() == 16) {
    inet_ntop(AF_INET6, rdata.data(), buffer, sizeof buffer);
    return std::string("[") + buffer + "]";
  }
  return {};
}

std::string parentName(std::string_view wire_name) {
  auto len = static_cast<std::uint8_t>(wire_name.front());
  return std::string(wire_name.substr(len + 1));
}

// The addresses of one owner in one view, IPv4 first; `problem` says why there are none.
struct Backend {
  std::vector<std::string> hosts;
  std::string problem;
};

// Reads the A and AAAA records at `owner`, which has records in the view. `what` describes the
// owner in messages ("grafana.madhan.app." or "the wildcard *.madhan.app.").
Backend addressesAt(const zone::View& view, const std::string& owner, const std::string& what) {
  Backend backend;
  // Sorted per family so that reordering the zone file does not rewrite the configuration.
  std::vector<std::string> v4, v6;
  for (const auto& rr : view.records) {
    if (rr.owner != owner) continue;
    if (rr.type == type::CNAME) {
      backend.problem = what + " is a CNAME to " + wire::nameToText(rr.rdata) +
                        "; Traefik needs an address, so list the target instead";
      return backend;
    }
    if (rr.type == type::A && rr.rdata.size() == 4) v4.push_back(rr.rdata);
    if (rr.type == type::AAAA && rr.rdata.size() == 16) v6.push_back(rr.rdata);
  }
  std::sort(v4.begin(), v4.end());
  v4.erase(std::unique(v4.begin(), v4.end()), v4.end());
  std::sort(v6.begin(), v6.end());
  v6.erase(std::unique(v6.begin(), v6.end()), v6.end());
  for (const auto& a : v4) backend.hosts.push_back(addressText(type::A, a));
  for (const auto& a : v6) backend.hosts.push_back(addressText(type::AAAA, a));
  if (backend.hosts.empty()) backend.problem = what + " has no A or AAAA records";
  return backend;
}

// What a DNS client of the view would be given for A/AAAA at `name`, following RFC 4592: a
// wildcard applies only when the name does not exist, and only the wildcard at the closest
// encloser (the longest existing ancestor, empty non-terminals included) is considered.
Backend findBackend(const zone::View& view, const std::string& name, const std::string& origin) {
  auto exists = [&](const std::string& n) {
    return std::any_of(view.records.begin(), view.records.end(),
                       [&](const zone::ResourceRecord& rr) {
                         return rr.owner == n || wire::isSubdomainOf(rr.owner, n);
                       });
  };
  const std::string name_text = wire::nameToText(name);
  bool has_own = std::any_of(view.records.begin(), view.records.end(),
                             [&](const zone::ResourceRecord& rr) { return rr.owner == name; });
  if (has_own) return addressesAt(view, name, name_text);
  if (exists(name)) {
    Backend backend;
    backend.problem = name_text + " exists only as an empty non-terminal, so no wildcard applies";
    return backend;
  }
  std::string encloser = name;
  do {
    encloser = parentName(encloser);
  } while (encloser != origin && wire::isSubdomainOf(encloser, origin) && !exists(encloser));
  const std::string wildcard = std::string("\x01*", 2) + encloser;
  const std::string wildcard_text = wire::nameToText(wildcard);
  bool has_wildcard =
      std::any_of(view.records.begin(), view.records.end(),
                  [&](const zone::ResourceRecord& rr) { return rr.owner == wildcard; });
  if (!has_wildcard) {
    Backend backend;
    backend.problem = "no records at " + name_text + " and no wildcard " + wildcard_text +
                      " at its closest encloser";
    return backend;
  }
  return addressesAt(view, wildcard, "the wildcard " + wildcard_text + " that matches it");
}

std::string viewNames(const zone::Zone& zone) {
  std::string out;
  for (const auto& v : zone.views) out += (out.empty() ? "" : ", ") + v.name;
  return out;
}

// The backend URLs of one service: the addresses of its target, or its view's answer for it.
Backend backendOf(const zone::Zone& zone, const zone::TraefikRoute& route,
                  const std::string& owner) {
  if (!route.target.empty()) {
    Backend backend;
    std::vector<std::string> v4, v6;
    for (const std::string& a : route.target_addresses) (a.size() == 4 ? v4 : v6).push_back(a);
    std::sort(v4.begin(), v4.end());
    std::sort(v6.begin(), v6.end());
    for (const auto& a : v4) backend.hosts.push_back(addressText(type::A, a));
    for (const auto& a : v6) backend.hosts.push_back(addressText(type::AAAA, a));
    if (backend.hosts.empty()) backend.problem = "target '" + route.target + "' has no addresses";
    return backend;
  }
  int view_index = zone::findView(zone, route.view);
  if (view_index < 0) {
    Backend backend;
    backend.problem = "view '" + route.view + "' is not a view of " + zone.origin_text +
                      " (views: " + viewNames(zone) + ")";
    return backend;
  }
  return findBackend(zone.views[static_cast<std::size_t>(view_index)], owner, zone.origin);
}

std::string backendWhere(const zone::TraefikRoute& route) {
  return route.target.empty() ? "in view '" + route.view + "'" : "at target '" + route.target + "'";
}

Json tlsOf(const zone::TraefikSettings& settings) {
  // Without a resolver: TLS with Traefik's default certificate store.
  if (settings.cert_resolver.empty()) return Json::object();
  return Json{{"certResolver", settings.cert_resolver}};
}

// The router, and for a protected service Authentik's callback router, of one service. Traefik
// ranks routers without a priority by the length of their rule, and the callback rule extends
// the host rule, so the callback always wins on its path, as Authentik's documented priorities
// (10 and 15) arrange, without ranking these routers below the VPS's own.
void addRouters(Json& routers, const zone::TraefikSettings& settings,
                const zone::TraefikRoute& route, const std::string& key, const std::string& host,
                const std::string& outpost_key) {
  const std::string host_rule = "Host(`" + host + "`)";
  Json router = Json::object();
  router["rule"] = host_rule;
  router["entryPoints"] = Json::array({settings.entrypoint});
  Json middlewares = Json::array();
  if (route.auth) middlewares.push_back(settings.auth_middleware);
  for (const std::string& m : route.middlewares) middlewares.push_back(m);
  if (!middlewares.empty()) router["middlewares"] = std::move(middlewares);
  router["service"] = key;
  router["tls"] = tlsOf(settings);
  routers[key] = std::move(router);
  if (!route.auth || !settings.outpost_routes) return;
  Json callback = Json::object();
  callback["rule"] =
      host_rule + " && PathPrefix(`" + std::string(zone::kAuthentikOutpostPath) + "/`)";
  callback["entryPoints"] = Json::array({settings.entrypoint});
  callback["service"] = outpost_key;
  callback["tls"] = tlsOf(settings);
  routers[key + "-outpost"] = std::move(callback);
}

Json loadBalancer(const std::vector<std::string>& urls, bool pass_host_header,
                  const std::string& servers_transport) {
  Json servers = Json::array();
  for (const std::string& url : urls) servers.push_back(Json{{"url", url}});
  Json balancer = Json::object();
  balancer["passHostHeader"] = pass_host_header;
  balancer["servers"] = std::move(servers);
  if (!servers_transport.empty()) balancer["serversTransport"] = servers_transport;
  return Json{{"loadBalancer", std::move(balancer)}};
}

}  // namespace

TraefikRender renderTraefikConfig(const zone::Zone& zone, const TraefikOptions& options) {
  TraefikRender render;
  const zone::TraefikSettings& settings = zone.traefik;
  Json routers = Json::object(), services = Json::object();
  // The callback service's name is taken first, so no service's route key can take it.
  const std::string outpost_key = settings.auth_middleware + "-outpost";
  std::set<std::string> keys = {outpost_key};
  bool any_auth = false, any_callback = false;

  for (const std::string& service : zone.public_services) {
    std::string error;
    auto name = wire::nameFromText(service, zone.origin, &error);
    if (!name || !wire::isSubdomainOf(wire::lowercaseName(*name), zone.origin)) {
      render.errors.push_back("service '" + service + "' is not a name in " + zone.origin_text +
                              (error.empty() ? "" : " (" + error + ")"));
      continue;
    }
    const std::string owner = wire::lowercaseName(*name);
    const zone::TraefikRoute& route = settings.routeOf(service);
    Backend backend = backendOf(zone, route, owner);
    if (!backend.problem.empty()) {
      render.errors.push_back("service '" + service + "' has no address " + backendWhere(route) +
                              " (" + backend.problem + ")");
      continue;
    }
    // Services are unique as names, but "a.b" and "a-b" make the same key: number the later.
    std::string key = routeKey(service);
    for (int n = 2; keys.count(key) || keys.count(key + "-outpost"); ++n)
      key = routeKey(service) + "-" + std::to_string(n);
    keys.insert(key);
    keys.insert(key + "-outpost");
    std::vector<std::string> urls;
    for (const std::string& host : backend.hosts)
      urls.push_back(route.scheme + "://" + host + ":" + std::to_string(route.port));
    addRouters(routers, settings, route, key, withoutTrailingDot(wire::nameToText(owner)),
               outpost_key);
    services[key] = loadBalancer(urls, route.pass_host_header, route.servers_transport);
    any_auth |= route.auth;
    any_callback |= route.auth && settings.outpost_routes;
  }
  if (!render.errors.empty()) return render;

  Json middlewares = Json::object();
  // Defined only when a router uses it: Traefik would accept an unused one, but a reader of
  // the file should not have to wonder which routes it guards.
  if (any_auth) {
    Json forward_auth = Json::object();
    forward_auth["address"] = settings.forward_auth_address;
    forward_auth["trustForwardHeader"] = settings.trust_forward_header;
    if (!settings.auth_response_headers.empty())
      forward_auth["authResponseHeaders"] = settings.auth_response_headers;
    middlewares[settings.auth_middleware] = Json{{"forwardAuth", std::move(forward_auth)}};
  }
  if (any_callback)
    services[outpost_key] = loadBalancer({settings.outpost_address}, true, std::string());

  Json document = Json::object();
  document["http"] = Json::object();
  document["http"]["routers"] = std::move(routers);
  document["http"]["middlewares"] = std::move(middlewares);
  document["http"]["services"] = std::move(services);

  std::string source = options.source_name;
  if (source.empty()) source = zone.source_file;
  if (source.empty()) source = "the zone " + zone.origin_text;
  render.yaml = "# Generated by horizon-sync from " + commentSafe(source) +
                ". Do not edit: changes are overwritten.\n"
                "# Routes for the zone's public.services, from its public.traefik settings;\n"
                "# VPS-native routes (auth, netbird, proxy) live in the static services.yml.\n" +
                writeYaml(document);
  render.json = document.dump(2) + "\n";
  return render;
}

// ---- Atomic write --------------------------------------------------------------------------

namespace {

[[noreturn]] void fail(const std::string& path, int error) {
  throw std::runtime_error("cannot write " + path + ": " + std::strerror(error));
}

// True when `path` is a readable file whose bytes are exactly `content`.
bool sameContent(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::string current;
  char buffer[65536];
  bool ok = true;
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    current.append(buffer, static_cast<std::size_t>(n));
    if (current.size() > content.size()) break;  // already different
  }
  ::close(fd);
  return ok && current == content;
}

}  // namespace

bool writeFileIfChanged(const std::string& path, const std::string& content) {
  if (sameContent(path, content)) return false;

  mode_t mode = 0644;
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0) mode = existing.st_mode & 07777;

  // The temporary file must be in the target's directory for rename() to be atomic.
  auto slash = path.rfind('/');
  std::string directory = slash == std::string::npos ? "." : path.substr(0, slash);
  if (directory.empty()) directory = "/";
  std::string temp = path + ".tmp.XXXXXX";
  int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) fail(path, errno);

  auto abandon = [&](int error) {
    ::close(fd);
    ::unlink(temp.c_str());
    fail(path, error);
  };
  // mkstemp creates 0600; set the final mode explicitly so the umask does not change it.
  if (::fchmod(fd, mode) != 0) abandon(errno);
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) abandon(errno);
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) abandon(errno);
  if (::close(fd) != 0) {
    int error = errno;
    ::unlink(temp.c_str());
    fail(path, error);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(temp.c_str());
    fail(path, error);
  }

  // Without the directory's fsync the rename itself may be lost on a crash.
  int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) fail(path, errno);
  if (::fsync(dir_fd) != 0 && errno != EINVAL) {  // EINVAL: the file system cannot sync dirs
    int error = errno;
    ::close(dir_fd);
    fail(path, error);
  }
  ::close(dir_fd);
  return true;
}

}  // namespace horizon::sync
