// Private to the network module: response rate limiting (RRL) of UDP answers, in the manner of
// BIND and NSD. Answers are counted per client network (an IPv4 /24 or IPv6 /56 by default) and
// per kind: answers with data by name and type, NXDOMAIN by zone view, errors by view alone. Past
// the view's rate, answers are dropped, and every slip-th one is sent truncated instead so a real
// client still gets through over TCP, while a spoofed victim of a reflection attack gets little.
// One limiter per UDP thread: a fixed table, no locks, no allocation after construction; a flood
// from many networks evicts entries but never grows it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "horizon/ip/address.hpp"
#include "horizon/zone/rate_limit.hpp"

namespace horizon::net {

/// What to do with one UDP answer.
enum class LimitAction : std::uint8_t {
  kSend,  // within the rate
  kSlip,  // over it: send a truncated answer (ResponseLimiter::truncate) instead
  kDrop,  // over it: send nothing
};

/// One thread's response rate limiter. Not thread-safe; only its thread may call it.
class ResponseLimiter {
 public:
  static constexpr std::size_t kWays = 4;     // entries a key may sit in
  static constexpr std::size_t kSets = 4096;  // 16,384 entries, 384 KiB

  /// A limiter whose keys are hashed with `seed` (random in the server, so that no client can
  /// aim its keys at one set of the table).
  explicit ResponseLimiter(std::uint64_t seed);

  /// Decides whether `response`, an answer about to be sent to `client` from a view with
  /// `settings` (enabled) and `scope`, is within its rate at `now_ms` (a monotonic clock in
  /// milliseconds; it may wrap).
  LimitAction decide(const ip::ClientAddress& client, const zone::RateLimitSettings& settings,
                     std::uint64_t scope, std::span<const std::uint8_t> response,
                     std::uint32_t now_ms);

  /// Rewrites `response` in place into its truncated form (RFC 2181 9, RFC 1035 4.1.1): the
  /// header with TC set, the question and the OPT record, no answer or authority records. Returns
  /// the new size (the header alone when the question cannot be read).
  static std::size_t truncate(std::span<std::uint8_t> response);

 private:
  struct Entry {
    std::uint64_t key = 0;  // 0: free
    std::uint32_t last_ms = 0;
    std::int32_t credit = 0;    // thousandths of an answer
    std::uint32_t rate = 0;     // answers per second when last seen
    std::uint32_t limited = 0;  // answers over the rate so far, for the slip count
  };

  std::unique_ptr<Entry[]> table_;
  std::uint64_t seed_;
};

}  // namespace horizon::net
