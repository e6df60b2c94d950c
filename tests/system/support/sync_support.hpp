// Helpers for horizon-sync's system tests: the fake Cloudflare API (tests/system/fake_cloudflare,
// a Python server on 127.0.0.1 validating every request against Cloudflare's OpenAPI extract),
// its control interface, and running horizon-sync as a child process with a chosen environment.
#pragma once

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace horizon::test {

using Json = nlohmann::json;

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void writeText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

/// How a command ended and what it printed.
struct CommandResult {
  int exit_code = -1;  // -1: killed by a signal or by the timeout
  std::string out;
  std::string err;
  std::string all() const { return out + err; }
};

/// Runs argv[0] with `argv`, the current environment plus `env` (an empty value unsets the
/// variable), and waits at most `timeout`; killed after that.
inline CommandResult runCommand(const std::vector<std::string>& argv,
                                const std::map<std::string, std::string>& env,
                                std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  char dir_template[] = "/tmp/horizon-cmd-XXXXXX";
  if (!mkdtemp(dir_template)) throw std::runtime_error("mkdtemp failed");
  const std::string dir = dir_template;
  const std::string out_path = dir + "/out", err_path = dir + "/err";
  std::vector<std::string> env_storage;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (!env.count(name)) env_storage.push_back(entry);
  }
  for (const auto& [name, value] : env)
    if (!value.empty()) env_storage.push_back(name + "=" + value);
  std::vector<char*> envp, args;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> arg_storage = argv;
  for (auto& a : arg_storage) args.push_back(a.data());
  args.push_back(nullptr);
  const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(out);
  close(err);
  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int raw = 0;
  for (;;) {
    if (waitpid(pid, &raw, WNOHANG) == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &raw, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFEXITED(raw)) result.exit_code = WEXITSTATUS(raw);
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  std::remove(out_path.c_str());
  std::remove(err_path.c_str());
  rmdir(dir.c_str());
  return result;
}

/// A long-running program (horizon-sync watch) writing stdout and stderr to a log, stopped with
/// SIGTERM; killed with the test process if that dies first. It gets the current environment
/// without proxies and CLOUDFLARE_* (loopback only, whatever the machine says), plus `env`.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, const std::string& log_path,
               const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> env_storage;
    for (char** e = environ; *e; ++e) {
      const std::string entry = *e;
      const std::string name = entry.substr(0, entry.find('='));
      if (name.find("proxy") == std::string::npos && name.find("PROXY") == std::string::npos &&
          name.rfind("CLOUDFLARE_", 0) != 0)
        env_storage.push_back(entry);
    }
    for (const auto& [name, value] : env) env_storage.push_back(name + "=" + value);
    std::vector<char*> args, envp;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
  }
  ~ChildProcess() { stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// SIGTERM and wait; returns the exit status (-1 when it did not exit by itself).
  int stop() {
    if (pid_ <= 0) return status_;
    kill(pid_, SIGTERM);
    int raw = 0;
    waitpid(pid_, &raw, 0);
    pid_ = -1;
    status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return status_;
  }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

/// The fake Cloudflare API on 127.0.0.1 (an ephemeral port), stopped with the object.
class FakeCloudflare {
 public:
  static constexpr const char* kToken = "test-token-5f0c1d2e9a";

  FakeCloudflare() {
    char dir_template[] = "/tmp/horizon-fake-cf-XXXXXX";
    if (!mkdtemp(dir_template)) throw std::runtime_error("mkdtemp failed");
    dir_ = dir_template;
    log_ = dir_ + "/fake.log";
    const int out = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    std::vector<std::string> argv = {HORIZON_PYTHON, FAKE_CLOUDFLARE_PATH,
                                     "--schema",     HORIZON_CLOUDFLARE_OPENAPI,
                                     "--port",       "0",
                                     "--token",      kToken};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      dup2(out, STDOUT_FILENO);
      dup2(out, STDERR_FILENO);
      execv(args[0], args.data());
      _exit(127);
    }
    close(out);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string log = slurp(log_);
      if (auto at = log.find("listening 127.0.0.1:"); at != std::string::npos) {
        auto end = log.find('\n', at);
        if (end != std::string::npos) {
          port_ = std::stoi(log.substr(at + 20, end - at - 20));
          return;
        }
      }
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("the fake Cloudflare API exited: " + log);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("the fake Cloudflare API did not start: " + slurp(log_));
  }
  ~FakeCloudflare() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (waitpid(pid_, nullptr, WNOHANG) != pid_) {
        if (std::chrono::steady_clock::now() > deadline) {
          kill(pid_, SIGKILL);
          waitpid(pid_, nullptr, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    std::remove(log_.c_str());
    rmdir(dir_.c_str());
  }
  FakeCloudflare(const FakeCloudflare&) = delete;
  FakeCloudflare& operator=(const FakeCloudflare&) = delete;

  /// The API base URL to give horizon-sync.
  std::string apiUrl() const { return "http://127.0.0.1:" + std::to_string(port_) + "/client/v4"; }
  /// What the fake wrote to stdout/stderr.
  std::string log() const { return slurp(log_); }

  /// Calls the control interface; throws on a transport error or a non-2xx status.
  Json control(const std::string& method, const std::string& path, const Json& body = nullptr) {
    CURL* curl = curl_easy_init();
    std::string url = "http://127.0.0.1:" + std::to_string(port_) + path;
    std::string payload = body.is_null() ? "" : body.dump();
    std::string response;
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  // the fake is on loopback, never via a proxy
    if (!body.is_null()) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
    }
    curl_easy_setopt(
        curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t n, void* user) -> size_t {
          static_cast<std::string*>(user)->append(data, size * n);
          return size * n;
        });
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK || status < 200 || status >= 300)
      throw std::runtime_error("fake control " + method + " " + path +
                               " failed: " + curl_easy_strerror(rc) + " HTTP " +
                               std::to_string(status) + " " + response);
    return response.empty() ? Json(nullptr) : Json::parse(response);
  }

  /// Replaces the fake's zones and records (and clears faults and the request log).
  Json setState(const Json& state) { return control("PUT", "/__fake/state", state); }
  /// The records of `zone_id` as the API would list them.
  Json records(const std::string& zone_id) {
    return control("GET", "/__fake/state", nullptr)["records"][zone_id];
  }
  /// Adds fault rules (see tests/system/fake_cloudflare/README.md).
  void addFaults(const Json& faults) { control("POST", "/__fake/faults", {{"faults", faults}}); }
  void clearFaults() { control("DELETE", "/__fake/faults"); }
  /// The request log, in order.
  Json requests() { return control("GET", "/__fake/requests")["requests"]; }
  void clearRequests() { control("DELETE", "/__fake/requests"); }

 private:
  std::string dir_, log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace horizon::test
