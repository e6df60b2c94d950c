// Shared by the DoH unit tests: DNS messages built by ldns, base64url for GET requests, and a
// handler that records the queries a Session hands over.
#pragma once

#include <ldns/ldns.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "horizon/doh/session.hpp"

namespace horizon::doh::testing {

using Bytes = std::vector<std::uint8_t>;

// A message with `records` ("owner TTL IN TYPE rdata" in the given section) and a question for
// `qname` A; `edns` adds an OPT record (ldns writes it into the additional section).
inline Bytes dnsMessage(const std::string& qname,
                        const std::vector<std::pair<ldns_pkt_section, std::string>>& records = {},
                        bool response = false, bool edns = false, std::uint16_t id = 0x1234) {
  ldns_pkt* pkt = ldns_pkt_new();
  ldns_pkt_set_id(pkt, id);
  ldns_pkt_set_qr(pkt, response);
  ldns_rr* question = nullptr;
  if (ldns_rr_new_question_frm_str(&question, (qname + " IN A").c_str(), nullptr, nullptr) !=
      LDNS_STATUS_OK)
    throw std::runtime_error("bad question " + qname);
  ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, question);
  for (const auto& [section, text] : records) {
    ldns_rr* rr = nullptr;
    if (ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK)
      throw std::runtime_error("bad record " + text);
    ldns_pkt_push_rr(pkt, section, rr);
  }
  if (edns) {
    ldns_pkt_set_edns_udp_size(pkt, 1232);
    ldns_pkt_set_edns_do(pkt, true);  // makes ldns write the OPT record
  }
  std::uint8_t* wire = nullptr;
  std::size_t size = 0;
  const ldns_status status = ldns_pkt2wire(&wire, pkt, &size);
  ldns_pkt_free(pkt);
  if (status != LDNS_STATUS_OK) throw std::runtime_error("ldns_pkt2wire failed");
  Bytes out(wire, wire + size);
  std::free(wire);
  return out;
}

// base64url without padding (RFC 4648 5), as RFC 8484 4.1 sends dns=.
inline std::string base64Url(std::span<const std::uint8_t> bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (bytes.size() - i == 1) {
    const std::uint32_t v = bytes[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    const std::uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    for (int shift : {18, 12, 6}) out += kAlphabet[(v >> shift) & 63];
  }
  return out;
}

// Records what a Session hands over; answers nothing unless told to.
class RecordingHandler : public Handler {
 public:
  struct Query {
    RequestId id;
    Bytes message;
    ForwardedFor hints;
  };
  void onQuery(RequestId id, std::span<const std::uint8_t> message,
               const ForwardedFor& hints) override {
    queries.push_back({id, Bytes(message.begin(), message.end()), hints});
    if (answer_at_once) answer_at_once(id, message);
  }
  void onCancel(RequestId id) override { cancelled.push_back(id); }

  std::vector<Query> queries;
  std::vector<RequestId> cancelled;
  // When set, called from inside onQuery (an authoritative server answers at once).
  std::function<void(RequestId, std::span<const std::uint8_t>)> answer_at_once;
};

}  // namespace horizon::doh::testing
