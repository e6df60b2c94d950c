// `public.traefik`: the settings Traefik's routes are rendered from. Each value is checked here,
// at its line and column, so that a rendered file never carries a value Traefik would reject
// (it drops every route of a provider whose configuration does not decode) or one that would
// publish a service without the authentication the file asked for.
#include "traefik_schema.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace horizon::zone {
namespace {

constexpr const char* kTraefikKeys =
    "entrypoint, cert-resolver, auth-middleware, forward-auth-address, outpost-address, "
    "outpost-routes, trust-forward-header, auth-response-headers, backend, middlewares, services";
constexpr const char* kBackendKeys =
    "scheme, view, target, port, pass-host-header, servers-transport";
constexpr const char* kServiceKeys =
    "auth, scheme, view, target, port, pass-host-header, servers-transport, middlewares";

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// Traefik's object names: map keys of its configuration; '@' is reserved for the provider.
bool isTraefikName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), isNameChar);
}

// A middleware or serversTransport reference: a name, or name@provider for one defined by
// another provider (the VPS's own file: "secure-headers@file").
bool isTraefikReference(std::string_view s) {
  const auto at = s.find('@');
  if (at == std::string_view::npos) return isTraefikName(s);
  return isTraefikName(s.substr(0, at)) && isTraefikName(s.substr(at + 1));
}

// An HTTP header field name: a token (RFC 9110 5.1, 5.6.2).
bool isHeaderName(std::string_view s) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kExtra.find(c) != std::string_view::npos;
  });
}

// An absolute http(s) URL with a host and nothing a YAML or JSON reader, or Traefik's URL
// parser, would take differently: no spaces or control characters.
bool isHttpUrl(std::string_view s) {
  std::string_view rest;
  if (s.substr(0, 7) == "http://")
    rest = s.substr(7);
  else if (s.substr(0, 8) == "https://")
    rest = s.substr(8);
  else
    return false;
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7f && c != '"' && c != '\\';
  });
}

class TraefikReader {
 public:
  explicit TraefikReader(LoadContext& context) : context_(context) {}

  void read(const Entry& entry) {
    TraefikSettings& settings = context_.zone().traefik;
    if (!entry.value.isMap()) {
      context_.error(context_.at(entry.value.isNull() ? entry.key : entry.value),
                     std::string("public.traefik must be a map (allowed: ") + kTraefikKeys + ")");
      return;
    }
    const Entry* forward_auth = nullptr;
    const Entry* outpost = nullptr;
    const Entry* services = nullptr;
    const Entry* middleware_list = nullptr;  // read after auth-middleware, which it must not name
    // Kept for the whole read: the pointers above point into it.
    const std::vector<Entry> fields = context_.entries(entry.value, "public.traefik");
    for (const Entry& field : fields) {
      const std::string& k = field.name;
      if (k == "services") {
        services = &field;
        continue;
      }
      if (!context_.present(field, "see public.traefik in zones/FORMAT.md")) continue;
      if (k == "entrypoint") {
        if (auto v = name(field, "entrypoint", /*allow_provider=*/false)) settings.entrypoint = *v;
      } else if (k == "cert-resolver") {
        // An empty resolver is meaningful: TLS from Traefik's default certificate store.
        auto v = string(field, "cert-resolver");
        if (v && (v->empty() || checkName(field.value, *v, "cert-resolver", false)))
          settings.cert_resolver = *v;
      } else if (k == "auth-middleware") {
        if (auto v = name(field, "auth-middleware", false)) settings.auth_middleware = *v;
      } else if (k == "forward-auth-address") {
        if (auto v = url(field, "forward-auth-address")) {
          settings.forward_auth_address = *v;
          forward_auth = &field;
        }
      } else if (k == "outpost-address") {
        if (auto v = url(field, "outpost-address")) {
          settings.outpost_address = *v;
          outpost = &field;
        }
      } else if (k == "outpost-routes") {
        if (auto v = flag(field, "outpost-routes")) settings.outpost_routes = *v;
      } else if (k == "trust-forward-header") {
        if (auto v = flag(field, "trust-forward-header")) settings.trust_forward_header = *v;
      } else if (k == "auth-response-headers") {
        settings.auth_response_headers.clear();
        for (const yaml::Node& item : context_.scalarList(field.value, "auth-response-headers")) {
          if (isHeaderName(item.scalar()))
            settings.auth_response_headers.push_back(item.text());
          else
            context_.error(context_.at(item), "'" + item.text() + "' is not an HTTP header name");
        }
      } else if (k == "backend") {
        readBackend(field, settings.defaults);
      } else if (k == "middlewares") {
        middleware_list = &field;
      } else {
        context_.error(context_.at(field.key),
                       "unknown key '" + k + "' in public.traefik (allowed: " + kTraefikKeys + ")");
      }
    }
    if (forward_auth && !outpost) deriveOutpost(*forward_auth);
    if (middleware_list) settings.defaults.middlewares = middlewares(*middleware_list);
    if (services) readServices(*services);
  }

 private:
  std::optional<std::string> string(const Entry& field, const std::string& what) {
    if (field.value.isScalar()) return field.value.text();
    context_.error(context_.at(field.value), what + " must be a plain value");
    return std::nullopt;
  }

  bool checkName(const yaml::Node& node, const std::string& value, const std::string& what,
                 bool allow_provider) {
    if (allow_provider ? isTraefikReference(value) : isTraefikName(value)) return true;
    context_.error(context_.at(node),
                   what + " '" + value + "' is not a Traefik name (letters, digits, '-' and '_'" +
                       (allow_provider ? ", then @provider if another provider defines it)" : ")"));
    return false;
  }

  std::optional<std::string> name(const Entry& field, const std::string& what,
                                  bool allow_provider) {
    auto v = string(field, what);
    if (v && checkName(field.value, *v, what, allow_provider)) return v;
    return std::nullopt;
  }

  std::optional<std::string> url(const Entry& field, const std::string& what) {
    auto v = string(field, what);
    if (!v) return std::nullopt;
    if (isHttpUrl(*v)) return v;
    context_.error(context_.at(field.value),
                   what + " must be an http:// or https:// URL with a host, not '" + *v + "'");
    return std::nullopt;
  }

  std::optional<bool> flag(const Entry& field, const std::string& what) {
    bool value = false;
    if (field.value.isScalar() && yaml::decodeBool(field.value.scalar(), &value)) return value;
    context_.error(context_.at(field.value), what + " must be true or false");
    return std::nullopt;
  }

  std::vector<std::string> middlewares(const Entry& field) {
    std::vector<std::string> out;
    for (const yaml::Node& item : context_.scalarList(field.value, "middlewares")) {
      const std::string value = item.text();
      if (!checkName(item, value, "middleware", /*allow_provider=*/true)) continue;
      if (value == context_.zone().traefik.auth_middleware)
        context_.error(context_.at(item), "middleware '" + value +
                                              "' is the forward-auth middleware; use auth: "
                                              "true or false for it");
      else
        out.push_back(value);
    }
    return out;
  }

  // One backend key shared by `backend` and a service's overrides; false when `field` is not one.
  bool readBackendField(const Entry& field, TraefikRoute& route, const Entry*& view,
                        const Entry*& target) {
    const std::string& k = field.name;
    if (k == "scheme") {
      auto v = string(field, "scheme");
      if (v && (*v == "http" || *v == "https" || *v == "h2c"))
        route.scheme = *v;
      else if (v)
        context_.error(context_.at(field.value),
                       "scheme must be http, https or h2c, not '" + *v + "'");
    } else if (k == "port") {
      auto v = context_.number(field.value, "port", 65535);
      if (v && *v == 0)
        context_.error(context_.at(field.value), "port must be from 1 to 65535, not 0");
      else if (v)
        route.port = static_cast<int>(*v);
    } else if (k == "pass-host-header") {
      if (auto v = flag(field, "pass-host-header")) route.pass_host_header = *v;
    } else if (k == "servers-transport") {
      if (auto v = name(field, "servers-transport", /*allow_provider=*/true))
        route.servers_transport = *v;
    } else if (k == "view") {
      view = &field;
    } else if (k == "target") {
      target = &field;
    } else {
      return false;
    }
    return true;
  }

  // The address source of a route: the answer of a view, or a target's addresses.
  void readAddressSource(const Entry* view, const Entry* target, TraefikRoute& route) {
    if (view && target) {
      context_.error(context_.at(target->key),
                     "view and target both say where the backend is; keep one");
      return;
    }
    if (view) {
      auto v = string(*view, "view");
      if (!v) return;
      if (findView(context_.zone(), *v) < 0) {
        context_.error(context_.at(view->value),
                       "undefined view '" + *v + "' (views: " + context_.viewNames() + ")");
        return;
      }
      route.view = *v;
      route.target.clear();
      route.target_addresses.clear();
    }
    if (target) {
      auto v = string(*target, "target");
      if (!v) return;
      const auto& targets = context_.targets();
      auto it = targets.find(*v);
      if (it == targets.end()) {
        context_.error(context_.at(target->value),
                       "undefined target '" + *v + "' (targets: " + context_.targetNames() + ")");
        return;
      }
      route.target = *v;
      route.target_addresses = it->second.addresses;
      route.view.clear();
    }
  }

  void readBackend(const Entry& entry, TraefikRoute& route) {
    if (!entry.value.isMap()) {
      context_.error(context_.at(entry.value),
                     std::string("backend must be a map (allowed: ") + kBackendKeys + ")");
      return;
    }
    const Entry* view = nullptr;
    const Entry* target = nullptr;
    const std::vector<Entry> fields = context_.entries(entry.value, "public.traefik.backend");
    for (const Entry& field : fields) {
      if (!context_.present(field, std::string("allowed: ") + kBackendKeys)) continue;
      if (!readBackendField(field, route, view, target))
        context_.error(context_.at(field.key),
                       "unknown key '" + field.name +
                           "' in public.traefik.backend (allowed: " + kBackendKeys + ")");
    }
    readAddressSource(view, target, route);
  }

  void readServices(const Entry& entry) {
    if (entry.value.isNull()) return;
    if (!entry.value.isMap()) {
      context_.error(context_.at(entry.value),
                     "public.traefik.services must be a map of service name to settings");
      return;
    }
    TraefikSettings& settings = context_.zone().traefik;
    const auto& listed = context_.zone().public_services;
    for (const Entry& service : context_.entries(entry.value, "public.traefik.services")) {
      if (std::find(listed.begin(), listed.end(), service.name) == listed.end()) {
        context_.error(context_.at(service.key),
                       "'" + service.name +
                           "' has Traefik settings but is not in public.services (services: " +
                           join(listed) + ")");
        continue;
      }
      if (!service.value.isMap()) {
        context_.error(context_.at(service.value.isNull() ? service.key : service.value),
                       "the Traefik settings of '" + service.name +
                           "' must be a map (allowed: " + kServiceKeys + ")");
        continue;
      }
      TraefikServiceRoute entry_route{service.name, settings.defaults, context_.at(service.key)};
      TraefikRoute& route = entry_route.route;
      const Entry* view = nullptr;
      const Entry* target = nullptr;
      const std::vector<Entry> fields =
          context_.entries(service.value, "public.traefik.services." + service.name);
      for (const Entry& field : fields) {
        if (!context_.present(field, std::string("allowed: ") + kServiceKeys)) continue;
        if (field.name == "auth") {
          if (auto v = flag(field, "auth")) route.auth = *v;
        } else if (field.name == "middlewares") {
          route.middlewares = middlewares(field);
        } else if (!readBackendField(field, route, view, target)) {
          context_.error(context_.at(field.key),
                         "unknown key '" + field.name + "' in the Traefik settings of '" +
                             service.name + "' (allowed: " + kServiceKeys + ")");
        }
      }
      readAddressSource(view, target, route);
      settings.services.push_back(std::move(entry_route));
    }
  }

  // Authentik serves its callback under the same prefix as its forward-auth endpoint, so the
  // callback routes follow a changed forward-auth address without a second setting.
  void deriveOutpost(const Entry& forward_auth) {
    TraefikSettings& settings = context_.zone().traefik;
    const std::string& address = settings.forward_auth_address;
    const std::string prefix = std::string(kAuthentikOutpostPath) + "/";
    const auto at = address.find(prefix);
    if (at != std::string::npos) {
      settings.outpost_address = address.substr(0, at) + kAuthentikOutpostPath;
      return;
    }
    if (settings.outpost_routes)
      context_.error(context_.at(forward_auth.value),
                     "forward-auth-address has no " + prefix +
                         " in its path, so the outpost's callback address cannot be derived "
                         "from it: set outpost-address, or outpost-routes: false");
  }

  LoadContext& context_;
};

}  // namespace

void parseTraefik(LoadContext& context, const Entry& entry) {
  TraefikReader(context).read(entry);
}

}  // namespace horizon::zone
