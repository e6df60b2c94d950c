// Fuzz target: records derived from the bytes as the NSEC/NSEC3 input of all three denial proofs.
// The proofs must never crash, read out of bounds or hang, and every failure must say why.
// Input: zone name, qname (length-prefixed), qtype (2 octets), RRSIG labels (1 octet), then
// records: type selector (even: NSEC, odd: NSEC3), owner (length-prefixed), rdata (2-octet length).
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "horizon/dnssec/denial.hpp"
#include "horizon/dnssec/nsec3_hash.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/presentation.hpp"
#include "horizon/wire/record.hpp"

namespace {

using horizon::wire::Record;
namespace type = horizon::wire::type;

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool empty() const { return in_.empty(); }
  std::uint8_t u8() {
    if (in_.empty()) return 0;
    auto v = static_cast<std::uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  std::uint16_t u16() {
    std::uint16_t hi = u8();
    return static_cast<std::uint16_t>((hi << 8) | u8());
  }
  std::string bytes(std::size_t n) {
    if (n > in_.size()) n = in_.size();
    std::string out(in_.substr(0, n));
    in_.remove_prefix(n);
    return out;
  }

 private:
  std::string_view in_;
};

// ---- seeds: the RFC 5155 B.1 and RFC 4035 B.2 responses in the input format ----

std::string name(const char* text) {
  return *horizon::wire::nameFromText(text, {});
}

// A type bit map of window 0 holding `types` (all below 256).
std::string bitmap(std::initializer_list<std::uint16_t> types) {
  std::string octets(32, '\0');
  std::size_t used = 0;
  for (auto t : types) {
    octets[t / 8] = static_cast<char>(octets[t / 8] | (0x80 >> (t % 8)));
    if (std::size_t(t / 8) + 1 > used) used = std::size_t(t / 8) + 1;
  }
  return std::string(1, '\0') + static_cast<char>(used) + octets.substr(0, used);
}

std::string nsec3Rdata(const char* next_hash, std::initializer_list<std::uint16_t> types) {
  std::string rd = {1, 0, 0, 12, 4, '\xaa', '\xbb', '\xcc', '\xdd', 20};
  rd += *horizon::dnssec::base32HexDecode(next_hash);
  return rd + bitmap(types);
}

void put(std::vector<std::uint8_t>& out, const std::string& s, bool two_octet_length) {
  if (two_octet_length) out.push_back(static_cast<std::uint8_t>(s.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

std::vector<std::uint8_t> seed(const char* zone, const char* qname, std::uint16_t qtype,
                               std::uint8_t rrsig_labels,
                               const std::vector<std::pair<std::uint16_t, Record>>& records) {
  std::vector<std::uint8_t> out;
  put(out, name(zone), false);
  put(out, name(qname), false);
  out.push_back(static_cast<std::uint8_t>(qtype >> 8));
  out.push_back(static_cast<std::uint8_t>(qtype));
  out.push_back(rrsig_labels);
  for (const auto& [t, r] : records) {
    out.push_back(t == type::NSEC ? 0 : 1);
    put(out, r.owner, false);
    put(out, r.rdata, true);
  }
  return out;
}

Record rec(const char* owner, std::string rdata) {
  Record r;
  r.owner = name(owner);
  r.rdata = std::move(rdata);
  return r;
}

}  // namespace

std::vector<std::vector<std::uint8_t>> fuzzSeeds() {
  const std::vector<std::pair<std::uint16_t, Record>> nsec3_b1 = {
      {type::NSEC3, rec("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.",
                        nsec3Rdata("2t7b4g4vsa5smi47k61mv5bv1a22bojr",
                                   {type::NS, type::SOA, type::MX, type::RRSIG, type::DNSKEY,
                                    type::NSEC3PARAM}))},
      {type::NSEC3, rec("b4um86eghhds6nea196smvmlo4ors995.example.",
                        nsec3Rdata("gjeqe526plbf1g8mklp59enfd789njgi", {type::MX, type::RRSIG}))},
      {type::NSEC3,
       rec("35mthgpgcu1qg68fab165klnsnk3dpvl.example.",
           nsec3Rdata("b4um86eghhds6nea196smvmlo4ors995", {type::NS, type::DS, type::RRSIG}))},
  };
  const std::vector<std::pair<std::uint16_t, Record>> nsec_b2 = {
      {type::NSEC,
       rec("b.example.", name("ns1.example.") + bitmap({type::NS, type::RRSIG, type::NSEC}))},
      {type::NSEC,
       rec("example.", name("a.example.") + bitmap({type::NS, type::SOA, type::MX, type::RRSIG,
                                                    type::NSEC, type::DNSKEY}))},
      {type::NSEC,
       rec("x.y.w.example.", name("xx.example.") + bitmap({type::MX, type::RRSIG, type::NSEC}))},
      {type::NSEC,
       rec("*.w.example.", name("x.w.example.") + bitmap({type::MX, type::RRSIG, type::NSEC}))},
  };
  return {
      seed("example.", "a.c.x.w.example.", type::A, 4, nsec3_b1),
      seed("example.", "c.example.", type::DS, 1, nsec3_b1),
      seed("example.", "ml.example.", type::A, 1, nsec_b2),
      seed("example.", "a.z.w.example.", type::AAAA, 2, nsec_b2),
  };
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Reader in(std::string_view(reinterpret_cast<const char*>(data), size));
  std::string zone = in.bytes(in.u8());
  std::string qname = in.bytes(in.u8());
  std::uint16_t qtype = in.u16();
  std::size_t rrsig_labels = in.u8();
  std::vector<Record> records;
  while (!in.empty() && records.size() < 64) {
    Record r;
    r.type = (in.u8() & 1) ? type::NSEC3 : type::NSEC;
    r.owner = in.bytes(in.u8());
    r.rdata = in.bytes(in.u16());
    records.push_back(std::move(r));
  }
  using horizon::dnssec::Denial;
  for (const auto& r : {horizon::dnssec::proveNameError(zone, qname, records),
                        horizon::dnssec::proveNoData(zone, qname, qtype, records),
                        horizon::dnssec::proveWildcardAnswer(zone, qname, rrsig_labels, records)}) {
    if (r.state == Denial::kNotProven && r.why.empty()) std::abort();
  }
  return 0;
}
