// An HTTP/1.1 request head (RFC 9112 2-5): request line and header fields up to the empty line.
// The body, keep-alive and the DoH rules are the engine's (http1_engine.hpp).
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace horizon::doh {

/// What the front of the input holds.
enum class HeadStatus : unsigned char { kIncomplete, kError, kOk };

/// A parsed head; the views point into the parsed buffer.
struct Http1Head {
  HeadStatus status = HeadStatus::kIncomplete;
  int error_status = 0;    // with kError: 400 malformed, 414 target too long, 431 head too large,
                           // 505 an HTTP version other than 1.0 and 1.1
  std::size_t length = 0;  // with kOk: bytes up to and including the empty line
  std::string_view method;
  std::string_view target;
  int minor_version = 1;                                              // HTTP/1.<minor>
  std::vector<std::pair<std::string_view, std::string_view>> fields;  // values without OWS
};

/// Parses the head at the front of `input`. Lines end in CRLF or a bare LF (RFC 9112 2.2).
/// kIncomplete until the empty line arrives, unless `input` already exceeds `max_head_bytes`
/// (431, or 414 when the request line alone does) or the request line is complete and its
/// target exceeds `max_target_bytes` (414).
Http1Head parseHttp1Head(std::string_view input, std::size_t max_head_bytes,
                         std::size_t max_target_bytes);

}  // namespace horizon::doh
