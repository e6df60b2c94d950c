// Cloudflare API v4 client for the DNS records of one zone: zone lookup, complete listings,
// batched and single-record writes. Retries 429 after Retry-After and 5xx or connection errors
// with capped, jittered exponential backoff, all within one overall deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "horizon/sync/cloudflare_record.hpp"
#include "horizon/sync/http_transport.hpp"

namespace horizon::sync {

/// Cloudflare's default API base URL.
inline constexpr const char* kDefaultApiUrl = "https://api.cloudflare.com/client/v4";

/// A wait between two attempts of one call, told before the client sleeps, so that a program can
/// say what it waits for instead of going silent until the deadline.
struct RetryEvent {
  enum class Reason {
    kRateLimited,  // 429 or a rate-limit code: waits Retry-After, else backs off
    kServerError,  // 5xx on a call that may be repeated: backs off
    kNoAnswer,     // no HTTP answer (connection refused, reset, timed out): backs off
  };
  Reason reason = Reason::kRateLimited;
  int status = 0;  // the HTTP status of the attempt that failed; 0 without an answer
  std::chrono::milliseconds wait{0};
  int attempt = 0;  // the attempt that follows the wait: 2 for the first retry
};

/// "rate-limited", "server-error" or "no-answer": the reason as JSON output names it.
const char* retryReasonName(RetryEvent::Reason reason);

/// How the client talks to the API.
struct ClientOptions {
  std::string api_url = kDefaultApiUrl;         // no trailing slash needed
  std::string token;                            // never printed, logged or put in an error
  std::chrono::milliseconds deadline{120'000};  // for the whole run, retries included
  std::chrono::milliseconds request_timeout{30'000};
  std::chrono::milliseconds backoff_base{500};  // first 5xx/connection retry waits up to this
  std::chrono::milliseconds backoff_cap{8'000};
  int page_size = 100;   // per_page asked for in listings (the server may give fewer)
  int batch_size = 200;  // operations per batch call, 1..200 (Cloudflare Free's limit)
  std::function<void(const RetryEvent&)> on_retry;  // told of each wait; may be empty
};

/// An API failure after retries. `codes` are Cloudflare's error codes from the envelope.
class ApiError : public std::runtime_error {
 public:
  ApiError(const std::string& message, int http_status, std::vector<int> codes)
      : std::runtime_error(message), http_status_(http_status), codes_(std::move(codes)) {}
  int httpStatus() const { return http_status_; }
  const std::vector<int>& codes() const { return codes_; }
  /// True when one of `codes` is `code`.
  bool hasCode(int code) const;

 private:
  int http_status_;
  std::vector<int> codes_;
};

/// What the API answered besides success, for horizon-sync's metrics: exchanges that failed, by
/// HTTP status, and the waits rate limiting asked for. Retries count one by one.
struct ApiStats {
  std::map<std::string, std::uint64_t> errors;   // "429", "503", ...; "network": no HTTP answer
  std::uint64_t rate_limit_waits = 0;            // 429s (or rate-limit codes) waited out
  std::chrono::milliseconds rate_limit_wait{0};  // the time those waits took
};

/// Writes for one zone, in Cloudflare's batch order: deletes, patches, puts, posts.
struct RecordChanges {
  std::vector<std::string> deletes;       // record ids
  std::vector<CloudflareRecord> patches;  // id plus the fields to set (all of ours are sent)
  std::vector<CloudflareRecord> posts;    // new records, id empty
  std::size_t size() const { return deletes.size() + patches.size() + posts.size(); }
};

/// The outcome of applying one operation.
struct OperationResult {
  enum class Kind { kDelete, kPatch, kPost } kind;
  std::string record_id;  // for posts: the id Cloudflare gave, when it succeeded
  std::string name;       // for messages ("grafana.madhan.app A")
  bool ok = false;
  std::string error;  // Cloudflare's message and code when !ok
  std::vector<int> codes;
  /// The write may or may not have happened (5xx, dropped connection), or was not attempted
  /// because an earlier one's outcome is unknown: list again before deciding anything.
  bool outcome_unknown = false;
};

/// Talks to the API. Not thread-safe; one per run.
class CloudflareClient {
 public:
  CloudflareClient(ClientOptions options, HttpTransport& transport);

  /// The id of the zone named `zone_name`: exactly one exact-name match, else ApiError.
  std::string findZoneId(const std::string& zone_name);

  /// Every record of the zone, reading every page.
  std::vector<CloudflareRecord> listRecords(const std::string& zone_id);

  /// Applies `changes` in batches of at most options.batch_size operations. A batch refused as a
  /// whole is retried one operation at a time with the single-record calls, so one bad record
  /// does not hold back the others. Throws ApiError only for failures that stop the run
  /// (authentication, deadline); per-operation failures are in the results.
  std::vector<OperationResult> apply(const std::string& zone_id, const RecordChanges& changes);

  /// Requests made so far (each HTTP exchange, retries included), for reports and tests.
  int requestCount() const { return request_count_; }

  /// Failed exchanges and rate-limit waits so far.
  const ApiStats& apiStats() const { return api_stats_; }

  /// Replaces the sleep used between retries (tests); the default sleeps for real.
  void setSleeper(std::function<void(std::chrono::milliseconds)> sleeper);

 private:
  ClientOptions options_;
  HttpTransport& transport_;
  int request_count_ = 0;
  ApiStats api_stats_;
  std::chrono::steady_clock::time_point started_;
  std::function<void(std::chrono::milliseconds)> sleep_;
  // Sum of the waits asked of sleep_. The deadline clock is the larger of this and the real time
  // elapsed, so a test's sleeper that only records waits still runs into the deadline.
  std::chrono::milliseconds slept_{0};
};

/// Reads the token: CLOUDFLARE_API_TOKEN, or the first line of `token_file` when given (it wins).
/// Throws std::runtime_error naming the source (never the token) when neither yields one.
std::string readApiToken(const std::string& token_file);

}  // namespace horizon::sync
