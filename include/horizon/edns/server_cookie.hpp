// Interoperable DNS server cookies (RFC 9018 on RFC 7873): made from the client cookie, the
// client's address, a timestamp and a secret, so any server holding the secret can check them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>

#include "horizon/edns/siphash.hpp"
#include "horizon/ip/address.hpp"

namespace horizon::edns {

constexpr std::size_t kClientCookieSize = 8;
constexpr std::size_t kServerCookieSize = 16;  // version 1: version, reserved, time, hash

/// A version-1 server cookie (RFC 9018 4.2) for `client_cookie` from `client` at `now` (seconds
/// since the epoch, modulo 2^32) under `secret`.
std::array<std::uint8_t, kServerCookieSize> makeServerCookie(
    std::span<const std::uint8_t, kClientCookieSize> client_cookie, const ip::ClientAddress& client,
    std::uint32_t now, const SipKey& secret);

/// The server cookie secret and the one before it, so cookies handed out just before a rotation
/// stay valid (RFC 9018 5). Readers on any thread, lock-free; rotate() from one thread.
class CookieSecrets {
 public:
  /// Secrets drawn from the system's random source.
  CookieSecrets();
  /// A fixed secret (replicas behind one address share it); previous equals current.
  explicit CookieSecrets(const SipKey& secret);

  /// The secret new cookies are made with.
  SipKey current() const { return load(generation_.load(std::memory_order_acquire)); }
  /// The secret before the last rotation (the current one when there was none).
  SipKey previous() const {
    const std::uint32_t g = generation_.load(std::memory_order_acquire);
    return load(g == 0 ? 0 : g - 1);
  }
  /// Replaces the current secret with a fresh random one, keeping it as the previous.
  void rotate();

 private:
  // Three slots: the current, the previous, and the one the next rotation writes, so a reader
  // never shares a slot with the writer unless two rotations pass during one read.
  struct Slot {
    std::atomic<std::uint64_t> words[2];
  };
  SipKey load(std::uint32_t generation) const;
  void store(std::uint32_t generation, const SipKey& key);

  Slot slots_[3];
  std::atomic<std::uint32_t> generation_{0};
};

/// What a query's COOKIE option proved (RFC 7873 5.2).
enum class CookieState : std::uint8_t {
  kNone,        // no COOKIE option
  kClientOnly,  // a client cookie alone: a first contact, or a client that lost its cookie
  kValid,       // a server cookie we made for this client, recently: the address is proven
  kInvalid,     // a server cookie we did not make, for another address, or too old
};

/// Judges `server_cookie` (8 to 32 octets, as the client sent it) against `client_cookie` and
/// `client` at `now`: valid when it is a version-1 cookie made with either secret at most an hour
/// ago and at most five minutes ahead (RFC 9018 4.3).
CookieState judgeServerCookie(std::span<const std::uint8_t, kClientCookieSize> client_cookie,
                              std::span<const std::uint8_t> server_cookie,
                              const ip::ClientAddress& client, std::uint32_t now,
                              const CookieSecrets& secrets);

}  // namespace horizon::edns
