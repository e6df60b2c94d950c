// nghttp2 server session for DoH. Flood limits kept from nghttp2 (all on by default in 1.52):
// at most 1000 queued SETTINGS/PING ACKs (nghttp2_option_set_max_outbound_ack), a token bucket
// on incoming RST_STREAM (rapid reset: burst 1000, 33 per second), at most 8 CONTINUATION frames
// per header block, and a GOAWAY for a client that exceeds the acknowledged concurrent-stream
// limit.
#include "http2_engine.hpp"

#include <stdexcept>
#include <string>

namespace horizon::doh {
namespace {

Http2Engine& engineOf(void* user_data) {
  return *static_cast<Http2Engine*>(user_data);
}

int onBeginHeadersCallback(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  return engineOf(user_data).onBeginHeaders(*frame);
}

int onHeaderCallback(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                     std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                     std::uint8_t /*flags*/, void* user_data) {
  return engineOf(user_data).onHeader(*frame, {reinterpret_cast<const char*>(name), namelen},
                                      {reinterpret_cast<const char*>(value), valuelen});
}

int onDataChunkCallback(nghttp2_session*, std::uint8_t /*flags*/, std::int32_t stream_id,
                        const std::uint8_t* data, std::size_t len, void* user_data) {
  return engineOf(user_data).onData(stream_id, {data, len});
}

int onFrameRecvCallback(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  return engineOf(user_data).onFrame(*frame);
}

int onStreamCloseCallback(nghttp2_session*, std::int32_t stream_id, std::uint32_t /*error_code*/,
                          void* user_data) {
  return engineOf(user_data).onStreamClose(stream_id);
}

int onFrameSendCallback(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  return engineOf(user_data).onFrameSent(*frame);
}

ssize_t readBodyCallback(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buf,
                         std::size_t length, std::uint32_t* data_flags,
                         nghttp2_data_source* /*source*/, void* user_data) {
  return engineOf(user_data).readBody(stream_id, buf, length, data_flags);
}

// RFC 7541 4.1 counts 32 bytes of overhead per field, as SETTINGS_MAX_HEADER_LIST_SIZE does.
constexpr std::size_t kFieldOverhead = 32;

}  // namespace

Http2Engine::Http2Engine(Handler& handler, const Limits& limits) : Engine(handler, limits) {
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_option* option = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0 || nghttp2_option_new(&option) != 0) {
    nghttp2_session_callbacks_del(callbacks);
    throw std::bad_alloc();
  }
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeadersCallback);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeaderCallback);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunkCallback);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameRecvCallback);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamCloseCallback);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, onFrameSendCallback);
  // Closed streams are not kept for the priority tree RFC 9113 deprecated: less state per flood.
  nghttp2_option_set_no_closed_streams(option, 1);
  // nghttp2's defaults, stated so a reader need not look them up (see the comment at the top).
  nghttp2_option_set_max_outbound_ack(option, 1000);
  nghttp2_option_set_stream_reset_rate_limit(option, 1000, 33);
  const int rv = nghttp2_session_server_new2(&session_, callbacks, this, option);
  nghttp2_session_callbacks_del(callbacks);
  nghttp2_option_del(option);
  if (rv != 0) throw std::bad_alloc();
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, limits.max_concurrent_streams},
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
}

Http2Engine::~Http2Engine() {
  nghttp2_session_del(session_);
}

bool Http2Engine::receive(std::span<const std::uint8_t> bytes) {
  if (failed_) return false;
  const auto rv = nghttp2_session_mem_recv(session_, bytes.data(), bytes.size());
  if (rv < 0) {
    // Most errors have a GOAWAY queued already; otherwise this one tells the client why.
    nghttp2_session_terminate_session(session_, NGHTTP2_PROTOCOL_ERROR);
    failed_ = true;
    return false;
  }
  return nghttp2_session_want_read(session_) != 0;
}

std::span<const std::uint8_t> Http2Engine::pendingOutput() {
  while (out_.size() < limits_.max_buffered_output) {
    const std::uint8_t* data = nullptr;
    const auto n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      failed_ = true;
      break;
    }
    if (n == 0) break;
    out_.append({data, static_cast<std::size_t>(n)});
  }
  return out_.view();
}

bool Http2Engine::wantsClose() const {
  return failed_ ||
         (nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0);
}

int Http2Engine::onBeginHeaders(const nghttp2_frame& frame) {
  if (frame.hd.type == NGHTTP2_HEADERS && frame.headers.cat == NGHTTP2_HCAT_REQUEST)
    streams_.try_emplace(frame.hd.stream_id);
  return 0;
}

int Http2Engine::onHeader(const nghttp2_frame& frame, std::string_view name,
                          std::string_view value) {
  const auto it = streams_.find(frame.hd.stream_id);
  if (it == streams_.end()) return 0;
  Stream& stream = it->second;
  // Trailers count against the same bound but carry nothing DoH reads.
  stream.header_bytes += name.size() + value.size() + kFieldOverhead;
  if (stream.header_bytes > limits_.max_header_bytes && name != ":path")
    stream.headers_too_large = true;
  if (!stream.headers_too_large && frame.headers.cat == NGHTTP2_HCAT_REQUEST)
    stream.head.addField(name, value, limits_);
  return 0;
}

int Http2Engine::onData(std::int32_t stream_id, std::span<const std::uint8_t> data) {
  const auto it = streams_.find(stream_id);
  if (it == streams_.end()) return 0;
  Stream& stream = it->second;
  // Past the bound the bytes are dropped (the answer will be 413) but flow control still
  // credits them, so the client can finish sending and read its 413.
  if (stream.body_too_large || stream.body.size() + data.size() > limits_.max_body_bytes) {
    stream.body_too_large = true;
    stream.body.clear();
    return 0;
  }
  stream.body.insert(stream.body.end(), data.begin(), data.end());
  return 0;
}

int Http2Engine::onFrame(const nghttp2_frame& frame) {
  if ((frame.hd.type == NGHTTP2_HEADERS || frame.hd.type == NGHTTP2_DATA) &&
      (frame.hd.flags & NGHTTP2_FLAG_END_STREAM) != 0)
    completeRequest(frame.hd.stream_id);
  return 0;
}

void Http2Engine::completeRequest(std::int32_t stream_id) {
  const auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  Stream& stream = it->second;
  RequestOutcome outcome;
  if (stream.head.target_too_long) {
    outcome.status = 414;  // before 431: the target is what made the header block large
  } else if (stream.headers_too_large) {
    outcome.status = 431;
  } else if (stream.body_too_large) {
    outcome.status = 413;
  } else {
    outcome = interpretRequest(stream.head, stream.body, limits_);
  }
  stream.body = {};
  if (outcome.status != 200) {
    ++counters_.rejected;
    respond(stream_id, errorResponse(outcome.status));
    return;
  }
  if (pending_.size() >= limits_.max_pending_queries) {
    // REFUSED_STREAM tells the client nothing was processed, so it may retry (RFC 9113 8.7).
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_REFUSED_STREAM);
    return;
  }
  const RequestId id = next_id_++;
  stream.query = id;
  pending_.emplace(id, stream_id);
  ++counters_.queries;
  const ForwardedFor hints = stream.head.hints();
  handler_.onQuery(id, outcome.dns_message, hints);
}

void Http2Engine::answer(RequestId id, std::span<const std::uint8_t> dns_response) {
  const auto pending = pending_.find(id);
  if (pending == pending_.end()) return;
  const std::int32_t stream_id = pending->second;
  pending_.erase(pending);
  const auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  it->second.query.reset();
  ++counters_.answered;
  respond(stream_id, dnsResponse(dns_response));
}

void Http2Engine::respond(std::int32_t stream_id, Response response) {
  Stream& stream = streams_.at(stream_id);
  stream.response = std::move(response);
  stream.sent = 0;
  const std::string status = std::to_string(stream.response.status);
  std::vector<nghttp2_nv> nva;
  nva.reserve(stream.response.fields.size() + 1);
  const auto field = [](std::string_view name, std::string_view value) {
    return nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                      reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
                      value.size(), NGHTTP2_NV_FLAG_NONE};
  };
  nva.push_back(field(":status", status));
  for (const auto& [name, value] : stream.response.fields) nva.push_back(field(name, value));
  nghttp2_data_provider provider{};
  provider.read_callback = readBodyCallback;
  // nghttp2 copies the fields; the body stays in the stream until its data source drains it.
  nghttp2_submit_response(session_, stream_id, nva.data(), nva.size(),
                          stream.response.body.empty() ? nullptr : &provider);
}

ssize_t Http2Engine::readBody(std::int32_t stream_id, std::uint8_t* buf, std::size_t length,
                              std::uint32_t* data_flags) {
  const auto it = streams_.find(stream_id);
  if (it == streams_.end()) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  Stream& stream = it->second;
  const std::size_t n = std::min(length, stream.response.body.size() - stream.sent);
  std::copy_n(stream.response.body.data() + stream.sent, n, buf);
  stream.sent += n;
  if (stream.sent == stream.response.body.size()) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

int Http2Engine::onFrameSent(const nghttp2_frame& frame) {
  // Both the query cap's refusals and nghttp2's own (streams beyond the concurrency limit).
  if (frame.hd.type == NGHTTP2_RST_STREAM && frame.rst_stream.error_code == NGHTTP2_REFUSED_STREAM)
    ++counters_.refused;
  return 0;
}

int Http2Engine::onStreamClose(std::int32_t stream_id) {
  const auto it = streams_.find(stream_id);
  if (it == streams_.end()) return 0;
  const std::optional<RequestId> query = it->second.query;
  streams_.erase(it);
  if (query && pending_.erase(*query) != 0) handler_.onCancel(*query);
  return 0;
}

}  // namespace horizon::doh
