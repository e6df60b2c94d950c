// HTTP/1.1 for DoH: requests are parsed one at a time from the buffered input, each takes a slot
// in the response order, and slots leave for the output only from the front.
#include "http1_engine.hpp"

#include <charconv>

#include "ascii.hpp"
#include "http1_parser.hpp"
#include "request.hpp"

namespace horizon::doh {
namespace {

// The framing and persistence fields of a head (RFC 9112 6, 9.3).
struct Framing {
  bool bad = false;  // a malformed or conflicting Content-Length
  bool has_length = false;
  std::size_t length = 0;
  bool transfer_encoding = false;
  bool close = false;       // "Connection: close"
  bool keep_alive = false;  // "Connection: keep-alive" (meaningful for HTTP/1.0)
  bool host = false;
};

bool hasToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (equalsIgnoreCase(trimOws(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

Framing framingOf(const Http1Head& head) {
  Framing f;
  for (const auto& [name, value] : head.fields) {
    if (equalsIgnoreCase(name, "content-length")) {
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size() ||
          value.front() == '+' || (f.has_length && f.length != n)) {
        f.bad = true;
      }
      f.has_length = true;
      f.length = n;
    } else if (equalsIgnoreCase(name, "transfer-encoding")) {
      f.transfer_encoding = true;
    } else if (equalsIgnoreCase(name, "connection")) {
      f.close = f.close || hasToken(value, "close");
      f.keep_alive = f.keep_alive || hasToken(value, "keep-alive");
    } else if (equalsIgnoreCase(name, "host")) {
      f.host = true;
    }
  }
  return f;
}

}  // namespace

bool Http1Engine::receive(std::span<const std::uint8_t> bytes) {
  if (stop_reading_) return false;
  in_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  // A connection that reads on while paused can buffer one more request, and no more.
  if (in_.size() > limits_.max_header_bytes + limits_.max_body_bytes && readPaused()) {
    stop_reading_ = true;
    in_.clear();
    flush();
    return false;
  }
  processInput();
  return !stop_reading_;
}

void Http1Engine::consumed(std::size_t n) {
  out_.consume(n);
  // Requests buffered while the output was full would otherwise wait for bytes that may never
  // come: the client has sent them all.
  processInput();
}

bool Http1Engine::readPaused() const {
  return out_.size() >= limits_.max_buffered_output || waiting_ >= limits_.max_pending_queries;
}

void Http1Engine::processInput() {
  if (processing_) return;  // answer() from inside onQuery: the outer loop carries on
  processing_ = true;
  while (!stop_reading_ && !in_.empty() && !readPaused()) {
    const Http1Head head = parseHttp1Head(in_, limits_.max_header_bytes, limits_.max_uri_bytes);
    if (head.status == HeadStatus::kIncomplete) break;
    if (head.status == HeadStatus::kError) {
      reject(head.error_status, true);
      break;
    }
    const Framing framing = framingOf(head);
    // Without chunked decoding the body's end is unknown: the connection cannot go on.
    if (framing.transfer_encoding) {
      reject(411, true);
      break;
    }
    if (framing.bad || (head.minor_version == 1 && !framing.host)) {
      reject(400, true);
      break;
    }
    if (framing.length > limits_.max_body_bytes) {
      reject(413, true);
      break;
    }
    if (in_.size() < head.length + framing.length) break;  // the body is still coming

    RequestHead request;
    request.method = head.method;
    request.target = head.target;
    for (const auto& [name, value] : head.fields) request.addField(name, value, limits_);
    const bool keep_alive = head.minor_version == 1 ? !framing.close : framing.keep_alive;
    const bool post_without_length = head.method == "POST" && !framing.has_length;
    const auto* body = reinterpret_cast<const std::uint8_t*>(in_.data() + head.length);
    RequestOutcome outcome = post_without_length
                                 ? RequestOutcome{411, {}}
                                 : interpretRequest(request, {body, framing.length}, limits_);
    in_.erase(0, head.length + framing.length);
    if (!keep_alive) stop_reading_ = true;
    if (outcome.status != 200) {
      reject(outcome.status, !keep_alive);
      continue;
    }
    Slot& slot = slots_.emplace_back();
    slot.id = next_id_++;
    slot.close_after = !keep_alive;
    slot.keep_alive_10 = keep_alive && head.minor_version == 0;
    ++waiting_;
    ++counters_.queries;
    const RequestId id = slot.id;  // onQuery may answer, and flush() pop, this slot
    handler_.onQuery(id, outcome.dns_message, request.hints());
  }
  processing_ = false;
  flush();
}

void Http1Engine::reject(int status, bool close) {
  ++counters_.rejected;
  Slot& slot = slots_.emplace_back();
  slot.close_after = close;
  fill(slot, errorResponse(status));
  if (close) {
    stop_reading_ = true;
    in_.clear();
  }
  flush();
}

void Http1Engine::answer(RequestId id, std::span<const std::uint8_t> dns_response) {
  for (Slot& slot : slots_) {
    if (slot.id != id || slot.ready) continue;
    --waiting_;
    ++counters_.answered;
    fill(slot, dnsResponse(dns_response));
    flush();
    processInput();  // a freed place may let a pipelined request through
    return;
  }
}

void Http1Engine::fill(Slot& slot, const Response& response) {
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + " ";
  head += reasonPhrase(response.status);
  head += "\r\n";
  for (const auto& [name, value] : response.fields) head += name + ": " + value + "\r\n";
  if (slot.close_after) head += "connection: close\r\n";
  // HTTP/1.0 closes by default: the client keeps the connection only if told (RFC 9112 9.3).
  if (slot.keep_alive_10) head += "connection: keep-alive\r\n";
  head += "\r\n";
  slot.bytes.assign(head.begin(), head.end());
  slot.bytes.insert(slot.bytes.end(), response.body.begin(), response.body.end());
  slot.ready = true;
}

void Http1Engine::flush() {
  while (!slots_.empty() && slots_.front().ready) {
    out_.append(slots_.front().bytes);
    slots_.pop_front();
  }
}

}  // namespace horizon::doh
