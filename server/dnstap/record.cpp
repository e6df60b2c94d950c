// Filling the protobuf-c structures of one record from an Event, as dnstap.proto says each field
// is meant.
#include "record.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

namespace horizon::dnstap {
namespace {

ProtobufCBinaryData bytes(const void* data, std::size_t size) {
  // protobuf-c's type is not const-correct; packing only reads through it.
  return {size, static_cast<std::uint8_t*>(const_cast<void*>(data))};
}

bool messageType(MessageType type, Dnstap__Message__Type* out) {
  switch (type) {
    case MessageType::kClientQuery:
      *out = DNSTAP__MESSAGE__TYPE__CLIENT_QUERY;
      return true;
    case MessageType::kClientResponse:
      *out = DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE;
      return true;
    case MessageType::kResolverQuery:
      *out = DNSTAP__MESSAGE__TYPE__RESOLVER_QUERY;
      return true;
    case MessageType::kResolverResponse:
      *out = DNSTAP__MESSAGE__TYPE__RESOLVER_RESPONSE;
      return true;
    case MessageType::kForwarderQuery:
      *out = DNSTAP__MESSAGE__TYPE__FORWARDER_QUERY;
      return true;
    case MessageType::kForwarderResponse:
      *out = DNSTAP__MESSAGE__TYPE__FORWARDER_RESPONSE;
      return true;
  }
  return false;
}

bool socketProtocol(Transport transport, Dnstap__SocketProtocol* out) {
  switch (transport) {
    case Transport::kUdp:
      *out = DNSTAP__SOCKET_PROTOCOL__UDP;
      return true;
    case Transport::kTcp:
      *out = DNSTAP__SOCKET_PROTOCOL__TCP;
      return true;
    case Transport::kTls:
      *out = DNSTAP__SOCKET_PROTOCOL__DOT;
      return true;
    case Transport::kHttps:
      *out = DNSTAP__SOCKET_PROTOCOL__DOH;
      return true;
  }
  return false;
}

bool isResponse(MessageType type) {
  return type == MessageType::kClientResponse || type == MessageType::kResolverResponse ||
         type == MessageType::kForwarderResponse;
}

bool known(const timespec& time) {
  return time.tv_sec != 0 || time.tv_nsec != 0;
}

// One end of the exchange: its address bytes and port, when `address` is of `*family` (or sets
// *family, when it is the first address given).
bool endpoint(const sockaddr* address, int* family, ProtobufCBinaryData* bytes_out,
              std::uint32_t* port) {
  if (address == nullptr) return false;
  if (*family != AF_UNSPEC && address->sa_family != *family) return false;
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    *bytes_out = bytes(&in->sin_addr, sizeof in->sin_addr);
    *port = ntohs(in->sin_port);
  } else if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    *bytes_out = bytes(&in6->sin6_addr, sizeof in6->sin6_addr);
    *port = ntohs(in6->sin6_port);
  } else {
    return false;
  }
  *family = address->sa_family;
  return true;
}

}  // namespace

Record::Record(const Event& event, std::string_view identity, std::string_view version) {
  dnstap__dnstap__init(&dnstap_);
  dnstap__message__init(&message_);
  dnstap_.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
  dnstap_.message = &message_;
  if (!identity.empty()) {
    dnstap_.has_identity = true;
    dnstap_.identity = bytes(identity.data(), identity.size());
  }
  if (!version.empty()) {
    dnstap_.has_version = true;
    dnstap_.version = bytes(version.data(), version.size());
  }

  valid_ = messageType(event.type, &message_.type) &&
           socketProtocol(event.transport, &message_.socket_protocol);
  message_.has_socket_protocol = valid_;

  int family = AF_UNSPEC;
  message_.has_query_address = message_.has_query_port =
      endpoint(event.query_address, &family, &message_.query_address, &message_.query_port);
  message_.has_response_address = message_.has_response_port = endpoint(
      event.response_address, &family, &message_.response_address, &message_.response_port);
  if (family != AF_UNSPEC) {
    message_.has_socket_family = true;
    message_.socket_family =
        family == AF_INET ? DNSTAP__SOCKET_FAMILY__INET : DNSTAP__SOCKET_FAMILY__INET6;
  }

  // A response's record carries the response, and the query's time when the caller knows it
  // (readers compute the round trip from the two).
  if (isResponse(event.type)) {
    message_.has_response_message = true;
    message_.response_message = bytes(event.message.data(), event.message.size());
    if (known(event.response_time)) {
      message_.has_response_time_sec = message_.has_response_time_nsec = true;
      message_.response_time_sec = static_cast<std::uint64_t>(event.response_time.tv_sec);
      message_.response_time_nsec = static_cast<std::uint32_t>(event.response_time.tv_nsec);
    }
  } else {
    message_.has_query_message = true;
    message_.query_message = bytes(event.message.data(), event.message.size());
  }
  if (known(event.query_time)) {
    message_.has_query_time_sec = message_.has_query_time_nsec = true;
    message_.query_time_sec = static_cast<std::uint64_t>(event.query_time.tv_sec);
    message_.query_time_nsec = static_cast<std::uint32_t>(event.query_time.tv_nsec);
  }
}

std::size_t Record::size() const {
  return dnstap__dnstap__get_packed_size(&dnstap_);
}

std::size_t Record::pack(std::uint8_t* out) const {
  return dnstap__dnstap__pack(&dnstap_, out);
}

}  // namespace horizon::dnstap
