// dnsctl's edit transaction: under the zone file's lock, read it, change its text, check the
// result with the server's own loader, replace the file atomically; then, only when the file was
// written, ask the server to reload and let Cloudflare and Traefik follow. The follow-ups are an
// interface so that tests can stand in for the control socket and the API.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "horizon/edit/zone_edit.hpp"
#include "horizon/sync/sync_report.hpp"
#include "horizon/zone/zone.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace horizon::edit {

/// dnsctl's exit status: done, or nothing to do.
inline constexpr int kEditExitOk = 0;
/// dnsctl's exit status: something failed (the file, the server or the sync after a written edit).
inline constexpr int kEditExitFailed = 1;
/// dnsctl's exit status: the edit or its input was refused; the file is untouched.
inline constexpr int kEditExitRefused = 2;

/// A change of the zone file's text, worked out from the text and the zone it loads as now.
using TextChange = std::function<TextEdit(const std::string& text, const zone::Zone& zone)>;

/// What is wrong with the edited zone ("jellyfin is not listed"); empty when it means what the
/// edit was for.
using EditCheck = std::function<std::string(const zone::Zone& edited)>;

/// How the file part of an edit ended.
struct FileEdit {
  enum class Status { kWritten, kUnchanged, kRefused };
  Status status = Status::kUnchanged;
  std::string message;                        // kUnchanged, kRefused: why, for people
  std::vector<std::string> diff;              // kWritten: lineDiff of the old and new text
  std::vector<zone::Diagnostic> diagnostics;  // kRefused by the loader: all it reported
};

/// Applies `change` to the zone file at `path` under its lock: refused when the file does not
/// load already, when the change refuses, when the changed text does not load, or when `check`
/// finds it does not mean what was intended, or when the file's owner has no write permission on
/// it (someone made it read-only on purpose) unless `allow_read_only`; otherwise written
/// atomically (unless unchanged), keeping its mode. Throws std::runtime_error when the file
/// cannot be locked, read or written.
FileEdit editZoneFile(const std::string& path, const TextChange& change, const EditCheck& check,
                      bool allow_read_only = false);

/// The server's side of a written edit.
struct ServerReload {
  enum class State { kNotConfigured, kReloaded, kFailed, kUnreachable };
  State state = State::kNotConfigured;
  std::map<std::string, std::uint32_t> serials;  // kReloaded: origin -> serial now served
  std::string error;                             // kFailed, kUnreachable: why
};

/// Cloudflare's and Traefik's side of a written edit.
struct SyncFollowUp {
  bool cloudflare_configured = false;      // a token was given (file or environment)
  bool traefik_configured = false;         // a Traefik file was asked for
  std::optional<sync::SyncReport> report;  // the apply run; none when it had nothing to do
};

/// What follows a written edit.
class EditFollowUps {
 public:
  virtual ~EditFollowUps() = default;
  /// Before the edit: the serials the server holds now, origin -> serial (empty when unknown).
  virtual std::map<std::string, std::uint32_t> serialsBefore() = 0;
  /// After a written edit: the server reloads.
  virtual ServerReload reload() = 0;
  /// After the reload: Cloudflare and the Traefik file follow the file.
  virtual SyncFollowUp sync() = 0;
};

/// Everything one edit did.
struct EditReport {
  FileEdit file;
  std::map<std::string, std::uint32_t> serials_before;  // for "serial X -> Y"
  std::optional<ServerReload> server;                   // set only when the file was written
  std::optional<SyncFollowUp> sync;                     // set only when the file was written
  /// kEditExitRefused, kEditExitFailed when a follow-up failed, else kEditExitOk.
  int exitStatus() const;
};

/// The whole transaction: the serials before, editZoneFile, then reload and sync only when the
/// file was written (a refused or no-op edit contacts neither). Throws what editZoneFile throws.
EditReport runEditTransaction(const std::string& path, const TextChange& change,
                              const EditCheck& check, EditFollowUps& follow_ups,
                              bool allow_read_only = false);

}  // namespace horizon::edit
