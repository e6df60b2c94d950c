// DoH over HTTP/1.1: persistent connections, pipelined requests answered in the order they came
// (RFC 9112 9.3.2) however the answers arrive, Content-Length bodies only.
#pragma once

#include <deque>
#include <string>

#include "engine.hpp"
#include "response.hpp"

namespace horizon::doh {

/// The HTTP/1.1 engine of a Session.
class Http1Engine final : public Engine {
 public:
  /// An engine waiting for the first request.
  Http1Engine(Handler& handler, const Limits& limits) : Engine(handler, limits) {}
  bool receive(std::span<const std::uint8_t> bytes) override;
  void answer(RequestId id, std::span<const std::uint8_t> dns_response) override;
  void consumed(std::size_t n) override;
  bool readPaused() const override;
  bool wantsClose() const override { return stop_reading_ && slots_.empty(); }
  std::size_t pendingQueries() const override { return waiting_; }

 private:
  // One request's place in the response order: serialized once its response is known.
  struct Slot {
    RequestId id = 0;
    bool ready = false;
    bool close_after = false;    // the connection ends after this response
    bool keep_alive_10 = false;  // an HTTP/1.0 client that asked to keep the connection
    std::vector<std::uint8_t> bytes;
  };

  // Parses and dispatches the complete requests at the front of in_ while the bounds allow.
  void processInput();
  // Queues an error response after which, when `close` is set, nothing more is read.
  void reject(int status, bool close);
  // Serializes `response` into `slot`.
  void fill(Slot& slot, const Response& response);
  // Moves the ready responses at the front of the order to the output.
  void flush();

  std::string in_;
  std::deque<Slot> slots_;
  std::size_t waiting_ = 0;  // slots waiting for answer()
  bool stop_reading_ = false;
  bool processing_ = false;
};

}  // namespace horizon::doh
