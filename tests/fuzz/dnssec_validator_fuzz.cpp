// Fuzz target: the bytes are a DNS response, validated as the resolver validates one. A fake host
// answers the validator's questions at once from a world made of the response itself: DNSKEY
// questions get the response's DNSKEY records as validated keys, DS questions get its DS records,
// a proof of an unsigned delegation or a bogus answer, as the message ID's bits pick. Validation
// must never crash or hang, must call back exactly once, and must ask a bounded number of
// questions (the chain of trust of one response is short). Seeds: responses built from the zones
// tests/data/dnssec/validator_fuzz_*.zone, signed by ldns-signzone, so real signatures verify.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "../unit/dnssec/ldns_record.hpp"
#include "horizon/dnssec/trust_anchor.hpp"
#include "horizon/resolver/upstream_message.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/message_writer.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"
#include "resolver/validator.hpp"

namespace {

using horizon::resolver::CacheEntry;
using horizon::wire::Record;
namespace type = horizon::wire::type;
namespace rcode = horizon::wire::rcode;
using horizon::dnssec::Security;

// Questions one validation may ask: a response's chain has a handful of links.
constexpr int kMaxFetches = 64;

// The world of one input: the response's records, and the message ID choosing the answers.
class FuzzHost : public horizon::resolver::ValidationHost {
 public:
  FuzzHost(std::vector<Record> records, std::uint16_t id) : records_(std::move(records)), id_(id) {}

  void fetch(const std::string& name, std::uint16_t t,
             std::function<void(std::shared_ptr<const CacheEntry>)> done) override {
    if (++fetches_ > kMaxFetches) {
      std::fprintf(stderr, "more than %d fetches for one validation\n", kMaxFetches);
      std::abort();
    }
    auto e = std::make_shared<CacheEntry>();
    e->ttl = 300;
    // Two bits of the ID per question, rotating: each question of a run can get another answer.
    const unsigned pick = (id_ >> ((fetches_ * 2) % 16)) & 3;
    if (t == type::DNSKEY) {
      e->security = pick == 3 ? Security::kBogus : Security::kSecure;
      take(name, type::DNSKEY, *e);
    } else if (t == type::DS) {
      switch (pick) {
        case 0:  // a signed delegation
          e->security = Security::kSecure;
          take(name, type::DS, *e);
          break;
        case 1:  // proven unsigned
          e->security = Security::kSecure;
          e->insecure_delegation = true;
          break;
        case 2:
          e->security = Security::kBogus;
          e->ede = horizon::dnssec::ede::kBogus;
          e->why = "fuzz";
          break;
        default:
          e->rcode = rcode::SERVFAIL;
          break;
      }
    } else {
      e->rcode = rcode::SERVFAIL;
    }
    done(e);
  }

  bool knownInsecure(const std::string&) const override { return (id_ & 0x8000) && insecure_; }
  void rememberInsecure(const std::string&, std::uint32_t) override { insecure_ = true; }

 private:
  // The records of `t` owned by `name` and their RRSIGs, into the entry's answer.
  void take(const std::string& name, std::uint16_t t, CacheEntry& e) const {
    for (const Record& r : records_) {
      if (r.owner != name) continue;
      const bool sig = r.type == type::RRSIG && r.rdata.size() >= 2 &&
                       ((static_cast<std::uint8_t>(r.rdata[0]) << 8) |
                        static_cast<std::uint8_t>(r.rdata[1])) == t;
      if (r.type == t || sig) e.answer.push_back(r);
    }
  }

  std::vector<Record> records_;
  std::uint16_t id_;
  int fetches_ = 0;
  bool insecure_ = false;
};

std::vector<Record> lowered(std::vector<Record> records) {
  for (Record& r : records) r.owner = horizon::wire::lowercaseName(r.owner);
  return records;
}

// ---- seeds ----

// Every record of a seed zone file (one per line, ';' comment lines), as ldns reads them.
std::vector<Record> zoneRecords(const char* file) {
  std::vector<Record> out;
  FILE* f = std::fopen(file, "r");
  if (!f) {
    std::fprintf(stderr, "cannot read %s\n", file);
    std::abort();
  }
  char line[4096];
  while (std::fgets(line, sizeof line, f)) {
    if (line[0] == ';' || line[0] == '\n') continue;
    ldns_rr* rr = nullptr;
    if (ldns_rr_new_frm_str(&rr, line, 3600, nullptr, nullptr) != LDNS_STATUS_OK) {
      std::fprintf(stderr, "ldns cannot read %s", line);
      std::abort();
    }
    out.push_back(horizon::dnssec::testing::fromLdns(rr));
    ldns_rr_free(rr);
  }
  std::fclose(f);
  return out;
}

std::string name(const char* text) {
  return *horizon::wire::nameFromText(text, {});
}

std::uint16_t covered(const Record& sig) {
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(sig.rdata[0]) << 8) |
                                    static_cast<std::uint8_t>(sig.rdata[1]));
}

// The records of `zone` of type `t` (and their RRSIGs) at `owner`, or at any owner when empty.
std::vector<Record> select(const std::vector<Record>& zone, std::uint16_t t,
                           const std::string& owner = {}) {
  std::vector<Record> out;
  for (const Record& r : zone)
    if ((owner.empty() || r.owner == owner) &&
        (r.type == t || (r.type == type::RRSIG && covered(r) == t)))
      out.push_back(r);
  return out;
}

struct Response {
  std::uint16_t id;
  std::string qname;
  std::uint16_t qtype;
  std::uint8_t rcode = 0;
  std::vector<Record> answer, authority, additional;
};

std::vector<std::uint8_t> encode(const Response& r) {
  std::vector<std::uint8_t> buf(65535);
  horizon::wire::MessageWriter w(buf, buf.size());
  w.start(r.id, 0x8000, reinterpret_cast<const std::uint8_t*>(r.qname.data()), r.qname.size(),
          r.qtype, 1, false);
  w.setRcode(r.rcode);
  using horizon::wire::Section;
  for (const auto& [section, records] :
       {std::pair{Section::kAnswer, &r.answer}, std::pair{Section::kAuthority, &r.authority},
        std::pair{Section::kAdditional, &r.additional}})
    for (const Record& rec : *records)
      w.addRecord(section, rec.owner, rec.type, rec.rclass, rec.ttl, rec.rdata);
  buf.resize(w.finish());
  return buf;
}

template <typename... More>
std::vector<Record> join(std::vector<Record> a, const More&... more) {
  (a.insert(a.end(), more.begin(), more.end()), ...);
  return a;
}

void addSeeds(std::vector<std::vector<std::uint8_t>>& seeds, const std::vector<Record>& zone) {
  const std::string apex = name("example.test."), www = name("www.example.test.");
  // The keys and the DS vouching for them travel in the additional section for the fake host.
  const std::vector<Record> keys = join(select(zone, type::DNSKEY), select(zone, type::DS));
  const std::vector<Record> denial =
      join(select(zone, type::SOA), select(zone, type::NSEC), select(zone, type::NSEC3));
  // Message IDs: 0x0000 gives every DS question a DS, 0x5555 an unsigned delegation, 0xAAAA
  // a bogus one; 0x1B1B mixes.
  for (std::uint16_t id : {0x0000, 0x5555, 0xAAAA, 0x1B1B}) {
    seeds.push_back(encode({id, www, type::A, 0, select(zone, type::A, www), {}, keys}));
    seeds.push_back(encode(
        {id, name("nonexistent.example.test."), type::A, rcode::NXDOMAIN, {}, denial, keys}));
    seeds.push_back(encode({id, www, type::MX, 0, {}, denial, keys}));
    seeds.push_back(encode({id, apex, type::DNSKEY, 0, select(zone, type::DNSKEY), {}, keys}));
    seeds.push_back(encode({id, name("sub.example.test."), type::DS, 0, {}, denial, keys}));
    seeds.push_back(encode({id,
                            name("alias.example.test."),
                            type::A,
                            0,
                            join(select(zone, type::CNAME), select(zone, type::A, www)),
                            {},
                            keys}));
    // A wildcard expansion: the TXT and its RRSIG under the name asked for.
    std::vector<Record> expanded = select(zone, type::TXT, name("*.wild.example.test."));
    for (Record& r : expanded) r.owner = name("a.wild.example.test.");
    seeds.push_back(
        encode({id, name("a.wild.example.test."), type::TXT, 0, expanded, denial, keys}));
  }
}

}  // namespace

std::vector<std::vector<std::uint8_t>> fuzzSeeds() {
  std::vector<std::vector<std::uint8_t>> seeds;
  addSeeds(seeds, zoneRecords(HORIZON_SOURCE_DIR "/tests/data/dnssec/validator_fuzz_nsec3.zone"));
  addSeeds(seeds, zoneRecords(HORIZON_SOURCE_DIR "/tests/data/dnssec/validator_fuzz_nsec.zone"));
  return seeds;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The root anchor covers every name, so every link of a chain is asked of the host.
  static const auto anchors = std::make_shared<const horizon::dnssec::TrustAnchors>(
      horizon::dnssec::TrustAnchors::builtInRoot());
  const auto message = horizon::resolver::decodeMessage({data, size});
  if (!message) return 0;
  horizon::resolver::ValidationInput in;
  in.qname = horizon::wire::lowercaseName(message->qname);
  in.qtype = message->qtype;
  in.rcode = static_cast<std::uint8_t>(message->rcode);
  in.answer = lowered(message->answer);
  in.authority = lowered(message->authority);
  std::vector<Record> world = join(in.answer, in.authority, lowered(message->additional));
  auto host = std::make_shared<FuzzHost>(std::move(world), message->id);

  horizon::resolver::ValidationSettings settings;
  settings.anchors = anchors;
  int calls = 0;
  horizon::resolver::validateOutcome(
      host, settings, std::move(in), [&](horizon::resolver::ValidationResult r) {
        ++calls;
        // A bogus verdict always says why (the log needs it).
        if (r.verdict.security == Security::kBogus && r.verdict.why.empty()) std::abort();
      });
  // The fake host answers at once, so validation is over when validateOutcome returns.
  if (calls != 1) {
    std::fprintf(stderr, "done called %d times\n", calls);
    std::abort();
  }
  return 0;
}
