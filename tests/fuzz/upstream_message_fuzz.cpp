// Fuzz target: any bytes as an upstream server's response. decodeMessage must reject or decode,
// never read out of bounds; a decoded message re-encoded as a query must decode again.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "horizon/resolver/upstream_message.hpp"

std::vector<std::vector<std::uint8_t>> fuzzSeeds() {
  // A referral with glue, compressed, and a CNAME answer with an SOA and an OPT.
  return {
      {0x12, 0x34, 0x81, 0x00, 0,    1,    0, 0,    0,    1,   0,   1,    3,    'w', 'w',
       'w',  4,    't',  'e',  's',  't',  0, 0,    1,    0,   1,   0xc0, 16,   0,   2,
       0,    1,    0,    0,    0x0e, 0x10, 0, 6,    3,    'n', 's', '1',  0xc0, 16,  0xc0,
       38,   0,    1,    0,    1,    0,    0, 0x0e, 0x10, 0,   4,   127,  0,    0,   1},
      {0xab, 0xcd, 0x85, 0x80, 0,    1,  0,    1,    0,    1, 0, 1, 1, 'a', 4, 't',  'e',  's',
       't',  0,    0,    1,    0,    1,  0xc0, 12,   0,    5, 0, 1, 0, 0,   1, 0x2c, 0,    4,
       1,    'b',  0xc0, 14,   0xc0, 14, 0,    6,    0,    1, 0, 0, 0, 60,  0, 24,   0xc0, 14,
       0xc0, 14,   0,    0,    0,    1,  0,    0,    0,    2, 0, 0, 0, 3,   0, 0,    0,    4,
       0,    0,    0,    5,    0,    0,  41,   0x04, 0xd0, 0, 0, 0, 0, 0,   0},
  };
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto message = horizon::resolver::decodeMessage({data, size});
  if (message && !message->qname.empty()) {
    auto query =
        horizon::resolver::encodeQuery(message->id, message->qname, message->qtype, 0, 1232);
    if (!horizon::resolver::decodeMessage(query)) std::abort();
  }
  return 0;
}
