// The tag is a hash of the body alone, not a counter or a time: a restarted horizon-sync that
// renders the same routes hands Traefik the tag it already holds, so its next poll is a 304.
#include "horizon/metrics/http_document.hpp"

#include <cstdint>
#include <string_view>
#include <utility>

namespace horizon::metrics {
namespace {

// FNV-1a, 64 bits: stable across builds and platforms, and more than enough to tell two
// renderings apart (a tag is a cache validator, not a defence against forgery).
std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string quotedHex(std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string tag(18, '"');
  for (int i = 16; i >= 1; --i, value >>= 4) tag[static_cast<std::size_t>(i)] = kDigits[value & 15];
  return tag;
}

}  // namespace

std::shared_ptr<const HttpDocument> makeDocument(std::string body, std::string content_type) {
  std::string etag = quotedHex(fnv1a(body));
  return std::make_shared<const HttpDocument>(
      HttpDocument{std::move(body), std::move(content_type), std::move(etag)});
}

void DocumentSlot::publish(std::shared_ptr<const HttpDocument> document) {
  std::lock_guard lock(mutex_);
  document_.swap(document);
  // The old document is released after the lock, when `document` goes out of scope, so a large
  // body is not freed while readers wait.
}

std::shared_ptr<const HttpDocument> DocumentSlot::current() const {
  std::lock_guard lock(mutex_);
  return document_;
}

}  // namespace horizon::metrics
