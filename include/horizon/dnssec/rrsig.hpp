// RRSIG records (RFC 4034 3): their fields, the data a signature covers, and validity in time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "horizon/wire/record.hpp"

namespace horizon::dnssec {

/// The fields of an RRSIG record's rdata; the views point into the rdata it was read from.
struct RrsigFields {
  std::uint16_t type_covered = 0;
  std::uint8_t algorithm = 0;
  std::uint8_t labels = 0;
  std::uint32_t original_ttl = 0;
  std::uint32_t expiration = 0;
  std::uint32_t inception = 0;
  std::uint16_t key_tag = 0;
  std::string signer;           // lowercase wire format
  std::string_view fixed_part;  // the rdata before the signature (what the signature covers)
  std::string_view signature;
};

/// Reads RRSIG rdata; nullopt when truncated, when the signer name is malformed or compressed,
/// or when there is no signature.
std::optional<RrsigFields> parseRrsig(std::string_view rdata);

/// The octets an RRSIG's signature covers (RFC 4034 3.1.8.1): its rdata without the signature,
/// then each record of `rrset` in canonical form (owner lowercased, or the wildcard "*" plus the
/// RRSIG's last `labels` labels when the owner has more, RFC 4035 5.3.2; the original TTL; names
/// in rdata lowercased for the types RFC 4034 6.2 lists, as amended by RFC 6840 5.1), sorted by
/// canonical rdata with duplicates once (RFC 4034 6.3). nullopt when the RRSIG's label count
/// exceeds the owner's.
std::optional<std::string> signedData(const RrsigFields& rrsig,
                                      const std::vector<const wire::Record*>& rrset);

/// The rdata of `record` in canonical form (RFC 4034 6.2): embedded names lowercased for the
/// types whose names are lowercased. Other types are returned unchanged.
std::string canonicalRdata(const wire::Record& record);

/// RFC 4034 3.1.5 with RFC 1982 serial arithmetic: is `now` (seconds since 1970, 32-bit wrapped)
/// within [inception - skew, expiration + skew]?
enum class SignatureTime { kValid, kNotYetValid, kExpired };
SignatureTime checkSignatureTime(const RrsigFields& rrsig, std::uint32_t now, std::uint32_t skew);

}  // namespace horizon::dnssec
