// horizond as a DNS-over-HTTPS server (RFC 8484), with Debian's kdig and curl as independent
// clients and a test CA made by openssl (encrypted_server.hpp has the zone: lan is 127.0.0.1,
// public everyone else).
//
//   KdigOverHttpsGetsTheSameAnswersAsUdpPerView  kdig +https (POST) and +https-get, per view
//   CurlPostsOverHttp2AndHttp11                  application/dns-message POSTs and GETs with
//                                                curl --http2 and --http1.1: the same answer,
//                                                cache-control max-age from the smallest TTL
//   CurlResolvesThroughDohUrl                    curl --doh-url: the LAN view's address, seen
//                                                in the address curl then tries (loopback)
//   MalformedRequestsGetClientErrors             bad base64url 400, a runt 400, wrong type 415,
//                                                other path 404, PUT 405, big body 413, long
//                                                URI 414; the server answers after each
//   TrustedProxyPicksTheView                     X-Forwarded-For and Forwarded from a trusted
//                                                proxy pick the LAN view; from anyone else they
//                                                are ignored; a PROXY v2 header before TLS
//                                                likewise
//   Http2FloodsAreBounded                        10,000 streams opened and reset on one
//                                                connection, and 20 connections each opening
//                                                1,000 streams: bounded memory; UDP, DoH and
//                                                the control socket answer after
//
// No packet leaves 127.0.0.0/8; waits are bounded and nothing asserts on timing.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <string>
#include <vector>

#include "encrypted_server.hpp"
#include "sync_support.hpp"
#include "test_support.hpp"
#include "tls_client.hpp"

namespace horizon::test {
namespace {

class DohServerTest : public EncryptedServerTest {
 protected:
  std::string url(const std::string& rest = "/dns-query") const {
    return std::string("https://") + kHostName + ":" + std::to_string(https_port_) + rest;
  }

  // curl with the test CA, the server's name pinned to 127.0.0.1 and `args`; headers to `-D`.
  CommandResult curl(std::vector<std::string> args, const std::string& source = "127.0.0.1") {
    std::vector<std::string> argv = {
        "/usr/bin/curl", "-sS",
        "--max-time",    "10",
        "--cacert",      ca_->caFile(),
        "--resolve",     std::string(kHostName) + ":" + std::to_string(https_port_) + ":127.0.0.1",
        "--interface",   source};
    argv.insert(argv.end(), args.begin(), args.end());
    return runCommand(argv, {}, 30s);
  }

  // POSTs `query` with curl over `http` ("--http2" or "--http1.1"); the answer and headers.
  std::pair<Bytes, std::string> post(const Bytes& query, const std::string& http,
                                     const std::string& source = "127.0.0.1",
                                     const std::vector<std::string>& headers = {}) {
    const std::string body = dir_.path() + "/query.bin", out = dir_.path() + "/answer.bin",
                      head = dir_.path() + "/headers.txt";
    std::ofstream(body, std::ios::binary)
        .write(reinterpret_cast<const char*>(query.data()), query.size());
    std::vector<std::string> args = {
        http, "-H", "content-type: application/dns-message", "--data-binary", "@" + body, "-o", out,
        "-D", head};
    for (const auto& h : headers) args.insert(args.end(), {"-H", h});
    args.push_back(url());
    const auto r = curl(args, source);
    EXPECT_EQ(r.exit_code, 0) << r.all();
    std::ifstream in(out, std::ios::binary);
    Bytes answer((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ifstream h(head);
    return {answer,
            std::string((std::istreambuf_iterator<char>(h)), std::istreambuf_iterator<char>())};
  }

  // The HTTP status of a request made with `args` (curl -o /dev/null -w %{http_code}).
  int status(std::vector<std::string> args, const std::string& target) {
    args.insert(args.end(), {"-o", "/dev/null", "-w", "%{http_code}", target});
    const auto r = curl(args);
    return std::atoi(r.out.c_str());
  }

  static std::vector<std::string> addresses(const Bytes& answer) {
    const Packet p = parsePacket(answer);
    if (!p) return {"unparseable"};
    return rdataText(ldns_pkt_answer(p.get()), LDNS_RR_TYPE_A);
  }
};

// base64url without padding (RFC 4648 5), as RFC 8484 4.1 asks of the dns parameter.
std::string base64url(const Bytes& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    for (int k = 3; k >= 0; --k) out += kAlphabet[(v >> (6 * k)) & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = bytes[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

TEST_F(DohServerTest, KdigOverHttpsGetsTheSameAnswersAsUdpPerView) {
  if (!kdigAvailable()) GTEST_SKIP() << "kdig (knot-dnsutils) is not installed";
  startServer();
  struct Case {
    std::string source, name, expect;
  };
  const std::vector<Case> cases = {
      {"127.0.0.1", "app.enc.test", "192.0.2.10"}, {"127.0.0.2", "app.enc.test", "198.51.100.7"},
      {"127.0.0.2", "nas.enc.test", "NXDOMAIN"},   {"127.0.0.1", "outside.example", "203.0.113.9"},
      {"127.0.0.2", "outside.example", "REFUSED"},
  };
  for (const Case& c : cases) {
    const std::string over_udp = kdig(c.source, c.name, "udp");
    for (const std::string transport : {"https", "https-get"}) {
      const std::string over_https = kdig(c.source, c.name, transport);
      EXPECT_EQ(over_https, over_udp) << transport << " " << c.source << " " << c.name;
      EXPECT_NE(over_https.find(c.expect), std::string::npos)
          << transport << " " << c.source << " " << c.name << ": " << over_https;
    }
  }
}

TEST_F(DohServerTest, CurlPostsOverHttp2AndHttp11) {
  const std::string tap = dir_.path() + "/dnstap.fstrm";
  startServer({"--query-log", "--dnstap", "file:" + tap});
  const Bytes query = buildQuery("app.enc.test", LDNS_RR_TYPE_A);
  for (const std::string http : {"--http2", "--http1.1"}) {
    const auto [answer, headers] = post(query, http);
    EXPECT_EQ(addresses(answer), std::vector<std::string>{"192.0.2.10"}) << http;
    EXPECT_NE(headers.find(http == "--http2" ? "HTTP/2 200" : "HTTP/1.1 200"), std::string::npos)
        << headers;
    EXPECT_NE(headers.find("content-type: application/dns-message"), std::string::npos) << headers;
    EXPECT_NE(headers.find("cache-control: max-age=300"), std::string::npos) << headers;
    // The public view through the same door.
    const auto [public_answer, public_headers] = post(query, http, "127.0.0.2");
    EXPECT_EQ(addresses(public_answer), std::vector<std::string>{"198.51.100.7"}) << http;
  }
  // GET with dns= over both; a negative answer's max-age is the SOA's negative TTL.
  for (const std::string http : {"--http2", "--http1.1"}) {
    const std::string out = dir_.path() + "/get.bin", head = dir_.path() + "/get-headers.txt";
    const auto r =
        curl({http, "-o", out, "-D", head,
              url("/dns-query?dns=" + base64url(buildQuery("nas.enc.test", LDNS_RR_TYPE_AAAA)))});
    ASSERT_EQ(r.exit_code, 0) << r.all();
    std::ifstream in(out, std::ios::binary);
    const Bytes answer((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const Packet p = parsePacket(answer);
    ASSERT_TRUE(p);
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOERROR);  // NODATA: nas has an A
    ASSERT_EQ(ldns_rr_list_rr_count(ldns_pkt_authority(p.get())), 1u);
    const ldns_rr* soa = ldns_rr_list_rr(ldns_pkt_authority(p.get()), 0);
    const std::uint32_t minimum = ldns_rdf2native_int32(ldns_rr_rdf(soa, 6));
    const std::uint32_t expected = std::min(ldns_rr_ttl(soa), minimum);
    std::ifstream h(head);
    const std::string headers((std::istreambuf_iterator<char>(h)),
                              std::istreambuf_iterator<char>());
    EXPECT_NE(headers.find("cache-control: max-age=" + std::to_string(expected)), std::string::npos)
        << headers;
  }
  // The query log and dnstap say how the questions came: 2 POSTs from each view and 2 GETs.
  server_->stop();
  EXPECT_NE(server_->output().find("query https client=127.0.0.2 qname=app.enc.test."),
            std::string::npos)
      << server_->output();
  auto protocols = clientQueryProtocols(tap);
  std::erase(protocols, DNSTAP__SOCKET_PROTOCOL__UDP);  // the start-up probe's query
  EXPECT_EQ(protocols, std::vector<int>(6, DNSTAP__SOCKET_PROTOCOL__DOH));
}

TEST_F(DohServerTest, CurlResolvesThroughDohUrl) {
  // lan gets a loopback address for web.enc.test, so curl's connection after the lookup stays on
  // this machine (nothing listens there: the attempt is what shows the address).
  std::string zone = kZone;
  zone.replace(zone.find("  www: 192.0.2.20"), 0, "  web: {lan: 127.0.0.77}\n");
  zone_ = dir_.write("enc.test.yaml", zone);
  startServer();
  const std::uint16_t port = findFreePort();
  const auto r =
      curl({"-v", "--doh-url", url(), "http://web.enc.test:" + std::to_string(port) + "/"});
  EXPECT_NE(r.err.find("Trying 127.0.0.77:" + std::to_string(port)), std::string::npos) << r.all();
}

TEST_F(DohServerTest, MalformedRequestsGetClientErrors) {
  startServer();
  const std::string good = base64url(buildQuery("app.enc.test", LDNS_RR_TYPE_A));
  const std::string body = dir_.path() + "/big.bin";
  std::ofstream(body, std::ios::binary) << std::string(70000, 'x');
  const std::string runt = dir_.path() + "/runt.bin";
  std::ofstream(runt, std::ios::binary) << "abc";
  for (const std::string http : {"--http2", "--http1.1"}) {
    EXPECT_EQ(status({http}, url("/dns-query?dns=" + good)), 200) << http;
    EXPECT_EQ(status({http}, url("/dns-query?dns=!!not*base64")), 400) << http;
    EXPECT_EQ(status({http}, url("/dns-query?dns=")), 400) << http;
    EXPECT_EQ(status({http}, url("/dns-query")), 400) << http;
    EXPECT_EQ(
        status({http, "-H", "content-type: application/dns-message", "--data-binary", "@" + runt},
               url()),
        400)
        << http;
    EXPECT_EQ(status({http, "-H", "content-type: text/plain", "--data-binary", "@" + runt}, url()),
              415)
        << http;
    EXPECT_EQ(status({http}, url("/other?dns=" + good)), 404) << http;
    EXPECT_EQ(status({http, "-X", "PUT"}, url()), 405) << http;
    EXPECT_EQ(
        status({http, "-H", "content-type: application/dns-message", "--data-binary", "@" + body},
               url()),
        413)
        << http;
    EXPECT_EQ(status({http}, url("/dns-query?dns=" + good + "&pad=" + std::string(9000, 'a'))), 414)
        << http;
  }
  EXPECT_TRUE(query(Endpoint{port_}, "www.enc.test", LDNS_RR_TYPE_A)) << server_->output();
  EXPECT_EQ(status({"--http2"}, url("/dns-query?dns=" + good)), 200);
}

// A PROXY protocol v2 header (TCP over IPv4) saying the client is `source`.
Bytes proxyV2(const std::string& source, std::uint16_t destination_port) {
  Bytes out = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
               0x21,  // version 2, PROXY
               0x11,  // AF_INET, STREAM
               0x00, 12};
  std::uint8_t address[4];
  ::inet_pton(AF_INET, source.c_str(), address);
  out.insert(out.end(), address, address + 4);
  ::inet_pton(AF_INET, "127.0.0.1", address);
  out.insert(out.end(), address, address + 4);
  out.insert(out.end(), {0x30, 0x39});  // source port 12345
  out.insert(out.end(), {static_cast<std::uint8_t>(destination_port >> 8),
                         static_cast<std::uint8_t>(destination_port)});
  return out;
}

TEST_F(DohServerTest, TrustedProxyPicksTheView) {
  // The untrusted peer's PROXY header ends its connection; the write after must not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  startServer({"--trusted-proxy", "127.0.0.2/32"});
  const Bytes query = buildQuery("app.enc.test", LDNS_RR_TYPE_A);
  const std::vector<std::string> lan = {"192.0.2.10"}, pub = {"198.51.100.7"};
  for (const std::string http : {"--http2", "--http1.1"}) {
    // From the trusted proxy (127.0.0.2, itself public): the client it names picks the view.
    EXPECT_EQ(addresses(post(query, http, "127.0.0.2", {"X-Forwarded-For: 127.0.0.1"}).first), lan)
        << http;
    EXPECT_EQ(
        addresses(
            post(query, http, "127.0.0.2", {"X-Forwarded-For: 127.0.0.1, 198.51.100.99"}).first),
        pub)
        << http << ": the last address is the one the proxy appended";
    EXPECT_EQ(addresses(post(query, http, "127.0.0.2", {"Forwarded: for=127.0.0.1"}).first), lan)
        << http;
    EXPECT_EQ(addresses(post(query, http, "127.0.0.2").first), pub) << http << ": no header";
    // From anyone else the headers are ignored.
    EXPECT_EQ(addresses(post(query, http, "127.0.0.3", {"X-Forwarded-For: 127.0.0.1"}).first), pub)
        << http;
    EXPECT_EQ(addresses(post(query, http, "127.0.0.3", {"Forwarded: for=127.0.0.1"}).first), pub)
        << http;
  }
  // PROXY v2 before TLS (DoT here): believed from 127.0.0.2; from 127.0.0.3 it is not TLS.
  auto options = clientOptions("127.0.0.2");
  options.before_handshake = proxyV2("127.0.0.1", tls_port_);
  {
    TlsClient client(tls_port_, options);
    const auto answer = client.exchange(query);
    ASSERT_TRUE(answer);
    EXPECT_EQ(addresses(*answer), lan);
  }
  {
    auto plain = clientOptions("127.0.0.2");  // the proxy's own connection, no header
    TlsClient client(tls_port_, plain);
    const auto answer = client.exchange(query);
    ASSERT_TRUE(answer);
    EXPECT_EQ(addresses(*answer), pub);
  }
  options.source = "127.0.0.3";
  EXPECT_THROW(TlsClient(tls_port_, options), std::runtime_error);
}

// An HTTP/2 frame (RFC 9113 4.1).
Bytes frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream, const Bytes& payload) {
  Bytes out = {static_cast<std::uint8_t>(payload.size() >> 16),
               static_cast<std::uint8_t>(payload.size() >> 8),
               static_cast<std::uint8_t>(payload.size()),
               type,
               flags,
               static_cast<std::uint8_t>(stream >> 24),
               static_cast<std::uint8_t>(stream >> 16),
               static_cast<std::uint8_t>(stream >> 8),
               static_cast<std::uint8_t>(stream)};
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// Resident memory of `pid` in KiB.
long rssKib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

TEST_F(DohServerTest, Http2FloodsAreBounded) {
  const std::string control = dir_.path() + "/control.sock";
  startServer({"--control", control});
  const long rss_before = rssKib(server_->pid());
  // HPACK (RFC 7541 appendix A): :method GET (2), :scheme https (7), :path / (4), all from the
  // static table; a request for "/", which is answered 404 unless the stream is gone first.
  const Bytes request_headers = {0x82, 0x87, 0x84};
  const Bytes preface = {'P', 'R', 'I',  ' ',  '*',  ' ',  'H', 'T', 'T',  'P',  '/',  '2',
                         '.', '0', '\r', '\n', '\r', '\n', 'S', 'M', '\r', '\n', '\r', '\n'};
  auto options = clientOptions();
  options.alpn = "h2";
  std::size_t written = 0;
  {
    // Rapid reset: each stream opened and cancelled at once (RST_STREAM, CANCEL).
    TlsClient client(https_port_, options);
    ASSERT_EQ(client.alpn(), "h2");
    Bytes batch = preface;
    const Bytes settings = frame(0x4, 0, 0, {});
    batch.insert(batch.end(), settings.begin(), settings.end());
    try {
      for (std::uint32_t i = 0; i < 10000; ++i) {
        const std::uint32_t stream = 1 + 2 * i;
        const Bytes headers = frame(0x1, 0x5, stream, request_headers);  // END_STREAM|END_HEADERS
        const Bytes reset = frame(0x3, 0, stream, {0, 0, 0, 0x8});
        batch.insert(batch.end(), headers.begin(), headers.end());
        batch.insert(batch.end(), reset.begin(), reset.end());
        if (batch.size() > 16000) {
          client.writeRaw(batch);
          written += batch.size();
          batch.clear();
        }
      }
      client.writeRaw(batch);
    } catch (const std::exception&) {
      // The server may end the session (GOAWAY, close) part-way: that is a bound too.
    }
  }
  // Many connections, each opening 1,000 streams without reading a single answer.
  std::vector<std::unique_ptr<TlsClient>> greedy;
  for (int c = 0; c < 20; ++c) {
    greedy.push_back(std::make_unique<TlsClient>(https_port_, options));
    Bytes batch = preface;
    const Bytes settings = frame(0x4, 0, 0, {});
    batch.insert(batch.end(), settings.begin(), settings.end());
    for (std::uint32_t i = 0; i < 1000; ++i) {
      const Bytes headers = frame(0x1, 0x5, 1 + 2 * i, request_headers);
      batch.insert(batch.end(), headers.begin(), headers.end());
    }
    try {
      greedy.back()->writeRaw(batch);
    } catch (const std::exception&) {
    }
  }
  const long rss_after = rssKib(server_->pid());
  std::printf("HTTP/2 floods: %zu bytes of rapid resets, 20 x 1,000 streams; RSS %ld -> %ld KiB\n",
              written, rss_before, rss_after);
  EXPECT_LT(rss_after - rss_before, 64 * 1024) << "more than 64 MiB held for the floods";
  EXPECT_TRUE(query(Endpoint{port_}, "www.enc.test", LDNS_RR_TYPE_A));
  const auto st = runCommand({DNSCTL_PATH, "status", "--control", control}, {}, 20s);
  EXPECT_EQ(st.exit_code, 0) << st.all();
  const auto [answer, headers] = post(buildQuery("www.enc.test", LDNS_RR_TYPE_A), "--http2");
  EXPECT_EQ(addresses(answer), std::vector<std::string>{"192.0.2.20"}) << headers;
  EXPECT_TRUE(server_->running());
}

}  // namespace
}  // namespace horizon::test
