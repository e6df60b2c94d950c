// RFC 9018 server cookies: layout, hash input and the freshness window.
#include "horizon/edns/server_cookie.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace horizon::edns {
namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::uint32_t kMaxAge = 3600;   // RFC 9018 4.3: older than an hour is invalid
constexpr std::uint32_t kMaxAhead = 300;  // and more than five minutes in the future too

SipKey randomKey() {
  SipKey key{};
  std::size_t got = 0;
  while (got < key.size()) {
    const ssize_t n = ::getrandom(key.data() + got, key.size() - got, 0);
    if (n < 0) throw std::runtime_error("getrandom failed: no cookie secret");
    got += static_cast<std::size_t>(n);
  }
  return key;
}

std::uint64_t word(const SipKey& key, int i) {
  std::uint64_t w = 0;
  std::memcpy(&w, key.data() + 8 * i, 8);
  return w;
}

}  // namespace

std::array<std::uint8_t, kServerCookieSize> makeServerCookie(
    std::span<const std::uint8_t, kClientCookieSize> client_cookie, const ip::ClientAddress& client,
    std::uint32_t now, const SipKey& secret) {
  std::array<std::uint8_t, kServerCookieSize> cookie{};
  cookie[0] = kVersion;  // then three reserved zero octets
  cookie[4] = static_cast<std::uint8_t>(now >> 24);
  cookie[5] = static_cast<std::uint8_t>(now >> 16);
  cookie[6] = static_cast<std::uint8_t>(now >> 8);
  cookie[7] = static_cast<std::uint8_t>(now);
  // Hash input: client cookie | version | reserved | timestamp | client address.
  std::uint8_t input[kClientCookieSize + 8 + 16];
  std::memcpy(input, client_cookie.data(), kClientCookieSize);
  std::memcpy(input + kClientCookieSize, cookie.data(), 8);
  const std::size_t address_size = client.is_v6 ? 16 : 4;
  std::memcpy(input + kClientCookieSize + 8, client.bytes.data(), address_size);
  const auto hash = sipHash24(secret, std::span(input, kClientCookieSize + 8 + address_size));
  std::copy(hash.begin(), hash.end(), cookie.begin() + 8);
  return cookie;
}

CookieSecrets::CookieSecrets() : CookieSecrets(randomKey()) {}

CookieSecrets::CookieSecrets(const SipKey& secret) {
  store(0, secret);
}

void CookieSecrets::rotate() {
  const std::uint32_t next = generation_.load(std::memory_order_relaxed) + 1;
  store(next, randomKey());
  generation_.store(next, std::memory_order_release);
}

SipKey CookieSecrets::load(std::uint32_t generation) const {
  const Slot& slot = slots_[generation % 3];
  SipKey key{};
  const std::uint64_t w0 = slot.words[0].load(std::memory_order_relaxed);
  const std::uint64_t w1 = slot.words[1].load(std::memory_order_relaxed);
  std::memcpy(key.data(), &w0, 8);
  std::memcpy(key.data() + 8, &w1, 8);
  return key;
}

void CookieSecrets::store(std::uint32_t generation, const SipKey& key) {
  Slot& slot = slots_[generation % 3];
  slot.words[0].store(word(key, 0), std::memory_order_relaxed);
  slot.words[1].store(word(key, 1), std::memory_order_relaxed);
}

CookieState judgeServerCookie(std::span<const std::uint8_t, kClientCookieSize> client_cookie,
                              std::span<const std::uint8_t> server_cookie,
                              const ip::ClientAddress& client, std::uint32_t now,
                              const CookieSecrets& secrets) {
  if (server_cookie.size() != kServerCookieSize || server_cookie[0] != kVersion)
    return CookieState::kInvalid;
  const std::uint32_t stamp = (static_cast<std::uint32_t>(server_cookie[4]) << 24) |
                              (static_cast<std::uint32_t>(server_cookie[5]) << 16) |
                              (static_cast<std::uint32_t>(server_cookie[6]) << 8) |
                              server_cookie[7];
  // Serial-number arithmetic (RFC 1982): the difference, read as signed, survives 2106.
  const auto age = static_cast<std::int32_t>(now - stamp);
  if (age > static_cast<std::int32_t>(kMaxAge) || -age > static_cast<std::int32_t>(kMaxAhead))
    return CookieState::kInvalid;
  for (const SipKey& secret : {secrets.current(), secrets.previous()}) {
    const auto expected = makeServerCookie(client_cookie, client, stamp, secret);
    // Compared in constant time: how long a rejection takes must not say how much was right.
    std::uint8_t difference = 0;
    for (std::size_t i = 0; i < kServerCookieSize; ++i)
      difference |= expected[i] ^ server_cookie[i];
    if (difference == 0) return CookieState::kValid;
  }
  return CookieState::kInvalid;
}

}  // namespace horizon::edns
