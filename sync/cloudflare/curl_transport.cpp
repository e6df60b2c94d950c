// The libcurl HttpTransport. One easy handle for the whole run so that consecutive API calls
// reuse the TLS connection; curl_easy_reset() before each request drops the previous request's
// options (method, body, headers) but keeps the live connections.
#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>

#include "horizon/sync/http_transport.hpp"

namespace horizon::sync {
namespace {

// A response body larger than this is refused rather than buffered: a listing page of 5,000
// records is a few MiB, so this only trips on a misbehaving server.
constexpr std::size_t kMaxBodyBytes = 64u << 20;

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("libcurl could not be initialised");
    }
  });
}

std::string trim(const std::string& text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

// The host of an absolute URL, for error messages: no user info, path or query, which could
// carry secrets.
std::string hostOf(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
  auto at = authority.rfind('@');
  if (at != std::string::npos) authority.erase(0, at + 1);
  return authority;
}

struct Capture {
  HttpResponse* response;
  bool too_large = false;
};

size_t onBody(char* data, size_t size, size_t count, void* user) {
  auto* capture = static_cast<Capture*>(user);
  size_t bytes = size * count;
  if (capture->response->body.size() + bytes > kMaxBodyBytes) {
    capture->too_large = true;
    return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
  }
  capture->response->body.append(data, bytes);
  return bytes;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* capture = static_cast<Capture*>(user);
  size_t bytes = size * count;
  std::string line(data, bytes);
  // A new status line starts a new response (after "100 Continue"): forget the earlier headers.
  if (line.rfind("HTTP/", 0) == 0) {
    capture->response->headers.clear();
    return bytes;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos) return bytes;
  std::string name = trim(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!name.empty()) capture->response->headers[name] = trim(line.substr(colon + 1));
  return bytes;
}

class CurlTransport : public HttpTransport {
 public:
  CurlTransport() {
    initCurlOnce();
    handle_ = curl_easy_init();
    if (handle_ == nullptr) throw std::runtime_error("libcurl could not create a handle");
  }
  ~CurlTransport() override { curl_easy_cleanup(handle_); }
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  HttpResponse send(const HttpRequest& request, std::chrono::milliseconds timeout) override {
    HttpResponse response;
    Capture capture{&response};
    curl_easy_reset(handle_);

    curl_slist* headers = nullptr;
    bool has_expect = false;
    bool has_content_type = false;
    for (const auto& header : request.headers) {
      headers = curl_slist_append(headers, header.c_str());
      if (strncasecmp(header.c_str(), "Expect:", 7) == 0) has_expect = true;
      if (strncasecmp(header.c_str(), "Content-Type:", 13) == 0) has_content_type = true;
    }
    // Headers are sent as given: curl would otherwise label a body form-urlencoded.
    if (!has_content_type) headers = curl_slist_append(headers, "Content-Type:");
    // Without this curl sends "Expect: 100-continue" for larger bodies (batches) and waits up to
    // a second for an interim answer that many servers never send.
    if (!has_expect) headers = curl_slist_append(headers, "Expect:");

    curl_easy_setopt(handle_, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle_, CURLOPT_PROTOCOLS_STR, "http,https");
    // Verbose output would print the Authorization header.
    curl_easy_setopt(handle_, CURLOPT_VERBOSE, 0L);
    curl_easy_setopt(handle_, CURLOPT_FOLLOWLOCATION, 0L);
    // No SIGALRM-based DNS timeouts: they are unsafe in a multi-threaded process.
    curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
    long timeout_ms =
        static_cast<long>(std::max<std::chrono::milliseconds::rep>(1, timeout.count()));
    curl_easy_setopt(handle_, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(handle_, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(handle_, CURLOPT_USERAGENT, "horizon-sync");
    curl_easy_setopt(handle_, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(handle_, CURLOPT_WRITEDATA, &capture);
    curl_easy_setopt(handle_, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(handle_, CURLOPT_HEADERDATA, &capture);

    if (request.method == "GET") {
      curl_easy_setopt(handle_, CURLOPT_HTTPGET, 1L);
    } else {
      if (!request.body.empty() || request.method == "POST") {
        // POSTFIELDS makes it a POST with this body; CUSTOMREQUEST then renames the method.
        curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, request.body.c_str());
      }
      curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    CURLcode rc = curl_easy_perform(handle_);
    curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);

    if (rc != CURLE_OK) {
      response.status = 0;
      response.headers.clear();
      response.body.clear();
      response.transport_error =
          capture.too_large
              ? "response body larger than " + std::to_string(kMaxBodyBytes >> 20) + " MiB from " +
                    hostOf(request.url)
              : std::string(curl_easy_strerror(rc)) + " (" + hostOf(request.url) + ")";
      return response;
    }
    long status = 0;
    curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
  }

 private:
  CURL* handle_ = nullptr;
};

}  // namespace

std::unique_ptr<HttpTransport> makeCurlTransport() {
  return std::make_unique<CurlTransport>();
}

}  // namespace horizon::sync
