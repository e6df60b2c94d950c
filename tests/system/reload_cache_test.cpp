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
  StubForwarder forwarder;  // every A is 203.0.113.5
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
