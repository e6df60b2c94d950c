// Record types and rdata text <-> wire conversion for the control plane (loader, dnsctl, sync).
// Presentation forms follow RFC 1035 5.1 (character-strings, \DDD escapes), RFC 2782 (SRV),
// RFC 8659 (CAA) and RFC 3597 ("\# len hex" for any type).
#include "horizon/wire/rdata.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <limits>
#include <vector>

#include "escape.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::wire {
namespace {

constexpr std::size_t kMaxCharacterString = 255;  // octets, RFC 1035 3.3

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

// One token of rdata text. `quoted` tokens had their quotes removed; escapes are still raw so that
// names and strings can each interpret them their own way.
struct Token {
  std::string text;
  bool quoted = false;
};

// Splits rdata text at whitespace outside quotes; parentheses are grouping only (RFC 1035 5.1)
// and a ';' outside quotes starts a comment.
bool tokenize(std::string_view text, std::vector<Token>& out, std::string* error) {
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')') {
      ++i;
      continue;
    }
    if (c == ';') break;
    Token token;
    if (c == '"') {
      token.quoted = true;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          token.text += text.substr(i, 2);
          i += 2;
        } else if (text[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          token.text.push_back(text[i++]);
        }
      }
      if (!closed) return fail(error, "unterminated quoted string");
    } else {
      while (i < text.size()) {
        char d = text[i];
        if (d == ' ' || d == '\t' || d == '\n' || d == '\r' || d == '(' || d == ')' || d == ';' ||
            d == '"')
          break;
        if (d == '\\' && i + 1 < text.size()) {
          token.text += text.substr(i, 2);
          i += 2;
        } else {
          token.text.push_back(d);
          ++i;
        }
      }
    }
    out.push_back(std::move(token));
  }
  return true;
}

// Resolves \DDD and \X escapes of a character-string.
bool unescape(std::string_view text, std::string& out, std::string* error) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      continue;
    }
    char octet = 0;
    switch (unescapeOctet(text, i, octet)) {
      case Unescape::kLoneBackslash:
        return fail(error, "string ends in a lone backslash");
      case Unescape::kAbove255:
        return fail(error, "escape \\DDD above 255");
      case Unescape::kOk:
        out.push_back(octet);
        break;
    }
  }
  return true;
}

template <typename T>
bool parseNumber(const Token& token, const char* what, T& value, std::string* error) {
  const std::string& s = token.text;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || token.quoted || ec != std::errc() || end != s.data() + s.size() ||
      v > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
    return fail(error, std::string(what) + " must be a number from 0 to " +
                           std::to_string(std::numeric_limits<T>::max()) + ", not '" + s + "'");
  value = static_cast<T>(v);
  return true;
}

void appendU16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void appendU32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

bool appendName(const Token& token, std::string_view origin, std::string& out, std::string* error) {
  if (token.quoted) return fail(error, "a name must not be quoted");
  // "@" is the origin, as in RFC 1035 master files.
  if (token.text == "@") {
    if (origin.empty()) return fail(error, "'@' needs an origin");
    out.append(origin);
    return true;
  }
  std::string why;
  auto name = nameFromText(token.text, origin, &why);
  if (!name) return fail(error, "bad name '" + token.text + "': " + why);
  out += *name;
  return true;
}

// RFC 3597 generic form: "\# <length> <hex...>".
bool parseGeneric(const std::vector<Token>& tokens, std::string& out, std::string* error) {
  std::size_t length = 0;
  if (tokens.size() < 2 || !parseNumber(tokens[1], "the \\# length", length, error))
    return fail(error, "the generic form is '\\# <length> <hex>'");
  std::string hex;
  for (std::size_t i = 2; i < tokens.size(); ++i) hex += tokens[i].text;
  if (hex.size() != length * 2)
    return fail(error, "the \\# length " + std::to_string(length) + " does not match the hex data");
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, v, 16);
    if (ec != std::errc() || end != hex.data() + i + 2) return fail(error, "bad hex in \\# data");
    out.push_back(static_cast<char>(v));
  }
  return true;
}

// Length of the uncompressed name starting at `pos`, or 0 when it is malformed or truncated.
std::size_t wireNameLength(std::string_view rdata, std::size_t pos) {
  std::size_t start = pos;
  while (pos < rdata.size()) {
    auto len = static_cast<std::uint8_t>(rdata[pos]);
    if (len == 0) return pos + 1 - start;
    if (len > kMaxLabelLength) return 0;  // compression pointers are not allowed here
    pos += len + 1;
  }
  return 0;
}

std::uint16_t readU16(std::string_view s, std::size_t pos) {
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(s[pos]) << 8) |
                                    static_cast<std::uint8_t>(s[pos + 1]));
}

std::uint32_t readU32(std::string_view s, std::size_t pos) {
  return (static_cast<std::uint32_t>(readU16(s, pos)) << 16) | readU16(s, pos + 2);
}

// Quotes one character-string, escaping what would not survive a re-parse.
std::string quoteString(std::string_view bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) appendPresentationOctet(out, c, "\"\\", false);
  out.push_back('"');
  return out;
}

std::string genericText(std::string_view rdata) {
  std::string out = "\\# " + std::to_string(rdata.size());
  if (!rdata.empty()) out.push_back(' ');
  for (unsigned char c : rdata) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", c);
    out += buf;
  }
  return out;
}

// Renders the rdata of a supported type; nullopt when the bytes do not have that type's shape,
// so the caller falls back to the generic form instead of printing garbage.
std::optional<std::string> typedText(std::uint16_t t, std::string_view rd) {
  char buf[INET6_ADDRSTRLEN];
  switch (t) {
    case type::A:
      if (rd.size() != 4 || !inet_ntop(AF_INET, rd.data(), buf, sizeof buf)) return std::nullopt;
      return std::string(buf);
    case type::AAAA:
      if (rd.size() != 16 || !inet_ntop(AF_INET6, rd.data(), buf, sizeof buf)) return std::nullopt;
      return std::string(buf);
    case type::NS:
    case type::CNAME:
    case type::PTR: {
      std::size_t n = wireNameLength(rd, 0);
      if (n == 0 || n != rd.size()) return std::nullopt;
      return nameToText(rd);
    }
    case type::MX: {
      if (rd.size() < 3) return std::nullopt;
      std::size_t n = wireNameLength(rd, 2);
      if (n == 0 || n + 2 != rd.size()) return std::nullopt;
      return std::to_string(readU16(rd, 0)) + " " + nameToText(rd.substr(2));
    }
    case type::SRV: {
      if (rd.size() < 7) return std::nullopt;
      std::size_t n = wireNameLength(rd, 6);
      if (n == 0 || n + 6 != rd.size()) return std::nullopt;
      return std::to_string(readU16(rd, 0)) + " " + std::to_string(readU16(rd, 2)) + " " +
             std::to_string(readU16(rd, 4)) + " " + nameToText(rd.substr(6));
    }
    case type::TXT: {
      if (rd.empty()) return std::nullopt;
      std::string out;
      std::size_t pos = 0;
      while (pos < rd.size()) {
        std::size_t len = static_cast<std::uint8_t>(rd[pos]);
        if (pos + 1 + len > rd.size()) return std::nullopt;
        if (!out.empty()) out.push_back(' ');
        out += quoteString(rd.substr(pos + 1, len));
        pos += 1 + len;
      }
      return out;
    }
    case type::CAA: {
      if (rd.size() < 2) return std::nullopt;
      std::size_t tag_len = static_cast<std::uint8_t>(rd[1]);
      if (tag_len == 0 || 2 + tag_len > rd.size()) return std::nullopt;
      return std::to_string(static_cast<std::uint8_t>(rd[0])) + " " +
             std::string(rd.substr(2, tag_len)) + " " + quoteString(rd.substr(2 + tag_len));
    }
    case type::SOA: {
      std::size_t m = wireNameLength(rd, 0);
      if (m == 0) return std::nullopt;
      std::size_t r = wireNameLength(rd, m);
      if (r == 0 || m + r + 20 != rd.size()) return std::nullopt;
      std::string out = nameToText(rd.substr(0, m)) + " " + nameToText(rd.substr(m, r));
      for (std::size_t i = 0; i < 5; ++i) out += " " + std::to_string(readU32(rd, m + r + 4 * i));
      return out;
    }
    default:
      return std::nullopt;
  }
}

bool isSupported(std::uint16_t t) {
  switch (t) {
    case type::A:
    case type::AAAA:
    case type::NS:
    case type::CNAME:
    case type::PTR:
    case type::MX:
    case type::TXT:
    case type::SRV:
    case type::CAA:
    case type::SOA:
      return true;
    default:
      return false;
  }
}

bool expectCount(const std::vector<Token>& tokens, std::size_t n, const char* form,
                 std::string* error) {
  if (tokens.size() == n) return true;
  return fail(error, std::string(tokens.size() < n ? "too few" : "too many") +
                         " fields, expected '" + form + "'");
}

bool parseTyped(std::uint16_t t, const std::vector<Token>& tokens, std::string_view origin,
                std::string& out, std::string* error) {
  switch (t) {
    case type::A:
    case type::AAAA: {
      if (!expectCount(tokens, 1, "address", error)) return false;
      unsigned char buf[16];
      int family = t == type::A ? AF_INET : AF_INET6;
      if (tokens[0].quoted || inet_pton(family, tokens[0].text.c_str(), buf) != 1)
        return fail(error, "'" + tokens[0].text + "' is not an " +
                               (t == type::A ? "IPv4" : "IPv6") + " address");
      out.append(reinterpret_cast<const char*>(buf), t == type::A ? 4 : 16);
      return true;
    }
    case type::NS:
    case type::CNAME:
    case type::PTR:
      if (!expectCount(tokens, 1, "name", error)) return false;
      return appendName(tokens[0], origin, out, error);
    case type::MX: {
      std::uint16_t preference = 0;
      if (!expectCount(tokens, 2, "preference exchange", error) ||
          !parseNumber(tokens[0], "MX preference", preference, error))
        return false;
      appendU16(out, preference);
      return appendName(tokens[1], origin, out, error);
    }
    case type::SRV: {
      std::uint16_t priority = 0, weight = 0, port = 0;
      if (!expectCount(tokens, 4, "priority weight port target", error) ||
          !parseNumber(tokens[0], "SRV priority", priority, error) ||
          !parseNumber(tokens[1], "SRV weight", weight, error) ||
          !parseNumber(tokens[2], "SRV port", port, error))
        return false;
      appendU16(out, priority);
      appendU16(out, weight);
      appendU16(out, port);
      return appendName(tokens[3], origin, out, error);
    }
    case type::TXT: {
      if (tokens.empty()) return fail(error, "TXT needs at least one string");
      for (const Token& token : tokens) {
        std::string bytes;
        if (!unescape(token.text, bytes, error)) return false;
        // A string longer than one character-string is split rather than rejected, so long
        // values (DKIM keys) can be written as one string.
        std::size_t pos = 0;
        do {
          std::size_t len = std::min(kMaxCharacterString, bytes.size() - pos);
          out.push_back(static_cast<char>(len));
          out.append(bytes, pos, len);
          pos += len;
        } while (pos < bytes.size());
      }
      if (out.size() > 65535) return fail(error, "TXT data longer than 65535 octets");
      return true;
    }
    case type::CAA: {
      std::uint8_t flags = 0;
      if (!expectCount(tokens, 3, "flags tag value", error) ||
          !parseNumber(tokens[0], "CAA flags", flags, error))
        return false;
      const std::string& tag = tokens[1].text;
      // RFC 8659 4.1: the tag is 1 to 15 ASCII letters and digits.
      if (tokens[1].quoted || tag.empty() || tag.size() > 15 ||
          !std::all_of(tag.begin(), tag.end(),
                       [](unsigned char c) { return std::isalnum(c) != 0; }))
        return fail(error, "CAA tag must be 1 to 15 letters and digits, not '" + tag + "'");
      std::string value;
      if (!unescape(tokens[2].text, value, error)) return false;
      out.push_back(static_cast<char>(flags));
      out.push_back(static_cast<char>(tag.size()));
      out += tag;
      out += value;
      return true;
    }
    case type::SOA: {
      if (!expectCount(tokens, 7, "mname rname serial refresh retry expire minimum", error) ||
          !appendName(tokens[0], origin, out, error) || !appendName(tokens[1], origin, out, error))
        return false;
      static constexpr const char* kFields[] = {"SOA serial", "SOA refresh", "SOA retry",
                                                "SOA expire", "SOA minimum"};
      for (std::size_t i = 0; i < 5; ++i) {
        std::uint32_t v = 0;
        if (!parseNumber(tokens[2 + i], kFields[i], v, error)) return false;
        appendU32(out, v);
      }
      return true;
    }
    default:
      return fail(error, "record type " + typeToName(t) + " is not supported");
  }
}

}  // namespace

std::optional<std::string> rdataFromText(std::uint16_t t, std::string_view text,
                                         std::string_view origin, std::string* error) {
  std::vector<Token> tokens;
  if (!tokenize(text, tokens, error)) return std::nullopt;
  std::string out;
  if (!tokens.empty() && !tokens[0].quoted && tokens[0].text == "\\#") {
    if (!parseGeneric(tokens, out, error)) return std::nullopt;
    // Generic data of a known type must still have that type's shape.
    if (isSupported(t) && !typedText(t, out)) {
      fail(error, "the \\# data is not valid " + typeToName(t) + " rdata");
      return std::nullopt;
    }
    return out;
  }
  if (!parseTyped(t, tokens, origin, out, error)) return std::nullopt;
  return out;
}

std::string rdataToText(std::uint16_t t, std::string_view rdata) {
  if (auto text = typedText(t, rdata)) return *text;
  return genericText(rdata);
}

std::optional<std::size_t> rdataNameOffset(std::uint16_t t) {
  switch (t) {
    case type::NS:
    case type::CNAME:
    case type::PTR:
      return 0;
    case type::MX:
      return 2;  // after the 16-bit preference
    case type::SRV:
      return 6;  // after priority, weight and port
    default:
      return std::nullopt;
  }
}

}  // namespace horizon::wire
