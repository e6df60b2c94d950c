// Documents the HTTP endpoint serves besides the metrics. `horizon-sync watch --traefik-http`
// serves Traefik's dynamic configuration as JSON at GET /traefik for Traefik's HTTP provider
// (providers.http), which polls it every few seconds: a poll that sends the last ETag in
// If-None-Match gets a 304 without a body, and a zone reload replaces the document whole.
#pragma once

#include <memory>
#include <mutex>
#include <string>

namespace horizon::metrics {

/// A document served at a fixed path besides the metrics, e.g. Traefik's routes as JSON.
struct HttpDocument {
  std::string body;
  std::string content_type;  // e.g. "application/json"
  std::string etag;          // strong entity tag, quotes included: "\"<16 hex digits>\""
};

/// A document whose ETag is derived from its body (a 64-bit hash, FNV-1a or similar, as 16
/// lowercase hex digits in double quotes), so equal bodies get equal tags across restarts.
std::shared_ptr<const HttpDocument> makeDocument(std::string body, std::string content_type);

/// The current document of one path: replaced whole by publish() from any thread, read per
/// request; a reader sees the old or the new document, never a mix.
class DocumentSlot {
 public:
  /// Replaces the document; nullptr withdraws it (requests get 503).
  void publish(std::shared_ptr<const HttpDocument> document);
  /// The current document, or nullptr before the first publish.
  std::shared_ptr<const HttpDocument> current() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const HttpDocument> document_;
};

}  // namespace horizon::metrics
