// RRSIG fields, the canonical form of the RRset a signature covers, and signature lifetimes.
#include "horizon/dnssec/rrsig.hpp"

#include <algorithm>

#include "horizon/wire/name.hpp"

namespace horizon::dnssec {
namespace {

std::uint16_t read16(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(s[at]) << 8) |
                                    static_cast<std::uint8_t>(s[at + 1]));
}

std::uint32_t read32(std::string_view s, std::size_t at) {
  return (std::uint32_t{read16(s, at)} << 16) | read16(s, at + 2);
}

void append16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xFF));
}

void append32(std::string& out, std::uint32_t v) {
  append16(out, static_cast<std::uint16_t>(v >> 16));
  append16(out, static_cast<std::uint16_t>(v & 0xFFFF));
}

// The length of the uncompressed name at `at` (root label included), or 0 when it runs past the
// end, is compressed or is longer than a name may be.
std::size_t nameLength(std::string_view s, std::size_t at) {
  std::size_t len = 0;
  while (at + len < s.size()) {
    const auto label = static_cast<std::uint8_t>(s[at + len]);
    if (label > wire::kMaxLabelLength) return 0;
    len += label + 1u;
    if (len > wire::kMaxNameLength) return 0;
    if (label == 0) return len;
  }
  return 0;
}

// Lowercases `count` consecutive names starting at `at`; stops at anything malformed (the
// signature check then fails, as it should for data nobody can have signed that way).
void lowercaseNames(std::string& rdata, std::size_t at, int count) {
  for (int n = 0; n < count; ++n) {
    const std::size_t len = nameLength(rdata, at);
    if (len == 0) return;
    for (std::size_t i = at; i < at + len; ++i)
      rdata[i] = static_cast<char>(wire::foldCase(static_cast<std::uint8_t>(rdata[i])));
    at += len;
  }
}

// Skips `count` character-strings (RFC 1035 3.3) from `at`; npos when they run past the end.
std::size_t skipStrings(std::string_view s, std::size_t at, int count) {
  for (int n = 0; n < count; ++n) {
    if (at >= s.size()) return std::string_view::npos;
    at += static_cast<std::uint8_t>(s[at]) + 1u;
  }
  return at;
}

// Types whose embedded names are lowercased (RFC 4034 6.2; RFC 6840 5.1 takes NSEC out and keeps
// RRSIG in). The obsolete SIG, NXT and A6 are left out: nothing signs them today.
void canonicalizeNames(std::uint16_t type, std::string& r) {
  switch (type) {
    case 2:   // NS
    case 3:   // MD
    case 4:   // MF
    case 5:   // CNAME
    case 7:   // MB
    case 8:   // MG
    case 9:   // MR
    case 12:  // PTR
    case 39:  // DNAME
      return lowercaseNames(r, 0, 1);
    case 6:   // SOA
    case 14:  // MINFO
    case 17:  // RP
      return lowercaseNames(r, 0, 2);
    case 15:  // MX
    case 18:  // AFSDB
    case 21:  // RT
    case 36:  // KX
      return lowercaseNames(r, 2, 1);
    case 26:  // PX
      return lowercaseNames(r, 2, 2);
    case 33:  // SRV
      return lowercaseNames(r, 6, 1);
    case 35: {  // NAPTR: order, preference, three character-strings, then the replacement
      const std::size_t at = skipStrings(r, 4, 3);
      if (at != std::string_view::npos) lowercaseNames(r, at, 1);
      return;
    }
    case 46:  // RRSIG: the signer name after 18 fixed octets
      return lowercaseNames(r, 18, 1);
    default:
      return;
  }
}

}  // namespace

std::optional<RrsigFields> parseRrsig(std::string_view rdata) {
  constexpr std::size_t kFixed = 18;
  if (rdata.size() < kFixed + 1) return std::nullopt;
  RrsigFields sig;
  sig.type_covered = read16(rdata, 0);
  sig.algorithm = static_cast<std::uint8_t>(rdata[2]);
  sig.labels = static_cast<std::uint8_t>(rdata[3]);
  sig.original_ttl = read32(rdata, 4);
  sig.expiration = read32(rdata, 8);
  sig.inception = read32(rdata, 12);
  sig.key_tag = read16(rdata, 16);
  const std::size_t signer_len = nameLength(rdata, kFixed);
  if (signer_len == 0 || kFixed + signer_len >= rdata.size()) return std::nullopt;
  sig.signer = wire::lowercaseName(rdata.substr(kFixed, signer_len));
  sig.fixed_part = rdata.substr(0, kFixed + signer_len);
  sig.signature = rdata.substr(kFixed + signer_len);
  return sig;
}

std::string canonicalRdata(const wire::Record& record) {
  std::string rdata = record.rdata;
  canonicalizeNames(record.type, rdata);
  return rdata;
}

std::optional<std::string> signedData(const RrsigFields& rrsig,
                                      const std::vector<const wire::Record*>& rrset) {
  if (rrset.empty()) return std::nullopt;
  const wire::Record& first = *rrset.front();
  const std::size_t owner_labels = wire::labelCount(first.owner);
  if (rrsig.labels > owner_labels) return std::nullopt;
  // RFC 4035 5.3.2: a wildcard expansion was signed as "*." plus the RRSIG's labels of its owner.
  std::string owner = wire::lowercaseName(first.owner);
  if (rrsig.labels < owner_labels) {
    std::string_view suffix = owner;
    for (std::size_t i = rrsig.labels; i < owner_labels; ++i)
      suffix.remove_prefix(static_cast<std::uint8_t>(suffix[0]) + 1u);
    owner = std::string("\x01*", 2) + std::string(suffix);
  }
  std::vector<std::string> rdatas;
  rdatas.reserve(rrset.size());
  for (const wire::Record* r : rrset) rdatas.push_back(canonicalRdata(*r));
  // RFC 4034 6.3: ordered as left-justified octet strings (a prefix sorts first), and an RRset
  // holds no duplicates, so a repeated record is signed once.
  std::sort(rdatas.begin(), rdatas.end(), [](const std::string& a, const std::string& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return static_cast<std::uint8_t>(x) < static_cast<std::uint8_t>(y);
    });
  });
  rdatas.erase(std::unique(rdatas.begin(), rdatas.end()), rdatas.end());
  std::string out(rrsig.fixed_part);
  for (const std::string& rdata : rdatas) {
    if (rdata.size() > 0xFFFF) return std::nullopt;
    out += owner;
    append16(out, first.type);
    append16(out, first.rclass);
    append32(out, rrsig.original_ttl);
    append16(out, static_cast<std::uint16_t>(rdata.size()));
    out += rdata;
  }
  return out;
}

SignatureTime checkSignatureTime(const RrsigFields& rrsig, std::uint32_t now, std::uint32_t skew) {
  // RFC 1982 serial arithmetic: a - b as a signed 32-bit distance.
  const auto distance = [](std::uint32_t a, std::uint32_t b) {
    return static_cast<std::int32_t>(a - b);
  };
  if (distance(now, rrsig.inception) < -static_cast<std::int64_t>(skew))
    return SignatureTime::kNotYetValid;
  if (distance(now, rrsig.expiration) > static_cast<std::int64_t>(skew))
    return SignatureTime::kExpired;
  return SignatureTime::kValid;
}

}  // namespace horizon::dnssec
