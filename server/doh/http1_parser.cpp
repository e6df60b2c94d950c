// HTTP/1.1 request heads, strictly: anything RFC 9112 does not allow is a 400, since a lenient
// parser in front of another one is how request smuggling starts.
#include "http1_parser.hpp"

#include "ascii.hpp"

namespace horizon::doh {
namespace {

// tchar (RFC 9110 5.6.2).
bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!isTokenChar(c)) return false;
  return true;
}

// The line at `pos` without its terminator; npos in `next` when no LF has arrived yet.
std::string_view lineAt(std::string_view input, std::size_t pos, std::size_t& next) {
  const auto lf = input.find('\n', pos);
  if (lf == std::string_view::npos) {
    next = std::string_view::npos;
    return {};
  }
  next = lf + 1;
  std::string_view line = input.substr(pos, lf - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

Http1Head error(int status) {
  Http1Head head;
  head.status = HeadStatus::kError;
  head.error_status = status;
  return head;
}

// field-value characters: visible ASCII, obs-text, spaces and tabs; no CR, LF or NUL.
bool isFieldValue(std::string_view v) {
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\t') return false;
    if (u == 0x7F) return false;
  }
  return true;
}

}  // namespace

Http1Head parseHttp1Head(std::string_view input, std::size_t max_head_bytes,
                         std::size_t max_target_bytes) {
  Http1Head head;
  std::size_t pos = 0;
  const std::string_view request_line = lineAt(input, 0, pos);
  if (pos == std::string_view::npos) return input.size() > max_head_bytes ? error(414) : head;
  // request-line = method SP request-target SP HTTP-version (RFC 9112 3)
  const auto sp1 = request_line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || request_line.find(' ', sp2 + 1) != std::string_view::npos)
    return error(400);
  head.method = request_line.substr(0, sp1);
  head.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = request_line.substr(sp2 + 1);
  if (!isToken(head.method) || head.target.empty()) return error(400);
  for (char c : head.target)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F)
      return error(400);
  if (head.target.size() > max_target_bytes) return error(414);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
    return error(400);
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) return error(505);
  head.minor_version = version[7] - '0';

  while (true) {
    std::size_t next = 0;
    const std::string_view line = lineAt(input, pos, next);
    if (next == std::string_view::npos) return input.size() > max_head_bytes ? error(431) : head;
    if (next > max_head_bytes) return error(431);
    pos = next;
    if (line.empty()) break;
    // Line folding (obs-fold) is rejected, as RFC 9112 5.2 permits.
    if (line.front() == ' ' || line.front() == '\t') return error(400);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return error(400);
    // No whitespace between the name and the colon (RFC 9112 5.1).
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trimOws(line.substr(colon + 1));
    if (!isToken(name) || !isFieldValue(value)) return error(400);
    head.fields.emplace_back(name, value);
  }
  head.status = HeadStatus::kOk;
  head.length = pos;
  return head;
}

}  // namespace horizon::doh
