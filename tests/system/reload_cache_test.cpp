// The resolver's cache survives a reload: a name resolved through a forwarder before a reload is
// answered from the cache after it, without asking the forwarder again. The forwarder is a small
// UDP responder in this test (on 127.0.0.1) that counts the questions it gets.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "sync_support.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

// Answers every A question with 203.0.113.5 (TTL 3600) and counts them.
class CountingForwarder {
 public:
  CountingForwarder() {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      throw std::runtime_error("bind failed");
    socklen_t length = sizeof address;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~CountingForwarder() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  std::uint16_t port() const { return port_; }
  int questions() const { return questions_; }

 private:
  void serve() {
    std::uint8_t buffer[4096];
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      sockaddr_in peer{};
      socklen_t peer_length = sizeof peer;
      const ssize_t n =
          recvfrom(fd_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer), &peer_length);
      if (n <= 0) continue;
      Packet query = parsePacket(std::span<const std::uint8_t>(buffer, static_cast<size_t>(n)));
      if (!query || ldns_rr_list_rr_count(ldns_pkt_question(query.get())) != 1) continue;
      ++questions_;
      ldns_pkt* reply = ldns_pkt_clone(query.get());
      ldns_pkt_set_qr(reply, true);
      ldns_pkt_set_aa(reply, true);
      ldns_pkt_set_ra(reply, true);
      const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(query.get()), 0);
      if (ldns_rr_get_type(question) == LDNS_RR_TYPE_A) {
        char* owner = ldns_rdf2str(ldns_rr_owner(question));
        ldns_rr* answer = nullptr;
        ldns_rr_new_frm_str(&answer, (std::string(owner) + " 3600 IN A 203.0.113.5").c_str(), 0,
                            nullptr, nullptr);
        std::free(owner);
        ldns_pkt_push_rr(reply, LDNS_SECTION_ANSWER, answer);
      }
      std::uint8_t* wire = nullptr;
      size_t size = 0;
      if (ldns_pkt2wire(&wire, reply, &size) == LDNS_STATUS_OK)
        sendto(fd_, wire, size, 0, reinterpret_cast<sockaddr*>(&peer), peer_length);
      std::free(wire);
      ldns_pkt_free(reply);
    }
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> questions_{0};
  std::thread thread_;
};

std::string controlRequest(const std::string& path, const std::string& line) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
    char buffer[4096];
    for (ssize_t n;
         response.find('\n') == std::string::npos && (n = read(fd, buffer, sizeof buffer)) > 0;)
      response.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  return response;
}

TEST(ReloadCacheTest, TheResolverCacheSurvivesAReload) {
  CountingForwarder forwarder;
  TempDir dir;
  const std::string zone = dir.write("home.test.yaml",
                                     "zone: home.test\n"
                                     "views: {lan: [127.0.0.1/32]}\n"
                                     "recursion: [lan]\n"
                                     "records: {nas: 192.168.1.10}\n");
  const std::string socket_path = dir.path() + "/ctl.sock";
  const auto port = findFreePort();
  auto server = ServerProcess::start(
      {"--zone", zone, "--listen", listenArg(port), "--control", socket_path, "--forward",
       "127.0.0.1:" + std::to_string(forwarder.port()), "--workers", "1"},
      port);

  QueryOptions options;
  options.recursion_desired = true;
  Packet first = query({.port = port, .source = "127.0.0.1"}, "cached.example", LDNS_RR_TYPE_A,
                       false, options);
  ASSERT_TRUE(first);
  EXPECT_EQ(rdataText(ldns_pkt_answer(first.get()), LDNS_RR_TYPE_A),
            std::vector<std::string>{"203.0.113.5"});
  const int asked = forwarder.questions();
  EXPECT_GE(asked, 1);

  // A real change of the zone, reloaded through the control socket.
  writeText(zone,
            "zone: home.test\nviews: {lan: [127.0.0.1/32]}\nrecursion: [lan]\n"
            "records: {nas: 192.168.1.11}\n");
  const std::string reply = controlRequest(socket_path, "{\"command\":\"reload\"}\n");
  ASSERT_NE(reply.find("\"ok\":true"), std::string::npos) << reply << server->output();
  Packet nas = query({.port = port, .source = "127.0.0.1"}, "nas.home.test", LDNS_RR_TYPE_A);
  ASSERT_TRUE(nas);
  EXPECT_EQ(rdataText(ldns_pkt_answer(nas.get()), LDNS_RR_TYPE_A),
            std::vector<std::string>{"192.168.1.11"});

  Packet again = query({.port = port, .source = "127.0.0.1"}, "cached.example", LDNS_RR_TYPE_A,
                       false, options);
  ASSERT_TRUE(again);
  EXPECT_EQ(rdataText(ldns_pkt_answer(again.get()), LDNS_RR_TYPE_A),
            std::vector<std::string>{"203.0.113.5"});
  EXPECT_EQ(forwarder.questions(), asked) << "asked the forwarder again: the cache was lost";
  EXPECT_TRUE(server->stop().success()) << server->output();
}

}  // namespace
}  // namespace horizon::test
