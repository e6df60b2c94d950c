// Upstreams as --forward and forward-zones write them (server/config/resolver_settings.cpp): plain
// ADDR[:PORT], and tls://ADDR[:PORT]#NAME for DNS over TLS, which never goes without its name.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "horizon/config/command_line.hpp"
#include "horizon/config/server_config.hpp"

namespace horizon::config {
namespace {

TEST(ParseUpstream, PlainFormsStayAsTheyWere) {
  std::string error;
  auto v4 = parseUpstream("192.0.2.1", &error);
  ASSERT_TRUE(v4) << error;
  EXPECT_EQ(v4->port, 53);
  EXPECT_FALSE(v4->tls());
  auto v6 = parseUpstream("[2001:db8::1]:5353", &error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->port, 5353);
  EXPECT_FALSE(v6->tls());
  EXPECT_EQ(v6->toString(), "[2001:db8::1]:5353");
}

TEST(ParseUpstream, TlsFormsDefaultToPort853AndKeepTheName) {
  std::string error;
  auto v4 = parseUpstream("tls://192.0.2.1#DNS.Example.", &error);
  ASSERT_TRUE(v4) << error;
  EXPECT_EQ(v4->address.to_string(), "192.0.2.1");
  EXPECT_EQ(v4->port, 853);
  EXPECT_TRUE(v4->tls());
  EXPECT_EQ(v4->tls_auth_name, "dns.example");  // names compare without case or final dot
  EXPECT_EQ(v4->toString(), "tls://192.0.2.1:853#dns.example");

  auto port = parseUpstream("tls://192.0.2.1:8853#dns.example", &error);
  ASSERT_TRUE(port) << error;
  EXPECT_EQ(port->port, 8853);

  auto v6 = parseUpstream("tls://[2001:db8::1]:853#dns.example", &error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->address.to_string(), "2001:db8::1");
  EXPECT_EQ(v6->port, 853);
  auto v6_bare = parseUpstream("tls://[2001:db8::1]#dns.example", &error);
  ASSERT_TRUE(v6_bare) << error;
  EXPECT_EQ(v6_bare->port, 853);

  auto by_address = parseUpstream("tls://192.0.2.1#192.0.2.1", &error);
  ASSERT_TRUE(by_address) << error;
  EXPECT_EQ(by_address->tls_auth_name, "192.0.2.1");

  // The same address in plain DNS and in TLS are different upstreams.
  EXPECT_FALSE(*parseUpstream("192.0.2.1:853", &error) == *v4);
}

TEST(ParseUpstream, TlsWithoutANameIsAnError) {
  for (const char* text : {"tls://192.0.2.1", "tls://192.0.2.1:853#", "tls://[::1]:853"}) {
    std::string error;
    EXPECT_FALSE(parseUpstream(text, &error)) << text;
    EXPECT_NE(error.find("tls://ADDR[:PORT]#NAME"), std::string::npos) << error;
  }
  for (const char* text : {"tls://192.0.2.1#bad name", "tls://192.0.2.1#a..b",
                           "tls://dns.example#dns.example", "tls://192.0.2.1:99999#a.example"}) {
    std::string error;
    EXPECT_FALSE(parseUpstream(text, &error)) << text;
    EXPECT_FALSE(error.empty()) << text;
  }
}

TEST(BuildResolverConfig, TlsUpstreamsGetATrustStoreAndErrorsNameTheSetting) {
  ServerConfig config;
  config.dnssec = false;
  config.forwarders = {"192.0.2.1"};
  std::string error;
  auto plain = buildResolverConfig(config, &error);
  ASSERT_TRUE(plain) << error;
  EXPECT_EQ(plain->tls, nullptr);  // nothing loaded when nothing speaks TLS

  config.forwarders = {"tls://192.0.2.1#dns.example", "192.0.2.2"};
  config.forward_zones = {{"corp.example", {"tls://[2001:db8::53]#ns.corp.example"}}};
  auto tls = buildResolverConfig(config, &error);
  ASSERT_TRUE(tls) << error;
  EXPECT_NE(tls->tls, nullptr);
  ASSERT_EQ(tls->forwarders.size(), 2u);
  EXPECT_EQ(tls->forwarders[0].tls_auth_name, "dns.example");
  EXPECT_FALSE(tls->forwarders[1].tls());
  ASSERT_EQ(tls->forward_zones.size(), 1u);
  EXPECT_EQ(tls->forward_zones[0].servers[0].port, 853);

  config.forward_zones = {{"corp.example", {"tls://192.0.2.9"}}};
  EXPECT_FALSE(buildResolverConfig(config, &error));
  EXPECT_NE(error.find("forward zone corp.example"), std::string::npos) << error;

  config.forward_zones.clear();
  config.tls_ca_file = ::testing::TempDir() + "/resolver_settings_test.not-a-ca.pem";
  std::ofstream(config.tls_ca_file) << "not a certificate\n";
  EXPECT_FALSE(buildResolverConfig(config, &error));
  EXPECT_NE(error.find("tls-ca"), std::string::npos) << error;
  config.tls_ca_file = "/nonexistent/ca.pem";
  EXPECT_FALSE(buildResolverConfig(config, &error));
  EXPECT_NE(error.find("cannot read"), std::string::npos) << error;
}

TEST(BuildResolverConfig, TlsUpstreamsComeFromFlagsAndTheConfigFile) {
  const std::string path = ::testing::TempDir() + "/resolver_settings_test.tls.yaml";
  std::ofstream(path)
      << "zones: [z.yaml]\nlisten: [\"5300\"]\ndnssec: false\n"
         "forward: [\"tls://[2001:db8::53]#dns.example\"]\n"
         "forward-zones: {corp.example: [\"tls://192.0.2.1:8853#ns.corp.example\"]}\n";
  std::vector<std::string> words = {"horizond", "--config", path, "--forward-zone",
                                    "lab.example=tls://192.0.2.7#lab.example,192.0.2.8"};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  const CommandLine command_line = parseCommandLine(static_cast<int>(words.size()), argv.data());
  ASSERT_EQ(command_line.action, CommandLine::Action::kServe);
  std::string error;
  auto config = buildResolverConfig(command_line.config, &error);
  ASSERT_TRUE(config) << error;
  ASSERT_EQ(config->forwarders.size(), 1u);
  EXPECT_EQ(config->forwarders[0].toString(), "tls://[2001:db8::53]:853#dns.example");
  ASSERT_EQ(config->forward_zones.size(), 1u);  // the flag replaces the file's map
  ASSERT_EQ(config->forward_zones[0].servers.size(), 2u);
  EXPECT_EQ(config->forward_zones[0].servers[0].toString(), "tls://192.0.2.7:853#lab.example");
  EXPECT_EQ(config->forward_zones[0].servers[1].toString(), "192.0.2.8:53");
  EXPECT_NE(config->tls, nullptr);
}

}  // namespace
}  // namespace horizon::config
