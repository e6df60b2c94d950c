// Signature checks by OpenSSL's EVP interface. The DNSKEY formats are turned into OpenSSL keys
// here: RSA exponent and modulus (RFC 3110 2), ECDSA points as x|y (RFC 6605 4), EdDSA raw keys
// (RFC 8080 3). ECDSA signatures arrive as r|s and OpenSSL wants DER, so they are re-encoded.
#include "horizon/dnssec/signature_check.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <string>

namespace horizon::dnssec {
namespace {

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Bignum = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Pkey noKey() {
  return Pkey(nullptr, EVP_PKEY_free);
}

Pkey keyFromParams(const char* type, OSSL_PARAM_BLD* builder) {
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(builder),
                                                                 OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return noKey();
  return Pkey(key, EVP_PKEY_free);
}

// RFC 3110 2: a one-octet exponent length (or zero and two octets), the exponent, the modulus.
Pkey rsaKey(std::string_view k) {
  if (k.empty()) return noKey();
  std::size_t exp_len = static_cast<std::uint8_t>(k[0]);
  std::size_t at = 1;
  if (exp_len == 0) {
    if (k.size() < 3) return noKey();
    exp_len = (static_cast<std::uint8_t>(k[1]) << 8) | static_cast<std::uint8_t>(k[2]);
    at = 3;
  }
  if (exp_len == 0 || k.size() <= at + exp_len) return noKey();
  const std::string_view modulus = k.substr(at + exp_len);
  // RFC 3110 2 bounds the modulus at 4096 bits; anything longer costs work for no one.
  if (modulus.size() > 512) return noKey();
  Bignum e(BN_bin2bn(bytes(k.substr(at)), static_cast<int>(exp_len), nullptr), BN_free);
  Bignum n(BN_bin2bn(bytes(modulus), static_cast<int>(modulus.size()), nullptr), BN_free);
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> b(OSSL_PARAM_BLD_new(),
                                                                    OSSL_PARAM_BLD_free);
  if (!e || !n || !b || OSSL_PARAM_BLD_push_BN(b.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(b.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
    return noKey();
  return keyFromParams("RSA", b.get());
}

Pkey ecKey(std::string_view k, const char* group, std::size_t point_size) {
  if (k.size() != point_size) return noKey();
  std::string point(1, '\x04');  // uncompressed point (SEC 1 2.3.3)
  point.append(k);
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> b(OSSL_PARAM_BLD_new(),
                                                                    OSSL_PARAM_BLD_free);
  if (!b || OSSL_PARAM_BLD_push_utf8_string(b.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(b.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1)
    return noKey();
  return keyFromParams("EC", b.get());
}

Pkey rawKey(int type, std::string_view k, std::size_t size) {
  if (k.size() != size) return noKey();
  return Pkey(EVP_PKEY_new_raw_public_key(type, nullptr, bytes(k), k.size()), EVP_PKEY_free);
}

// r|s (each half of the signature) as the DER ECDSA-Sig-Value OpenSSL verifies.
std::string ecdsaDer(std::string_view sig, std::size_t half) {
  if (sig.size() != 2 * half) return {};
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> s(ECDSA_SIG_new(), ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(bytes(sig), static_cast<int>(half), nullptr);
  BIGNUM* sv = BN_bin2bn(bytes(sig.substr(half)), static_cast<int>(half), nullptr);
  if (!s || !r || !sv || ECDSA_SIG_set0(s.get(), r, sv) != 1) {
    BN_free(r);
    BN_free(sv);
    return {};
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(s.get(), &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool verifyWith(EVP_PKEY* key, const EVP_MD* md, std::string_view data, std::string_view sig) {
  if (!key || sig.empty()) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), bytes(sig), sig.size(), bytes(data), data.size()) == 1;
}

}  // namespace

bool algorithmSupported(std::uint8_t algo) {
  switch (algo) {
    case algorithm::RSASHA1:
    case algorithm::RSASHA1_NSEC3_SHA1:
    case algorithm::RSASHA256:
    case algorithm::RSASHA512:
    case algorithm::ECDSAP256SHA256:
    case algorithm::ECDSAP384SHA384:
    case algorithm::ED25519:
    case algorithm::ED448:
      return true;
    default:
      return false;
  }
}

bool verifySignature(std::uint8_t algo, std::string_view key, std::string_view data,
                     std::string_view sig) {
  switch (algo) {
    case algorithm::RSASHA1:
    case algorithm::RSASHA1_NSEC3_SHA1:
      return verifyWith(rsaKey(key).get(), EVP_sha1(), data, sig);
    case algorithm::RSASHA256:
      return verifyWith(rsaKey(key).get(), EVP_sha256(), data, sig);
    case algorithm::RSASHA512:
      return verifyWith(rsaKey(key).get(), EVP_sha512(), data, sig);
    case algorithm::ECDSAP256SHA256:
      return verifyWith(ecKey(key, "P-256", 64).get(), EVP_sha256(), data, ecdsaDer(sig, 32));
    case algorithm::ECDSAP384SHA384:
      return verifyWith(ecKey(key, "P-384", 96).get(), EVP_sha384(), data, ecdsaDer(sig, 48));
    case algorithm::ED25519:
      return verifyWith(rawKey(EVP_PKEY_ED25519, key, 32).get(), nullptr, data, sig);
    case algorithm::ED448:
      return verifyWith(rawKey(EVP_PKEY_ED448, key, 57).get(), nullptr, data, sig);
    default:
      return false;
  }
}

}  // namespace horizon::dnssec
