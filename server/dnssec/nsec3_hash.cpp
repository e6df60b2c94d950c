#include "horizon/dnssec/nsec3_hash.hpp"

#include <openssl/evp.h>

#include <memory>

#include "horizon/wire/name.hpp"

namespace horizon::dnssec {

std::string nsec3Hash(std::string_view name, std::string_view salt, std::uint16_t iterations) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx) return {};
  std::string lower = wire::lowercaseName(name);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  // RFC 5155 5: IH(0) = H(name || salt), IH(k) = H(IH(k-1) || salt); the hash is IH(iterations).
  auto round = [&](const void* data, std::size_t len) {
    return EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) == 1 &&
           EVP_DigestUpdate(ctx.get(), data, len) == 1 &&
           EVP_DigestUpdate(ctx.get(), salt.data(), salt.size()) == 1 &&
           EVP_DigestFinal_ex(ctx.get(), digest, &digest_len) == 1;
  };
  if (!round(lower.data(), lower.size())) return {};
  for (std::uint32_t k = 0; k < iterations; ++k) {
    if (!round(digest, digest_len)) return {};
  }
  return std::string(reinterpret_cast<const char*>(digest), digest_len);
}

std::optional<std::string> base32HexDecode(std::string_view text) {
  // Every 8 characters carry 5 octets; a tail of 2, 4, 5 or 7 characters carries 1 to 4 octets.
  std::size_t tail = text.size() % 8;
  if (tail == 1 || tail == 3 || tail == 6) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(wire::foldCase(static_cast<std::uint8_t>(ch)));
    std::uint32_t v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'v') {
      v = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // The bits left over are padding and must be zero, so that each hash has one spelling.
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string base32HexEncode(std::string_view octets) {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuv";
  std::string out;
  out.reserve((octets.size() * 8 + 4) / 5);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char ch : octets) {
    acc = (acc << 8) | static_cast<std::uint8_t>(ch);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kAlphabet[(acc >> bits) & 0x1f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (5 - bits)) & 0x1f]);
  return out;
}

}  // namespace horizon::dnssec
