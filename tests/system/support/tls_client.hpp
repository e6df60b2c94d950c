// A blocking DNS-over-TLS client for tests, on OpenSSL: connects from a chosen loopback address
// (which picks the server's view), checks the server's certificate against a test CA and name,
// and sends and receives length-prefixed DNS messages (RFC 7858), so a test can pipeline several
// queries on one connection and see the order the answers come back in.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace horizon::test {

/// How to reach and check a TLS server.
struct TlsClientOptions {
  std::string ca_file;    // empty: no verification (for abuse tests)
  std::string host_name;  // the name the certificate must carry; also the SNI
  std::string source = "127.0.0.1";
  std::string alpn;               // e.g. "dot"; empty: none offered
  Millis timeout = Millis(5000);  // for the connect, the handshake and each read
  Bytes before_handshake;         // written in clear first (a PROXY protocol header)
};

/// One TLS connection; closed by the destructor.
class TlsClient {
 public:
  /// Connects to 127.0.0.1:`port` and completes the handshake; throws std::runtime_error saying
  /// why when either fails (a certificate the CA does not vouch for, a wrong name).
  TlsClient(std::uint16_t port, const TlsClientOptions& options) {
    try {
      open(port, options);
    } catch (...) {
      release();  // a constructor that throws runs no destructor
      throw;
    }
  }
  ~TlsClient() { release(); }
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

 private:
  void open(std::uint16_t port, const TlsClientOptions& options) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!options.ca_file.empty()) {
      if (SSL_CTX_load_verify_locations(ctx_, options.ca_file.c_str(), nullptr) != 1)
        throw std::runtime_error("cannot load CA " + options.ca_file);
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    }
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    timeval tv{};
    tv.tv_sec = options.timeout.count() / 1000;
    tv.tv_usec = (options.timeout.count() % 1000) * 1000;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    ::inet_pton(AF_INET, options.source.c_str(), &src.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0)
      throw std::runtime_error("cannot bind " + options.source);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0)
      throw std::runtime_error("cannot connect to port " + std::to_string(port));
    if (!options.before_handshake.empty() &&
        ::write(fd_, options.before_handshake.data(), options.before_handshake.size()) !=
            static_cast<ssize_t>(options.before_handshake.size()))
      throw std::runtime_error("cannot write the bytes before the handshake");
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    if (!options.host_name.empty()) {
      SSL_set_tlsext_host_name(ssl_, options.host_name.c_str());
      if (!options.ca_file.empty()) SSL_set1_host(ssl_, options.host_name.c_str());
    }
    if (!options.alpn.empty()) {
      std::vector<unsigned char> wire{static_cast<unsigned char>(options.alpn.size())};
      wire.insert(wire.end(), options.alpn.begin(), options.alpn.end());
      SSL_set_alpn_protos(ssl_, wire.data(), static_cast<unsigned>(wire.size()));
    }
    if (SSL_connect(ssl_) != 1) {
      const long verify = SSL_get_verify_result(ssl_);
      std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : errors();
      throw std::runtime_error("TLS handshake failed: " + why);
    }
  }
  void release() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    ssl_ = nullptr;
    fd_ = -1;
    ctx_ = nullptr;
  }

 public:
  /// Writes raw bytes (several framed messages at once, to pipeline them).
  void writeRaw(const Bytes& bytes) {
    if (SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) !=
        static_cast<int>(bytes.size()))
      throw std::runtime_error("TLS write failed: " + errors());
  }

  /// `message` with its two-octet length prefix (RFC 1035 4.2.2).
  static Bytes framed(const Bytes& message) {
    Bytes out{static_cast<std::uint8_t>(message.size() >> 8),
              static_cast<std::uint8_t>(message.size())};
    out.insert(out.end(), message.begin(), message.end());
    return out;
  }

  /// The next length-prefixed message, or nullopt on timeout or close.
  std::optional<Bytes> readMessage() {
    std::uint8_t prefix[2];
    if (!readExactly(prefix, 2)) return std::nullopt;
    Bytes message((prefix[0] << 8) | prefix[1]);
    if (!readExactly(message.data(), message.size())) return std::nullopt;
    return message;
  }

  /// The bytes of one read (at least one octet; "" on timeout or close).
  std::string readSome() {
    char buffer[16384];
    const int r = SSL_read(ssl_, buffer, sizeof buffer);
    return r <= 0 ? std::string() : std::string(buffer, static_cast<std::size_t>(r));
  }

  /// POSTs `query` to /dns-query over HTTP/1.1 (DoH, for a connection without ALPN) and returns
  /// the first bytes of the response (its status line first).
  std::string postDnsQuery(const std::string& host, const Bytes& query) {
    std::string request = "POST /dns-query HTTP/1.1\r\nHost: " + host +
                          "\r\nContent-Type: application/dns-message\r\nContent-Length: " +
                          std::to_string(query.size()) + "\r\n\r\n";
    request.append(query.begin(), query.end());
    writeRaw(Bytes(request.begin(), request.end()));
    return readSome();
  }

  /// Sends one query and reads one answer.
  std::optional<Bytes> exchange(const Bytes& query) {
    writeRaw(framed(query));
    return readMessage();
  }

  /// The server certificate's issuer as one line of text.
  std::string peerIssuer() const {
    X509* cert = SSL_get1_peer_certificate(ssl_);
    if (cert == nullptr) return "";
    char line[512];
    X509_NAME_oneline(X509_get_issuer_name(cert), line, sizeof line);
    X509_free(cert);
    return line;
  }

  /// The ALPN protocol the server chose ("" for none).
  std::string alpn() const {
    const unsigned char* name = nullptr;
    unsigned len = 0;
    SSL_get0_alpn_selected(ssl_, &name, &len);
    return name == nullptr ? "" : std::string(reinterpret_cast<const char*>(name), len);
  }

 private:
  bool readExactly(std::uint8_t* out, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      const int r = SSL_read(ssl_, out + got, static_cast<int>(n - got));
      if (r <= 0) return false;
      got += static_cast<std::size_t>(r);
    }
    return true;
  }

  static std::string errors() {
    std::string text;
    while (const unsigned long e = ERR_get_error()) {
      char line[256];
      ERR_error_string_n(e, line, sizeof line);
      text += (text.empty() ? "" : "; ") + std::string(line);
    }
    return text.empty() ? "connection closed" : text;
  }

  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
};

}  // namespace horizon::test
