// The BPF program that keeps a datagram on the CPU that received it (server/net/cpu_steering.cpp),
// run through a small interpreter of the classic BPF instructions it may use, so the test checks
// what the kernel will compute, not how the program is spelled.
#include "net/cpu_steering.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace horizon::net {
namespace {

// Runs `code` for a packet processed on `cpu`; nullopt for anything the interpreter (and so the
// program's author) did not expect: an unknown instruction, a jump out of the program.
std::optional<std::uint32_t> run(const std::vector<sock_filter>& code, std::uint32_t cpu) {
  std::uint32_t a = 0;
  for (std::size_t pc = 0; pc < code.size(); ++pc) {
    const sock_filter& i = code[pc];
    if (i.code == (BPF_LD | BPF_W | BPF_ABS) &&
        i.k == static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_CPU)) {
      a = cpu;
    } else if (i.code == (BPF_JMP | BPF_JEQ | BPF_K)) {
      pc += (a == i.k) ? i.jt : i.jf;
      if (pc + 1 >= code.size()) return std::nullopt;
    } else if (i.code == (BPF_RET | BPF_K)) {
      return i.k;
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;  // fell off the end: the kernel's verifier refuses that
}

TEST(CpuSteering, EachCpuGoesToItsWorkersSocket) {
  const std::vector<int> cpus = {0, 1};
  const auto code = steeringProgram(cpus);
  EXPECT_EQ(run(code, 0), 0u);
  EXPECT_EQ(run(code, 1), 1u);
}

TEST(CpuSteering, NonContiguousCpusOfACpuset) {
  const std::vector<int> cpus = {2, 3, 6, 11};  // what a container's cpuset may leave
  const auto code = steeringProgram(cpus);
  for (std::size_t i = 0; i < cpus.size(); ++i)
    EXPECT_EQ(run(code, static_cast<std::uint32_t>(cpus[i])), i) << "cpu " << cpus[i];
}

TEST(CpuSteering, OtherCpusFallBackToTheKernelsHash) {
  const std::vector<int> cpus = {2, 3};
  const auto code = steeringProgram(cpus);
  for (std::uint32_t cpu : {0u, 1u, 4u, 63u}) {
    const auto socket = run(code, cpu);
    ASSERT_TRUE(socket);
    EXPECT_GE(*socket, cpus.size()) << "cpu " << cpu;  // past the group: the kernel hashes
  }
}

TEST(CpuSteering, TheAffinityMaskIsReadable) {
  const auto cpus = allowedCpus();
  ASSERT_FALSE(cpus.empty());
  for (std::size_t i = 1; i < cpus.size(); ++i) EXPECT_LT(cpus[i - 1], cpus[i]);
}

}  // namespace
}  // namespace horizon::net
