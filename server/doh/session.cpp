// Session: picks the engine for the negotiated protocol and forwards to it.
#include "horizon/doh/session.hpp"

#include "http1_engine.hpp"
#include "http2_engine.hpp"

namespace horizon::doh {

Protocol protocolFromAlpn(std::string_view alpn) {
  return alpn == "h2" ? Protocol::kHttp2 : Protocol::kHttp11;
}

Session::Session(Protocol protocol, Handler& handler, const Limits& limits) {
  if (protocol == Protocol::kHttp2) {
    engine_ = std::make_unique<Http2Engine>(handler, limits);
  } else {
    engine_ = std::make_unique<Http1Engine>(handler, limits);
  }
}

Session::~Session() = default;

bool Session::receive(std::span<const std::uint8_t> bytes) {
  return engine_->receive(bytes);
}

void Session::answer(RequestId id, std::span<const std::uint8_t> dns_response) {
  engine_->answer(id, dns_response);
}

std::span<const std::uint8_t> Session::pendingOutput() {
  return engine_->pendingOutput();
}

void Session::consumed(std::size_t n) {
  engine_->consumed(n);
}

bool Session::readPaused() const {
  return engine_->readPaused();
}

bool Session::wantsClose() const {
  return engine_->wantsClose();
}

std::size_t Session::pendingQueries() const {
  return engine_->pendingQueries();
}

const Counters& Session::counters() const {
  return engine_->counters();
}

}  // namespace horizon::doh
