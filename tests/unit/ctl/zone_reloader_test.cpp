// The reload transaction (server/ctl/zone_reloader.cpp) without sockets: a good file is
// published, a bad one keeps the old snapshot and says why, and status counts both.
#include "horizon/ctl/zone_reloader.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "horizon/query/snapshot_holder.hpp"

namespace horizon::ctl {
namespace {

std::string zoneText(const std::string& address) {
  return "zone: reload.test\nviews:\n  lan: [127.0.0.0/8]\nrecords:\n  www: " + address + "\n";
}

class ZoneReloaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::off);  // reloads log their diagnostics; not wanted here
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("zone_reloader_test." + std::to_string(::getpid()) + "." +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    file_ = (dir_ / "reload.test.yaml").string();
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    spdlog::set_level(spdlog::level::info);
  }
  void write(const std::string& text) { std::ofstream(file_) << text; }

  std::filesystem::path dir_;
  std::string file_;
};

TEST_F(ZoneReloaderTest, AGoodFileIsPublishedWithItsSerial) {
  write(zoneText("192.0.2.1"));
  ZoneReloader reloader({file_});
  EXPECT_EQ(reloader.snapshot(), nullptr);
  const ReloadResult result = reloader.reload(ReloadTrigger::kStartup);
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_EQ(result.serials.size(), 1u);
  EXPECT_EQ(result.serials[0].first, "reload.test.");
  ASSERT_NE(reloader.snapshot(), nullptr);
  EXPECT_EQ(reloader.snapshot()->zones.size(), 1u);
  const ReloaderStatus status = reloader.status();
  ASSERT_EQ(status.zones.size(), 1u);
  EXPECT_EQ(status.zones[0].serial, result.serials[0].second);
  EXPECT_EQ(status.reloads_ok, 1u);
  EXPECT_EQ(status.reloads_failed, 0u);
}

TEST_F(ZoneReloaderTest, ABadFileKeepsTheOldSnapshotAndSaysWhy) {
  write(zoneText("192.0.2.1"));
  ZoneReloader reloader({file_});
  ASSERT_TRUE(reloader.reload(ReloadTrigger::kStartup).ok);
  const auto before = reloader.snapshot();
  write("zone: reload.test\nviews: 7\n");
  const ReloadResult failed = reloader.reload(ReloadTrigger::kControl);
  EXPECT_FALSE(failed.ok);
  EXPECT_NE(failed.error.find("reload.test.yaml:2"), std::string::npos) << failed.error;
  EXPECT_EQ(reloader.snapshot(), before);
  const ReloaderStatus status = reloader.status();
  EXPECT_EQ(status.reloads_failed, 1u);
  ASSERT_TRUE(status.last_reload);
  EXPECT_EQ(status.last_reload->trigger, ReloadTrigger::kControl);
  EXPECT_FALSE(status.last_reload->ok);
}

TEST_F(ZoneReloaderTest, AnAttachedHolderGetsEachNewSnapshot) {
  write(zoneText("192.0.2.1"));
  ZoneReloader reloader({file_});
  ASSERT_TRUE(reloader.reload(ReloadTrigger::kStartup).ok);
  auto holder = std::make_shared<query::SnapshotHolder>(reloader.snapshot());
  reloader.attach(holder);
  write(zoneText("192.0.2.2"));
  const ReloadResult result = reloader.reload(ReloadTrigger::kFileChange);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(holder->currentShared(), reloader.snapshot());
  EXPECT_STREQ(triggerName(ReloadTrigger::kFileChange), "file-change");
}

TEST_F(ZoneReloaderTest, WatchedFilesAreTheConfiguredOnes) {
  write(zoneText("192.0.2.1"));
  ZoneReloader reloader({file_});
  ASSERT_TRUE(reloader.reload(ReloadTrigger::kStartup).ok);
  EXPECT_EQ(reloader.watchedFiles(), std::vector<std::string>{file_});
}

}  // namespace
}  // namespace horizon::ctl
