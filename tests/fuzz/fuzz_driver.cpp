// A bounded, deterministic stand-in for libFuzzer so the fuzz targets run under g++ in CI: it
// feeds each target its seed inputs and then a fixed number of mutations of them (bit flips,
// byte changes, truncations, splices). Built with clang's -fsanitize=fuzzer instead, the same
// targets run under libFuzzer proper (this main is then left out).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Seeds of the target, defined next to it.
std::vector<std::vector<std::uint8_t>> fuzzSeeds();

int main(int argc, char** argv) {
  long iterations = argc > 1 ? std::atol(argv[1]) : 200000;
  std::mt19937_64 rng(20261124);
  auto seeds = fuzzSeeds();
  for (const auto& s : seeds) LLVMFuzzerTestOneInput(s.data(), s.size());
  std::vector<std::uint8_t> buf;
  for (long i = 0; i < iterations; ++i) {
    buf = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 5) {
        case 0:  // flip a bit
          if (!buf.empty()) buf[rng() % buf.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
          break;
        case 1:  // set a byte to an interesting value
          if (!buf.empty()) {
            static const std::uint8_t kInteresting[] = {0, 1, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xff};
            buf[rng() % buf.size()] = kInteresting[rng() % sizeof kInteresting];
          }
          break;
        case 2:  // truncate
          if (!buf.empty()) buf.resize(rng() % buf.size());
          break;
        case 3:  // insert random bytes
          for (int n = static_cast<int>(rng() % 16); n > 0; --n)
            buf.insert(buf.begin() + static_cast<long>(buf.empty() ? 0 : rng() % buf.size()),
                       static_cast<std::uint8_t>(rng()));
          break;
        default: {  // splice in part of another seed
          const auto& other = seeds[rng() % seeds.size()];
          if (other.empty()) break;
          std::size_t from = rng() % other.size();
          std::size_t at = buf.empty() ? 0 : rng() % buf.size();
          buf.insert(buf.begin() + static_cast<long>(at), other.begin() + static_cast<long>(from),
                     other.end());
        }
      }
    }
    LLVMFuzzerTestOneInput(buf.data(), buf.size());
  }
  std::printf("%ld mutated inputs and %zu seeds ran without a crash\n", iterations, seeds.size());
  return 0;
}
