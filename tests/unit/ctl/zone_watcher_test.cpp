// The zone file watcher (server/ctl/zone_watcher.cpp): fingerprints tell content changes from
// touches, and a file replaced by a rename (how editors and dnsctl write) is noticed.
#include "horizon/ctl/zone_watcher.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace horizon::ctl {
namespace {

class ZoneWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("zone_watcher_test." + std::to_string(::getpid()) + "." +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    file_ = (dir_ / "watched.yaml").string();
    std::ofstream(file_) << "one\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string file_;
};

TEST_F(ZoneWatcherTest, FingerprintsSeparateContentFromMetadata) {
  const FileFingerprint first = fingerprintFile(file_, true);
  EXPECT_TRUE(first.exists);
  EXPECT_EQ(first.size, 4u);
  std::filesystem::last_write_time(
      file_, std::filesystem::file_time_type::clock::now() + std::chrono::hours(1));
  const FileFingerprint touched = fingerprintFile(file_, true);
  EXPECT_TRUE(touched.statDiffers(first));
  EXPECT_FALSE(touched.contentDiffers(first));
  std::ofstream(file_) << "two\n";
  EXPECT_TRUE(fingerprintFile(file_, true).contentDiffers(first));
  EXPECT_FALSE(fingerprintFile((dir_ / "missing").string(), true).exists);
}

TEST_F(ZoneWatcherTest, AReplacementByRenameCallsBackOnce) {
  boost::asio::io_context io;
  int changes = 0;
  ZoneWatcher::Options options;
  options.debounce = std::chrono::milliseconds(20);
  options.poll_interval = std::chrono::milliseconds(0);  // inotify alone must see it
  ZoneWatcher watcher(
      io, [&] { return std::vector<std::string>{file_}; },
      [&] {
        ++changes;
        io.stop();
      },
      options);
  watcher.start();
  const std::string temporary = (dir_ / "watched.yaml.tmp").string();
  std::ofstream(temporary) << "two\n";
  std::filesystem::rename(temporary, file_);
  io.run_for(std::chrono::seconds(10));  // returns as soon as the callback stops it
  watcher.stop();
  EXPECT_EQ(changes, 1);
}

}  // namespace
}  // namespace horizon::ctl
