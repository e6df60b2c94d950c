// The sync options' parser, shared by horizon-sync and dnsctl.
#include "horizon/sync/sync_command.hpp"

namespace horizon::sync {

const char* const kSyncOptionsHelp =
    R"(  --api-url URL         API base URL (default $CLOUDFLARE_API_URL, else
                        https://api.cloudflare.com/client/v4)
  --token-file FILE     read the API token from FILE (default: $CLOUDFLARE_API_TOKEN);
                        the token needs Zone:DNS:Edit, and Zone:Zone:Read unless the zone
                        file sets cloudflare.zone-id
  --adopt               take over records that are not ours but hold desired names
  --force               allow changing or deleting more than --max-change-percent
  --max-change-percent N  safety threshold, of owned records, once 10 or more are
                        owned (default 30)
  --no-cloudflare       only render the Traefik file
  --traefik-out FILE    write Traefik's dynamic configuration for public.services here
                        (atomically, and only when its content changes)
  --traefik-entrypoint NAME       (default websecure)
  --traefik-cert-resolver NAME    (default letsencrypt)
  --traefik-middleware NAME       (default authentik)
  --forward-auth-address URL      (default http://authentik-server:9000/outpost.goauthentik.io/auth/nginx)
  --traefik-backend-view VIEW     view whose answer is the backend address (default lan)
  --traefik-backend-port PORT     (default 80)
  --deadline SECONDS    give up on the API after this long per run, retries included
                        (default 120)
  --page-size N         records asked per listing page (default 100)
  --batch-size N        operations per batch call, 1 to 200 (default 200)
)";

bool ArgumentCursor::advance() {
  if (++index_ >= argc_) return false;
  name_ = argv_[index_];
  inline_value_.clear();
  has_inline_ = false;
  if (auto eq = name_.find('='); name_.rfind("--", 0) == 0 && eq != std::string::npos) {
    inline_value_ = name_.substr(eq + 1);
    name_.resize(eq);
    has_inline_ = true;
  }
  return true;
}

std::string ArgumentCursor::value() {
  if (has_inline_) return inline_value_;
  if (index_ + 1 >= argc_) throw UsageError(name_ + " needs a value");
  return argv_[++index_];
}

int parseIntOption(const std::string& flag, const std::string& text, int min, int max) {
  try {
    std::size_t used = 0;
    int value = std::stoi(text, &used);
    if (used == text.size() && value >= min && value <= max) return value;
  } catch (const std::exception&) {
  }
  throw UsageError(flag + " must be an integer from " + std::to_string(min) + " to " +
                   std::to_string(max) + ", not '" + text + "'");
}

bool parseSyncOption(SyncSettings& args, const std::string& name,
                     const std::function<std::string()>& value, bool has_inline) {
  auto flag = [&](bool& target) {
    if (has_inline) throw UsageError(name + " takes no value");
    target = true;
  };
  if (name == "--api-url") {
    args.api_url = value();
  } else if (name == "--token-file") {
    args.token_file = value();
  } else if (name == "--token") {
    throw UsageError(
        "--token is not accepted: a token on the command line is visible to every "
        "user in the process list; use --token-file or CLOUDFLARE_API_TOKEN");
  } else if (name == "--adopt") {
    flag(args.plan.adopt);
  } else if (name == "--force") {
    flag(args.plan.force);
  } else if (name == "--no-cloudflare") {
    flag(args.skip_cloudflare);
  } else if (name == "--max-change-percent") {
    args.plan.max_change_percent = parseIntOption(name, value(), 0, 100);
  } else if (name == "--traefik-out") {
    args.traefik_out = value();
  } else if (name == "--traefik-entrypoint") {
    args.traefik.entry_point = value();
  } else if (name == "--traefik-cert-resolver") {
    args.traefik.cert_resolver = value();
  } else if (name == "--traefik-middleware") {
    args.traefik.middleware_name = value();
  } else if (name == "--forward-auth-address") {
    args.traefik.forward_auth_address = value();
  } else if (name == "--traefik-backend-view") {
    args.traefik.backend_view = value();
  } else if (name == "--traefik-backend-port") {
    args.traefik.backend_port = parseIntOption(name, value(), 1, 65535);
  } else if (name == "--deadline") {
    args.deadline_seconds = parseIntOption(name, value(), 1, 86400);
  } else if (name == "--page-size") {
    args.page_size = parseIntOption(name, value(), 1, 5000);
  } else if (name == "--batch-size") {
    args.batch_size = parseIntOption(name, value(), 1, 200);
  } else {
    return false;
  }
  return true;
}

}  // namespace horizon::sync
