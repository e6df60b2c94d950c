// Private to the metrics module: one client connection of the metrics endpoint. Runs on the
// endpoint's thread only.
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <optional>
#include <utility>

#include "http_routes.hpp"

namespace horizon::metrics {

/// What one connection tolerates.
struct ConnectionLimits {
  std::chrono::milliseconds request_timeout{5000};
  std::size_t max_header_bytes = 8192;
};

/// Reads request heads, answers them through the routes, and closes on errors, on a timeout, at
/// the client's wish or when the endpoint stops. Lives as long as an operation of its own is
/// pending; it is listed in its endpoint's list from construction to destruction.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  using List = std::list<HttpConnection*>;

  /// A connection over an accepted socket; `list` must outlive it.
  HttpConnection(boost::asio::ip::tcp::socket socket, const Routes& routes,
                 const ConnectionLimits& limits, List& list);
  /// Leaves the list.
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  /// Starts reading the first request.
  void start();
  /// Closes at once; pending operations end with errors and the object goes away.
  void close();

 private:
  void readRequest();
  void onRequest(const boost::system::error_code& ec);
  void send(HttpResponse response);
  void onSent(const boost::system::error_code& ec, bool keep_alive);
  void drainThenClose();
  void drain();

  boost::beast::tcp_stream stream_;
  const Routes& routes_;
  const ConnectionLimits& limits_;
  List& list_;
  List::iterator position_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::empty_body>> parser_;
  HttpResponse response_;             // kept alive until its write completes
  std::array<char, 4096> scratch_{};  // what is drained before a close is thrown away here
  bool closed_ = false;
};

}  // namespace horizon::metrics
