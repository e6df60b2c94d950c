// Presentation format for names, types, classes and rcodes (RFC 1035 5.1, RFC 3597).
#include "horizon/wire/presentation.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>

#include "escape.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"

namespace horizon::wire {
namespace {

// Octets escaped with a backslash inside a label: the label separator, the escape itself, and
// what zone-file syntax gives a meaning to (quotes, parentheses, comments, "@", "$").
constexpr std::string_view kNameSpecials = ".\\\";()@$";

struct TypeName {
  std::uint16_t type;
  const char* name;
};

// IANA "Resource Record (RR) TYPEs" with a mnemonic, obsolete ones included: a view name must not
// look like any of them, and zone files may carry any of them.
constexpr TypeName kTypeNames[] = {
    {1, "A"},           {2, "NS"},      {3, "MD"},        {4, "MF"},       {5, "CNAME"},
    {6, "SOA"},         {7, "MB"},      {8, "MG"},        {9, "MR"},       {10, "NULL"},
    {11, "WKS"},        {12, "PTR"},    {13, "HINFO"},    {14, "MINFO"},   {15, "MX"},
    {16, "TXT"},        {17, "RP"},     {18, "AFSDB"},    {19, "X25"},     {20, "ISDN"},
    {21, "RT"},         {22, "NSAP"},   {23, "NSAP-PTR"}, {24, "SIG"},     {25, "KEY"},
    {26, "PX"},         {27, "GPOS"},   {28, "AAAA"},     {29, "LOC"},     {30, "NXT"},
    {31, "EID"},        {32, "NIMLOC"}, {33, "SRV"},      {34, "ATMA"},    {35, "NAPTR"},
    {36, "KX"},         {37, "CERT"},   {38, "A6"},       {39, "DNAME"},   {40, "SINK"},
    {41, "OPT"},        {42, "APL"},    {43, "DS"},       {44, "SSHFP"},   {45, "IPSECKEY"},
    {46, "RRSIG"},      {47, "NSEC"},   {48, "DNSKEY"},   {49, "DHCID"},   {50, "NSEC3"},
    {51, "NSEC3PARAM"}, {52, "TLSA"},   {53, "SMIMEA"},   {55, "HIP"},     {56, "NINFO"},
    {57, "RKEY"},       {58, "TALINK"}, {59, "CDS"},      {60, "CDNSKEY"}, {61, "OPENPGPKEY"},
    {62, "CSYNC"},      {63, "ZONEMD"}, {64, "SVCB"},     {65, "HTTPS"},   {99, "SPF"},
    {100, "UINFO"},     {101, "UID"},   {102, "GID"},     {103, "UNSPEC"}, {104, "NID"},
    {105, "L32"},       {106, "L64"},   {107, "LP"},      {108, "EUI48"},  {109, "EUI64"},
    {249, "TKEY"},      {250, "TSIG"},  {251, "IXFR"},    {252, "AXFR"},   {253, "MAILB"},
    {254, "MAILA"},     {255, "ANY"},   {256, "URI"},     {257, "CAA"},
};

struct NumberName {
  std::uint16_t number;
  const char* name;
};

// IANA "DNS CLASSes".
constexpr NumberName kClassNames[] = {
    {1, "IN"}, {3, "CH"}, {4, "HS"}, {254, "NONE"}, {255, "ANY"},
};

// IANA "DNS RCODEs" that a resolver or an authoritative server may meet.
constexpr NumberName kRcodeNames[] = {
    {0, "NOERROR"},  {1, "FORMERR"},  {2, "SERVFAIL"},   {3, "NXDOMAIN"}, {4, "NOTIMP"},
    {5, "REFUSED"},  {6, "YXDOMAIN"}, {7, "YXRRSET"},    {8, "NXRRSET"},  {9, "NOTAUTH"},
    {10, "NOTZONE"}, {16, "BADVERS"}, {23, "BADCOOKIE"},
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string numbered(const char* prefix, std::uint16_t value) {
  return prefix + std::to_string(value);
}

bool fail(std::string* error, const char* message) {
  if (error) *error = message;
  return false;
}

// Appends the labels of `text` (no trailing dot handling) to `out`.
bool appendLabels(std::string_view text, std::string& out, std::string* error) {
  std::string label;
  auto flush = [&]() {
    if (label.empty()) return fail(error, "empty label (two dots in a row, or a leading dot)");
    if (label.size() > kMaxLabelLength) return fail(error, "label longer than 63 octets");
    out.push_back(static_cast<char>(label.size()));
    out += label;
    label.clear();
    return true;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (!flush()) return false;
    } else if (c == '\\') {
      char octet = 0;
      switch (unescapeOctet(text, i, octet)) {
        case Unescape::kLoneBackslash:
          return fail(error, "name ends in a lone backslash");
        case Unescape::kAbove255:
          return fail(error, "escape \\DDD above 255");
        case Unescape::kOk:
          label.push_back(octet);
          break;
      }
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0') {
      return fail(error, "whitespace or NUL inside a name");
    } else {
      label.push_back(c);
    }
  }
  return flush();
}

}  // namespace

std::optional<std::string> nameFromText(std::string_view text, std::string_view origin,
                                        std::string* error) {
  std::string out;
  if (text.empty()) {
    fail(error, "empty name");
    return std::nullopt;
  }
  if (text == ".") return std::string(1, '\0');
  bool absolute = text.back() == '.' && !(text.size() >= 2 && text[text.size() - 2] == '\\');
  if (absolute) text.remove_suffix(1);
  if (!appendLabels(text, out, error)) return std::nullopt;
  if (absolute || origin.empty()) {
    if (!absolute && origin.empty()) {
      fail(error, "relative name without an origin");
      return std::nullopt;
    }
    out.push_back('\0');
  } else {
    out.append(origin);
  }
  if (out.size() > kMaxNameLength) {
    fail(error, "name longer than 255 octets");
    return std::nullopt;
  }
  return out;
}

std::string nameToText(std::string_view wire) {
  std::string out;
  std::size_t i = 0;
  while (i < wire.size()) {
    auto len = static_cast<std::uint8_t>(wire[i]);
    if (len == 0) break;
    for (std::size_t j = 1; j <= len && i + j < wire.size(); ++j) {
      appendPresentationOctet(out, static_cast<unsigned char>(wire[i + j]), kNameSpecials, true);
    }
    out.push_back('.');
    i += len + 1;
  }
  if (out.empty()) out = ".";
  return out;
}

std::size_t nameToText(const std::uint8_t* wire, std::size_t len, char* out, std::size_t size) {
  if (size == 0) return 0;
  std::size_t o = 0;
  auto put = [&](char c) {
    if (o + 1 < size) out[o++] = c;
  };
  std::size_t pos = 0;
  while (pos < len && wire[pos] != 0) {
    const std::size_t label = wire[pos++];
    for (std::size_t i = 0; i < label && pos < len; ++i, ++pos) {
      const auto c = static_cast<unsigned char>(wire[pos]);
      char escaped[5];
      const std::size_t n = escapeOctet(c, kNameSpecials, true, escaped);
      for (std::size_t k = 0; k < n; ++k) put(escaped[k]);
    }
    put('.');
  }
  if (o == 0) put('.');
  out[o] = '\0';
  return o;
}

std::optional<std::uint16_t> typeFromName(std::string_view mnemonic) {
  for (const TypeName& entry : kTypeNames)
    if (iequals(mnemonic, entry.name)) return entry.type;
  // RFC 3597 5: "TYPEnnn" names any type by number.
  if (mnemonic.size() > 4 && iequals(mnemonic.substr(0, 4), "TYPE")) {
    std::string_view digits = mnemonic.substr(4);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec == std::errc() && end == digits.data() + digits.size() && value <= 65535 &&
        std::isdigit(static_cast<unsigned char>(digits[0])))
      return static_cast<std::uint16_t>(value);
  }
  return std::nullopt;
}

std::string typeToName(std::uint16_t type) {
  for (const TypeName& entry : kTypeNames)
    if (entry.type == type) return entry.name;
  return numbered("TYPE", type);
}

std::string classToName(std::uint16_t rclass) {
  for (const NumberName& entry : kClassNames)
    if (entry.number == rclass) return entry.name;
  return numbered("CLASS", rclass);
}

std::string rcodeToName(std::uint16_t rcode) {
  for (const NumberName& entry : kRcodeNames)
    if (entry.number == rcode) return entry.name;
  return numbered("RCODE", rcode);
}

}  // namespace horizon::wire
