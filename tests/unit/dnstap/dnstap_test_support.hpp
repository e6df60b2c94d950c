// What the dnstap tests share: DNS messages and socket addresses to describe, a temporary
// directory, and running the reference tools (dnstap-ldns, fstrm_capture).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace horizon::dnstap::test {

// A DNS message with one question for `name` (type A, class IN); a response when `response`.
inline std::vector<std::uint8_t> dnsMessage(const std::string& name, std::uint16_t id,
                                            bool response) {
  std::vector<std::uint8_t> m = {static_cast<std::uint8_t>(id >> 8),
                                 static_cast<std::uint8_t>(id),
                                 static_cast<std::uint8_t>(response ? 0x81 : 0x01),
                                 static_cast<std::uint8_t>(response ? 0x80 : 0x00),
                                 0,
                                 1,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0};
  std::stringstream labels(name);
  for (std::string label; std::getline(labels, label, '.');) {
    if (label.empty()) continue;
    m.push_back(static_cast<std::uint8_t>(label.size()));
    m.insert(m.end(), label.begin(), label.end());
  }
  m.insert(m.end(), {0, 0, 1, 0, 1});
  return m;
}

inline sockaddr_in ipv4(const char* text, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, text, &a.sin_addr) != 1) throw std::invalid_argument(text);
  return a;
}

inline sockaddr_in6 ipv6(const char* text, std::uint16_t port) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  if (inet_pton(AF_INET6, text, &a.sin6_addr) != 1) throw std::invalid_argument(text);
  return a;
}

inline const sockaddr* any(const sockaddr_in& a) {
  return reinterpret_cast<const sockaddr*>(&a);
}
inline const sockaddr* any(const sockaddr_in6& a) {
  return reinterpret_cast<const sockaddr*>(&a);
}

// True when `program` is an executable on PATH.
inline bool installed(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

// What `command` prints on stdout (its stderr is left to the test's).
inline std::string output(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen: " + command);
  std::string text;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) text.append(buffer, n);
  ::pclose(pipe);
  return text;
}

// How many times `needle` occurs in `text`.
inline std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// The documents of a YAML stream (dnstap-ldns -y prints one per record, each ended by "---").
inline std::vector<std::string> yamlDocuments(const std::string& yaml) {
  std::vector<std::string> documents;
  std::string current;
  std::stringstream lines(yaml);
  for (std::string line; std::getline(lines, line);) {
    if (line == "---") {
      if (!current.empty()) documents.push_back(current);
      current.clear();
    } else {
      current += line + "\n";
    }
  }
  if (!current.empty()) documents.push_back(current);
  return documents;
}

// True when `text` has a line that is `line` once its indentation is removed.
inline bool hasLine(const std::string& text, const std::string& line) {
  std::stringstream lines(text);
  for (std::string l; std::getline(lines, l);) {
    if (l.substr(std::min(l.find_first_not_of(' '), l.size())) == line) return true;
  }
  return false;
}

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/horizon-dnstap-XXXXXX";
    if (::mkdtemp(name) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = name;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace horizon::dnstap::test
