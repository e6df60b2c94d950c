// DNS over HTTPS on a client connection: the HTTP side is horizon::doh::Session; here each
// request's DNS message is answered like any other, for the view of the client the request
// stands for.
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "tcp_connection.hpp"
#include "worker.hpp"

namespace horizon::net {

void TcpConnection::onQuery(doh::RequestId id, std::span<const std::uint8_t> dns_message,
                            const doh::ForwardedFor& hints) {
  // The address a trusted proxy reports picks the view; anyone else's headers are ignored, so
  // a client cannot claim another view by writing X-Forwarded-For itself.
  // Called from receive() and, for HTTP/1.1 requests held while reading was paused, from
  // answer() or consumed(): a read section of its own (they nest) covers every case.
  const query::SnapshotHolder::ReadGuard guard(worker_.snapshots, worker_.reader);
  const auto forwarded = trusted_peer_ ? hints.client() : std::nullopt;
  bool answered = false;
  if (forwarded) {
    sockaddr_storage peer;
    forwarded->toSockaddr(0, peer);
    answered = answerMessage(guard.snapshot(), dns_message, *forwarded,
                             reinterpret_cast<const sockaddr*>(&peer), id);
  } else {
    answered = answerMessage(guard.snapshot(), dns_message, client_,
                             reinterpret_cast<const sockaddr*>(&peer_), id);
  }
  if (!answered) {
    // What UDP would drop (a response, a message that is no query) still needs an HTTP answer,
    // or the request would hold its stream until the connection ends: FORMERR with the
    // client's id and no sections.
    std::uint8_t header[12] = {};
    std::memcpy(header, dns_message.data(), std::min<std::size_t>(2, dns_message.size()));
    header[2] = 0x80;  // QR
    header[3] = 1;     // FORMERR
    doh_->answer(id, header);
  }
}

void TcpConnection::drainSession() {
  const auto out = doh_->pendingOutput();
  if (!out.empty()) {
    pending_.insert(pending_.end(), out.begin(), out.end());
    doh_->consumed(out.size());
  }
  if (doh_->wantsClose()) closeAfterFlush();
}

}  // namespace horizon::net
