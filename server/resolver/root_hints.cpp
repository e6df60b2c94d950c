// Root hints in the named.root format that IANA publishes (a subset of RFC 1035 master files:
// one record per line, "owner [ttl] [class] type rdata", ';' comments). Only "." NS records and
// the A/AAAA records of the names they list matter; anything else is an error so that a wrong
// file is reported instead of half-used.
// parseRootHints and builtinRootHints are declared in the upstream header.
#include <boost/system/error_code.hpp>
#include <cctype>
#include <sstream>
#include <string_view>

#include "horizon/resolver/upstream.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::resolver {
namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool isNumber(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// IANA's root hints (https://www.internic.net/domain/named.root, April 2024 edition). This is
// data for production use only: no test ever sends a packet to these addresses; tests pass their
// own loopback hints.
constexpr std::string_view kBuiltinRootHints = R"(
.                        3600000      NS    A.ROOT-SERVERS.NET.
A.ROOT-SERVERS.NET.      3600000      A     198.41.0.4
A.ROOT-SERVERS.NET.      3600000      AAAA  2001:503:ba3e::2:30
.                        3600000      NS    B.ROOT-SERVERS.NET.
B.ROOT-SERVERS.NET.      3600000      A     170.247.170.2
B.ROOT-SERVERS.NET.      3600000      AAAA  2801:1b8:10::b
.                        3600000      NS    C.ROOT-SERVERS.NET.
C.ROOT-SERVERS.NET.      3600000      A     192.33.4.12
C.ROOT-SERVERS.NET.      3600000      AAAA  2001:500:2::c
.                        3600000      NS    D.ROOT-SERVERS.NET.
D.ROOT-SERVERS.NET.      3600000      A     199.7.91.13
D.ROOT-SERVERS.NET.      3600000      AAAA  2001:500:2d::d
.                        3600000      NS    E.ROOT-SERVERS.NET.
E.ROOT-SERVERS.NET.      3600000      A     192.203.230.10
E.ROOT-SERVERS.NET.      3600000      AAAA  2001:500:a8::e
.                        3600000      NS    F.ROOT-SERVERS.NET.
F.ROOT-SERVERS.NET.      3600000      A     192.5.5.241
F.ROOT-SERVERS.NET.      3600000      AAAA  2001:500:2f::f
.                        3600000      NS    G.ROOT-SERVERS.NET.
G.ROOT-SERVERS.NET.      3600000      A     192.112.36.4
G.ROOT-SERVERS.NET.      3600000      AAAA  2001:500:12::d0d
.                        3600000      NS    H.ROOT-SERVERS.NET.
H.ROOT-SERVERS.NET.      3600000      A     198.97.190.53
H.ROOT-SERVERS.NET.      3600000      AAAA  2001:500:1::53
.                        3600000      NS    I.ROOT-SERVERS.NET.
I.ROOT-SERVERS.NET.      3600000      A     192.36.148.17
I.ROOT-SERVERS.NET.      3600000      AAAA  2001:7fe::53
.                        3600000      NS    J.ROOT-SERVERS.NET.
J.ROOT-SERVERS.NET.      3600000      A     192.58.128.30
J.ROOT-SERVERS.NET.      3600000      AAAA  2001:503:c27::2:30
.                        3600000      NS    K.ROOT-SERVERS.NET.
K.ROOT-SERVERS.NET.      3600000      A     193.0.14.129
K.ROOT-SERVERS.NET.      3600000      AAAA  2001:7fd::1
.                        3600000      NS    L.ROOT-SERVERS.NET.
L.ROOT-SERVERS.NET.      3600000      A     199.7.83.42
L.ROOT-SERVERS.NET.      3600000      AAAA  2001:500:9f::42
.                        3600000      NS    M.ROOT-SERVERS.NET.
M.ROOT-SERVERS.NET.      3600000      A     202.12.27.33
M.ROOT-SERVERS.NET.      3600000      AAAA  2001:dc3::35
)";

}  // namespace

std::optional<std::vector<Endpoint>> parseRootHints(const std::string& text, std::string* error) {
  std::vector<std::string> ns_names;  // lowercase wire format, in file order
  std::vector<std::pair<std::string, boost::asio::ip::address>> addresses;  // (owner, address)
  auto fail = [&](std::size_t line, const std::string& why) {
    if (error) *error = "root hints line " + std::to_string(line) + ": " + why;
    return std::nullopt;
  };

  std::istringstream in(text);
  std::string raw;
  std::size_t line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    std::string_view line = raw;
    if (auto semi = line.find(';'); semi != std::string_view::npos) line = line.substr(0, semi);
    std::vector<std::string> tokens;
    {
      std::istringstream words{std::string(line)};
      std::string w;
      while (words >> w) tokens.push_back(w);
    }
    if (tokens.empty()) continue;
    if (equalsIgnoreCase(tokens[0], "$TTL")) continue;  // TTLs of hints do not matter
    if (tokens[0][0] == '$') return fail(line_no, "directive " + tokens[0] + " is not supported");
    if (std::isspace(static_cast<unsigned char>(raw[0]))) {
      return fail(line_no, "a record must start with its owner name");
    }

    std::size_t i = 1;
    // TTL and class may come in either order (RFC 1035 5.1); both are optional.
    for (int k = 0; k < 2 && i < tokens.size(); ++k) {
      if (isNumber(tokens[i])) {
        ++i;
      } else if (equalsIgnoreCase(tokens[i], "IN")) {
        ++i;
      } else if (equalsIgnoreCase(tokens[i], "CH") || equalsIgnoreCase(tokens[i], "HS")) {
        return fail(line_no, "class " + tokens[i] + " is not IN");
      }
    }
    if (tokens.size() - i != 2) {
      return fail(line_no, "expected \"owner [ttl] [IN] type data\"");
    }
    const std::string& type = tokens[i];
    const std::string& data = tokens[i + 1];

    std::string name_error;
    auto owner = wire::nameFromText(tokens[0], "", &name_error);
    if (!owner) return fail(line_no, "owner " + tokens[0] + ": " + name_error);
    std::string owner_lower = wire::lowercaseName(*owner);

    if (equalsIgnoreCase(type, "NS")) {
      if (owner_lower.size() != 1) {
        return fail(line_no, "NS records in root hints must belong to the root \".\"");
      }
      auto target = wire::nameFromText(data, "", &name_error);
      if (!target) return fail(line_no, "name server " + data + ": " + name_error);
      ns_names.push_back(wire::lowercaseName(*target));
    } else if (equalsIgnoreCase(type, "A") || equalsIgnoreCase(type, "AAAA")) {
      boost::system::error_code ec;
      auto address = boost::asio::ip::make_address(data, ec);
      bool want_v4 = equalsIgnoreCase(type, "A");
      if (ec || address.is_v4() != want_v4) {
        return fail(line_no, "\"" + data + "\" is not an IPv" + (want_v4 ? "4" : "6") + " address");
      }
      addresses.emplace_back(owner_lower, address);
    } else {
      return fail(line_no, "record type " + type + " does not belong in root hints");
    }
  }

  // Addresses of names that no "." NS record lists are ignored, like BIND does with extra glue.
  std::vector<Endpoint> out;
  for (const auto& ns : ns_names) {
    for (const auto& [owner, address] : addresses) {
      if (owner != ns) continue;
      Endpoint e{address, 53};
      bool duplicate = false;
      for (const auto& seen : out) duplicate = duplicate || seen == e;
      if (!duplicate) out.push_back(e);
    }
  }
  if (out.empty()) {
    if (error) {
      *error = ns_names.empty() ? "root hints list no \". NS\" record"
                                : "root hints give no address for any root name server";
    }
    return std::nullopt;
  }
  return out;
}

std::vector<Endpoint> builtinRootHints() {
  static const std::vector<Endpoint> hints = [] {
    std::string error;
    auto parsed = parseRootHints(std::string(kBuiltinRootHints), &error);
    return parsed ? *parsed : std::vector<Endpoint>{};  // the built-in text always parses
  }();
  return hints;
}

}  // namespace horizon::resolver
