// DoH over HTTP/2, driven by a real nghttp2 client session: GET and POST, out-of-order answers,
// the RFC 8484 statuses, the stream and query caps, resets and a HEADERS+RST_STREAM flood.
#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <list>
#include <map>
#include <string>

#include "doh_test_support.hpp"
#include "horizon/doh/session.hpp"

namespace horizon::doh {
namespace {

using testing::base64Url;
using testing::Bytes;
using testing::dnsMessage;
using testing::RecordingHandler;

// An HTTP/2 client whose frames go to and come from a Session in memory.
class H2Client {
 public:
  struct Result {
    int status = 0;
    std::map<std::string, std::string> fields;
    std::string body;
    bool closed = false;
    std::uint32_t error_code = 0;  // of the stream's close (RST_STREAM)
  };

  // `peer_streams`: how many concurrent streams to assume before the server's SETTINGS arrive.
  explicit H2Client(std::uint32_t peer_streams = 100) {
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(
        cb, [](nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
               std::size_t namelen, const std::uint8_t* value, std::size_t valuelen, std::uint8_t,
               void* self) {
          Result& r = static_cast<H2Client*>(self)->results[frame->hd.stream_id];
          const std::string n(reinterpret_cast<const char*>(name), namelen);
          const std::string v(reinterpret_cast<const char*>(value), valuelen);
          if (n == ":status") r.status = std::stoi(v);
          r.fields[n] = v;
          return 0;
        });
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
        cb, [](nghttp2_session*, std::uint8_t, std::int32_t stream_id, const std::uint8_t* data,
               std::size_t len, void* self) {
          static_cast<H2Client*>(self)->results[stream_id].body.append(
              reinterpret_cast<const char*>(data), len);
          return 0;
        });
    nghttp2_session_callbacks_set_on_stream_close_callback(
        cb, [](nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code, void* self) {
          Result& r = static_cast<H2Client*>(self)->results[stream_id];
          r.closed = true;
          r.error_code = error_code;
          return 0;
        });
    nghttp2_session_callbacks_set_on_frame_recv_callback(
        cb, [](nghttp2_session*, const nghttp2_frame* frame, void* self) {
          if (frame->hd.type == NGHTTP2_GOAWAY) static_cast<H2Client*>(self)->goaway = true;
          return 0;
        });
    nghttp2_option* option = nullptr;
    nghttp2_option_new(&option);
    nghttp2_option_set_peer_max_concurrent_streams(option, peer_streams);
    nghttp2_session_client_new2(&session_, cb, this, option);
    nghttp2_option_del(option);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~H2Client() { nghttp2_session_del(session_); }

  using Fields = std::vector<std::pair<std::string, std::string>>;

  std::int32_t get(const std::string& path, const Fields& extra = {}) {
    return request("GET", path, nullptr, extra);
  }

  std::int32_t post(const Bytes& body, const std::string& type = "application/dns-message") {
    bodies_.push_back(body);
    nghttp2_data_provider provider{};
    provider.source.ptr = &bodies_.back();
    provider.read_callback = [](nghttp2_session*, std::int32_t, std::uint8_t* buf,
                                std::size_t length, std::uint32_t* flags,
                                nghttp2_data_source* source, void*) -> ssize_t {
      auto* pending = static_cast<Bytes*>(source->ptr);
      const std::size_t n = std::min(length, pending->size());
      std::copy_n(pending->begin(), n, buf);
      pending->erase(pending->begin(), pending->begin() + static_cast<long>(n));
      if (pending->empty()) *flags |= NGHTTP2_DATA_FLAG_EOF;
      return static_cast<ssize_t>(n);
    };
    return request("POST", "/dns-query", &provider,
                   {{"content-type", type}, {"content-length", std::to_string(body.size())}});
  }

  std::int32_t request(const std::string& method, const std::string& path,
                       nghttp2_data_provider* provider, const Fields& extra = {}) {
    Fields fields = {
        {":method", method}, {":scheme", "https"}, {":authority", "doh.test"}, {":path", path}};
    fields.insert(fields.end(), extra.begin(), extra.end());
    std::vector<nghttp2_nv> nva;
    for (auto& [n, v] : fields)
      nva.push_back({reinterpret_cast<std::uint8_t*>(n.data()),
                     reinterpret_cast<std::uint8_t*>(v.data()), n.size(), v.size(),
                     NGHTTP2_NV_FLAG_NONE});
    const std::int32_t id =
        nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(), provider, nullptr);
    EXPECT_GT(id, 0);
    return id;
  }

  void reset(std::int32_t stream_id) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
  }

  // Frames the client has to send.
  Bytes take() {
    Bytes out;
    const std::uint8_t* data = nullptr;
    ssize_t n;
    while ((n = nghttp2_session_mem_send(session_, &data)) > 0)
      out.insert(out.end(), data, data + n);
    return out;
  }

  void feed(std::span<const std::uint8_t> bytes) {
    ASSERT_EQ(nghttp2_session_mem_recv(session_, bytes.data(), bytes.size()),
              static_cast<ssize_t>(bytes.size()));
  }

  std::map<std::int32_t, Result> results;
  bool goaway = false;

 private:
  nghttp2_session* session_ = nullptr;
  std::list<Bytes> bodies_;
};

// Moves bytes both ways until neither side has anything to send.
void exchange(H2Client& client, Session& session) {
  for (int round = 0; round < 1000; ++round) {
    const Bytes to_server = client.take();
    if (!to_server.empty()) session.receive(to_server);
    const auto to_client = session.pendingOutput();
    if (to_server.empty() && to_client.empty()) return;
    const Bytes copy(to_client.begin(), to_client.end());
    session.consumed(copy.size());
    client.feed(copy);
  }
  FAIL() << "the exchange does not settle";
}

class Http2SessionTest : public ::testing::Test {
 protected:
  std::string getPath(const Bytes& query) { return "/dns-query?dns=" + base64Url(query); }

  RecordingHandler handler_;
  Session session_{Protocol::kHttp2, handler_};
  H2Client client_;
  const Bytes query_ = dnsMessage("www.example.test.");
  const Bytes answer_ = dnsMessage(
      "www.example.test.", {{LDNS_SECTION_ANSWER, "www.example.test. 60 IN A 192.0.2.1"}}, true);
};

TEST_F(Http2SessionTest, GetAndPostAnsweredOutOfOrder) {
  const Bytes second = dnsMessage("two.example.test.");
  const Bytes second_answer =
      dnsMessage("two.example.test.",
                 {{LDNS_SECTION_ANSWER, "two.example.test. 600 IN A 192.0.2.2"},
                  {LDNS_SECTION_ANSWER, "two.example.test. 45 IN A 192.0.2.3"}},
                 true, true);
  const auto s1 = client_.get(getPath(query_));
  const auto s2 = client_.post(second);
  exchange(client_, session_);
  ASSERT_EQ(handler_.queries.size(), 2u);
  EXPECT_EQ(handler_.queries[0].message, query_);
  EXPECT_EQ(handler_.queries[1].message, second);
  EXPECT_EQ(session_.pendingQueries(), 2u);

  session_.answer(handler_.queries[1].id, second_answer);
  exchange(client_, session_);
  EXPECT_EQ(client_.results[s2].status, 200);
  EXPECT_EQ(client_.results[s2].body, std::string(second_answer.begin(), second_answer.end()));
  EXPECT_EQ(client_.results[s2].fields["cache-control"], "max-age=45");
  EXPECT_EQ(client_.results[s2].fields["content-type"], "application/dns-message");
  EXPECT_EQ(client_.results[s2].fields["content-length"], std::to_string(second_answer.size()));
  EXPECT_EQ(client_.results[s1].status, 0);  // still waiting

  session_.answer(handler_.queries[0].id, answer_);
  exchange(client_, session_);
  EXPECT_EQ(client_.results[s1].status, 200);
  EXPECT_EQ(client_.results[s1].body, std::string(answer_.begin(), answer_.end()));
  EXPECT_EQ(client_.results[s1].fields["cache-control"], "max-age=60");
  EXPECT_EQ(session_.pendingQueries(), 0u);
  EXPECT_FALSE(session_.wantsClose());
}

TEST_F(Http2SessionTest, ANegativeAnswerIsCachedForItsSoaMinimum) {
  const auto s = client_.get(getPath(query_));
  exchange(client_, session_);
  const Bytes nxdomain = dnsMessage(
      "www.example.test.",
      {{LDNS_SECTION_AUTHORITY,
        "example.test. 3600 IN SOA ns.example.test. admin.example.test. 1 7200 900 86400 120"}},
      true, true);
  session_.answer(handler_.queries.at(0).id, nxdomain);
  exchange(client_, session_);
  EXPECT_EQ(client_.results[s].fields["cache-control"], "max-age=120");
}

TEST_F(Http2SessionTest, RejectedRequestsGetTheirStatusAndTheConnectionSurvives) {
  const auto not_found = client_.get("/resolve?dns=" + base64Url(query_));
  const auto bad_method = client_.request("PUT", "/dns-query", nullptr);
  const auto bad_base64 = client_.get("/dns-query?dns=***");
  const auto no_param = client_.get("/dns-query?ct=x");
  const auto too_short = client_.post(Bytes(11, 0));
  const auto bad_type = client_.post(query_, "application/json");
  const auto too_large = client_.post(Bytes(70000, 0));
  const auto long_uri = client_.get("/dns-query?dns=" + std::string(9000, 'A'));
  // Past nghttp2's 16 KiB frame: the header block continues in CONTINUATION frames.
  const auto longer_uri = client_.get("/dns-query?dns=" + std::string(20000, 'A'));
  exchange(client_, session_);
  EXPECT_EQ(client_.results[not_found].status, 404);
  EXPECT_EQ(client_.results[bad_method].status, 405);
  EXPECT_EQ(client_.results[bad_method].fields["allow"], "GET, POST");
  EXPECT_EQ(client_.results[bad_base64].status, 400);
  EXPECT_EQ(client_.results[no_param].status, 400);
  EXPECT_EQ(client_.results[too_short].status, 400);
  EXPECT_EQ(client_.results[bad_type].status, 415);
  EXPECT_EQ(client_.results[too_large].status, 413);
  EXPECT_EQ(client_.results[long_uri].status, 414);
  EXPECT_EQ(client_.results[longer_uri].status, 414);
  EXPECT_TRUE(handler_.queries.empty());
  EXPECT_EQ(session_.counters().rejected, 9u);

  const auto fine = client_.get(getPath(query_) + "&other=1");
  exchange(client_, session_);
  ASSERT_EQ(handler_.queries.size(), 1u);
  session_.answer(handler_.queries[0].id, answer_);
  exchange(client_, session_);
  EXPECT_EQ(client_.results[fine].status, 200);
  EXPECT_FALSE(client_.goaway);
}

TEST_F(Http2SessionTest, AnOversizeHeaderBlockGets431) {
  const auto s = client_.get(getPath(query_), {{"cookie", std::string(17000, 'c')}});
  const auto fine = client_.get(getPath(query_), {{"cookie", std::string(8000, 'c')}});
  exchange(client_, session_);
  EXPECT_EQ(client_.results[s].status, 431);
  EXPECT_FALSE(client_.results[fine].closed);
  EXPECT_EQ(handler_.queries.size(), 1u);
}

TEST_F(Http2SessionTest, TheStreamBeyondTheConcurrencyLimitIsRefused) {
  // A client that has not seen the server's SETTINGS yet opens 101 streams at once.
  H2Client eager(1000);
  std::vector<std::int32_t> streams;
  for (int i = 0; i < 101; ++i) streams.push_back(eager.get(getPath(query_)));
  exchange(eager, session_);
  EXPECT_EQ(handler_.queries.size(), 100u);
  EXPECT_TRUE(eager.results[streams.back()].closed);
  EXPECT_EQ(eager.results[streams.back()].error_code, NGHTTP2_REFUSED_STREAM);
  EXPECT_EQ(session_.counters().refused, 1u);
  EXPECT_FALSE(eager.goaway);
  // The hundred open ones are answered normally.
  for (const auto& q : handler_.queries) session_.answer(q.id, answer_);
  exchange(eager, session_);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(eager.results[streams[i]].status, 200) << i;
}

TEST_F(Http2SessionTest, AClientPastTheAcknowledgedLimitGetsGoaway) {
  H2Client acker;
  exchange(acker, session_);  // the server's SETTINGS are acknowledged
  // A second client's frames on the same connection, without its preface, ignore the limit.
  H2Client eager(1000);
  eager.take();
  for (int i = 0; i < 101; ++i) eager.get(getPath(query_));
  session_.receive(eager.take());
  EXPECT_EQ(handler_.queries.size(), 100u);
  const auto out = session_.pendingOutput();
  acker.feed(Bytes(out.begin(), out.end()));
  session_.consumed(out.size());
  EXPECT_TRUE(acker.goaway);
  // Once the GOAWAY is written the session is over.
  EXPECT_TRUE(session_.wantsClose());
  EXPECT_FALSE(session_.receive(acker.take()));
}

TEST_F(Http2SessionTest, TheQueryCapRefusesStreamsUntilAnswersFreePlaces) {
  RecordingHandler handler;
  Limits limits;
  limits.max_pending_queries = 2;
  Session session(Protocol::kHttp2, handler, limits);
  H2Client client;
  client.get(getPath(query_));
  client.get(getPath(query_));
  const auto third = client.get(getPath(query_));
  exchange(client, session);
  EXPECT_EQ(handler.queries.size(), 2u);
  EXPECT_EQ(client.results[third].error_code, NGHTTP2_REFUSED_STREAM);
  EXPECT_EQ(session.counters().refused, 1u);
  session.answer(handler.queries[0].id, answer_);
  const auto fourth = client.get(getPath(query_));
  exchange(client, session);
  EXPECT_EQ(handler.queries.size(), 3u);
  EXPECT_EQ(client.results[fourth].status, 0);  // accepted, waiting for its answer
  EXPECT_FALSE(client.results[fourth].closed);
}

TEST_F(Http2SessionTest, UnwrittenOutputPausesReadingAndIsTakenFromNghttp2OnlyAsItIsWritten) {
  RecordingHandler handler;
  Limits limits;
  limits.max_buffered_output = 1;
  Session session(Protocol::kHttp2, handler, limits);
  H2Client client;
  client.get(getPath(query_));
  session.receive(client.take());
  session.answer(handler.queries.at(0).id, answer_);
  // SETTINGS, SETTINGS ACK, HEADERS and DATA are ready; nghttp2 gives them a piece at a time,
  // and no piece is taken while one is unwritten.
  std::size_t frames = 0;
  while (!session.pendingOutput().empty()) {
    EXPECT_TRUE(session.readPaused());
    const auto out = session.pendingOutput();
    client.feed(Bytes(out.begin(), out.end()));
    session.consumed(out.size());
    ++frames;
  }
  EXPECT_FALSE(session.readPaused());
  EXPECT_GE(frames, 2u);
  ASSERT_FALSE(client.results.empty());
  EXPECT_EQ(client.results.begin()->second.status, 200);
}

TEST_F(Http2SessionTest, AnsweringAResetStreamIsHarmless) {
  const auto s = client_.get(getPath(query_));
  exchange(client_, session_);
  ASSERT_EQ(handler_.queries.size(), 1u);
  client_.reset(s);
  exchange(client_, session_);
  ASSERT_EQ(handler_.cancelled.size(), 1u);
  EXPECT_EQ(handler_.cancelled[0], handler_.queries[0].id);
  EXPECT_EQ(session_.pendingQueries(), 0u);
  session_.answer(handler_.queries[0].id, answer_);
  exchange(client_, session_);
  EXPECT_EQ(client_.results[s].status, 0);
  EXPECT_EQ(session_.counters().answered, 0u);
  // And the connection goes on.
  const auto next = client_.get(getPath(query_));
  exchange(client_, session_);
  session_.answer(handler_.queries.at(1).id, answer_);
  exchange(client_, session_);
  EXPECT_EQ(client_.results[next].status, 200);
}

TEST_F(Http2SessionTest, AnAnswerFromInsideOnQueryIsSent) {
  handler_.answer_at_once = [&](RequestId id, std::span<const std::uint8_t>) {
    session_.answer(id, answer_);
  };
  const auto s = client_.post(query_);
  exchange(client_, session_);
  EXPECT_EQ(client_.results[s].status, 200);
}

TEST_F(Http2SessionTest, AFloodOfHeadersAndResetsEndsTheSession) {
  H2Client flooder(1000);
  Bytes stream = flooder.take();  // preface and SETTINGS
  for (int i = 0; i < 10000; ++i) {
    const auto id = flooder.get(getPath(query_));
    Bytes headers = flooder.take();
    flooder.reset(id);
    Bytes rst = flooder.take();
    stream.insert(stream.end(), headers.begin(), headers.end());
    stream.insert(stream.end(), rst.begin(), rst.end());
  }
  std::size_t fed = 0, written = 0;
  bool open = true;
  while (open && fed < stream.size()) {
    const std::size_t n = std::min<std::size_t>(16384, stream.size() - fed);
    open = session_.receive({stream.data() + fed, n});
    fed += n;
    const auto out = session_.pendingOutput();
    written += out.size();
    session_.consumed(out.size());
  }
  const auto out = session_.pendingOutput();
  written += out.size();
  session_.consumed(out.size());
  // nghttp2's RST_STREAM rate limit (burst 1000) sends GOAWAY long before 10,000 pairs.
  EXPECT_FALSE(open);
  EXPECT_LT(fed, stream.size());
  EXPECT_TRUE(session_.wantsClose());
  EXPECT_LT(handler_.queries.size(), 2000u);
  EXPECT_EQ(session_.pendingQueries(), 0u);
  EXPECT_LT(written, 64u * 1024);
}

TEST_F(Http2SessionTest, BytesThatAreNotHttp2EndTheSession) {
  const std::string junk = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_FALSE(session_.receive({reinterpret_cast<const std::uint8_t*>(junk.data()), junk.size()}));
  session_.pendingOutput();
  EXPECT_TRUE(session_.wantsClose());
  EXPECT_TRUE(handler_.queries.empty());
}

TEST_F(Http2SessionTest, ForwardingHeadersReachTheHandler) {
  client_.get(getPath(query_), {{"x-forwarded-for", "10.1.1.1"},
                                {"x-forwarded-for", "10.2.2.2, 192.0.2.99"},
                                {"forwarded", "for=192.0.2.1"}});
  client_.get(getPath(query_));
  exchange(client_, session_);
  ASSERT_EQ(handler_.queries.size(), 2u);
  const ForwardedFor& hints = handler_.queries[0].hints;
  // Two X-Forwarded-For fields are one list (RFC 9110 5.3): the last address is the proxy's.
  ASSERT_TRUE(hints.x_forwarded_for);
  EXPECT_EQ(hints.x_forwarded_for->bytes[3], 99);
  ASSERT_TRUE(hints.forwarded);
  EXPECT_EQ(hints.forwarded->bytes[3], 1);
  EXPECT_FALSE(handler_.queries[1].hints.client());
}

}  // namespace
}  // namespace horizon::doh
