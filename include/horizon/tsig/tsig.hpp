// Transaction signatures (TSIG, RFC 8945): the keys horizond knows, the check of a signed
// request, and the TSIG record of the response. Signed queries are rare (transfers, updates),
// so this path may allocate; unsigned queries never reach it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace horizon::tsig {

/// A shared secret: the key's name and algorithm name (lowercase wire format) and its octets.
struct Key {
  std::string name;       // e.g. "\x08transfer\x00"
  std::string algorithm;  // e.g. "\x0bhmac-sha256\x00"
  std::string secret;
};

/// Parses "[ALGORITHM:]NAME:BASE64" (dig -y's form; the algorithm defaults to hmac-sha256, and
/// may be hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384 or hmac-sha512). Sets
/// *error and returns nullopt when it is not one; the error never repeats the secret.
std::optional<Key> parseKey(std::string_view text, std::string* error);

/// The keys, looked up by name and algorithm.
class Keyring {
 public:
  /// A keyring holding `keys`.
  explicit Keyring(std::vector<Key> keys = {}) : keys_(std::move(keys)) {}
  /// The key with this name and algorithm (lowercase wire format), or nullptr.
  const Key* find(std::string_view name, std::string_view algorithm) const;

 private:
  std::vector<Key> keys_;
};

/// TSIG error codes (RFC 8945 3, the TSIG Error field).
enum class Error : std::uint16_t { kNone = 0, kBadSig = 16, kBadKey = 17, kBadTime = 18 };

/// What the check of a signed request found, and what the response's TSIG record needs.
struct Verdict {
  Error error = Error::kNone;
  const Key* key = nullptr;  // the key that matched (set unless kBadKey)
  std::string name;          // the key name and algorithm the request gave (lowercase wire)
  std::string algorithm;
  std::uint64_t time_signed = 0;
  std::uint16_t fudge = 300;
  std::uint16_t original_id = 0;
  std::string request_mac;  // the request's MAC, which a signed response's MAC covers
  bool malformed = false;   // the TSIG record itself does not parse: answer FORMERR
};

/// Checks the TSIG record at `offset` (the last record of `message`) at time `now` (seconds
/// since the epoch): an unknown key is kBadKey, a wrong MAC kBadSig, a time outside the fudge
/// kBadTime (RFC 8945 5.2).
Verdict verifyRequest(std::span<const std::uint8_t> message, std::size_t offset,
                      const Keyring& keys, std::uint64_t now);

/// The size of the TSIG record appendResponse() adds for `verdict`.
std::size_t responseRecordSize(const Verdict& verdict);

/// Appends the response's TSIG record to the `size` octets of `message` (whose buffer holds
/// `capacity`) and counts it in ARCOUNT: signed with the request's key when it matched (RFC 8945
/// 5.3), unsigned with an empty MAC after BADKEY and BADSIG (5.3.2). Returns the new size, or 0
/// when it does not fit.
std::size_t appendResponse(std::span<std::uint8_t> message, std::size_t size,
                           const Verdict& verdict, std::uint64_t now);

}  // namespace horizon::tsig
