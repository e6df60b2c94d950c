// Private to the network module: keeping a datagram on the CPU that received it. Each worker's
// UDP thread is pinned to one CPU, and a classic BPF program on the SO_REUSEPORT group hands a
// datagram to the socket of the worker pinned to the CPU the kernel processed it on, so the
// thread woken for it is already there: no wake-up sent across CPUs, on the way in or out.
#pragma once

#include <linux/filter.h>

#include <vector>

namespace horizon::net {

/// The CPUs this process may run on (its affinity mask), in ascending order; empty when unknown.
std::vector<int> allowedCpus();

/// The program for SO_ATTACH_REUSEPORT_CBPF: a datagram processed on cpus[i] goes to socket i of
/// the group (sockets are numbered in the order they were bound); on any other CPU the program
/// returns an index past the group, and the kernel falls back to its hash.
std::vector<sock_filter> steeringProgram(const std::vector<int>& cpus);

/// Attaches steeringProgram(cpus) to the SO_REUSEPORT group of `fd`. False, errno set, when the
/// kernel refuses it.
bool attachSteering(int fd, const std::vector<int>& cpus);

/// Removes the program from the SO_REUSEPORT group of `fd` (the kernel's hash decides again).
void detachSteering(int fd);

/// Pins the calling thread to `cpu`. False when refused (the thread then runs anywhere).
bool pinThreadToCpu(int cpu);

}  // namespace horizon::net
