// CPU steering of datagrams and thread pinning (Linux).
#include "cpu_steering.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>

namespace horizon::net {
namespace {

// Returned for a CPU without a worker: not a socket index, so the kernel uses its hash.
constexpr std::uint32_t kNoSocket = 0xFFFFFFFF;

}  // namespace

std::vector<int> allowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

std::vector<sock_filter> steeringProgram(const std::vector<int>& cpus) {
  // A = the CPU processing the packet; then one compare-and-return per CPU: "if A == cpu, jump
  // over the next instruction to the return of its index" keeps every jump offset at 0 or 1.
  std::vector<sock_filter> code;
  code.push_back(
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_CPU)));
  for (std::size_t i = 0; i < cpus.size(); ++i) {
    code.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(cpus[i]), 0, 1));
    code.push_back(BPF_STMT(BPF_RET | BPF_K, static_cast<std::uint32_t>(i)));
  }
  code.push_back(BPF_STMT(BPF_RET | BPF_K, kNoSocket));
  return code;
}

bool attachSteering(int fd, const std::vector<int>& cpus) {
  std::vector<sock_filter> code = steeringProgram(cpus);
  if (code.size() > BPF_MAXINSNS) {
    errno = E2BIG;  // more CPUs than one classic BPF program can list
    return false;
  }
  sock_fprog program{static_cast<unsigned short>(code.size()), code.data()};
  return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &program, sizeof program) == 0;
}

void detachSteering(int fd) {
  const int unused = 0;
  setsockopt(fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &unused, sizeof unused);
}

bool pinThreadToCpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

}  // namespace horizon::net
