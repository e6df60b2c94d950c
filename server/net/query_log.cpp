// The query log's line format.
#include "query_log.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <string>

#include "horizon/ip/address.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/message.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::net {

void logQuery(const query::Snapshot& snapshot, const sockaddr* peer,
              std::span<const std::uint8_t> request, std::span<const std::uint8_t> response,
              const char* transport) {
  char client_text[INET6_ADDRSTRLEN] = "?";
  if (peer->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(peer)->sin_addr, client_text,
              sizeof client_text);
  } else if (peer->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(peer)->sin6_addr, client_text,
              sizeof client_text);
  }
  wire::ParsedQuery parsed;
  const auto status = wire::parseQuery(request, parsed);
  char qname[wire::kMaxNameTextSize] = "-";
  std::string qtype = "-";
  const char* view = "-";
  if (status == wire::ParseStatus::kOk && parsed.has_question) {
    wire::nameToText(parsed.qname, parsed.qname_len, qname, sizeof qname);
    qtype = wire::typeToName(parsed.qtype);
    if (const auto* zone = snapshot.findZone(parsed.qname_lower, parsed.qname_len)) {
      if (const auto* selected = zone->selectView(ip::ClientAddress::fromSockaddr(peer))) {
        view = selected->name.c_str();
      }
    }
  }
  std::string rcode = "DROPPED";
  if (response.size() >= wire::kHeaderSize) {
    unsigned code = response[3] & 0x0f;
    // The upper rcode bits live in the OPT record; the engine uses them only for BADVERS.
    if (code == 0 && status == wire::ParseStatus::kOk && parsed.has_edns &&
        parsed.edns_version > 0) {
      code = wire::rcode::BADVERS;
    }
    rcode = wire::rcodeToName(static_cast<std::uint16_t>(code));
  }
  spdlog::info("query {} client={} qname={} qtype={} rcode={} view={}", transport, client_text,
               qname, qtype, rcode, view);
}

}  // namespace horizon::net
