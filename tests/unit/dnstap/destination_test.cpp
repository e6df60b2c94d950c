// The spellings of a dnstap destination that the config accepts (server/dnstap/destination.cpp).
#include "dnstap/destination.hpp"

#include <gtest/gtest.h>

#include <string>

#include "horizon/dnstap/dnstap_writer.hpp"

namespace horizon::dnstap {
namespace {

TEST(DnstapDestination, UnixAndFilePathsAreAccepted) {
  std::string error;
  EXPECT_TRUE(validDestination("unix:/run/dnstap.sock", &error)) << error;
  EXPECT_TRUE(validDestination("file:/var/log/horizon/dnstap.fstrm", &error)) << error;
  EXPECT_TRUE(validDestination("file:relative.fstrm", &error)) << error;

  const auto unix_socket = parseDestination("unix:/run/dnstap.sock", nullptr);
  ASSERT_TRUE(unix_socket);
  EXPECT_EQ(unix_socket->kind, Destination::Kind::kUnix);
  EXPECT_EQ(unix_socket->path, "/run/dnstap.sock");
  const auto file = parseDestination("file:/tmp/a:b", nullptr);
  ASSERT_TRUE(file);
  EXPECT_EQ(file->kind, Destination::Kind::kFile);
  EXPECT_EQ(file->path, "/tmp/a:b");  // only the first colon separates
}

TEST(DnstapDestination, OtherSchemesAndEmptyPathsAreRejectedWithAReason) {
  for (const char* text : {"", "unix:", "file:", "/run/dnstap.sock", "tcp:127.0.0.1:6000",
                           "UNIX:/run/dnstap.sock", "unix"}) {
    std::string error;
    EXPECT_FALSE(validDestination(text, &error)) << text;
    EXPECT_FALSE(error.empty()) << text;
  }
  EXPECT_FALSE(validDestination("file:", nullptr));  // no error wanted: still just false
}

TEST(DnstapDestination, AUnixPathMustFitASockaddrUn) {
  std::string error;
  EXPECT_TRUE(validDestination("unix:/" + std::string(106, 'a'), &error)) << error;  // 107 bytes
  EXPECT_FALSE(validDestination("unix:/" + std::string(107, 'a'), &error));
  EXPECT_NE(error.find("longer than 107"), std::string::npos) << error;
  // A file path has no such limit.
  EXPECT_TRUE(validDestination("file:/" + std::string(300, 'a'), &error)) << error;
}

TEST(DnstapDestination, AWriterRefusesWhatValidationRefuses) {
  std::string error;
  EXPECT_EQ(Writer::open("tcp:127.0.0.1:6000", 1, "host", "horizon 0.1.0", &error), nullptr);
  EXPECT_FALSE(error.empty());
  error.clear();
  EXPECT_EQ(Writer::open("file:/tmp/x.fstrm", 0, "host", "horizon 0.1.0", &error), nullptr);
  EXPECT_NE(error.find("queue"), std::string::npos) << error;
}

}  // namespace
}  // namespace horizon::dnstap
