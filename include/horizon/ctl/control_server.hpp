// The control socket: a Unix stream socket taking one JSON request per line and answering one
// JSON object per line (protocol in README "Live reload and the control socket"). Runs on the
// control io_context; a reload it asks for runs synchronously there.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>: std first.
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <utility>

#include "horizon/ctl/zone_reloader.hpp"

namespace horizon::ctl {

/// Longest request line accepted; a longer one gets an error and the connection is closed.
constexpr std::size_t kMaxControlLine = 64 * 1024;

/// Answers one request line (without its newline) with one JSON object (without a newline).
/// Never throws: bad input gives {"ok":false,"error":"..."}. `after_reload` runs after a
/// reload the request caused (e.g. to refresh the file watcher).
std::string handleControlRequest(std::string_view line, ZoneReloader& reloader,
                                 const std::string& version,
                                 const std::function<void()>& after_reload = {});

/// Listens on a Unix socket and serves control requests.
class ControlServer {
 public:
  /// Nothing is opened until open().
  ControlServer(boost::asio::io_context& io, std::string path, ZoneReloader& reloader,
                std::string version, std::function<void()> after_reload);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  /// Creates the socket with mode 0660 and starts accepting. A stale socket file is removed;
  /// throws std::runtime_error when a server already answers on the path or it cannot bind.
  void open();
  /// Stops accepting and removes the socket file.
  void close();

 private:
  class Session;
  struct AcceptState;
  void accept();
  static void refuse(boost::asio::local::stream_protocol::socket socket);

  boost::asio::io_context& io_;
  std::string path_;
  ZoneReloader& reloader_;
  std::string version_;
  std::function<void()> after_reload_;
  std::unique_ptr<boost::asio::local::stream_protocol::acceptor> acceptor_;
  std::shared_ptr<bool> alive_;
  std::unique_ptr<AcceptState> accept_state_;  // pause timer, spare descriptor, log limiter
};

}  // namespace horizon::ctl
