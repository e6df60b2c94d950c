// One descriptor held in reserve by an accept loop, so that when the process is out of
// descriptors (EMFILE) a pending connection can still be accepted and closed at once instead of
// staying in the backlog, where it keeps the listening socket readable and the loop busy.
#pragma once

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace horizon::net {

/// A descriptor on /dev/null kept open for shedding one connection at a time. Not thread-safe:
/// one per accept loop, used on that loop's thread.
class SpareDescriptor {
 public:
  SpareDescriptor() { reopen(); }
  ~SpareDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  SpareDescriptor(const SpareDescriptor&) = delete;
  SpareDescriptor& operator=(const SpareDescriptor&) = delete;

  /// True for the accept() errors that mean the process or the system is out of descriptors.
  static bool exhausted(int error) { return error == EMFILE || error == ENFILE; }

  /// True while the spare descriptor is held.
  bool held() const { return fd_ >= 0; }
  /// Gives the spare's slot up for the caller's next accept(); false when none was held.
  bool release() {
    if (fd_ < 0) return false;
    ::close(fd_);
    fd_ = -1;
    return true;
  }
  /// Takes the spare back if it is not held (it may fail again while descriptors are short).
  void refill() {
    if (fd_ < 0) reopen();
  }

  /// Frees the spare, accepts one pending connection on the non-blocking listening socket
  /// `listen_fd` into its place and closes it (the client sees the connection reset rather than a
  /// hang), then takes the spare back. True when a connection was shed.
  bool shedOne(int listen_fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    const int shed = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (shed >= 0) ::close(shed);
    reopen();
    return shed >= 0;
  }

 private:
  void reopen() { fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC); }
  int fd_ = -1;
};

}  // namespace horizon::net
