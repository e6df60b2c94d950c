// Cloudflare API v4 client. Three rules shape it:
//  - Listings read every page: acting on page one alone creates duplicates and deletes wrongly.
//  - A write whose outcome is unknown (5xx, lost connection) is never repeated blindly: a POST or
//    a batch may have been applied, so it is reported failed and the reconciler re-lists. Only
//    429 (refused before anything happened) and idempotent single calls are retried.
//  - The token is secret: every message built here is scrubbed of it before it leaves.
#include "horizon/sync/cloudflare_client.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

namespace horizon::sync {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kMaxPages = 10000;    // a listing longer than this is a server bug, not a zone
constexpr int kMaxAttempts = 1000;  // per call; the deadline normally ends retries far earlier
constexpr std::size_t kExcerptChars = 200;  // of a body that is not an API envelope
constexpr int kMaxBatchSize = 200;          // Cloudflare Free's limit per batch call
constexpr int kZonePageSize = 50;           // the most GET /zones accepts

constexpr const char* kScopeHint =
    "it needs the Zone:DNS:Edit permission for this zone, and Zone:Zone:Read when the zone id is "
    "looked up by name";

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The shortest run of the token that counts as echoing it: an API error that quotes only part
// of the token (a prefix, or the tail after a cut) still gives most of it away.
constexpr std::size_t kMinEchoedTokenChars = 8;

// `text` with the token, and every run of kMinEchoedTokenChars or more of its characters in
// order, replaced by "<token>".
std::string scrubSecret(std::string text, const std::string& secret) {
  text = replaceAll(std::move(text), secret, "<token>");
  if (secret.size() < kMinEchoedTokenChars) return text;
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t longest = 0;
    for (std::size_t j = 0; j < secret.size(); ++j) {
      std::size_t k = 0;
      while (i + k < text.size() && j + k < secret.size() && text[i + k] == secret[j + k]) ++k;
      longest = std::max(longest, k);
    }
    if (longest >= kMinEchoedTokenChars) {
      out += "<token>";
      i += longest;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

// The host of an http(s) URL, without brackets, port or user information.
std::string urlHost(const std::string& url) {
  const auto scheme_end = url.find("://");
  std::string authority = url.substr(scheme_end == std::string::npos ? 0 : scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  if (!authority.empty() && authority.front() == '[')
    return authority.substr(1, authority.find(']') - 1);
  return authority.substr(0, authority.find(':'));
}

bool isLoopbackHost(const std::string& host) {
  std::string lower = host;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "localhost" || lower == "::1") return true;
  in_addr v4{};
  return inet_pton(AF_INET, lower.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

std::string trim(const std::string& text) {
  auto begin = text.find_first_not_of(" \t\r\n\f\v");
  if (begin == std::string::npos) return {};
  auto end = text.find_last_not_of(" \t\r\n\f\v");
  return text.substr(begin, end - begin + 1);
}

std::string toUpper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

// RFC 3986 percent-encoding of everything but the unreserved characters.
std::string encodeComponent(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string joinCodes(const std::vector<int>& codes) {
  std::string out;
  for (int code : codes) out += (out.empty() ? "" : ", ") + std::to_string(code);
  return out;
}

// A whole number from a JSON number (Cloudflare sometimes sends 300.0) or a digit string.
std::optional<long long> integerOf(const json& value) {
  if (value.is_number_integer()) return value.get<long long>();
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
      return static_cast<long long>(d);
    }
    return std::nullopt;
  }
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s.empty() || s.size() > 15 ||
        !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); })) {
      return std::nullopt;
    }
    return std::stoll(s);
  }
  return std::nullopt;
}

std::optional<long long> integerField(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  return integerOf(*it);
}

std::string stringField(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

// The parsed body of a response. Cloudflare answers {success, errors, messages, result,
// result_info}; `parsed` is false when the body is not such an object (an HTML error page from a
// proxy, a truncated body).
struct Envelope {
  bool parsed = false;
  bool success = false;
  json result;
  json result_info;
  std::vector<int> codes;
  std::string errors;  // "message (code N); ..."
};

void collectErrors(const json& errors, Envelope& envelope, int depth) {
  if (!errors.is_array() || depth > 3) return;
  for (const auto& error : errors) {
    if (!error.is_object()) continue;
    auto code = integerField(error, "code");
    std::string message = stringField(error, "message");
    if (code) envelope.codes.push_back(static_cast<int>(*code));
    std::string text = message.empty() ? "error" : message;
    if (code) text += " (code " + std::to_string(*code) + ")";
    envelope.errors += (envelope.errors.empty() ? "" : "; ") + text;
    // Validation failures carry the detail (and its code, e.g. 81058) in a nested chain.
    if (auto chain = error.find("error_chain"); chain != error.end()) {
      collectErrors(*chain, envelope, depth + 1);
    }
  }
}

Envelope parseEnvelope(const std::string& body) {
  Envelope envelope;
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return envelope;
  auto success = doc.find("success");
  if (success == doc.end() || !success->is_boolean()) return envelope;
  envelope.parsed = true;
  envelope.success = success->get<bool>();
  if (auto it = doc.find("result"); it != doc.end()) envelope.result = std::move(*it);
  if (auto it = doc.find("result_info"); it != doc.end()) envelope.result_info = std::move(*it);
  if (auto it = doc.find("errors"); it != doc.end()) collectErrors(*it, envelope, 0);
  return envelope;
}

// One logical call after its retries.
struct Outcome {
  HttpResponse response;
  Envelope envelope;
  int attempts = 0;
  bool earlier_attempt_unknown = false;  // an earlier attempt got 5xx or no answer

  int status() const { return response.status; }
  bool ok() const {
    return status() >= 200 && status() < 300 && envelope.parsed && envelope.success;
  }
  // The request may or may not have been carried out.
  bool unknown() const {
    return status() == 0 || status() >= 500 ||
           (status() >= 200 && status() < 300 && !envelope.parsed);
  }
  bool hasCode(int code) const {
    return std::find(envelope.codes.begin(), envelope.codes.end(), code) != envelope.codes.end();
  }
};

// 10000: authentication error; 9109: the token may not touch this resource; 6111: malformed
// Authorization header. No retry or per-record fallback can fix any of them.
bool isAuthFailure(const Outcome& out) {
  return out.status() == 401 || out.status() == 403 || out.hasCode(10000) || out.hasCode(9109) ||
         out.hasCode(6111);
}

bool isRateLimited(const Outcome& out) {
  return out.status() == 429 || out.hasCode(10429) || out.hasCode(10100) || out.hasCode(10300);
}

// Seconds as Cloudflare sends them ("3"), tolerating fractions ("1.5"). A date or garbage gives
// nullopt, and so does 0: waiting nothing and asking again would only burn the quota.
std::optional<milliseconds> parseSeconds(const std::string& text) {
  std::string value = trim(text);
  if (value.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  double seconds = std::strtod(value.c_str(), &end);
  if (errno != 0 || end != value.c_str() + value.size() || !std::isfinite(seconds) ||
      seconds <= 0 || seconds > 1e7) {
    return std::nullopt;
  }
  return milliseconds(static_cast<long long>(std::ceil(seconds * 1000)));
}

// Retry-After first; else the reset time of the newer `Ratelimit` header, in either draft's
// spelling: `"default";r=0;t=30` or `limit=100, remaining=0, reset=30`.
std::optional<milliseconds> retryAfter(const HttpResponse& response) {
  if (auto it = response.headers.find("retry-after"); it != response.headers.end()) {
    if (auto wait = parseSeconds(it->second)) return wait;
  }
  if (auto it = response.headers.find("ratelimit"); it != response.headers.end()) {
    std::string item;
    std::istringstream in(it->second);
    while (std::getline(in, item, ';')) {
      std::istringstream parts(item);
      std::string part;
      while (std::getline(parts, part, ',')) {
        part = trim(part);
        for (const char* key : {"t=", "reset="}) {
          if (part.rfind(key, 0) == 0) {
            if (auto wait = parseSeconds(part.substr(std::strlen(key)))) return wait;
          }
        }
      }
    }
  }
  return std::nullopt;
}

std::mt19937_64& jitterSource() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return engine;
}

std::string excerpt(const std::string& body) {
  std::string text = body.substr(0, kExcerptChars);
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text;
}

// What went wrong with a response, for messages (not yet scrubbed). `body_excerpt` stands for
// a body that is not an API envelope.
std::string describe(const Outcome& out, const std::string& body_excerpt) {
  const auto& response = out.response;
  if (response.status == 0) {
    return "no answer: " + (response.transport_error.empty()
                                ? std::string("no HTTP status received")
                                : response.transport_error);
  }
  std::string text = "HTTP " + std::to_string(response.status);
  if (!out.envelope.parsed) {
    return text + " with a body that is not a Cloudflare API envelope: " +
           (response.body.empty() ? "(empty body)" : body_excerpt);
  }
  if (out.status() >= 200 && out.status() < 300 && !out.envelope.success) {
    text += " but success=false";
  }
  if (!out.envelope.errors.empty()) text += ": " + out.envelope.errors;
  return text;
}

// Cloudflare's data object and its own content string put SRV's priority apart: content here is
// "weight port target". CAA content is `flags tag "value"`, as Cloudflare prints it.
std::string escapeQuoted(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

CloudflareRecord parseRecord(const json& item) {
  if (!item.is_object()) throw std::invalid_argument("a record is not a JSON object");
  CloudflareRecord record;
  record.id = stringField(item, "id");
  record.type = toUpper(stringField(item, "type"));
  record.name = normalizeName(stringField(item, "name"));
  if (record.id.empty() || record.type.empty() || record.name.empty()) {
    throw std::invalid_argument("a record lacks its id, type or name");
  }
  const json empty_object = json::object();
  auto data_it = item.find("data");
  const json& data = data_it != item.end() && data_it->is_object() ? *data_it : empty_object;

  if (record.type == "SRV" && !data.empty() && data.contains("target")) {
    auto weight = integerField(data, "weight").value_or(0);
    auto port = integerField(data, "port").value_or(0);
    record.content = normalizeContent("SRV", std::to_string(weight) + " " + std::to_string(port) +
                                                 " " + stringField(data, "target"));
  } else if (record.type == "CAA" && !data.empty() && data.contains("tag")) {
    record.content = std::to_string(integerField(data, "flags").value_or(0)) + " " +
                     stringField(data, "tag") + " \"" + escapeQuoted(stringField(data, "value")) +
                     "\"";
  } else {
    record.content = normalizeContent(record.type, stringField(item, "content"));
  }

  if (auto ttl = integerField(item, "ttl"); ttl && *ttl > 0 && *ttl <= 0xffffffffLL) {
    record.ttl = static_cast<std::uint32_t>(*ttl);
  }
  if (auto it = item.find("proxied"); it != item.end() && it->is_boolean()) {
    record.proxied = it->get<bool>();
  }
  if (record.type == "MX" || record.type == "SRV") {
    auto priority = integerField(item, "priority");
    if (!priority) priority = integerField(data, "priority");
    if (record.type == "SRV" && !priority) {
      // Content without data: some answers give all four SRV fields in content.
      std::istringstream in(record.content);
      std::vector<std::string> fields;
      for (std::string field; in >> field;) fields.push_back(field);
      if (fields.size() == 4 && integerOf(json(fields[0]))) {
        priority = integerOf(json(fields[0]));
        record.content = normalizeContent("SRV", fields[1] + " " + fields[2] + " " + fields[3]);
      }
    }
    if (priority && *priority >= 0 && *priority <= 65535) {
      record.priority = static_cast<std::uint16_t>(*priority);
    }
  }
  record.comment = stringField(item, "comment");
  if (auto meta = item.find("meta"); meta != item.end() && meta->is_object()) {
    // meta.source and meta.auto_added are informational; only read_only protects a record.
    if (auto ro = meta->find("read_only"); ro != meta->end() && ro->is_boolean()) {
      record.read_only = ro->get<bool>();
    }
  }
  // The older API marked records Cloudflare manages as locked.
  if (auto locked = item.find("locked");
      locked != item.end() && locked->is_boolean() && locked->get<bool>()) {
    record.read_only = true;
  }
  return record;
}

bool isProxiable(const std::string& type) {
  return type == "A" || type == "AAAA" || type == "CNAME";
}

std::uint16_t parseUint16(const std::string& text, const char* what, long long max = 65535) {
  auto value = integerOf(json(text));
  if (!value || *value < 0 || *value > max) {
    throw std::invalid_argument(std::string(what) + " '" + text + "' is not a number from 0 to " +
                                std::to_string(max));
  }
  return static_cast<std::uint16_t>(*value);
}

json srvData(const CloudflareRecord& record) {
  std::istringstream in(record.content);
  std::vector<std::string> fields;
  for (std::string field; in >> field;) fields.push_back(field);
  std::optional<std::uint16_t> priority = record.priority;
  if (fields.size() == 4 && !priority) {
    priority = parseUint16(fields[0], "SRV priority");
    fields.erase(fields.begin());
  }
  if (fields.size() != 3) {
    throw std::invalid_argument("SRV content '" + record.content +
                                "' is not \"weight port target\"");
  }
  if (!priority) throw std::invalid_argument("SRV record without a priority");
  std::string target = fields[2] == "." ? "." : normalizeName(fields[2]);
  return json{{"priority", *priority},
              {"weight", parseUint16(fields[0], "SRV weight")},
              {"port", parseUint16(fields[1], "SRV port")},
              {"target", target}};
}

json caaData(const CloudflareRecord& record) {
  std::string content = trim(record.content);
  auto first = content.find_first_of(" \t");
  auto tag_start = first == std::string::npos ? first : content.find_first_not_of(" \t", first);
  auto tag_end =
      tag_start == std::string::npos ? tag_start : content.find_first_of(" \t", tag_start);
  if (tag_end == std::string::npos) {
    throw std::invalid_argument("CAA content '" + record.content +
                                "' is not 'flags tag \"value\"'");
  }
  std::uint16_t flags = parseUint16(content.substr(0, first), "CAA flags", 255);
  std::string tag = content.substr(tag_start, tag_end - tag_start);
  std::string value = trim(content.substr(tag_end));
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    // The same unquoting TXT gets: one quoted string, \" and \\ unescaped.
    value = normalizeContent("TXT", value);
  }
  return json{{"flags", flags}, {"tag", tag}, {"value", value}};
}

// The JSON for a post (no id) or a patch (with id) of `record`: every field we manage, in the
// shape Cloudflare's record schemas ask for. Throws std::invalid_argument for a record that
// cannot be expressed, so that nothing invalid is sent.
json recordBody(const CloudflareRecord& record, bool with_id) {
  json body = json::object();
  const std::string type = toUpper(record.type);
  if (with_id) {
    if (record.id.empty()) throw std::invalid_argument("an update without a record id");
    body["id"] = record.id;
  }
  if (type.empty()) throw std::invalid_argument("a record without a type");
  std::string name = normalizeName(record.name);
  if (name.empty()) throw std::invalid_argument("a record without a name");
  body["type"] = type;
  body["name"] = name;
  if (type == "SRV") {
    body["data"] = srvData(record);
  } else if (type == "CAA") {
    body["data"] = caaData(record);
  } else {
    if (record.content.empty())
      throw std::invalid_argument("a " + type + " record without content");
    body["content"] = record.content;
  }
  bool proxied = isProxiable(type) && record.proxied;
  // Proxied records always have automatic TTL; sending another would be ignored or refused.
  std::uint32_t ttl = proxied ? kAutomaticTtl : record.ttl;
  if (ttl != kAutomaticTtl && (ttl < 30 || ttl > 86400)) {
    throw std::invalid_argument("TTL " + std::to_string(ttl) +
                                " is neither 1 (automatic) nor 30..86400");
  }
  body["ttl"] = ttl;
  if (isProxiable(type)) body["proxied"] = proxied;
  if (type == "MX") {
    if (!record.priority) throw std::invalid_argument("MX record without a priority");
    body["priority"] = *record.priority;
  }
  if (record.comment.find_first_of("\r\n") != std::string::npos) {
    throw std::invalid_argument("the comment contains a line break");
  }
  body["comment"] = record.comment;
  return body;
}

std::string recordLabel(const CloudflareRecord& record) {
  return normalizeName(record.name) + " " + toUpper(record.type);
}

// The shared state of one client, handed to the helpers below by the public member functions
// (the header keeps the class's private section small).
class Session {
 public:
  Session(const ClientOptions& options, HttpTransport& transport, int& request_count,
          ApiStats& stats, Clock::time_point started,
          const std::function<void(milliseconds)>& sleep, milliseconds& slept)
      : options_(options),
        transport_(transport),
        request_count_(request_count),
        stats_(stats),
        started_(started),
        sleep_(sleep),
        slept_(slept) {}

  std::string scrub(std::string text) const { return scrubSecret(std::move(text), options_.token); }

  // The message for a failed response. The excerpt is cut from the scrubbed body, so that the
  // cut cannot leave part of the token behind.
  std::string message(const Outcome& out) const {
    return scrub(describe(out, excerpt(scrub(out.response.body))));
  }

  ApiError error(const std::string& what, const Outcome& out) const {
    return ApiError(scrub(what) + ": " + message(out), out.status(), out.envelope.codes);
  }

  // One request with its retries. `retry_unknown`: whether a 5xx or a lost connection may be
  // retried (idempotent calls) or must be returned as an unknown outcome (creates, batches).
  Outcome call(const std::string& method, const std::string& path, const std::string& body,
               bool retry_unknown) {
    const std::string what = method + " " + path;
    Outcome out;
    int backoff_step = 0;
    for (;;) {
      milliseconds remaining = options_.deadline - elapsed();
      if (remaining <= milliseconds(0)) {
        throw ApiError(scrub(what) + ": the deadline of " +
                           std::to_string(options_.deadline.count()) +
                           " ms passed before the request could be sent",
                       out.status(), out.envelope.codes);
      }
      HttpRequest request;
      request.method = method;
      request.url = baseUrl() + path;
      request.headers.push_back("Authorization: Bearer " + options_.token);
      request.headers.push_back("Accept: application/json");
      if (!body.empty()) request.headers.push_back("Content-Type: application/json");
      request.body = body;
      ++request_count_;
      ++out.attempts;
      out.response = transport_.send(request, std::min(options_.request_timeout, remaining));
      out.envelope = out.response.status == 0 ? Envelope{} : parseEnvelope(out.response.body);
      countFailure(out.status());

      if (isAuthFailure(out)) throw authError(out);
      const bool limited = isRateLimited(out);
      const bool unknown = !limited && (out.status() == 0 || out.status() >= 500);
      if (!limited && !unknown) return out;
      if (unknown && !retry_unknown) return out;

      std::optional<milliseconds> wait;
      if (limited) wait = retryAfter(out.response);
      if (!wait) wait = backoff(backoff_step++);
      if (out.attempts >= kMaxAttempts || elapsed() + *wait > options_.deadline) {
        throw ApiError(scrub(what) + ": gave up after " + std::to_string(out.attempts) +
                           " attempts: " + message(out),
                       out.status(), out.envelope.codes);
      }
      if (unknown) out.earlier_attempt_unknown = true;
      if (limited) {
        ++stats_.rate_limit_waits;
        stats_.rate_limit_wait += *wait;
      }
      if (options_.on_retry) {
        RetryEvent event;
        event.reason = limited             ? RetryEvent::Reason::kRateLimited
                       : out.status() == 0 ? RetryEvent::Reason::kNoAnswer
                                           : RetryEvent::Reason::kServerError;
        event.status = out.status();
        event.wait = *wait;
        event.attempt = out.attempts + 1;
        options_.on_retry(event);
      }
      sleep_(*wait);
      slept_ += *wait;
    }
  }

  // A GET that must succeed.
  Envelope get(const std::string& path, const std::string& what) {
    Outcome out = call("GET", path, "", true);
    if (!out.ok()) throw error(what, out);
    return std::move(out.envelope);
  }

  // Every item of a paginated listing. Ends at result_info.total_pages, else when total_count
  // items have come, else at an empty page; never trusts the server to have honoured per_page.
  std::vector<json> listAll(const std::string& path, const std::string& query,
                            const std::string& what) {
    std::vector<json> items;
    std::set<std::string> seen;
    long long received = 0;
    for (int page = 1;; ++page) {
      if (page > kMaxPages) {
        throw ApiError(
            scrub(what) + ": the listing did not end after " + std::to_string(kMaxPages) + " pages",
            0, {});
      }
      Envelope envelope = get(path + "?" + query + "&page=" + std::to_string(page), what);
      if (!envelope.result.is_array()) {
        throw ApiError(scrub(what) + ": page " + std::to_string(page) + " has no result list", 200,
                       {});
      }
      if (envelope.result.empty()) break;
      bool any_new = false;
      for (auto& item : envelope.result) {
        std::string id = stringField(item, "id");
        if (!id.empty() && !seen.insert(id).second) continue;  // pages shifted under us
        items.push_back(std::move(item));
        any_new = true;
      }
      received += static_cast<long long>(envelope.result.size());
      // A page of nothing but repeats: the server ignores `page`; reading on would loop.
      if (!any_new) break;
      const json& info = envelope.result_info;
      if (auto total_pages = integerField(info, "total_pages")) {
        if (page >= *total_pages) break;
      } else if (auto total_count = integerField(info, "total_count")) {
        if (received >= *total_count) break;
      }
    }
    return items;
  }

 private:
  milliseconds elapsed() const {
    auto real = std::chrono::duration_cast<milliseconds>(Clock::now() - started_);
    return std::max(real, slept_);
  }

  // Every exchange that did not end in 2xx, before retries decide anything about it.
  void countFailure(int status) {
    if (status == 0) {
      ++stats_.errors["network"];
    } else if (status < 200 || status >= 300) {
      ++stats_.errors[std::to_string(status)];
    }
  }

  std::string baseUrl() const {
    std::string url = options_.api_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
  }

  // Full jitter: uniform in [0, min(cap, base * 2^step)].
  milliseconds backoff(int step) const {
    long long base = std::max<long long>(1, options_.backoff_base.count());
    long long cap = std::max<long long>(0, options_.backoff_cap.count());
    long long ceiling = base;
    for (int i = 0; i < step && ceiling < cap; ++i) ceiling *= 2;
    ceiling = std::min(ceiling, cap);
    std::uniform_int_distribution<long long> pick(0, ceiling);
    return milliseconds(pick(jitterSource()));
  }

  ApiError authError(const Outcome& out) const {
    std::string what = "HTTP " + std::to_string(out.status());
    if (!out.envelope.codes.empty()) {
      what +=
          (out.envelope.codes.size() == 1 ? ", code " : ", codes ") + joinCodes(out.envelope.codes);
    }
    std::string text = "Cloudflare refused the token (" + what + "): " + kScopeHint;
    if (!out.envelope.errors.empty()) text += " (Cloudflare said: " + out.envelope.errors + ")";
    return ApiError(scrub(text), out.status(), out.envelope.codes);
  }

  const ClientOptions& options_;
  HttpTransport& transport_;
  int& request_count_;
  ApiStats& stats_;
  Clock::time_point started_;
  const std::function<void(milliseconds)>& sleep_;
  milliseconds& slept_;
};

OperationResult pendingResult(OperationResult::Kind kind, std::string id, std::string name) {
  OperationResult result{};
  result.kind = kind;
  result.record_id = std::move(id);
  result.name = std::move(name);
  return result;
}

std::string zonePath(const std::string& zone_id) {
  return "/zones/" + encodeComponent(zone_id);
}

// The batch endpoint is missing (older API, a proxy in between), as opposed to a batch refused
// because of one of its records.
bool batchEndpointMissing(const Outcome& out) {
  if (out.hasCode(7000) || out.hasCode(7003)) return true;
  bool no_route_status = out.status() == 404 || out.status() == 405 || out.status() == 501;
  return no_route_status && out.envelope.codes.empty();
}

}  // namespace

const char* retryReasonName(RetryEvent::Reason reason) {
  switch (reason) {
    case RetryEvent::Reason::kRateLimited:
      return "rate-limited";
    case RetryEvent::Reason::kServerError:
      return "server-error";
    case RetryEvent::Reason::kNoAnswer:
      return "no-answer";
  }
  return "unknown";
}

bool ApiError::hasCode(int code) const {
  return std::find(codes_.begin(), codes_.end(), code) != codes_.end();
}

CloudflareClient::CloudflareClient(ClientOptions options, HttpTransport& transport)
    : options_(std::move(options)), transport_(transport), started_(Clock::now()) {
  // A line break in the token would let it forge headers; refuse it without printing it.
  if (std::any_of(options_.token.begin(), options_.token.end(),
                  [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    throw std::invalid_argument("the API token contains control characters");
  }
  // The token travels in a header: over plain HTTP anyone on the path reads it. Loopback is
  // allowed for test doubles and local proxies, which never leave the machine.
  const std::string lower_url = [&] {
    std::string u = options_.api_url.substr(0, 8);
    std::transform(u.begin(), u.end(), u.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return u;
  }();
  if (lower_url.rfind("http://", 0) == 0 && !isLoopbackHost(urlHost(options_.api_url)))
    throw std::invalid_argument("refusing to send the API token over plain http to " +
                                urlHost(options_.api_url) +
                                ": use an https:// API URL (http:// is accepted only on loopback)");
  setSleeper(nullptr);
}

void CloudflareClient::setSleeper(std::function<void(std::chrono::milliseconds)> sleeper) {
  if (sleeper) {
    sleep_ = std::move(sleeper);
  } else {
    sleep_ = [](std::chrono::milliseconds wait) { std::this_thread::sleep_for(wait); };
  }
}

std::string CloudflareClient::findZoneId(const std::string& zone_name) {
  Session session(options_, transport_, request_count_, api_stats_, started_, sleep_, slept_);
  const std::string wanted = normalizeName(zone_name);
  const std::string what = "looking up the Cloudflare zone " + wanted;
  auto zones = session.listAll(
      "/zones", "name=" + encodeComponent(wanted) + "&per_page=" + std::to_string(kZonePageSize),
      what);
  std::vector<std::string> ids;
  for (const auto& zone : zones) {
    if (normalizeName(stringField(zone, "name")) != wanted) continue;
    std::string id = stringField(zone, "id");
    if (!id.empty()) ids.push_back(id);
  }
  const std::string hint = "set the zone id in the zone file as cloudflare.zone-id";
  if (ids.empty()) {
    throw ApiError(session.scrub("no Cloudflare zone named " + wanted +
                                 " is visible to this token; check the zone name and the "
                                 "token's zones, or " +
                                 hint),
                   0, {});
  }
  if (ids.size() > 1) {
    std::string list;
    for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
    throw ApiError(session.scrub(std::to_string(ids.size()) + " Cloudflare zones are named " +
                                 wanted + " (ids " + list + "); " + hint + " to pick one"),
                   0, {});
  }
  return ids.front();
}

std::vector<CloudflareRecord> CloudflareClient::listRecords(const std::string& zone_id) {
  Session session(options_, transport_, request_count_, api_stats_, started_, sleep_, slept_);
  const std::string what = "listing the DNS records of zone " + zone_id;
  auto items = session.listAll(zonePath(zone_id) + "/dns_records",
                               "per_page=" + std::to_string(std::max(1, options_.page_size)), what);
  std::vector<CloudflareRecord> records;
  records.reserve(items.size());
  for (const auto& item : items) {
    try {
      records.push_back(parseRecord(item));
    } catch (const std::exception& e) {
      throw ApiError(session.scrub(what + ": malformed record: " + e.what()), 200, {});
    }
  }
  return records;
}

std::vector<OperationResult> CloudflareClient::apply(const std::string& zone_id,
                                                     const RecordChanges& changes) {
  Session session(options_, transport_, request_count_, api_stats_, started_, sleep_, slept_);
  const std::string records_path = zonePath(zone_id) + "/dns_records";

  // Every operation in Cloudflare's order, with the JSON item it is sent as.
  struct Operation {
    json item;  // delete: {id}; patch: with id; post: without
    bool sendable = true;
  };
  std::vector<OperationResult> results;
  std::vector<Operation> ops;
  results.reserve(changes.size());
  ops.reserve(changes.size());
  for (const auto& id : changes.deletes) {
    results.push_back(pendingResult(OperationResult::Kind::kDelete, id, "record " + id));
    ops.push_back({json{{"id", id}}});
    if (id.empty()) {
      ops.back().sendable = false;
      results.back().error = "not sent: a delete without a record id";
    }
  }
  auto add = [&](OperationResult::Kind kind, const CloudflareRecord& record, bool with_id) {
    results.push_back(
        pendingResult(kind, with_id ? record.id : std::string(), recordLabel(record)));
    ops.emplace_back();
    try {
      ops.back().item = recordBody(record, with_id);
    } catch (const std::invalid_argument& e) {
      ops.back().sendable = false;
      results.back().error = session.scrub(std::string("not sent: ") + e.what());
    }
  };
  for (const auto& record : changes.patches) add(OperationResult::Kind::kPatch, record, true);
  for (const auto& record : changes.posts) add(OperationResult::Kind::kPost, record, false);

  std::vector<std::size_t> sendable;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].sendable) sendable.push_back(i);
  }

  // One operation through the single-record endpoints.
  auto single = [&](std::size_t i) {
    OperationResult& result = results[i];
    const json& item = ops[i].item;
    Outcome out;
    switch (result.kind) {
      case OperationResult::Kind::kDelete:
        out = session.call("DELETE", records_path + "/" + encodeComponent(result.record_id), "",
                           true);
        // Gone after an attempt whose answer was lost: that attempt did it.
        if (!out.ok() && out.hasCode(81044) && out.earlier_attempt_unknown) {
          result.ok = true;
          return;
        }
        break;
      case OperationResult::Kind::kPatch: {
        json body = item;
        body.erase("id");
        out = session.call("PATCH", records_path + "/" + encodeComponent(result.record_id),
                           body.dump(), true);
        break;
      }
      case OperationResult::Kind::kPost:
        out = session.call("POST", records_path, item.dump(), false);
        if (out.ok()) result.record_id = stringField(out.envelope.result, "id");
        break;
    }
    result.ok = out.ok();
    if (!result.ok) {
      result.codes = out.envelope.codes;
      result.outcome_unknown = out.unknown();
      result.error = out.unknown() ? "outcome unknown: " + session.message(out) + "; will re-list"
                                   : session.message(out);
    }
  };

  const std::size_t chunk_size =
      static_cast<std::size_t>(std::clamp(options_.batch_size, 1, kMaxBatchSize));
  bool batch_available = true;
  for (std::size_t start = 0; start < sendable.size(); start += chunk_size) {
    const std::size_t end = std::min(sendable.size(), start + chunk_size);
    if (batch_available) {
      json deletes = json::array(), patches = json::array(), posts = json::array();
      for (std::size_t k = start; k < end; ++k) {
        std::size_t i = sendable[k];
        switch (results[i].kind) {
          case OperationResult::Kind::kDelete:
            deletes.push_back(ops[i].item);
            break;
          case OperationResult::Kind::kPatch:
            patches.push_back(ops[i].item);
            break;
          case OperationResult::Kind::kPost:
            posts.push_back(ops[i].item);
            break;
        }
      }
      json body = json::object();
      if (!deletes.empty()) body["deletes"] = std::move(deletes);
      if (!patches.empty()) body["patches"] = std::move(patches);
      if (!posts.empty()) body["posts"] = std::move(posts);

      Outcome out = session.call("POST", records_path + "/batch", body.dump(), false);
      if (out.ok()) {
        const json& result = out.envelope.result;
        const json* created = nullptr;
        if (result.is_object()) {
          if (auto it = result.find("posts"); it != result.end() && it->is_array()) {
            created = &*it;
          }
        }
        std::size_t post_index = 0;
        for (std::size_t k = start; k < end; ++k) {
          OperationResult& r = results[sendable[k]];
          r.ok = true;
          if (r.kind == OperationResult::Kind::kPost) {
            if (created && post_index < created->size()) {
              r.record_id = stringField((*created)[post_index], "id");
            }
            ++post_index;
          }
        }
        continue;
      }
      if (out.unknown()) {
        // The batch may have been applied in full: repeating it could create duplicates, and
        // later chunks were planned against a listing that may no longer hold.
        const std::string error = "outcome unknown: " + session.message(out) + "; will re-list";
        for (std::size_t k = start; k < sendable.size(); ++k) {
          OperationResult& r = results[sendable[k]];
          r.codes = out.envelope.codes;
          r.outcome_unknown = true;
          r.error = k < end ? error
                            : "not attempted: an earlier batch's outcome is unknown; will re-list";
        }
        return results;
      }
      if (batchEndpointMissing(out)) batch_available = false;
      // Otherwise the batch was refused as a whole for one of its records (all or nothing):
      // one call per operation lets the others through and says which one is at fault.
    }
    for (std::size_t k = start; k < end; ++k) single(sendable[k]);
  }
  return results;
}

std::string readApiToken(const std::string& token_file) {
  std::string token;
  std::string source;
  if (!token_file.empty()) {
    source = "the token file " + token_file;
    std::ifstream in(token_file);
    if (!in) {
      throw std::runtime_error("cannot read the API token from " + token_file + ": " +
                               std::strerror(errno));
    }
    std::getline(in, token);
    if (in.bad()) {
      throw std::runtime_error("cannot read the API token from " + token_file + ": " +
                               std::strerror(errno));
    }
    token = trim(token);
    if (token.empty()) {
      throw std::runtime_error("cannot read the API token from " + token_file +
                               ": its first line is empty");
    }
  } else {
    source = "CLOUDFLARE_API_TOKEN";
    const char* env = std::getenv("CLOUDFLARE_API_TOKEN");
    token = env == nullptr ? std::string() : trim(env);
    if (token.empty()) {
      throw std::runtime_error(
          "no Cloudflare API token: set the environment variable CLOUDFLARE_API_TOKEN, or pass "
          "--token-file with a file whose first line is the token");
    }
  }
  if (std::any_of(token.begin(), token.end(),
                  [](unsigned char c) { return c <= 0x20 || c == 0x7f; })) {
    throw std::runtime_error("the API token in " + source +
                             " contains spaces or control characters");
  }
  return token;
}

}  // namespace horizon::sync
