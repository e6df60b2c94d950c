// Reading and replacing a zone file the way dnsctl must: under an exclusive lock for the whole
// read-modify-write, and atomically (temp file in the same directory, fsync, rename, fsync of the
// directory) so horizond and horizon-sync only ever see the old or the new file.
#pragma once

#include <optional>
#include <string>

namespace horizon::edit {

/// Holds an exclusive flock on the directory of a zone file for its lifetime. The directory, not
/// the file: the file is replaced by rename, so a lock on its inode would not exclude the next
/// writer; and no lock file is left behind for a directory watcher to notice.
class ZoneFileLock {
 public:
  /// Blocks until the lock is held. Throws std::runtime_error naming the directory on failure.
  explicit ZoneFileLock(const std::string& zone_path);
  ~ZoneFileLock();
  ZoneFileLock(const ZoneFileLock&) = delete;
  ZoneFileLock& operator=(const ZoneFileLock&) = delete;

 private:
  int fd_ = -1;
};

/// The whole file; throws std::runtime_error naming the path and the system error.
std::string readTextFile(const std::string& path);

/// Replaces `path` with `content` atomically, keeping the file's owner, group and permission
/// bits (refusing, unchanged, when the owner cannot be kept). Follows a
/// symlink at `path` and replaces its target, so a link (e.g. into a config repository) stays a
/// link. Throws std::runtime_error naming the path and the system error.
void replaceFileAtomically(const std::string& path, const std::string& content);

/// The permission bits of the file `path` names (links followed) when its owner may not write
/// it (e.g. 0444); nullopt when the owner may, or when there is no such file.
std::optional<unsigned> readOnlyMode(const std::string& path);

/// The directory of `path` ("." when it has none): what loadZoneText needs as base_dir.
std::string directoryOf(const std::string& path);

}  // namespace horizon::edit
