// Waits are printed whether or not stderr is a terminal: an apply that is rate limited in a log is
// as much worth explaining as one on a screen, and the line is the same for both.
#include "horizon/sync/retry_event_printer.hpp"

#include <cstdio>

namespace horizon::sync {
namespace {

// "20", "1.5", "0.4": whole seconds without a fraction, otherwise tenths (rounded up, so that a
// short wait never reads as 0).
std::string seconds(std::chrono::milliseconds wait) {
  const long long ms = wait.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000);
  const long long tenths = (ms + 99) / 100;
  if (tenths % 10 == 0) return std::to_string(tenths / 10);
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

}  // namespace

std::string retryEventText(const RetryEvent& event) {
  const std::string attempt = " (attempt " + std::to_string(event.attempt) + ")";
  switch (event.reason) {
    case RetryEvent::Reason::kRateLimited:
      return "rate limited, retrying in " + seconds(event.wait) + " s" + attempt;
    case RetryEvent::Reason::kServerError:
      return "HTTP " + std::to_string(event.status) + ", backing off " + seconds(event.wait) +
             " s" + attempt;
    case RetryEvent::Reason::kNoAnswer:
      break;
  }
  return "no answer, backing off " + seconds(event.wait) + " s" + attempt;
}

nlohmann::json retryEventToJson(const RetryEvent& event) {
  nlohmann::json wait_seconds =
      event.wait.count() % 1000 == 0
          ? nlohmann::json(event.wait.count() / 1000)
          : nlohmann::json(static_cast<double>(event.wait.count()) / 1000);
  return {{"event", "retry"},
          {"reason", retryReasonName(event.reason)},
          {"status", event.status},
          {"wait_seconds", wait_seconds},
          {"attempt", event.attempt}};
}

std::function<void(const RetryEvent&)> retryEventWriter(std::string program, bool json,
                                                        std::ostream& err) {
  return [program = std::move(program), json, &err](const RetryEvent& event) {
    if (json)
      err << retryEventToJson(event).dump() << "\n";
    else
      err << program << ": " << retryEventText(event) << "\n";
    err.flush();
  };
}

}  // namespace horizon::sync
