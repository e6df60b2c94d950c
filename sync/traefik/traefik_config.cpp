// Traefik file-provider configuration for the zone's public services. Each public service is
// reached on the VPS through TLS and Authentik ForwardAuth, then proxied over the tunnel to the
// address the backend view (LAN) gives for the name, with the original Host header: the same
// answer a LAN client gets from horizond, so the two cannot drift apart.
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

namespace horizon::sync {
namespace {

namespace type = wire::type;

// ---- YAML scalars --------------------------------------------------------------------------

// Plain scalars are kept to a conservative set so that no YAML 1.1 or 1.2 parser reads them as
// anything but the same string (no booleans, nulls, numbers, indicators or comments).
bool isPlainSafe(std::string_view s) {
  if (s.empty()) return false;
  auto first = static_cast<unsigned char>(s.front());
  if (!std::isalpha(first) && first != '_') return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '_' && c != '-' && c != '.' && c != '/') return false;
  }
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  static const std::set<std::string> kReserved = {"y",     "n",  "yes", "no",  "true",
                                                  "false", "on", "off", "null"};
  return kReserved.count(lower) == 0;
}

// A double-quoted YAML scalar: backslash, quote and control characters escaped, other bytes
// (UTF-8 included) kept as they are.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string scalar(std::string_view s) {
  return isPlainSafe(s) ? std::string(s) : quoted(s);
}

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

// Option values that end up in the file; a bad one would make Traefik drop the routes (or, for
// the middleware, publish them without authentication), so it is an error here instead.
void checkOptions(const TraefikOptions& options, std::vector<std::string>& errors) {
  if (options.entry_point.empty()) errors.push_back("the Traefik entry point is empty");
  if (options.middleware_name.empty())
    errors.push_back("the ForwardAuth middleware name is empty; public routes need authentication");
  if (options.forward_auth_address.empty())
    errors.push_back("the ForwardAuth address is empty; public routes need authentication");
  bool scheme_ok = !options.backend_scheme.empty() &&
                   std::isalpha(static_cast<unsigned char>(options.backend_scheme[0]));
  for (char c : options.backend_scheme) {
    auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '+' && c != '-' && c != '.') scheme_ok = false;
  }
  if (!scheme_ok) errors.push_back("bad backend scheme '" + options.backend_scheme + "'");
  if (options.backend_port < 1 || options.backend_port > 65535)
    errors.push_back("backend port " + std::to_string(options.backend_port) +
                     " is outside 1 to 65535");
}

struct Route {
  std::string key;
  std::string host;
  std::vector<std::string> urls;
};

}  // namespace

TraefikRender renderTraefikConfig(const zone::Zone& zone, const TraefikOptions& options) {
  TraefikRender render;
  checkOptions(options, render.errors);
  int view_index = zone::findView(zone, options.backend_view);
  if (view_index < 0) {
    render.errors.push_back("backend view '" + options.backend_view + "' is not a view of " +
                            zone.origin_text + " (views: " + viewNames(zone) + ")");
  }

  std::vector<Route> routes;
  std::set<std::string> keys;
  if (view_index >= 0) {
    const zone::View& view = zone.views[static_cast<std::size_t>(view_index)];
    for (const std::string& service : zone.public_services) {
      std::string error;
      auto name = wire::nameFromText(service, zone.origin, &error);
      if (!name || !wire::isSubdomainOf(wire::lowercaseName(*name), zone.origin)) {
        render.errors.push_back("service '" + service + "' is not a name in " + zone.origin_text +
                                (error.empty() ? "" : " (" + error + ")"));
        continue;
      }
      const std::string owner = wire::lowercaseName(*name);
      Backend backend = findBackend(view, owner, zone.origin);
      if (!backend.problem.empty()) {
        render.errors.push_back("service '" + service + "' has no address in view '" + view.name +
                                "' (" + backend.problem + ")");
        continue;
      }
      Route route;
      // Services are unique as names, but "a.b" and "a-b" make the same key: number the later.
      route.key = routeKey(service);
      for (int n = 2; !keys.insert(route.key).second; ++n)
        route.key = routeKey(service) + "-" + std::to_string(n);
      route.host = withoutTrailingDot(wire::nameToText(owner));
      for (const std::string& host : backend.hosts)
        route.urls.push_back(options.backend_scheme + "://" + host + ":" +
                             std::to_string(options.backend_port));
      routes.push_back(std::move(route));
    }
  }
  if (!render.errors.empty()) return render;

  std::string source = options.source_name;
  if (source.empty()) source = zone.source_file;
  if (source.empty()) source = "the zone " + zone.origin_text;

  std::string& y = render.yaml;
  y += "# Generated by horizon-sync from " + commentSafe(source) +
       ". Do not edit: changes are overwritten.\n";
  y +=
      "# Routes for the zone's public.services; VPS-native routes (auth, netbird, proxy) live in\n";
  y += "# the static services.yml.\n";
  y += "http:\n";
  if (routes.empty()) {
    // Nothing references the middleware, so nothing is defined; empty maps keep the file valid.
    y += "  routers: {}\n  middlewares: {}\n  services: {}\n";
    return render;
  }

  y += "  routers:\n";
  for (const Route& r : routes) {
    y += "    " + scalar(r.key) + ":\n";
    y += "      rule: " + quoted("Host(`" + r.host + "`)") + "\n";
    y += "      entryPoints:\n        - " + scalar(options.entry_point) + "\n";
    y += "      middlewares:\n        - " + scalar(options.middleware_name) + "\n";
    y += "      service: " + scalar(r.key) + "\n";
    if (options.cert_resolver.empty())
      y += "      tls: {}\n";  // TLS with Traefik's default certificate store
    else
      y += "      tls:\n        certResolver: " + scalar(options.cert_resolver) + "\n";
  }

  y += "  middlewares:\n";
  y += "    " + scalar(options.middleware_name) + ":\n";
  y += "      forwardAuth:\n";
  y += "        address: " + quoted(options.forward_auth_address) + "\n";
  y += "        trustForwardHeader: true\n";
  y += "        authResponseHeaders:\n";
  for (const char* header : {"X-authentik-username", "X-authentik-groups", "X-authentik-email",
                             "X-authentik-name", "X-authentik-uid"})
    y += std::string("          - ") + header + "\n";

  y += "  services:\n";
  for (const Route& r : routes) {
    y += "    " + scalar(r.key) + ":\n";
    y += "      loadBalancer:\n";
    y += "        passHostHeader: true\n";
    y += "        servers:\n";
    for (const std::string& url : r.urls) y += "          - url: " + quoted(url) + "\n";
  }
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
