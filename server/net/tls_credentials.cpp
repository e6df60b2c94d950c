// Loading a certificate and key into an OpenSSL server context, and replacing it when the files
// change.
#include "tls_credentials.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509err.h>
#include <sys/stat.h>

#include <stdexcept>

namespace horizon::net {
namespace {

namespace ssl = boost::asio::ssl;

// The OpenSSL errors queued on this thread, oldest first, and the queue cleared.
std::string openSslErrors() {
  std::string text;
  while (const unsigned long e = ERR_get_error()) {
    char line[256];
    ERR_error_string_n(e, line, sizeof line);
    text += (text.empty() ? "" : "; ") + std::string(line);
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

// Wire-format ALPN names (RFC 7301 3.1): a length octet, then the name.
constexpr unsigned char kDot[] = {3, 'd', 'o', 't'};
constexpr unsigned char kH2[] = {2, 'h', '2'};
constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

bool offers(const unsigned char* in, unsigned in_len, const unsigned char* name,
            const unsigned char** out, unsigned char* out_len) {
  for (unsigned i = 0; i < in_len;) {
    const unsigned n = in[i];
    if (i + 1 + n > in_len) return false;
    if (n == name[0] && std::equal(name + 1, name + 1 + n, in + i + 1)) {
      *out = in + i + 1;
      *out_len = static_cast<unsigned char>(n);
      return true;
    }
    i += 1 + n;
  }
  return false;
}

// DoT: "dot" when offered (RFC 8310 5.1), and no ALPN otherwise, so clients that offer none or
// something else still connect. DoH: "h2" before "http/1.1"; neither offered means HTTP/1.1.
int selectAlpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
               unsigned in_len, void* arg) {
  const auto service = static_cast<TlsService>(reinterpret_cast<std::uintptr_t>(arg));
  if (service == TlsService::kDot)
    return offers(in, in_len, kDot, out, out_len) ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK;
  if (offers(in, in_len, kH2, out, out_len) || offers(in, in_len, kHttp11, out, out_len))
    return SSL_TLSEXT_ERR_OK;
  return SSL_TLSEXT_ERR_NOACK;
}

std::shared_ptr<ssl::context> buildContext(const std::string& cert_file,
                                           const std::string& key_file, TlsService service) {
  ERR_clear_error();
  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (raw == nullptr) throw std::runtime_error(openSslErrors());
  auto context = std::make_shared<ssl::context>(raw);  // owns raw from here on
  // TLS 1.2 and 1.3 only (RFC 8310 9 for DoT; RFC 8484 5.2 asks for HTTP/2's TLS profile).
  SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
  // No renegotiation: a client could make the server redo the expensive half of a handshake
  // at will. No compression (CRIME).
  SSL_CTX_set_options(
      raw, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(raw, cert_file.c_str()) != 1)
    throw std::runtime_error("certificate " + cert_file + ": " + openSslErrors());
  if (SSL_CTX_use_PrivateKey_file(raw, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL checks the pair here already; a rotation caught between writing the two files
    // lands here, so say it in words.
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      throw std::runtime_error("key " + key_file + " does not match certificate " + cert_file);
    }
    throw std::runtime_error("key " + key_file + ": " + openSslErrors());
  }
  if (SSL_CTX_check_private_key(raw) != 1)
    throw std::runtime_error("key " + key_file + " does not match certificate " + cert_file);
  // An expired certificate would fail every client's handshake; keeping the one that still
  // works is better than serving it.
  if (X509* leaf = SSL_CTX_get0_certificate(raw);
      leaf != nullptr && X509_cmp_current_time(X509_get0_notAfter(leaf)) <= 0)
    throw std::runtime_error("certificate " + cert_file + " has expired");
  // Resumption (RFC 7858 3.4 recommends it): TLS 1.3 and TLS 1.2 session tickets are on by
  // default with keys per context; the server-side cache also lets TLS 1.2 clients resume by
  // session id.
  static constexpr unsigned char kSessionContext[] = "horizond";
  SSL_CTX_set_session_id_context(raw, kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_SERVER);
  SSL_CTX_set_alpn_select_cb(raw, selectAlpn,
                             reinterpret_cast<void*>(static_cast<std::uintptr_t>(service)));
  return context;
}

}  // namespace

bool TlsCredentials::Stamp::operator==(const Stamp& o) const {
  return cert_mtime.tv_sec == o.cert_mtime.tv_sec && cert_mtime.tv_nsec == o.cert_mtime.tv_nsec &&
         key_mtime.tv_sec == o.key_mtime.tv_sec && key_mtime.tv_nsec == o.key_mtime.tv_nsec &&
         cert_size == o.cert_size && key_size == o.key_size;
}

TlsCredentials::Stamp TlsCredentials::stampOf(const std::string& cert, const std::string& key) {
  Stamp stamp;
  struct stat st {};
  if (::stat(cert.c_str(), &st) == 0) {
    stamp.cert_mtime = st.st_mtim;
    stamp.cert_size = st.st_size;
  }
  if (::stat(key.c_str(), &st) == 0) {
    stamp.key_mtime = st.st_mtim;
    stamp.key_size = st.st_size;
  }
  return stamp;
}

TlsCredentials::TlsCredentials(std::string cert_file, std::string key_file, TlsService service)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)), service_(service) {
  loaded_ = stampOf(cert_file_, key_file_);
  context_ = buildContext(cert_file_, key_file_, service_);
}

std::shared_ptr<ssl::context> TlsCredentials::current() const {
  const std::lock_guard lock(mutex_);
  return context_;
}

bool TlsCredentials::reloadIfChanged(std::string* error) {
  const Stamp now = stampOf(cert_file_, key_file_);
  if (now == loaded_) return false;
  loaded_ = now;
  try {
    auto fresh = buildContext(cert_file_, key_file_, service_);
    const std::lock_guard lock(mutex_);
    context_ = std::move(fresh);
    return true;
  } catch (const std::exception& e) {
    if (error != nullptr) *error = e.what();
    return false;
  }
}

std::int64_t TlsCredentials::expiry() const {
  const auto context = current();
  const X509* leaf = SSL_CTX_get0_certificate(context->native_handle());
  if (leaf == nullptr) return 0;
  // ASN1_TIME_diff from the epoch gives the time without going through the C library's time zone.
  ASN1_TIME* epoch = ASN1_TIME_set(nullptr, 0);
  int days = 0, seconds = 0;
  const bool ok = ASN1_TIME_diff(&days, &seconds, epoch, X509_get0_notAfter(leaf)) == 1;
  ASN1_TIME_free(epoch);
  return ok ? std::int64_t{days} * 86400 + seconds : 0;
}

std::string negotiatedAlpn(SSL* ssl) {
  const unsigned char* name = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(ssl, &name, &len);
  return name == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(name), len);
}

}  // namespace horizon::net
