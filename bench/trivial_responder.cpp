// trivial_responder: the ceiling for bench/compare. It answers every UDP query with one fixed A
// record (192.168.1.220, TTL 300) and does nothing else: N threads, each with its own
// SO_REUSEPORT socket, blocking recvmmsg/sendmmsg in batches, no parsing beyond finding where the
// question ends, no EDNS, no views, no lookup. Whatever a real server costs above this is what
// its DNS logic (and its I/O design) costs; this is what the kernel and the box cost.
//
//   trivial_responder ADDRESS PORT THREADS
//
// IPv4 only (the benchmark is loopback). Stops on SIGTERM/SIGINT (the default action).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {

constexpr int kBatch = 64;
constexpr std::size_t kMaxQuery = 512;
constexpr std::size_t kMaxAnswer = kMaxQuery + 16;

// The answer record after the question: a pointer to the question name, A, IN, TTL 300, 4 bytes.
constexpr std::array<std::uint8_t, 16> kAnswer = {0xc0, 0x0c, 0, 1, 0,   1,   0, 0,
                                                  0x01, 0x2c, 0, 4, 192, 168, 1, 220};

// Writes the response to query[0, len) into out; returns its length, or 0 to drop the datagram.
std::size_t respond(const std::uint8_t* query, std::size_t len, std::uint8_t* out) {
  if (len < 12 + 5 || (query[2] & 0x80) != 0) return 0;  // too short, or itself a response
  std::size_t pos = 12;
  while (pos < len && query[pos] != 0) {  // labels up to the root; no compression in a question
    if ((query[pos] & 0xc0) != 0) return 0;
    pos += 1 + query[pos];
  }
  pos += 1 + 4;  // the root label, QTYPE and QCLASS
  if (pos > len) return 0;
  std::memcpy(out, query, pos);
  out[2] = static_cast<std::uint8_t>(0x84 | (query[2] & 0x01));  // QR, AA, RD copied, opcode 0
  out[3] = 0;                                                    // RA off, rcode NOERROR
  out[4] = 0, out[5] = 1;                                        // QDCOUNT 1
  out[6] = 0, out[7] = 1;                                        // ANCOUNT 1
  std::memset(out + 8, 0, 4);                                    // NSCOUNT, ARCOUNT 0
  std::memcpy(out + pos, kAnswer.data(), kAnswer.size());
  return pos + kAnswer.size();
}

void serve(const sockaddr_in& address) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  const int on = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0 ||
      bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    std::perror("trivial_responder: socket");
    std::exit(1);
  }
  std::vector<std::array<std::uint8_t, kMaxQuery>> in(kBatch);
  std::vector<std::array<std::uint8_t, kMaxAnswer>> out(kBatch);
  std::array<sockaddr_in, kBatch> peers{};
  std::array<iovec, kBatch> in_iov{}, out_iov{};
  std::array<mmsghdr, kBatch> in_msgs{}, out_msgs{};
  for (int i = 0; i < kBatch; ++i) {
    in_iov[i] = {in[i].data(), in[i].size()};
    in_msgs[i].msg_hdr.msg_iov = &in_iov[i];
    in_msgs[i].msg_hdr.msg_iovlen = 1;
    in_msgs[i].msg_hdr.msg_name = &peers[i];
  }
  for (;;) {
    for (int i = 0; i < kBatch; ++i) in_msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    const int n = recvmmsg(fd, in_msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::perror("trivial_responder: recvmmsg");
      std::exit(1);
    }
    int count = 0;
    for (int i = 0; i < n; ++i) {
      const std::size_t len = respond(in[i].data(), in_msgs[i].msg_len, out[count].data());
      if (len == 0) continue;
      out_iov[count] = {out[count].data(), len};
      out_msgs[count].msg_hdr = {};
      out_msgs[count].msg_hdr.msg_iov = &out_iov[count];
      out_msgs[count].msg_hdr.msg_iovlen = 1;
      out_msgs[count].msg_hdr.msg_name = &peers[i];
      out_msgs[count].msg_hdr.msg_namelen = in_msgs[i].msg_hdr.msg_namelen;
      ++count;
    }
    for (int sent = 0; sent < count;) {
      const int r = sendmmsg(fd, out_msgs.data() + sent, count - sent, 0);
      if (r < 0) {
        if (errno == EINTR) continue;
        break;  // a full buffer or a vanished peer: drop the rest of the batch, as UDP may
      }
      sent += r;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: trivial_responder ADDRESS PORT THREADS\n");
    return 2;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[2])));
  if (inet_pton(AF_INET, argv[1], &address.sin_addr) != 1) {
    std::fprintf(stderr, "trivial_responder: not an IPv4 address: %s\n", argv[1]);
    return 2;
  }
  const int threads = std::max(1, std::atoi(argv[3]));
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) workers.emplace_back(serve, address);
  for (auto& t : workers) t.join();
}
