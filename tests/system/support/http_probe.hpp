// A bare HTTP/1.1 client over plain sockets, for the metrics endpoints: it sends exactly the
// bytes a test wants (half a request, a 20 KB header, nothing at all) and reads answers with a
// deadline, so a server that misbehaves fails the test instead of hanging it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace horizon::test {

/// One HTTP response as read off the wire.
struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  /// The value of header `name` (lowercase), or "".
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

/// One TCP connection to 127.0.0.1:port.
class HttpProbe {
 public:
  explicit HttpProbe(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + " failed");
    }
  }
  ~HttpProbe() { close(); }
  HttpProbe(const HttpProbe&) = delete;
  HttpProbe& operator=(const HttpProbe&) = delete;

  /// Sends all of `bytes`; false when the connection is gone.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  /// Reads one response (its body by Content-Length; none for a HEAD request). nullopt when
  /// the connection closes first or `timeout` passes.
  std::optional<HttpReply> read(std::chrono::milliseconds timeout, bool head = false) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t end;
    while ((end = input_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(deadline)) return std::nullopt;
    }
    HttpReply reply;
    const std::string head_text = input_.substr(0, end + 2);
    input_.erase(0, end + 4);
    std::size_t at = head_text.find("\r\n");
    const std::string status_line = head_text.substr(0, at);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return std::nullopt;
    reply.status = std::stoi(status_line.substr(9, 3));
    for (at += 2; at < head_text.size();) {
      const std::size_t line_end = head_text.find("\r\n", at);
      const std::string line = head_text.substr(at, line_end - at);
      at = line_end + 2;
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      reply.headers[name] = value;
    }
    const std::size_t length = head ? 0 : std::stoul("0" + reply.header("content-length"));
    while (input_.size() < length) {
      if (!fill(deadline)) return std::nullopt;
    }
    reply.body = input_.substr(0, length);
    input_.erase(0, length);
    return reply;
  }

  /// True when the server closes (EOF or reset) within `timeout`; what arrives meanwhile is kept
  /// for read() only until then.
  bool closedWithin(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<long long>(1, left.count()))) <= 0) continue;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return true;
      input_.append(chunk, static_cast<std::size_t>(n));
    }
    return false;
  }

  /// Closes the client side.
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  // Appends what arrives before `deadline`; false on EOF, error or the deadline.
  bool fill(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    input_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string input_;
};

/// One request on a fresh connection ("Connection: close"); nullopt when no answer came.
inline std::optional<HttpReply> httpRequest(
    std::uint16_t port, const std::string& method, const std::string& path,
    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  try {
    HttpProbe probe(port);
    if (!probe.send(method + " " + path +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
      return std::nullopt;
    return probe.read(timeout, method == "HEAD");
  } catch (const std::runtime_error&) {
    return std::nullopt;
  }
}

/// One GET of `path` from 127.0.0.1:`port` (closing the connection); nullopt when nothing
/// listens there or no whole answer comes within 5 s.
inline std::optional<HttpReply> httpGet(std::uint16_t port, const std::string& path) {
  try {
    HttpProbe probe(port);
    if (!probe.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
      return std::nullopt;
    return probe.read(std::chrono::milliseconds(5000));
  } catch (const std::exception&) {
    return std::nullopt;  // not listening (yet)
  }
}

/// Every sample of a Prometheus text exposition, keyed by the series as printed
/// ("name{labels}").
inline std::map<std::string, double> exposedSamples(const std::string& exposition) {
  std::map<std::string, double> out;
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

/// The value of `series` in `samples`, or -1 when it is not there.
inline double sampleValue(const std::map<std::string, double>& samples, const std::string& series) {
  const auto it = samples.find(series);
  return it == samples.end() ? -1 : it->second;
}

}  // namespace horizon::test
