// TSIG (RFC 8945): the request's check and the response's record. MACs are HMACs from OpenSSL.
#include "horizon/tsig/tsig.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/message.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::tsig {
namespace {

constexpr std::uint16_t kClassAny = 255;

struct AlgorithmName {
  std::string_view text;
  std::string_view wire;
  const EVP_MD* (*digest)();
};

// RFC 8945 6: the algorithm names, in wire format.
const std::array kAlgorithms = {
    AlgorithmName{"hmac-md5", std::string_view("\x08hmac-md5\x07sig-alg\x03reg\x03int\x00", 26),
                  EVP_md5},
    AlgorithmName{"hmac-sha1", std::string_view("\x09hmac-sha1\x00", 11), EVP_sha1},
    AlgorithmName{"hmac-sha224", std::string_view("\x0bhmac-sha224\x00", 13), EVP_sha224},
    AlgorithmName{"hmac-sha256", std::string_view("\x0bhmac-sha256\x00", 13), EVP_sha256},
    AlgorithmName{"hmac-sha384", std::string_view("\x0bhmac-sha384\x00", 13), EVP_sha384},
    AlgorithmName{"hmac-sha512", std::string_view("\x0bhmac-sha512\x00", 13), EVP_sha512},
};

const AlgorithmName* algorithmByWire(std::string_view wire) {
  for (const auto& a : kAlgorithms)
    if (a.wire == wire) return &a;
  return nullptr;
}

void putU16(std::string& out, std::uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v);
}

void putU48(std::string& out, std::uint64_t v) {
  for (int shift = 40; shift >= 0; shift -= 8) out += static_cast<char>(v >> shift);
}

// RFC 8945 4.3.3: the TSIG variables a MAC covers after the message.
std::string variables(const Verdict& v, std::uint64_t time_signed, Error error,
                      std::string_view other) {
  std::string out = v.name;
  putU16(out, kClassAny);
  out.append(4, '\0');  // TTL 0
  out += v.algorithm;
  putU48(out, time_signed);
  putU16(out, v.fudge);
  putU16(out, static_cast<std::uint16_t>(error));
  putU16(out, static_cast<std::uint16_t>(other.size()));
  out += other;
  return out;
}

std::string mac(const Key& key, std::string_view data) {
  const AlgorithmName* algorithm = algorithmByWire(key.algorithm);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!algorithm ||
      !HMAC(algorithm->digest(), key.secret.data(), static_cast<int>(key.secret.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &size))
    return {};
  return std::string(reinterpret_cast<char*>(out), size);
}

// Reads a name at `pos` in lowercase wire format; 0 when it does not parse.
std::size_t readLowerName(std::span<const std::uint8_t> message, std::size_t pos,
                          std::string& out) {
  std::uint8_t name[wire::kMaxNameLength], lower[wire::kMaxNameLength];
  std::uint16_t len = 0;
  const std::size_t end = wire::readName(message, pos, name, lower, len);
  if (end != 0) out.assign(reinterpret_cast<char*>(lower), len);
  return end;
}

std::uint64_t readU48(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 6; ++i) v = v << 8 | p[i];
  return v;
}

// Equal in constant time, so how long a rejection takes says nothing about the MAC.
bool sameMac(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) difference |= a[i] ^ b[i];
  return difference == 0;
}

}  // namespace

std::optional<Key> parseKey(std::string_view text, std::string* error) {
  const auto fail = [&](std::string why) -> std::optional<Key> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  const std::size_t last = text.rfind(':');
  if (last == std::string_view::npos) return fail("a TSIG key is [ALGORITHM:]NAME:BASE64");
  const std::string_view secret64 = text.substr(last + 1);
  std::string_view head = text.substr(0, last);
  std::string_view algorithm_text = "hmac-sha256";
  if (const std::size_t colon = head.find(':'); colon != std::string_view::npos) {
    algorithm_text = head.substr(0, colon);
    head = head.substr(colon + 1);
  }
  Key key;
  for (const auto& a : kAlgorithms)
    if (a.text == algorithm_text) key.algorithm = a.wire;
  if (key.algorithm.empty())
    return fail("TSIG algorithm '" + std::string(algorithm_text.substr(0, 40)) +
                "' is not one of hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, "
                "hmac-sha512");
  const auto name = wire::nameFromText(head, std::string_view("\0", 1));
  if (!name || head.empty()) return fail("TSIG key name is not a domain name");
  key.name = wire::lowercaseName(*name);
  // Base64 to octets: EVP_DecodeBlock counts padding as zero octets, so drop as many.
  if (secret64.empty() || secret64.size() % 4 != 0)
    return fail("TSIG secret of key " + std::string(head.substr(0, 80)) + " is not base64");
  std::string secret(secret64.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(secret.data()),
                                reinterpret_cast<const unsigned char*>(secret64.data()),
                                static_cast<int>(secret64.size()));
  if (n < 0)
    return fail("TSIG secret of key " + std::string(head.substr(0, 80)) + " is not base64");
  const std::size_t padding = std::count(secret64.end() - 2, secret64.end(), '=');
  secret.resize(static_cast<std::size_t>(n) - padding);
  key.secret = std::move(secret);
  return key;
}

const Key* Keyring::find(std::string_view name, std::string_view algorithm) const {
  for (const Key& key : keys_)
    if (key.name == name && key.algorithm == algorithm) return &key;
  return nullptr;
}

Verdict verifyRequest(std::span<const std::uint8_t> message, std::size_t offset,
                      const Keyring& keys, std::uint64_t now) {
  Verdict v;
  v.malformed = true;
  // The record: owner (the key name), type, class, TTL, rdlength, then the rdata.
  std::size_t pos = readLowerName(message, offset, v.name);
  if (pos == 0 || pos + 10 > message.size()) return v;
  const std::uint16_t rdlength = wire::readU16(&message[pos + 8]);
  const std::size_t end = pos + 10 + rdlength;
  if (end != message.size()) return v;
  pos = readLowerName(message, pos + 10, v.algorithm);
  if (pos == 0 || pos + 10 > end) return v;
  v.time_signed = readU48(&message[pos]);
  v.fudge = wire::readU16(&message[pos + 6]);
  const std::uint16_t mac_size = wire::readU16(&message[pos + 8]);
  pos += 10;
  if (pos + mac_size + 6 > end) return v;
  v.request_mac.assign(reinterpret_cast<const char*>(&message[pos]), mac_size);
  pos += mac_size;
  v.original_id = wire::readU16(&message[pos]);
  const std::uint16_t error = wire::readU16(&message[pos + 2]);
  const std::uint16_t other_size = wire::readU16(&message[pos + 4]);
  pos += 6;
  if (pos + other_size != end) return v;
  const std::string_view other(reinterpret_cast<const char*>(&message[pos]), other_size);
  v.malformed = false;

  // RFC 8945 5.2.1: the key first, then the MAC, then the time.
  v.key = keys.find(v.name, v.algorithm);
  if (!v.key) {
    v.error = Error::kBadKey;
    return v;
  }
  // The MAC covers the message as it was before the TSIG record was added: its original id
  // and one additional record fewer.
  std::string signed_data(reinterpret_cast<const char*>(message.data()), offset);
  signed_data[0] = static_cast<char>(v.original_id >> 8);
  signed_data[1] = static_cast<char>(v.original_id);
  const std::uint16_t arcount = wire::readU16(&message[10]);
  signed_data[10] = static_cast<char>((arcount - 1) >> 8);
  signed_data[11] = static_cast<char>(arcount - 1);
  signed_data += variables(v, v.time_signed, static_cast<Error>(error), other);
  const std::string expected = mac(*v.key, signed_data);
  // RFC 8945 5.2.2.1: a truncated MAC must keep at least half the octets and at least 10.
  const bool truncation_allowed = mac_size >= 10 && mac_size * 2 >= expected.size();
  if (expected.empty() || mac_size > expected.size() || !truncation_allowed ||
      !sameMac(v.request_mac, std::string_view(expected).substr(0, mac_size))) {
    v.error = Error::kBadSig;
    return v;
  }
  const std::uint64_t skew = now > v.time_signed ? now - v.time_signed : v.time_signed - now;
  if (skew > v.fudge) v.error = Error::kBadTime;
  return v;
}

std::size_t responseRecordSize(const Verdict& v) {
  const bool signs = v.key && (v.error == Error::kNone || v.error == Error::kBadTime);
  const std::size_t mac_size =
      signs ? static_cast<std::size_t>(EVP_MD_get_size(algorithmByWire(v.algorithm)->digest())) : 0;
  const std::size_t other = v.error == Error::kBadTime ? 6 : 0;
  return v.name.size() + 10 + v.algorithm.size() + 10 + mac_size + 6 + other;
}

std::size_t appendResponse(std::span<std::uint8_t> message, std::size_t size, const Verdict& v,
                           std::uint64_t now) {
  if (size < wire::kHeaderSize || size + responseRecordSize(v) > message.size()) return 0;
  // BADTIME keeps the request's time and says the server's in Other Data (RFC 8945 5.2.3).
  std::string other;
  std::uint64_t time_signed = now;
  if (v.error == Error::kBadTime) {
    putU48(other, now);
    time_signed = v.time_signed;
  }
  std::string response_mac;
  if (v.key && (v.error == Error::kNone || v.error == Error::kBadTime)) {
    // RFC 8945 5.3: the request's MAC, the response as it is, then the variables.
    std::string signed_data;
    putU16(signed_data, static_cast<std::uint16_t>(v.request_mac.size()));
    signed_data += v.request_mac;
    signed_data.append(reinterpret_cast<const char*>(message.data()), size);
    signed_data[2 + v.request_mac.size()] = static_cast<char>(v.original_id >> 8);
    signed_data[2 + v.request_mac.size() + 1] = static_cast<char>(v.original_id);
    signed_data += variables(v, time_signed, v.error, other);
    response_mac = mac(*v.key, signed_data);
  }
  std::string rdata = v.algorithm;
  putU48(rdata, time_signed);
  putU16(rdata, v.fudge);
  putU16(rdata, static_cast<std::uint16_t>(response_mac.size()));
  rdata += response_mac;
  putU16(rdata, v.original_id);
  putU16(rdata, static_cast<std::uint16_t>(v.error));
  putU16(rdata, static_cast<std::uint16_t>(other.size()));
  rdata += other;
  std::string record = v.name;
  putU16(record, wire::type::TSIG);
  putU16(record, kClassAny);
  record.append(4, '\0');
  putU16(record, static_cast<std::uint16_t>(rdata.size()));
  record += rdata;
  std::copy(record.begin(), record.end(), message.begin() + static_cast<std::ptrdiff_t>(size));
  wire::writeU16(&message[10], static_cast<std::uint16_t>(wire::readU16(&message[10]) + 1));
  return size + record.size();
}

}  // namespace horizon::tsig
