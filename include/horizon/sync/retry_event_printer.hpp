// The printed forms of the client's RetryEvent: what horizon-sync and dnsctl say while a run waits
// for the API (a rate limit, a backoff after a 5xx), as a line for people or a JSON line.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "horizon/sync/cloudflare_client.hpp"

namespace horizon::sync {

/// The line for people: "rate limited, retrying in 20 s (attempt 3)", "HTTP 502, backing off
/// 4 s (attempt 2)", "no answer, backing off 0.5 s (attempt 2)".
std::string retryEventText(const RetryEvent& event);

/// The JSON form: {"event":"retry","reason":"rate-limited","status":429,"wait_seconds":20,
/// "attempt":3}; wait_seconds is a whole number when the wait is whole seconds.
nlohmann::json retryEventToJson(const RetryEvent& event);

/// A callback that writes each event on `err` as one line, flushed: the JSON form with `json`,
/// else "PROGRAM: text".
std::function<void(const RetryEvent&)> retryEventWriter(std::string program, bool json,
                                                        std::ostream& err);

}  // namespace horizon::sync
