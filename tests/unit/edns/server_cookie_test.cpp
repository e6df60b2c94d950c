// SipHash-2-4 and RFC 9018 server cookies (server/edns): the published vectors, the freshness
// window, and secret rotation.
#include "horizon/edns/server_cookie.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "horizon/edns/siphash.hpp"

namespace horizon::edns {
namespace {

std::vector<std::uint8_t> fromHex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string toHex(std::span<const std::uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

SipKey keyFromHex(const std::string& hex) {
  SipKey key{};
  const auto bytes = fromHex(hex);
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return key;
}

ip::ClientAddress address(const char* text) {
  return *ip::ClientAddress::fromString(text);
}

TEST(SipHash, ThePublishedVectors) {
  // The SipHash paper's example and the reference implementation's first vector: key 00..0f,
  // input 00..0e, and the empty input.
  const SipKey key = keyFromHex("000102030405060708090a0b0c0d0e0f");
  const auto fifteen = fromHex("000102030405060708090a0b0c0d0e");
  EXPECT_EQ(toHex(sipHash24(key, fifteen)), "e545be4961ca29a1");
  EXPECT_EQ(toHex(sipHash24(key, {})), "310e0edd47db6f72");
}

TEST(ServerCookie, Rfc9018AppendixA) {
  // RFC 9018 A.1: a client learning a new server cookie from 198.51.100.100.
  const auto client_cookie = fromHex("2464c4abcf10c957");
  const auto cookie = makeServerCookie(std::span<const std::uint8_t, 8>(client_cookie.data(), 8),
                                       address("198.51.100.100"), 1559731985,
                                       keyFromHex("e5e973e5a6b2a43f48e7dc849e37bfcf"));
  EXPECT_EQ(toHex(cookie), "010000005cf79f111f8130c3eee29480");
}

class JudgeTest : public ::testing::Test {
 protected:
  const std::vector<std::uint8_t> client_cookie = fromHex("0102030405060708");
  std::span<const std::uint8_t, 8> client() const {
    return std::span<const std::uint8_t, 8>(client_cookie.data(), 8);
  }
  CookieSecrets secrets{keyFromHex("00112233445566778899aabbccddeeff")};
  const ip::ClientAddress from = address("127.0.0.1");
};

TEST_F(JudgeTest, OurCookieForThisClientIsValidForAnHour) {
  const std::uint32_t made = 1'800'000'000;
  const auto cookie = makeServerCookie(client(), from, made, secrets.current());
  EXPECT_EQ(judgeServerCookie(client(), cookie, from, made, secrets), CookieState::kValid);
  EXPECT_EQ(judgeServerCookie(client(), cookie, from, made + 3600, secrets), CookieState::kValid);
  EXPECT_EQ(judgeServerCookie(client(), cookie, from, made + 3601, secrets), CookieState::kInvalid);
  EXPECT_EQ(judgeServerCookie(client(), cookie, from, made - 300, secrets), CookieState::kValid);
  EXPECT_EQ(judgeServerCookie(client(), cookie, from, made - 301, secrets), CookieState::kInvalid);
}

TEST_F(JudgeTest, AnotherAddressClientCookieOrSecretIsInvalid) {
  const std::uint32_t now = 1'800'000'000;
  auto cookie = makeServerCookie(client(), from, now, secrets.current());
  EXPECT_EQ(judgeServerCookie(client(), cookie, address("127.0.0.2"), now, secrets),
            CookieState::kInvalid);
  const auto other = fromHex("0102030405060709");
  EXPECT_EQ(judgeServerCookie(std::span<const std::uint8_t, 8>(other.data(), 8), cookie, from, now,
                              secrets),
            CookieState::kInvalid);
  CookieSecrets elsewhere{keyFromHex("ffeeddccbbaa99887766554433221100")};
  EXPECT_EQ(judgeServerCookie(client(), cookie, from, now, elsewhere), CookieState::kInvalid);
  cookie[15] ^= 1;
  EXPECT_EQ(judgeServerCookie(client(), cookie, from, now, secrets), CookieState::kInvalid);
  // Wrong length or version.
  EXPECT_EQ(judgeServerCookie(client(), std::span(cookie.data(), 8), from, now, secrets),
            CookieState::kInvalid);
  cookie = makeServerCookie(client(), from, now, secrets.current());
  cookie[0] = 2;
  EXPECT_EQ(judgeServerCookie(client(), cookie, from, now, secrets), CookieState::kInvalid);
}

TEST_F(JudgeTest, ARotationKeepsThePreviousSecretForOneMoreRotation) {
  CookieSecrets rotating;  // random
  const std::uint32_t now = 1'800'000'000;
  const auto before = makeServerCookie(client(), from, now, rotating.current());
  rotating.rotate();
  EXPECT_EQ(judgeServerCookie(client(), before, from, now, rotating), CookieState::kValid);
  const auto after = makeServerCookie(client(), from, now, rotating.current());
  EXPECT_NE(toHex(before), toHex(after));
  rotating.rotate();
  EXPECT_EQ(judgeServerCookie(client(), before, from, now, rotating), CookieState::kInvalid);
  EXPECT_EQ(judgeServerCookie(client(), after, from, now, rotating), CookieState::kValid);
}

TEST_F(JudgeTest, IPv6AddressesAreHashedWhole) {
  const std::uint32_t now = 1'800'000'000;
  const auto cookie = makeServerCookie(client(), address("2001:db8::1"), now, secrets.current());
  EXPECT_EQ(judgeServerCookie(client(), cookie, address("2001:db8::1"), now, secrets),
            CookieState::kValid);
  EXPECT_EQ(judgeServerCookie(client(), cookie, address("2001:db8::2"), now, secrets),
            CookieState::kInvalid);
}

}  // namespace
}  // namespace horizon::edns
