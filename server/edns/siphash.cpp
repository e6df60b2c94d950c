// SipHash-2-4 (Aumasson and Bernstein, 2012): two compression rounds per 8-octet word, four
// finalization rounds. Written from the algorithm's description; checked against its published
// test vector and against BIND's server cookies in the tests.
#include "horizon/edns/siphash.hpp"

#include <bit>

namespace horizon::edns {
namespace {

std::uint64_t readLittleEndian(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

struct State {
  std::uint64_t v0, v1, v2, v3;

  void round() {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }

  void absorb(std::uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

}  // namespace

std::array<std::uint8_t, 8> sipHash24(const SipKey& key, std::span<const std::uint8_t> data) {
  const std::uint64_t k0 = readLittleEndian(key.data(), 8);
  const std::uint64_t k1 = readLittleEndian(key.data() + 8, 8);
  // The initial state is the key xored with the ASCII of "somepseudorandomlygeneratedbytes".
  State s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
          k1 ^ 0x7465646279746573ULL};
  const std::size_t whole = data.size() / 8 * 8;
  for (std::size_t i = 0; i < whole; i += 8) s.absorb(readLittleEndian(data.data() + i, 8));
  // The last word holds the leftover octets and, in its top octet, the length modulo 256.
  s.absorb(readLittleEndian(data.data() + whole, data.size() - whole) |
           (static_cast<std::uint64_t>(data.size() & 0xFF) << 56));
  s.v2 ^= 0xFF;
  for (int i = 0; i < 4; ++i) s.round();
  const std::uint64_t h = s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
  std::array<std::uint8_t, 8> out{};
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(h >> (8 * i));
  return out;
}

}  // namespace horizon::edns
