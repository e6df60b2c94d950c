// The edit transaction. The loader runs twice under the lock, on the text before and after: a
// file that is already broken is not edited (the person must see the error first), and an edit
// that would break it is never written, so horizond and horizon-sync only ever see valid files.
#include "horizon/edit/edit_transaction.hpp"

#include <cstdio>
#include <optional>

#include "horizon/edit/zone_file_io.hpp"

namespace horizon::edit {
namespace {

FileEdit refused(std::string message, std::vector<zone::Diagnostic> diagnostics = {}) {
  FileEdit edit;
  edit.status = FileEdit::Status::kRefused;
  edit.message = std::move(message);
  edit.diagnostics = std::move(diagnostics);
  return edit;
}

}  // namespace

FileEdit editZoneFile(const std::string& path, const TextChange& change, const EditCheck& check,
                      bool allow_read_only) {
  ZoneFileLock lock(path);
  const std::string original = readTextFile(path);
  const std::string base_dir = directoryOf(path);
  zone::LoadResult before = zone::loadZoneText(original, path, base_dir);
  if (!before.ok())
    return refused(path + " has errors already; fix them first (dnsctl check)",
                   std::move(before.diagnostics));
  TextEdit edited = change(original, *before.zone);
  if (edited.status == TextEdit::Status::kRefused) return refused(edited.message);
  if (edited.status == TextEdit::Status::kUnchanged) {
    FileEdit unchanged;
    unchanged.message = edited.message;
    return unchanged;
  }
  zone::LoadResult after = zone::loadZoneText(edited.text, path, base_dir);
  if (!after.ok())
    return refused("the edited file would not load; " + path + " is unchanged",
                   std::move(after.diagnostics));
  // A safety net: the edit must mean what it was for, whatever the file's layout.
  if (std::string problem = check(*after.zone); !problem.empty())
    return refused("the edit did not have the intended effect (" + problem + "); " + path +
                   " is unchanged; please edit it by hand");
  // Checked last, so a dry run or a no-op edit of a read-only file still works. Root may write any
  // file, so the permission bits are read as the owner's intent: a zone file made read-only is not
  // replaced behind its owner's back.
  if (const std::optional<unsigned> mode = readOnlyMode(path); mode && !allow_read_only) {
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", *mode);
    return refused(path + " is read-only (mode " + octal +
                   ", no write permission for its owner); " +
                   "it is unchanged; give --force to edit it anyway (the mode is kept)");
  }
  replaceFileAtomically(path, edited.text);
  FileEdit written;
  written.status = FileEdit::Status::kWritten;
  written.diff = lineDiff(original, edited.text);
  return written;
}

int EditReport::exitStatus() const {
  if (file.status == FileEdit::Status::kRefused) return kEditExitRefused;
  if (server && (server->state == ServerReload::State::kFailed ||
                 server->state == ServerReload::State::kUnreachable))
    return kEditExitFailed;
  if (sync && sync->report && sync->report->exitStatus() != sync::kSyncExitOk)
    return kEditExitFailed;
  return kEditExitOk;
}

EditReport runEditTransaction(const std::string& path, const TextChange& change,
                              const EditCheck& check, EditFollowUps& follow_ups,
                              bool allow_read_only) {
  EditReport report;
  // Asked before the edit: once the file is replaced, the server may reload on its own.
  report.serials_before = follow_ups.serialsBefore();
  report.file = editZoneFile(path, change, check, allow_read_only);
  if (report.file.status != FileEdit::Status::kWritten) return report;
  report.server = follow_ups.reload();
  report.sync = follow_ups.sync();
  return report;
}

}  // namespace horizon::edit
