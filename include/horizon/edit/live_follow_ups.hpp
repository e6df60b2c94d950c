// The follow-ups of a written edit as dnsctl runs them: horizond's control socket for the
// reload, and horizon-sync's apply run for Cloudflare and the Traefik file.
#pragma once

#include <string>

#include "horizon/edit/edit_transaction.hpp"
#include "horizon/sync/sync_run.hpp"

namespace horizon::edit {

/// The production EditFollowUps.
class LiveFollowUps : public EditFollowUps {
 public:
  /// `control_path`: horizond's control socket; empty: the server is not contacted.
  /// `settings`: the sync options, finished. Cloudflare takes part when `token_file_given` or
  /// $CLOUDFLARE_API_TOKEN is set; the Traefik file when settings.traefik_out is set.
  LiveFollowUps(std::string control_path, sync::SyncSettings settings, bool token_file_given);

  /// The serials from the server's status; empty when it is not configured or not reachable.
  std::map<std::string, std::uint32_t> serialsBefore() override;
  /// Sends "reload" on the control socket.
  ServerReload reload() override;
  /// Runs horizon-sync's apply for the parts that are configured; none when neither is.
  SyncFollowUp sync() override;

 private:
  std::string control_path_;
  sync::SyncSettings settings_;
  bool token_file_given_;
};

}  // namespace horizon::edit
