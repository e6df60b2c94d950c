// How an Event becomes a dnstap record (server/dnstap/record.cpp): each field packed, then read
// back with the generated decoder, as dnstap.proto defines it.
#include "dnstap/record.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dnstap_test_support.hpp"

namespace horizon::dnstap {
namespace {

using test::any;

struct Unpacked {
  void operator()(Dnstap__Dnstap* d) const { dnstap__dnstap__free_unpacked(d, nullptr); }
};

// Packs the record of `event` and decodes it again.
std::unique_ptr<Dnstap__Dnstap, Unpacked> roundTrip(const Event& event) {
  const Record record(event, "ns1.example", "horizon 0.1.0");
  EXPECT_TRUE(record.valid());
  std::vector<std::uint8_t> packed(record.size());
  EXPECT_EQ(record.pack(packed.data()), packed.size());
  return std::unique_ptr<Dnstap__Dnstap, Unpacked>(
      dnstap__dnstap__unpack(nullptr, packed.size(), packed.data()));
}

std::string text(const ProtobufCBinaryData& b) {
  return std::string(reinterpret_cast<const char*>(b.data), b.len);
}

TEST(DnstapRecord, AClientQueryOverUdpFromIpv4) {
  const auto query = test::dnsMessage("www.example.org", 0x1234, false);
  const auto client = test::ipv4("192.0.2.7", 40000);
  const auto server = test::ipv4("127.0.0.1", 53);
  Event event;
  event.type = MessageType::kClientQuery;
  event.transport = Transport::kUdp;
  event.query_address = any(client);
  event.response_address = any(server);
  event.message = query;
  event.query_time = {1700000000, 123456789};

  const auto d = roundTrip(event);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->type, DNSTAP__DNSTAP__TYPE__MESSAGE);
  EXPECT_EQ(text(d->identity), "ns1.example");
  EXPECT_EQ(text(d->version), "horizon 0.1.0");
  ASSERT_NE(d->message, nullptr);
  const Dnstap__Message& m = *d->message;
  EXPECT_EQ(m.type, DNSTAP__MESSAGE__TYPE__CLIENT_QUERY);
  ASSERT_TRUE(m.has_socket_family);
  EXPECT_EQ(m.socket_family, DNSTAP__SOCKET_FAMILY__INET);
  ASSERT_TRUE(m.has_socket_protocol);
  EXPECT_EQ(m.socket_protocol, DNSTAP__SOCKET_PROTOCOL__UDP);
  ASSERT_TRUE(m.has_query_address);
  EXPECT_EQ(m.query_address.len, 4u);
  EXPECT_EQ(std::memcmp(m.query_address.data, &client.sin_addr, 4), 0);
  ASSERT_TRUE(m.has_response_address);
  EXPECT_EQ(std::memcmp(m.response_address.data, &server.sin_addr, 4), 0);
  EXPECT_TRUE(m.has_query_port);
  EXPECT_EQ(m.query_port, 40000u);
  EXPECT_TRUE(m.has_response_port);
  EXPECT_EQ(m.response_port, 53u);
  EXPECT_TRUE(m.has_query_time_sec);
  EXPECT_EQ(m.query_time_sec, 1700000000u);
  EXPECT_TRUE(m.has_query_time_nsec);
  EXPECT_EQ(m.query_time_nsec, 123456789u);
  ASSERT_TRUE(m.has_query_message);
  EXPECT_EQ(
      std::vector<std::uint8_t>(m.query_message.data, m.query_message.data + m.query_message.len),
      query);
  EXPECT_FALSE(m.has_response_message);
  EXPECT_FALSE(m.has_response_time_sec);
}

TEST(DnstapRecord, AClientResponseOverTcpToIpv6CarriesBothTimes) {
  const auto response = test::dnsMessage("www.example.org", 0x1234, true);
  const auto client = test::ipv6("2001:db8::7", 50000);
  const auto server = test::ipv6("::1", 5353);
  Event event;
  event.type = MessageType::kClientResponse;
  event.transport = Transport::kTcp;
  event.query_address = any(client);
  event.response_address = any(server);
  event.message = response;
  event.query_time = {1700000000, 5};
  event.response_time = {1700000001, 7};

  const auto d = roundTrip(event);
  ASSERT_NE(d, nullptr);
  const Dnstap__Message& m = *d->message;
  EXPECT_EQ(m.type, DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE);
  EXPECT_EQ(m.socket_family, DNSTAP__SOCKET_FAMILY__INET6);
  EXPECT_EQ(m.socket_protocol, DNSTAP__SOCKET_PROTOCOL__TCP);
  EXPECT_EQ(m.query_address.len, 16u);
  EXPECT_EQ(std::memcmp(m.query_address.data, &client.sin6_addr, 16), 0);
  EXPECT_EQ(std::memcmp(m.response_address.data, &server.sin6_addr, 16), 0);
  EXPECT_EQ(m.query_port, 50000u);
  EXPECT_EQ(m.response_port, 5353u);
  ASSERT_TRUE(m.has_response_message);
  EXPECT_EQ(m.response_message.len, response.size());
  EXPECT_FALSE(m.has_query_message);
  EXPECT_TRUE(m.has_response_time_sec);
  EXPECT_EQ(m.response_time_sec, 1700000001u);
  EXPECT_EQ(m.response_time_nsec, 7u);
  EXPECT_TRUE(m.has_query_time_sec);  // known, so kept: readers compute the round trip
  EXPECT_EQ(m.query_time_nsec, 5u);
}

TEST(DnstapRecord, AResolverQueryWithoutItsOwnAddressHasOnlyTheResponder) {
  const auto query = test::dnsMessage("example.org", 7, false);
  const auto upstream = test::ipv4("127.0.0.53", 53);
  Event event;
  event.type = MessageType::kResolverQuery;
  event.response_address = any(upstream);
  event.message = query;
  const auto d = roundTrip(event);
  ASSERT_NE(d, nullptr);
  const Dnstap__Message& m = *d->message;
  EXPECT_EQ(m.type, DNSTAP__MESSAGE__TYPE__RESOLVER_QUERY);
  EXPECT_FALSE(m.has_query_address);
  EXPECT_FALSE(m.has_query_port);
  ASSERT_TRUE(m.has_response_address);
  EXPECT_EQ(m.socket_family, DNSTAP__SOCKET_FAMILY__INET);  // from the one address there is
  EXPECT_EQ(m.response_port, 53u);
  EXPECT_FALSE(m.has_query_time_sec);  // a zero time is unknown, not 1970
}

TEST(DnstapRecord, EveryTypeAndTransportHasItsDnstapValue) {
  const auto message = test::dnsMessage("example.org", 7, false);
  const std::pair<MessageType, Dnstap__Message__Type> types[] = {
      {MessageType::kClientQuery, DNSTAP__MESSAGE__TYPE__CLIENT_QUERY},
      {MessageType::kClientResponse, DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE},
      {MessageType::kResolverQuery, DNSTAP__MESSAGE__TYPE__RESOLVER_QUERY},
      {MessageType::kResolverResponse, DNSTAP__MESSAGE__TYPE__RESOLVER_RESPONSE},
      {MessageType::kForwarderQuery, DNSTAP__MESSAGE__TYPE__FORWARDER_QUERY},
      {MessageType::kForwarderResponse, DNSTAP__MESSAGE__TYPE__FORWARDER_RESPONSE}};
  for (const auto& [ours, theirs] : types) {
    Event event;
    event.type = ours;
    event.message = message;
    const auto d = roundTrip(event);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message->type, theirs);
  }
  const std::pair<Transport, Dnstap__SocketProtocol> transports[] = {
      {Transport::kUdp, DNSTAP__SOCKET_PROTOCOL__UDP},
      {Transport::kTcp, DNSTAP__SOCKET_PROTOCOL__TCP},
      {Transport::kTls, DNSTAP__SOCKET_PROTOCOL__DOT},
      {Transport::kHttps, DNSTAP__SOCKET_PROTOCOL__DOH}};
  for (const auto& [ours, theirs] : transports) {
    Event event;
    event.transport = ours;
    event.message = message;
    const auto d = roundTrip(event);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message->socket_protocol, theirs);
  }
}

TEST(DnstapRecord, AnAddressOfTheOtherFamilyIsLeftOut) {
  const auto message = test::dnsMessage("example.org", 7, false);
  const auto client = test::ipv6("2001:db8::7", 50000);
  const auto server = test::ipv4("127.0.0.1", 53);
  Event event;
  event.query_address = any(client);
  event.response_address = any(server);
  event.message = message;
  const auto d = roundTrip(event);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->message->socket_family, DNSTAP__SOCKET_FAMILY__INET6);
  EXPECT_TRUE(d->message->has_query_address);
  EXPECT_FALSE(d->message->has_response_address);
  EXPECT_FALSE(d->message->has_response_port);
}

TEST(DnstapRecord, AnOutOfRangeEnumIsNotEncodable) {
  const auto message = test::dnsMessage("example.org", 7, false);
  Event event;
  event.type = static_cast<MessageType>(42);
  event.message = message;
  EXPECT_FALSE(Record(event, "", "").valid());
  event.type = MessageType::kClientQuery;
  event.transport = static_cast<Transport>(9);
  EXPECT_FALSE(Record(event, "", "").valid());
}

}  // namespace
}  // namespace horizon::dnstap
