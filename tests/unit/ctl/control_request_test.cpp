// The control socket's request handler (server/ctl/control_server.cpp) without a socket: status
// and reload as JSON, and an error object for anything else.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "horizon/ctl/control_server.hpp"

namespace horizon::ctl {
namespace {

using nlohmann::json;

class ControlRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::off);
    ASSERT_TRUE(reloader_.reload(ReloadTrigger::kStartup).ok);
  }
  void TearDown() override { spdlog::set_level(spdlog::level::info); }
  json ask(std::string_view line) {
    const std::string reply =
        handleControlRequest(line, reloader_, "horizond test", [this] { ++after_reload_calls_; });
    EXPECT_EQ(reply.find('\n'), std::string::npos) << reply;  // one line per response
    return json::parse(reply);
  }

  ZoneReloader reloader_{{HORIZON_TEST_DATA "/seed_views.yaml"}};
  int after_reload_calls_ = 0;
};

TEST_F(ControlRequestTest, StatusNamesZonesViewsAndVersion) {
  const json reply = ask(R"({"command":"status"})");
  ASSERT_TRUE(reply.value("ok", false)) << reply.dump();
  const json& status = reply["status"];
  EXPECT_EQ(status["version"], "horizond test");
  ASSERT_EQ(status["zones"].size(), 1u);
  EXPECT_FALSE(status["zones"][0]["views"].empty());
  EXPECT_EQ(status["reloads"]["ok"], 1);
  EXPECT_EQ(after_reload_calls_, 0);
}

TEST_F(ControlRequestTest, ReloadAnswersWithSerialsAndRunsTheFollowUp) {
  const json reply = ask(R"({"command":"reload"})");
  ASSERT_TRUE(reply.value("ok", false)) << reply.dump();
  EXPECT_EQ(reply["serials"].size(), 1u);
  EXPECT_EQ(after_reload_calls_, 1);
}

TEST_F(ControlRequestTest, AnythingElseIsAnErrorObject) {
  for (std::string_view line :
       {R"({"command":"stats"})", "[\"status\"]", "{", R"({"command":7})", ""}) {
    const json reply = ask(line);
    EXPECT_FALSE(reply.value("ok", true)) << line;
    EXPECT_TRUE(reply.contains("error")) << line;
  }
}

}  // namespace
}  // namespace horizon::ctl
