// DNSKEY and DS fields, key tags and DS digests.
#include "horizon/dnssec/dnskey.hpp"

#include <openssl/evp.h>

#include <memory>

#include "horizon/wire/name.hpp"

namespace horizon::dnssec {
namespace {

std::uint16_t read16(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(s[at]) << 8) |
                                    static_cast<std::uint8_t>(s[at + 1]));
}

const EVP_MD* digestFor(std::uint8_t digest_type) {
  switch (digest_type) {
    case 1:
      return EVP_sha1();
    case 2:
      return EVP_sha256();
    case 4:
      return EVP_sha384();
    default:
      return nullptr;
  }
}

}  // namespace

std::optional<DnskeyFields> parseDnskey(std::string_view rdata) {
  if (rdata.size() < 5) return std::nullopt;
  DnskeyFields key;
  key.flags = read16(rdata, 0);
  key.protocol = static_cast<std::uint8_t>(rdata[2]);
  key.algorithm = static_cast<std::uint8_t>(rdata[3]);
  key.public_key = rdata.substr(4);
  return key;
}

std::uint16_t keyTag(std::string_view rdata) {
  // RFC 4034 Appendix B: octets summed as big-endian 16-bit words, the carry folded in once.
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < rdata.size(); ++i) {
    const std::uint32_t octet = static_cast<std::uint8_t>(rdata[i]);
    sum += (i & 1) ? octet : octet << 8;
  }
  sum += (sum >> 16) & 0xFFFF;
  return static_cast<std::uint16_t>(sum & 0xFFFF);
}

std::optional<DsFields> parseDs(std::string_view rdata) {
  if (rdata.size() < 5) return std::nullopt;
  DsFields ds;
  ds.key_tag = read16(rdata, 0);
  ds.algorithm = static_cast<std::uint8_t>(rdata[2]);
  ds.digest_type = static_cast<std::uint8_t>(rdata[3]);
  ds.digest = rdata.substr(4);
  return ds;
}

bool dsDigestSupported(std::uint8_t digest_type) {
  return digestFor(digest_type) != nullptr;
}

std::optional<std::string> dsDigest(std::uint8_t digest_type, std::string_view owner,
                                    std::string_view dnskey_rdata) {
  const EVP_MD* md = digestFor(digest_type);
  if (!md) return std::nullopt;
  const std::string name = wire::lowercaseName(owner);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), name.data(), name.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), dnskey_rdata.data(), dnskey_rdata.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out, &out_len) != 1)
    return std::nullopt;
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

bool dsMatchesKey(std::string_view ds_rdata, std::string_view owner,
                  std::string_view dnskey_rdata) {
  const auto ds = parseDs(ds_rdata);
  const auto key = parseDnskey(dnskey_rdata);
  if (!ds || !key || ds->algorithm != key->algorithm) return false;
  if (ds->key_tag != keyTag(dnskey_rdata)) return false;
  const auto digest = dsDigest(ds->digest_type, owner, dnskey_rdata);
  return digest && *digest == ds->digest;
}

}  // namespace horizon::dnssec
