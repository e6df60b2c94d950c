// DoH over HTTP/2 through nghttp2's server session (nghttp2_session_mem_recv/mem_send): nghttp2
// does the framing, HPACK, flow control and its flood limits; this adapter collects each stream's
// request, applies the RFC 8484 rules and submits the responses.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "engine.hpp"
#include "request.hpp"
#include "response.hpp"

namespace horizon::doh {

/// The HTTP/2 engine of a Session.
class Http2Engine final : public Engine {
 public:
  /// Creates the server session and queues its SETTINGS.
  Http2Engine(Handler& handler, const Limits& limits);
  ~Http2Engine() override;
  Http2Engine(const Http2Engine&) = delete;
  Http2Engine& operator=(const Http2Engine&) = delete;

  bool receive(std::span<const std::uint8_t> bytes) override;
  void answer(RequestId id, std::span<const std::uint8_t> dns_response) override;
  std::span<const std::uint8_t> pendingOutput() override;
  bool readPaused() const override { return out_.size() >= limits_.max_buffered_output; }
  bool wantsClose() const override;
  std::size_t pendingQueries() const override { return pending_.size(); }

  /// One request stream, from its HEADERS to its close.
  struct Stream {
    RequestHead head;
    std::size_t header_bytes = 0;
    bool headers_too_large = false;
    std::vector<std::uint8_t> body;
    bool body_too_large = false;
    std::optional<RequestId> query;  // handed to onQuery, not answered yet
    Response response;               // what the data source sends once submitted
    std::size_t sent = 0;            // bytes of response.body already given to nghttp2
  };

  // nghttp2 callbacks, reached through the session's user data.
  /// A request stream begins.
  int onBeginHeaders(const nghttp2_frame& frame);
  /// A header field of a request.
  int onHeader(const nghttp2_frame& frame, std::string_view name, std::string_view value);
  /// Body bytes of stream `stream_id`.
  int onData(std::int32_t stream_id, std::span<const std::uint8_t> data);
  /// A whole frame arrived; END_STREAM completes a request.
  int onFrame(const nghttp2_frame& frame);
  /// A frame went out; refused streams are counted here.
  int onFrameSent(const nghttp2_frame& frame);
  /// Stream `stream_id` closed, answered or not.
  int onStreamClose(std::int32_t stream_id);
  /// Copies up to `length` bytes of a response body into `buf`.
  ssize_t readBody(std::int32_t stream_id, std::uint8_t* buf, std::size_t length,
                   std::uint32_t* data_flags);

 private:
  // Applies the DoH rules to the complete request of `stream_id`.
  void completeRequest(std::int32_t stream_id);
  // Submits `response` on `stream_id`; a stream nghttp2 has closed is left alone.
  void respond(std::int32_t stream_id, Response response);

  nghttp2_session* session_ = nullptr;
  std::unordered_map<std::int32_t, Stream> streams_;
  std::unordered_map<RequestId, std::int32_t> pending_;  // query → its stream
  bool failed_ = false;  // nghttp2 reported a fatal error: only its GOAWAY is left to write
};

}  // namespace horizon::doh
