// A connection holds one descriptor of a small budget, so every way it can hang is bounded by
// the request timeout: waiting for a request (slowloris, idle keep-alive), writing an answer
// the client does not read, and draining what follows a refusal.
#include "http_connection.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdint>
#include <limits>

namespace horizon::metrics {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::system::error_code;

// Room for a full header plus the start of a pipelined next request; the parser's header limit
// decides what is too long, this only bounds the memory.
std::size_t bufferLimit(std::size_t max_header_bytes) {
  return max_header_bytes + 4096;
}

}  // namespace

HttpConnection::HttpConnection(asio::ip::tcp::socket socket, const Routes& routes,
                               const ConnectionLimits& limits, List& list)
    : stream_(std::move(socket)),
      routes_(routes),
      limits_(limits),
      list_(list),
      position_(list.insert(list.end(), this)),
      buffer_(bufferLimit(limits.max_header_bytes)) {}

HttpConnection::~HttpConnection() {
  list_.erase(position_);
}

void HttpConnection::start() {
  readRequest();
}

void HttpConnection::close() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

void HttpConnection::readRequest() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits_.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  stream_.expires_after(limits_.request_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](const error_code& ec, std::size_t) { self->onRequest(ec); });
}

void HttpConnection::onRequest(const error_code& ec) {
  if (closed_) return;
  if (ec == http::error::end_of_stream || ec == beast::error::timeout) {
    close();  // the client is done, or too slow to keep a slot
    return;
  }
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    send(refusal(http::status::request_header_fields_too_large, "request header too large\n"));
    return;
  }
  if (ec == http::error::body_limit) {
    send(refusal(http::status::payload_too_large, "request bodies are not accepted\n"));
    return;
  }
  if (ec && ec.category() == http::make_error_code(http::error::bad_target).category()) {
    send(refusal(http::status::bad_request, "malformed request\n"));
    return;
  }
  if (ec) {
    close();  // reset, or another socket error: nobody to answer
    return;
  }
  send(respond(parser_->get(), routes_));
}

void HttpConnection::send(HttpResponse response) {
  response_ = std::move(response);
  const bool keep_alive = response_.keep_alive();
  stream_.expires_after(limits_.request_timeout);
  http::async_write(stream_, response_,
                    [self = shared_from_this(), keep_alive](const error_code& ec, std::size_t) {
                      self->onSent(ec, keep_alive);
                    });
}

void HttpConnection::onSent(const error_code& ec, bool keep_alive) {
  if (closed_) return;
  if (ec) {
    close();
    return;
  }
  if (keep_alive) {
    readRequest();
    return;
  }
  drainThenClose();
}

// Closing with unread input makes the kernel send RST, which can destroy the answer before
// the client reads it (a 431 after part of a long header, a 413 before its body). So: no more
// output, then read and drop whatever comes until the client closes or the timeout passes.
void HttpConnection::drainThenClose() {
  error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  buffer_.clear();
  stream_.expires_after(limits_.request_timeout);
  drain();
}

void HttpConnection::drain() {
  stream_.async_read_some(asio::buffer(scratch_),
                          [self = shared_from_this()](const error_code& ec, std::size_t) {
                            if (self->closed_) return;
                            if (ec) {
                              self->close();
                              return;
                            }
                            self->drain();
                          });
}

}  // namespace horizon::metrics
