// Locked, atomic replacement of zone files for dnsctl.
#include "horizon/edit/zone_file_io.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace horizon::edit {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

// The file a path finally names, so replacing it keeps a symlink a symlink.
std::string resolveLinks(const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) != nullptr) return resolved;
  return path;  // does not exist yet: replace the path itself
}

}  // namespace

std::optional<unsigned> readOnlyMode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & S_IWUSR) != 0) return std::nullopt;
  return static_cast<unsigned>(st.st_mode & 07777);
}

std::string directoryOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

ZoneFileLock::ZoneFileLock(const std::string& zone_path) {
  const std::string dir = directoryOf(resolveLinks(zone_path));
  fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) fail("cannot open the directory", dir);
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int saved = errno;
    ::close(fd_);
    errno = saved;
    fail("cannot lock the directory", dir);
  }
}

ZoneFileLock::~ZoneFileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

std::string readTextFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot read", path);
  std::string out;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      fail("cannot read", path);
    }
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

void replaceFileAtomically(const std::string& path, const std::string& content) {
  const std::string target = resolveLinks(path);
  const std::string dir = directoryOf(target);
  mode_t mode = 0644;
  struct stat st {};
  const bool exists = ::stat(target.c_str(), &st) == 0;
  if (exists) mode = st.st_mode & 07777;
  // Hidden and unlike any zone file name, so a directory watcher ignores it.
  std::string temp =
      dir + "/." + target.substr(dir.size() + (dir == "/" ? 0 : 1)) + ".dnsctl-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) fail("cannot create a temporary file in", dir);
  auto cleanup = [&](const std::string& what) {
    const int saved = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    errno = saved;
    fail(what, temp);
  };
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) cleanup("cannot write");
    done += static_cast<std::size_t>(n);
  }
  // The new file is created as whoever runs dnsctl: an edit run as root would otherwise hand
  // a file the server reads (nobody:nogroup 0640, say) to root, and the next reload would
  // fail. Owner first: chown may clear set-id bits, which the mode then restores.
  if (exists && (st.st_uid != ::geteuid() || st.st_gid != ::getegid()) &&
      ::fchown(fd, st.st_uid, st.st_gid) != 0)
    cleanup("cannot keep the owner and group of " + target + " (uid " + std::to_string(st.st_uid) +
            ", gid " + std::to_string(st.st_gid) + ") on");
  if (::fchmod(fd, mode) != 0) cleanup("cannot set the mode of");
  if (::fsync(fd) != 0) cleanup("cannot fsync");
  if (::close(fd) != 0) {
    ::unlink(temp.c_str());
    fail("cannot close", temp);
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    errno = saved;
    fail("cannot rename the new file onto", target);
  }
  // The rename is durable only once the directory entry is on disk.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace horizon::edit
