// Fuzz target: any bytes as what a DoH client sends. The first byte picks HTTP/1.1 or HTTP/2
// and how the rest is cut into reads; queries are answered, some from inside onQuery and the rest
// afterwards in reverse order. The Session must not crash and its output must stay bounded.
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "horizon/doh/session.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;

// A DNS answer with one A record: a fixed message is enough, the session only frames it.
const Bytes kAnswer = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0,  0, 1, 'a', 0, 0, 1, 0,
                       1,    0xc0, 12,   0,    1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};

class Answerer : public horizon::doh::Handler {
 public:
  horizon::doh::Session* session = nullptr;
  std::vector<horizon::doh::RequestId> later;
  void onQuery(horizon::doh::RequestId id, std::span<const std::uint8_t> message,
               const horizon::doh::ForwardedFor&) override {
    if (message.size() < 12) std::abort();  // the session promised a DNS header
    if (id % 2 == 0) {
      session->answer(id, kAnswer);
    } else {
      later.push_back(id);
    }
  }
};

// What an nghttp2 client sends for a GET and a POST of a query.
Bytes http2Requests() {
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session* client = nullptr;
  nghttp2_session_client_new(&client, cb, nullptr);
  nghttp2_session_callbacks_del(cb);
  nghttp2_submit_settings(client, NGHTTP2_FLAG_NONE, nullptr, 0);
  const auto nv = [](const char* n, const char* v) {
    return nghttp2_nv{(std::uint8_t*)n, (std::uint8_t*)v, std::strlen(n), std::strlen(v),
                      NGHTTP2_NV_FLAG_NONE};
  };
  const nghttp2_nv get[] = {nv(":method", "GET"), nv(":scheme", "https"), nv(":authority", "d"),
                            nv(":path", "/dns-query?dns=EjQBAAABAAAAAAAAAWEAAAEAAQ")};
  nghttp2_submit_request(client, nullptr, get, 4, nullptr, nullptr);
  const nghttp2_nv post[] = {nv(":method", "POST"), nv(":scheme", "https"), nv(":authority", "d"),
                             nv(":path", "/dns-query"),
                             nv("content-type", "application/dns-message")};
  static Bytes body(kAnswer.begin(), kAnswer.begin() + 19);
  nghttp2_data_provider provider{};
  provider.read_callback = [](nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                              std::uint32_t* flags, nghttp2_data_source*, void*) -> ssize_t {
    const std::size_t n = std::min(length, body.size());
    std::copy_n(body.begin(), n, buf);
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  };
  nghttp2_submit_request(client, nullptr, post, 5, &provider, nullptr);
  Bytes out = {0x81};
  const std::uint8_t* data = nullptr;
  ssize_t n;
  while ((n = nghttp2_session_mem_send(client, &data)) > 0) out.insert(out.end(), data, data + n);
  nghttp2_session_del(client);
  return out;
}

Bytes text(std::uint8_t first, const std::string& s) {
  Bytes out = {first};
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

}  // namespace

std::vector<std::vector<std::uint8_t>> fuzzSeeds() {
  return {
      text(0x10,
           "GET /dns-query?dns=EjQBAAABAAAAAAAAAWEAAAEAAQ HTTP/1.1\r\nHost: d\r\n"
           "X-Forwarded-For: 192.0.2.1\r\n\r\n"
           "POST /dns-query HTTP/1.1\r\nHost: d\r\nContent-Type: application/dns-message\r\n"
           "Content-Length: 12\r\n\r\n" +
               std::string("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12)),
      text(0x07,
           "GET /dns-query?dns=EjQBAAABAAAAAAAAAWEAAAEAAQ HTTP/1.0\r\n"
           "Forwarded: for=\"[2001:db8::1]:80\"\r\nConnection: keep-alive\r\n\r\n"),
      http2Requests(),
  };
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool h2 = (data[0] & 0x80) != 0;
  const std::size_t chunk = 1 + (data[0] & 0x7F) * 3;
  Answerer answerer;
  horizon::doh::Limits limits;
  limits.max_pending_queries = 8;
  horizon::doh::Session session(
      h2 ? horizon::doh::Protocol::kHttp2 : horizon::doh::Protocol::kHttp11, answerer, limits);
  answerer.session = &session;
  std::size_t written = 0;
  for (std::size_t pos = 1; pos < size; pos += chunk) {
    if (!session.receive({data + pos, std::min(chunk, size - pos)})) break;
    const auto out = session.pendingOutput();
    written += out.size();
    session.consumed(out.size());
  }
  for (auto it = answerer.later.rbegin(); it != answerer.later.rend(); ++it)
    session.answer(*it, kAnswer);
  for (auto out = session.pendingOutput(); !out.empty(); out = session.pendingOutput()) {
    written += out.size();
    session.consumed(out.size());
  }
  if (session.pendingQueries() > limits.max_pending_queries) std::abort();
  // Each input byte can cause at most one bounded response.
  if (written > 4096 + size * 256) std::abort();
  return 0;
}
