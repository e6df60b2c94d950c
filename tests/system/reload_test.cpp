// Live reload on loopback: horizond serves a zone from a temporary directory, the test changes
// the file the ways people and tools do (rewrite in place, rename over it, a Kubernetes
// ConfigMap symlink swap, SIGHUP, the control socket) and polls with queries until the new
// answer is served. Broken files must leave the old data in service and say why; garbage on
// the control socket must get error answers, never a crash. No timing assertions: every wait is
// a bounded poll.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_support.hpp"

namespace horizon::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr Millis kWait(10000);  // the longest any change may take to show
constexpr Millis kStep(100);

// A small zone whose www answer (and optionally an extra name) the tests change.
std::string zoneText(const std::string& www, bool extra = false) {
  std::string text =
      "zone: reload.test\n"
      "ttl: 60\n"
      "views:\n"
      "  lan: [127.0.0.1/32]\n"
      "  public: [0.0.0.0/0, \"::/0\"]\n"
      "records:\n"
      "  www: " +
      www + "\n";
  if (extra) text += "  extra: 192.0.2.99\n";
  text += "recursion: []\n";
  return text;
}

// The same zone with an error on line 4 (host bits set in a prefix).
std::string badCidrText() {
  return "zone: reload.test\n"
         "ttl: 60\n"
         "views:\n"
         "  lan: [192.168.1.1/24]\n"
         "  public: [0.0.0.0/0, \"::/0\"]\n"
         "records:\n"
         "  www: 192.0.2.50\n";
}

// An unknown top-level key on line 3.
std::string unknownKeyText() {
  return "zone: reload.test\n"
         "ttl: 60\n"
         "bogus_key: 1\n"
         "views:\n"
         "  lan: [127.0.0.1/32]\n"
         "  public: [0.0.0.0/0]\n"
         "records:\n"
         "  www: 192.0.2.51\n";
}

void writeInPlace(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);  // same inode: truncate and write
  out << text;
}

void writeByRename(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
  }
  fs::rename(tmp, path);
}

// The www addresses the lan view (source 127.0.0.1) answers.
std::vector<std::string> wwwAddresses(std::uint16_t port) {
  Packet reply = query(Endpoint{port, "127.0.0.1"}, "www.reload.test", LDNS_RR_TYPE_A);
  if (!reply) return {};
  return rdataText(ldns_pkt_answer(reply.get()), LDNS_RR_TYPE_A);
}

bool eventually(const std::function<bool()>& condition, Millis timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(kStep);
  }
  return condition();
}

bool serves(std::uint16_t port, const std::string& address) {
  return eventually([&] { return wwwAddresses(port) == std::vector<std::string>{address}; });
}

// A plain AF_UNIX client: connects, sends `request` as is, reads one line (or until EOF).
std::optional<std::string> controlExchange(const std::string& path, const std::string& request,
                                           bool* closed_after = nullptr) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may hang up on an oversized line; read its answer anyway
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);  // no more requests: the server answers, then sees EOF and hangs up
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  char buffer[4096];
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    line.append(buffer, static_cast<std::size_t>(n));
  }
  if (closed_after != nullptr) {
    *closed_after = false;
    const auto close_deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < close_deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) {
        *closed_after = true;
        break;
      }
    }
  }
  ::close(fd);
  const auto newline = line.find('\n');
  if (newline == std::string::npos) return std::nullopt;
  return line.substr(0, newline);
}

json control(const std::string& path, const std::string& command) {
  auto line = controlExchange(path, json{{"command", command}}.dump() + "\n");
  if (!line) return json();
  return json::parse(*line, nullptr, false);
}

class ReloadTest : public ::testing::Test {
 protected:
  void startServer(const std::string& zone_path) {
    socket_ = dir_.path() + "/horizond.sock";
    port_ = findFreePort();
    server_ = ServerProcess::start(
        {"--zone", zone_path, "--listen", listenArg(port_), "--control", socket_, "--workers", "2"},
        port_);
  }
  void TearDown() override {
    if (server_) {
      const ExitStatus status = server_->stop();
      EXPECT_TRUE(status.success()) << status.toString() << "\n" << server_->output();
    }
  }

  TempDir dir_;
  std::string socket_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ReloadTest, RewriteInPlaceIsServed) {
  const std::string zone = dir_.write("reload.test.yaml", zoneText("192.0.2.1"));
  startServer(zone);
  ASSERT_TRUE(serves(port_, "192.0.2.1")) << server_->output();
  writeInPlace(zone, zoneText("192.0.2.2"));
  EXPECT_TRUE(serves(port_, "192.0.2.2")) << server_->output();
  writeInPlace(zone, zoneText("192.0.2.3"));
  EXPECT_TRUE(serves(port_, "192.0.2.3")) << server_->output();
  EXPECT_NE(server_->output().find("reload (file-change) done"), std::string::npos);
}

TEST_F(ReloadTest, ReplaceByRenameIsServed) {
  const std::string zone = dir_.write("reload.test.yaml", zoneText("192.0.2.1"));
  startServer(zone);
  writeByRename(zone, zoneText("192.0.2.4"));
  EXPECT_TRUE(serves(port_, "192.0.2.4")) << server_->output();
  // A second rename: the watch must still be there after the first replaced the inode.
  writeByRename(zone, zoneText("192.0.2.5"));
  EXPECT_TRUE(serves(port_, "192.0.2.5")) << server_->output();
}

TEST_F(ReloadTest, KubernetesConfigMapSymlinkSwapIsServed) {
  // The layout kubelet makes: name -> ..data/name, ..data -> ..<timestamp>, swapped atomically by
  // renaming a new ..data_tmp symlink over ..data.
  const fs::path root = dir_.path() + "/configmap";
  fs::create_directories(root / "..2024_01_01_a");
  writeInPlace((root / "..2024_01_01_a" / "reload.test.yaml").string(), zoneText("192.0.2.6"));
  fs::create_directory_symlink("..2024_01_01_a", root / "..data");
  fs::create_symlink("..data/reload.test.yaml", root / "reload.test.yaml");
  startServer((root / "reload.test.yaml").string());
  ASSERT_TRUE(serves(port_, "192.0.2.6")) << server_->output();

  auto swap = [&](const std::string& version, const std::string& address) {
    fs::create_directories(root / version);
    writeInPlace((root / version / "reload.test.yaml").string(), zoneText(address));
    fs::create_directory_symlink(version, root / "..data_tmp");
    fs::rename(root / "..data_tmp", root / "..data");
  };
  swap("..2024_01_01_b", "192.0.2.7");
  EXPECT_TRUE(serves(port_, "192.0.2.7")) << server_->output();
  fs::remove_all(root / "..2024_01_01_a");  // kubelet removes the old version
  swap("..2024_01_01_c", "192.0.2.8");
  EXPECT_TRUE(serves(port_, "192.0.2.8")) << server_->output();
}

TEST_F(ReloadTest, SighupReloads) {
  const std::string zone = dir_.write("reload.test.yaml", zoneText("192.0.2.1"));
  startServer(zone);
  server_->signal(SIGHUP);
  json status;
  ASSERT_TRUE(eventually([&] {
    status = control(socket_, "status");
    return status.value("ok", false) && status["status"]["last_reload"]["trigger"] == "signal";
  })) << status.dump()
      << "\n"
      << server_->output();
  EXPECT_EQ(status["status"]["reloads"]["ok"], 2);  // startup and the signal
  EXPECT_TRUE(status["status"]["last_reload"]["ok"].get<bool>());
  EXPECT_NE(server_->output().find("SIGHUP: reloading"), std::string::npos);
  EXPECT_TRUE(serves(port_, "192.0.2.1"));
}

TEST_F(ReloadTest, ControlSocketStatusAndReload) {
  const std::string zone = dir_.write("reload.test.yaml", zoneText("192.0.2.1"));
  startServer(zone);

  struct stat st {};
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);

  const json before = control(socket_, "status");
  ASSERT_TRUE(before.value("ok", false)) << before.dump();
  const json& s = before["status"];
  EXPECT_EQ(s["version"].get<std::string>().rfind("horizond", 0), 0u);
  EXPECT_GE(s["uptime_seconds"].get<long>(), 0);
  ASSERT_EQ(s["zones"].size(), 1u);
  const json& z = s["zones"][0];
  EXPECT_EQ(z["origin"], "reload.test.");
  EXPECT_EQ(z["source_file"], zone);
  ASSERT_EQ(z["views"].size(), 2u);
  EXPECT_EQ(z["views"][0]["name"], "lan");
  EXPECT_FALSE(z["views"][0]["recursion"].get<bool>());
  const auto records_before = z["views"][0]["records"].get<int>();
  EXPECT_EQ(s["last_reload"]["trigger"], "startup");
  EXPECT_TRUE(s["last_reload"]["ok"].get<bool>());
  EXPECT_EQ(s["last_reload"]["time"].get<std::string>().back(), 'Z');
  EXPECT_EQ(s["reloads"]["ok"], 1);
  EXPECT_EQ(s["reloads"]["failed"], 0);

  // A reload over the socket right after the edit (the watcher may or may not have got there
  // first; either way the answer carries the new serial).
  writeByRename(zone, zoneText("192.0.2.9", true));
  const json reloaded = control(socket_, "reload");
  ASSERT_TRUE(reloaded.value("ok", false)) << reloaded.dump();
  ASSERT_TRUE(reloaded["serials"].contains("reload.test."));
  EXPECT_NE(reloaded["serials"]["reload.test."], z["serial"]);
  EXPECT_TRUE(serves(port_, "192.0.2.9"));

  const json after = control(socket_, "status");
  ASSERT_TRUE(after.value("ok", false)) << after.dump();
  EXPECT_EQ(after["status"]["zones"][0]["serial"], reloaded["serials"]["reload.test."]);
  EXPECT_EQ(after["status"]["zones"][0]["views"][0]["records"].get<int>(), records_before + 1);
  EXPECT_TRUE(after["status"]["last_reload"]["ok"].get<bool>());
  EXPECT_GE(after["status"]["reloads"]["ok"].get<int>(), 2);
}

// Writes a broken file, checks that the old answer stays and every channel reports the error
// naming `line_text` ("file:line:"), then fixes the file and checks recovery.
void expectBrokenFileKeepsOldData(ServerProcess& server, std::uint16_t port,
                                  const std::string& socket, const std::string& zone,
                                  const std::string& broken, const std::string& line_text,
                                  const std::string& fixed_address) {
  writeInPlace(zone, broken);
  json status;
  ASSERT_TRUE(eventually([&] {
    status = control(socket, "status");
    return status.value("ok", false) && !status["status"]["last_reload"]["ok"].get<bool>();
  })) << status.dump()
      << "\n"
      << server.output();
  const std::string error = status["status"]["last_reload"]["error"];
  EXPECT_NE(error.find(line_text), std::string::npos) << error;
  EXPECT_GE(status["status"]["reloads"]["failed"].get<int>(), 1);
  EXPECT_EQ(status["status"]["last_reload"]["trigger"], "file-change");
  EXPECT_EQ(wwwAddresses(port), std::vector<std::string>{"192.0.2.1"});  // the old data
  EXPECT_NE(server.output().find(line_text), std::string::npos) << server.output();
  EXPECT_NE(server.output().find("failed, still serving reload.test. serial"), std::string::npos)
      << server.output();

  const json reload = control(socket, "reload");
  EXPECT_FALSE(reload.value("ok", true)) << reload.dump();
  EXPECT_NE(reload.value("error", "").find(line_text), std::string::npos) << reload.dump();
  EXPECT_EQ(wwwAddresses(port), std::vector<std::string>{"192.0.2.1"});

  writeInPlace(zone, zoneText(fixed_address));
  EXPECT_TRUE(serves(port, fixed_address)) << server.output();
  EXPECT_TRUE(eventually([&] {
    status = control(socket, "status");
    return status.value("ok", false) && status["status"]["last_reload"]["ok"].get<bool>();
  })) << status.dump();
}

TEST_F(ReloadTest, BadCidrKeepsOldDataAndSaysWhy) {
  const std::string zone = dir_.write("reload.test.yaml", zoneText("192.0.2.1"));
  startServer(zone);
  expectBrokenFileKeepsOldData(*server_, port_, socket_, zone, badCidrText(),
                               zone + ":4:", "192.0.2.10");
}

TEST_F(ReloadTest, UnknownKeyKeepsOldDataAndSaysWhy) {
  const std::string zone = dir_.write("reload.test.yaml", zoneText("192.0.2.1"));
  startServer(zone);
  expectBrokenFileKeepsOldData(*server_, port_, socket_, zone, unknownKeyText(),
                               zone + ":3:", "192.0.2.11");
}

TEST_F(ReloadTest, ControlSocketSurvivesGarbage) {
  const std::string zone = dir_.write("reload.test.yaml", zoneText("192.0.2.1"));
  startServer(zone);
  auto expectError = [&](const std::string& request, const std::string& needle) {
    const auto line = controlExchange(socket_, request);
    ASSERT_TRUE(line) << "no answer to " << request.substr(0, 80);
    const json response = json::parse(*line, nullptr, false);
    ASSERT_FALSE(response.is_discarded()) << *line;
    EXPECT_FALSE(response.value("ok", true)) << *line;
    EXPECT_NE(response.value("error", "").find(needle), std::string::npos) << *line;
  };
  expectError("this is not json\n", "not valid JSON");
  expectError("{\"command\":\n", "not valid JSON");
  expectError("[1,2,3]\n", "expected an object");
  expectError("{\"command\":42}\n", "expected an object");
  expectError("{\"command\":\"selfdestruct\"}\n", "unknown command");
  expectError(std::string("\x00\xff\xfe{\"command\"\x01}\n", 16), "not valid JSON");
  expectError("{\"command\":\"\xff\xfe\"}\n", "");  // invalid UTF-8 in the request
  bool closed = false;
  const auto huge = controlExchange(socket_, std::string(200 * 1024, 'a') + "\n", &closed);
  ASSERT_TRUE(huge);
  EXPECT_NE(huge->find("longer than"), std::string::npos) << *huge;
  EXPECT_TRUE(closed);
  // Several requests on one connection are answered in order.
  {
    const auto first = controlExchange(socket_, "{\"command\":\"status\"}\n\n");
    ASSERT_TRUE(first);
    EXPECT_TRUE(json::parse(*first).value("ok", false));
  }
  // Clients that connect and leave at once, or send a last request without its newline.
  for (int i = 0; i < 20; ++i) controlExchange(socket_, "");
  const auto unterminated = controlExchange(socket_, "{\"command\":\"status\"}");
  ASSERT_TRUE(unterminated);
  EXPECT_TRUE(json::parse(*unterminated).value("ok", false));
  EXPECT_TRUE(server_->running());
  EXPECT_TRUE(control(socket_, "status").value("ok", false));
  EXPECT_EQ(wwwAddresses(port_), std::vector<std::string>{"192.0.2.1"});
}

TEST(ReloadControlSocket, StaleSocketIsReplacedAndLiveOneRefused) {
  TempDir dir;
  const std::string zone = dir.write("reload.test.yaml", zoneText("192.0.2.1"));
  const std::string path = dir.path() + "/ctl.sock";
  // A stale socket file: bound, then closed without unlinking (as after a crash).
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ::close(fd);
  }
  const std::uint16_t port = findFreePort();
  auto server =
      ServerProcess::start({"--zone", zone, "--listen", listenArg(port), "--control", path}, port);
  EXPECT_TRUE(control(path, "status").value("ok", false)) << server->output();

  // A second server on the same socket path must refuse to start, naming the problem.
  const RunResult second =
      runHorizond({"--zone", zone, "--listen", listenArg(findFreePort()), "--control", path});
  EXPECT_EQ(second.status.code, 1) << second.output;
  EXPECT_NE(second.output.find("in use"), std::string::npos) << second.output;
  // ...and leave the first one's socket alone.
  EXPECT_TRUE(control(path, "status").value("ok", false));
  EXPECT_TRUE(server->stop().success());
  EXPECT_FALSE(fs::exists(path));  // removed on a clean stop
}

}  // namespace
}  // namespace horizon::test
