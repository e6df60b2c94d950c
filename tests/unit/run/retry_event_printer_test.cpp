// The lines horizon-sync and dnsctl print while a run waits for the API.
#include "horizon/sync/retry_event_printer.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace horizon::sync {
namespace {

using std::chrono::milliseconds;

RetryEvent event(RetryEvent::Reason reason, int status, long long wait_ms, int attempt) {
  RetryEvent e;
  e.reason = reason;
  e.status = status;
  e.wait = milliseconds(wait_ms);
  e.attempt = attempt;
  return e;
}

TEST(RetryEventPrinterTest, TextSaysWhatIsWaitedForAndHowLong) {
  EXPECT_EQ(retryEventText(event(RetryEvent::Reason::kRateLimited, 429, 20000, 3)),
            "rate limited, retrying in 20 s (attempt 3)");
  EXPECT_EQ(retryEventText(event(RetryEvent::Reason::kServerError, 502, 4000, 2)),
            "HTTP 502, backing off 4 s (attempt 2)");
  EXPECT_EQ(retryEventText(event(RetryEvent::Reason::kNoAnswer, 0, 1500, 2)),
            "no answer, backing off 1.5 s (attempt 2)");
  // Tenths, rounded up: a short backoff never reads as 0 s.
  EXPECT_EQ(retryEventText(event(RetryEvent::Reason::kServerError, 503, 3, 2)),
            "HTTP 503, backing off 0.1 s (attempt 2)");
  EXPECT_EQ(retryEventText(event(RetryEvent::Reason::kServerError, 503, 1999, 2)),
            "HTTP 503, backing off 2 s (attempt 2)");
}

TEST(RetryEventPrinterTest, JsonIsOneObjectWithTheReasonNamed) {
  EXPECT_EQ(retryEventToJson(event(RetryEvent::Reason::kRateLimited, 429, 20000, 3)).dump(),
            R"({"attempt":3,"event":"retry","reason":"rate-limited","status":429,)"
            R"("wait_seconds":20})");
  nlohmann::json j = retryEventToJson(event(RetryEvent::Reason::kNoAnswer, 0, 250, 2));
  EXPECT_EQ(j["reason"], "no-answer");
  EXPECT_EQ(j["status"], 0);
  EXPECT_DOUBLE_EQ(j["wait_seconds"].get<double>(), 0.25);
}

TEST(RetryEventPrinterTest, WriterPrintsOneLinePerEvent) {
  std::ostringstream text, json;
  retryEventWriter("horizon-sync", false,
                   text)(event(RetryEvent::Reason::kServerError, 502, 4000, 2));
  retryEventWriter("dnsctl", true, json)(event(RetryEvent::Reason::kRateLimited, 429, 1000, 2));
  retryEventWriter("dnsctl", true, json)(event(RetryEvent::Reason::kRateLimited, 429, 1000, 3));
  EXPECT_EQ(text.str(), "horizon-sync: HTTP 502, backing off 4 s (attempt 2)\n");
  std::istringstream lines(json.str());
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count)
    EXPECT_EQ(nlohmann::json::parse(line)["event"], "retry") << line;
  EXPECT_EQ(count, 2);
}

}  // namespace
}  // namespace horizon::sync
