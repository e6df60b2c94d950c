// The socket calls behind makeUnixWriter: connect, and sends and receives with a stall timeout.
#include "unix_stream.hpp"

#include <fcntl.h>
#include <fstrm.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace horizon::dnstap {
namespace {

struct UnixStream {
  sockaddr_un address{};
  int fd = -1;
  // Set by a complete receive: the handshake's only receive is the collector's ACCEPT, so the
  // first send after it (START) completes the handshake, and the session is up.
  bool answered = false;
  std::atomic<bool>* connected = nullptr;
};

void shut(UnixStream& stream) {
  stream.connected->store(false, std::memory_order_relaxed);
  if (stream.fd >= 0) ::close(stream.fd);
  stream.fd = -1;
  stream.answered = false;
}

fstrm_res openStream(void* object) {
  auto& stream = *static_cast<UnixStream*>(object);
  // fstrm retries open() without close() after a failed handshake: start over on a new socket.
  shut(stream);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fstrm_res_failure;
  // SO_SNDTIMEO also bounds connect() when the collector's listen backlog is full.
  const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(kStallTimeout).count();
  const timeval timeout{static_cast<time_t>(usec / 1000000),
                        static_cast<suseconds_t>(usec % 1000000)};
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
      ::connect(fd, reinterpret_cast<const sockaddr*>(&stream.address), sizeof stream.address) !=
          0) {
    ::close(fd);
    return fstrm_res_failure;
  }
  stream.fd = fd;
  return fstrm_res_success;
}

fstrm_res closeStream(void* object) {
  auto& stream = *static_cast<UnixStream*>(object);
  const bool was_open = stream.fd >= 0;
  shut(stream);
  return was_open ? fstrm_res_success : fstrm_res_failure;
}

fstrm_res readStream(void* object, void* data, std::size_t count) {
  auto& stream = *static_cast<UnixStream*>(object);
  auto* bytes = static_cast<std::uint8_t*>(data);
  while (count > 0) {
    const ssize_t got = ::recv(stream.fd, bytes, count, 0);
    if (got == 0) return fstrm_res_stop;
    if (got < 0) {
      if (errno == EINTR) continue;
      return fstrm_res_failure;  // EAGAIN: the collector said nothing for kStallTimeout
    }
    bytes += got;
    count -= static_cast<std::size_t>(got);
  }
  stream.answered = true;
  return fstrm_res_success;
}

fstrm_res writeStream(void* object, const iovec* iov, int iovcnt) {
  auto& stream = *static_cast<UnixStream*>(object);
  int index = 0;
  std::size_t offset = 0;  // bytes of iov[index] already sent
  while (index < iovcnt) {
    ssize_t sent;
    if (offset != 0) {
      // Finish the iovec a short send stopped in, then go back to sending the rest at once.
      sent = ::send(stream.fd, static_cast<const std::uint8_t*>(iov[index].iov_base) + offset,
                    iov[index].iov_len - offset, MSG_NOSIGNAL);
    } else {
      msghdr message{};
      message.msg_iov = const_cast<iovec*>(iov + index);  // sendmsg() does not write to it
      message.msg_iovlen = static_cast<std::size_t>(std::min(iovcnt - index, IOV_MAX));
      sent = ::sendmsg(stream.fd, &message, MSG_NOSIGNAL);
    }
    if (sent < 0) {
      if (errno == EINTR) continue;
      shut(stream);  // EAGAIN: the collector took nothing for kStallTimeout; EPIPE: it left
      return fstrm_res_failure;
    }
    auto left = static_cast<std::size_t>(sent);
    while (index < iovcnt && left >= iov[index].iov_len - offset) {
      left -= iov[index].iov_len - offset;
      offset = 0;
      ++index;
    }
    offset += left;
  }
  // Stored once per session: every DNS thread reads this flag on every write.
  if (stream.answered && !stream.connected->load(std::memory_order_relaxed)) {
    stream.connected->store(true, std::memory_order_relaxed);
  }
  return fstrm_res_success;
}

fstrm_res destroyStream(void* object) {
  auto* stream = static_cast<UnixStream*>(object);
  shut(*stream);
  delete stream;
  return fstrm_res_success;
}

}  // namespace

fstrm_writer* makeUnixWriter(const std::string& path, const fstrm_writer_options* options,
                             std::atomic<bool>* connected) {
  auto* stream = new UnixStream;
  stream->address.sun_family = AF_UNIX;
  std::memcpy(stream->address.sun_path, path.data(),
              std::min(path.size(), sizeof stream->address.sun_path - 1));
  stream->connected = connected;
  fstrm_rdwr* rdwr = fstrm_rdwr_init(stream);
  fstrm_rdwr_set_open(rdwr, openStream);
  fstrm_rdwr_set_close(rdwr, closeStream);
  fstrm_rdwr_set_read(rdwr, readStream);
  fstrm_rdwr_set_write(rdwr, writeStream);
  fstrm_rdwr_set_destroy(rdwr, destroyStream);
  fstrm_writer* writer = fstrm_writer_init(options, &rdwr);
  if (writer == nullptr) fstrm_rdwr_destroy(&rdwr);
  return writer;
}

}  // namespace horizon::dnstap
