// dnsctl's follow-ups. A server that cannot be reached or refuses the reload is a reported
// failure, not an exception: the file is already written by then, and the report must still
// say so and go on to Cloudflare and Traefik.
#include "horizon/edit/live_follow_ups.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "horizon/edit/control_client.hpp"

namespace horizon::edit {

LiveFollowUps::LiveFollowUps(std::string control_path, sync::SyncSettings settings,
                             bool token_file_given)
    : control_path_(std::move(control_path)),
      settings_(std::move(settings)),
      token_file_given_(token_file_given) {}

std::map<std::string, std::uint32_t> LiveFollowUps::serialsBefore() {
  std::map<std::string, std::uint32_t> out;
  if (control_path_.empty()) return out;
  try {
    nlohmann::json status = controlRequest(control_path_, {{"command", "status"}});
    if (status.value("ok", false))
      for (const auto& z : status["status"]["zones"])
        out[z.value("origin", "")] = z.value("serial", 0u);
  } catch (const std::exception&) {
    // The reload that follows the edit reports the server's trouble.
  }
  return out;
}

ServerReload LiveFollowUps::reload() {
  ServerReload reload;
  if (control_path_.empty()) return reload;
  try {
    nlohmann::json r = controlRequest(control_path_, {{"command", "reload"}});
    if (r.value("ok", false)) {
      reload.state = ServerReload::State::kReloaded;
      const nlohmann::json serials = r.value("serials", nlohmann::json::object());
      for (const auto& [origin, serial] : serials.items())
        reload.serials[origin] = serial.get<std::uint32_t>();
    } else {
      reload.state = ServerReload::State::kFailed;
      reload.error = r.value("error", "");
    }
  } catch (const ControlError& e) {
    reload.state = ServerReload::State::kUnreachable;
    reload.error = e.what();
  }
  return reload;
}

SyncFollowUp LiveFollowUps::sync() {
  SyncFollowUp follow_up;
  const char* env_token = std::getenv("CLOUDFLARE_API_TOKEN");
  follow_up.cloudflare_configured = token_file_given_ || (env_token && *env_token);
  follow_up.traefik_configured = !settings_.traefik_out.empty();
  sync::SyncSettings settings = settings_;
  settings.skip_cloudflare = settings.skip_cloudflare || !follow_up.cloudflare_configured;
  if (settings.skip_cloudflare && settings.traefik_out.empty()) return follow_up;
  follow_up.report = sync::runSync(settings, /*apply=*/true);
  return follow_up;
}

}  // namespace horizon::edit
