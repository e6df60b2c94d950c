// Private to the network module: a per-thread cap on repeated error messages.
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

namespace horizon::net {

/// Lets through a few messages per second and counts the rest, so a flood of bad packets cannot
/// turn into a flood of log lines. One per thread; not thread-safe.
class LogLimiter {
 public:
  static constexpr unsigned kPerSecond = 10;

  /// True when the next message may be logged; says how many were suppressed once a second.
  bool allow() {
    const auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= std::chrono::seconds(1)) {
      if (suppressed_ > 0) spdlog::warn("{} similar errors suppressed", suppressed_);
      window_start_ = now;
      in_window_ = 0;
      suppressed_ = 0;
    }
    if (in_window_ < kPerSecond) {
      ++in_window_;
      return true;
    }
    ++suppressed_;
    return false;
  }

  /// Logs a warning when allow() lets it through.
  template <typename... Args>
  void warn(spdlog::format_string_t<Args...> format, Args&&... args) {
    if (allow()) spdlog::warn(format, std::forward<Args>(args)...);
  }

 private:
  std::chrono::steady_clock::time_point window_start_{};
  unsigned in_window_ = 0;
  unsigned long suppressed_ = 0;
};

}  // namespace horizon::net
