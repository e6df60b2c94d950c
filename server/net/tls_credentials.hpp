// Private to the network module: the certificate and key the encrypted listeners present, as an
// OpenSSL context per listener kind, replaced when the files change on disk. cert-manager and
// ACME clients rotate certificates by rewriting the files; a connection keeps the context it was
// accepted with, so a rotation never drops one, and a new pair that fails to load leaves the old
// one serving.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>

namespace horizon::net {

/// What an encrypted listener speaks inside TLS; it decides the ALPN protocols offered.
enum class TlsService {
  kDot,    // DNS over TLS (RFC 7858): ALPN "dot" (RFC 8310) when the client offers it
  kHttps,  // DNS over HTTPS (RFC 8484): ALPN "h2", else "http/1.1"
};

/// One certificate chain and key, loaded for one service.
class TlsCredentials {
 public:
  /// Loads `cert_file` (PEM: the leaf first, then intermediates) and `key_file` (PEM); throws
  /// std::runtime_error saying what is wrong with them.
  TlsCredentials(std::string cert_file, std::string key_file, TlsService service);

  /// The context new connections use; a connection holds its pointer for its whole life.
  std::shared_ptr<boost::asio::ssl::context> current() const;

  /// Reloads when either file's modification time or size changed since the last load or
  /// attempt. True when a new context replaced the old one; on a bad pair the old one stays,
  /// `*error` says why, and the same files are not tried again until they change once more.
  bool reloadIfChanged(std::string* error);

  /// The notAfter time of the certificate in use (seconds since the epoch).
  std::int64_t expiry() const;

  /// The certificate file, for log lines.
  const std::string& certFile() const { return cert_file_; }

 private:
  struct Stamp {
    std::timespec cert_mtime{}, key_mtime{};
    long long cert_size = -1, key_size = -1;
    bool operator==(const Stamp& o) const;
  };
  static Stamp stampOf(const std::string& cert, const std::string& key);

  const std::string cert_file_, key_file_;
  const TlsService service_;
  Stamp loaded_;  // the files as last tried
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> context_;
};

/// The ALPN protocol `ssl` agreed on ("" when none).
std::string negotiatedAlpn(SSL* ssl);

}  // namespace horizon::net
