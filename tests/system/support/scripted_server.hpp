// A UDP name server on a loopback address, port 53, whose answers a test writes: for resolver
// behaviours that real servers (NSD, the hierarchy of dns_hierarchy.hpp) will not provoke, such as
// hostile referrals or answers from before RFC 6672. Binding port 53 needs root (CI runs as root).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <utility>

namespace horizon::test {

/// Adds a record given in presentation format (default TTL 3600) to a section of `reply`.
inline void addRecord(ldns_pkt* reply, ldns_pkt_section section, const std::string& text) {
  ldns_rr* rr = nullptr;
  ASSERT_EQ(ldns_rr_new_frm_str(&rr, text.c_str(), 3600, nullptr, nullptr), LDNS_STATUS_OK) << text;
  ldns_pkt_push_rr(reply, section, rr);
}

/// Serves `address`:53 over UDP on its own thread until destroyed. Each question's reply starts
/// with the question echoed exactly (0x20 case included) and QR set; `script` writes the rest,
/// given the lowercased question name (with its trailing dot) and the type.
class ScriptedServer {
 public:
  using Script = std::function<void(ldns_pkt* reply, const std::string& qname, ldns_rr_type)>;

  /// Binds and starts serving; bound() says whether the address could be had.
  ScriptedServer(std::string address, Script script)
      : address_(std::move(address)), script_(std::move(script)) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(53);
    ::inet_pton(AF_INET, address_.c_str(), &sa.sin_addr);
    bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    timeval tv{0, 100000};  // so the thread sees stop_ within 0.1 s
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (bound_) thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  /// False when the address was taken (or port 53 not bindable).
  bool bound() const { return bound_; }
  /// Questions received so far.
  std::uint64_t queries() const { return queries_; }
  /// DS questions received so far.
  int dsQuestions() const { return ds_questions_; }

 private:
  void serve() {
    std::uint8_t buf[4096];
    while (!stop_) {
      sockaddr_storage peer{};
      socklen_t len = sizeof peer;
      const ssize_t n =
          ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &len);
      if (n <= 0) continue;
      ++queries_;
      ldns_pkt* q = nullptr;
      if (ldns_wire2pkt(&q, buf, static_cast<std::size_t>(n)) != LDNS_STATUS_OK) continue;
      ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
      if (question == nullptr) {
        ldns_pkt_free(q);
        continue;
      }
      const ldns_rr_type type = ldns_rr_get_type(question);
      if (type == LDNS_RR_TYPE_DS) ++ds_questions_;
      ldns_pkt* reply = ldns_pkt_new();
      ldns_pkt_set_id(reply, ldns_pkt_id(q));
      ldns_pkt_set_qr(reply, true);
      ldns_pkt_push_rr(reply, LDNS_SECTION_QUESTION, ldns_rr_clone(question));
      char* owner = ldns_rdf2str(ldns_rr_owner(question));
      std::string lower = owner;
      std::free(owner);
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      script_(reply, lower, type);
      std::uint8_t* wire = nullptr;
      std::size_t size = 0;
      if (ldns_pkt2wire(&wire, reply, &size) == LDNS_STATUS_OK)
        ::sendto(fd_, wire, size, 0, reinterpret_cast<sockaddr*>(&peer), len);
      std::free(wire);
      ldns_pkt_free(reply);
      ldns_pkt_free(q);
    }
  }

  std::string address_;
  Script script_;
  int fd_ = -1;
  bool bound_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> queries_{0};
  std::atomic<int> ds_questions_{0};
  std::thread thread_;
};

}  // namespace horizon::test
