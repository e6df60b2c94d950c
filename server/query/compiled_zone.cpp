// Compilation of loaded zones into query-ready snapshots.
//
// Every answer a view can give is computed here, once, by a plain RFC 1034 4.3.2 / RFC 4592
// resolution over the view's records, and rendered to wire format. The data plane then only
// finds the node (exact name, else the closest encloser's wildcard, else NXDOMAIN), copies the
// bytes and relocates a handful of compression pointers. Owner names equal to the question name
// are written as a pointer to offset 12, so the client's spelling of the name is echoed and one
// rendering serves every name a wildcard matches.
#include "horizon/query/compiled_zone.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/message.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/rdata.hpp"

namespace horizon::query {
namespace {

namespace type = wire::type;

constexpr int kMaxCnameChain = 8;  // in-zone CNAME hops followed before answering what we have
// A query type no zone can hold (private-use range); used to render "any other type" answers.
constexpr std::uint16_t kOtherType = 0xFF00;
// Pointers hold 14 bits; the blob starts after a question of at most 255 + 4 octets.
constexpr std::size_t kMaxPointerBlobOffset = 0x3FFF - wire::kHeaderSize - 255 - 4;

struct RRset {
  std::uint32_t ttl = 0;
  std::vector<std::string> rdatas;
};

// One view's records grouped by owner and type: the input of the slow resolver.
struct ViewRecords {
  std::string origin;
  std::map<std::string, std::map<std::uint16_t, RRset>> names;  // lowercase owner -> type -> set
  const RRset* soa = nullptr;
  std::uint32_t negative_ttl = 0;

  const std::map<std::uint16_t, RRset>* find(const std::string& name) const {
    auto it = names.find(name);
    return it == names.end() ? nullptr : &it->second;
  }
};

// The owner of a section entry: the question name itself, or a fixed name.
struct Owner {
  bool is_qname = false;
  std::string name;  // lowercase wire, when !is_qname
};

struct SectionEntry {
  Owner owner;
  std::uint16_t type;
  const RRset* rrset;
  std::uint32_t ttl;
};

struct Resolution {
  std::uint8_t rcode = wire::rcode::NOERROR;
  std::vector<SectionEntry> answer;
  std::vector<SectionEntry> authority;
};

std::string parentOf(const std::string& name) {
  return name.substr(static_cast<std::uint8_t>(name[0]) + 1);
}

// Finds the records that answer `name`: the exact node, or the wildcard at its closest encloser.
// Returns nullptr for NXDOMAIN.
const std::map<std::uint16_t, RRset>* matchName(const ViewRecords& view, const std::string& name,
                                                const std::set<std::string>& existing) {
  if (existing.count(name)) {
    const auto* node = view.find(name);
    static const std::map<std::uint16_t, RRset> kEmpty;
    return node ? node : &kEmpty;  // an empty non-terminal exists but holds nothing
  }
  for (std::string encloser = parentOf(name); encloser.size() >= view.origin.size();
       encloser = parentOf(encloser)) {
    if (!existing.count(encloser)) continue;
    std::string wildcard = std::string("\x01*", 2) + encloser;
    return existing.count(wildcard) ? view.find(wildcard) : nullptr;
  }
  return nullptr;
}

void addNegative(const ViewRecords& view, Resolution& r) {
  r.authority.push_back({{false, view.origin}, type::SOA, view.soa, view.negative_ttl});
}

// RFC 1034 4.3.2 step 3 for a name that the question reached, following in-zone CNAMEs.
// `start` is the question name when it is fixed (an exact node), empty for a wildcard node.
Resolution resolve(const ViewRecords& view, const std::set<std::string>& existing,
                   const std::map<std::uint16_t, RRset>* node, std::uint16_t qtype,
                   const std::string& start) {
  Resolution r;
  Owner owner{true, {}};
  // Names already answered for, so a CNAME loop ends before it repeats a record.
  std::set<std::string> seen;
  if (!start.empty()) seen.insert(start);
  for (int hop = 0;; ++hop) {
    if (qtype == type::ANY) {
      // RFC 8482: answer one RRset rather than everything the name holds.
      if (node->empty()) {
        addNegative(view, r);
      } else {
        const auto& [t, set] = *node->begin();
        r.answer.push_back({owner, t, &set, set.ttl});
      }
      return r;
    }
    auto exact = node->find(qtype);
    if (exact != node->end()) {
      r.answer.push_back({owner, qtype, &exact->second, exact->second.ttl});
      return r;
    }
    auto cname = node->find(type::CNAME);
    if (cname == node->end()) {
      addNegative(view, r);
      return r;
    }
    r.answer.push_back({owner, type::CNAME, &cname->second, cname->second.ttl});
    std::string target = wire::lowercaseName(cname->second.rdatas.front());
    if (!wire::isSubdomainOf(target, view.origin) || hop + 1 >= kMaxCnameChain ||
        !seen.insert(target).second)
      return r;  // the client (or its resolver) follows it from here
    node = matchName(view, target, existing);
    if (!node) {
      r.rcode = wire::rcode::NXDOMAIN;  // RFC 6604: the rcode describes the last name
      addNegative(view, r);
      return r;
    }
    owner = Owner{false, target};
  }
}

// Renders sections into a relocatable blob, compressing names against the question name's
// suffixes (known for every name the rendering may serve) and against earlier names in the blob.
class AnswerRenderer {
 public:
  // `qname_suffixes` are lowercase suffixes of the question shared by every name served.
  explicit AnswerRenderer(const std::vector<std::string>& qname_suffixes) {
    for (const auto& s : qname_suffixes)
      question_names_.emplace(s, static_cast<std::int16_t>(-static_cast<int>(s.size())));
  }

  RenderedAnswer render(const Resolution& r) {
    out_ = RenderedAnswer{};
    dictionary_ = question_names_;  // names earlier in a previous rendering are not in this one
    out_.rcode = r.rcode;
    for (const auto& e : r.answer) out_.ancount += writeRRset(e);
    for (const auto& e : r.authority) out_.nscount += writeRRset(e);
    if (out_.bytes.size() > 65535 - wire::kHeaderSize - 255 - 4 - wire::kEdnsOptSize)
      throw std::runtime_error("an answer is larger than a DNS message can carry");
    return std::move(out_);
  }

 private:
  std::uint16_t writeRRset(const SectionEntry& e) {
    for (const auto& rdata : e.rrset->rdatas) {
      if (e.owner.is_qname) {
        putU16(0xC000 | wire::kHeaderSize);
      } else {
        writeName(e.owner.name, true);
      }
      putU16(e.type);
      putU16(wire::kClassIN);
      putU32(e.ttl);
      std::size_t rdlen_at = out_.bytes.size();
      putU16(0);
      writeRdata(e.type, rdata);
      std::size_t rdlen = out_.bytes.size() - rdlen_at - 2;
      wire::writeU16(&out_.bytes[rdlen_at], static_cast<std::uint16_t>(rdlen));
    }
    return static_cast<std::uint16_t>(e.rrset->rdatas.size());
  }

  // RFC 3597 4: only the RFC 1035 types may have their rdata names compressed.
  void writeRdata(std::uint16_t t, const std::string& rdata) {
    switch (t) {
      case type::CNAME:
      case type::NS:
      case type::PTR:
        writeName(rdata, true);
        return;
      case type::MX:
        out_.bytes.insert(out_.bytes.end(), rdata.begin(), rdata.begin() + 2);
        writeName(rdata.substr(2), true);
        return;
      case type::SOA: {
        std::size_t m = nameLength(rdata, 0), r = nameLength(rdata, m);
        writeName(rdata.substr(0, m), true);
        writeName(rdata.substr(m, r), true);
        out_.bytes.insert(out_.bytes.end(), rdata.begin() + static_cast<long>(m + r), rdata.end());
        return;
      }
      default:
        out_.bytes.insert(out_.bytes.end(), rdata.begin(), rdata.end());
    }
  }

  static std::size_t nameLength(const std::string& wire, std::size_t at) {
    std::size_t i = at;
    while (i < wire.size() && wire[i] != 0) i += static_cast<std::uint8_t>(wire[i]) + 1;
    return i + 1 - at;
  }

  // Writes `name` (original case) using the longest suffix already in the dictionary.
  void writeName(const std::string& name, bool compress) {
    std::string lower = wire::lowercaseName(name);
    std::size_t i = 0;
    while (i < name.size() && name[i] != 0) {
      if (compress) {
        auto it = dictionary_.find(lower.substr(i));
        if (it != dictionary_.end()) {
          out_.relocs.push_back({static_cast<std::uint16_t>(out_.bytes.size()), it->second});
          putU16(0xC000);  // patched with the real offset at answer time
          return;
        }
        std::size_t at = out_.bytes.size();
        if (at <= kMaxPointerBlobOffset)
          dictionary_.emplace(lower.substr(i), static_cast<std::int16_t>(4 + at));
      }
      std::size_t len = static_cast<std::uint8_t>(name[i]) + 1;
      out_.bytes.insert(out_.bytes.end(), name.begin() + static_cast<long>(i),
                        name.begin() + static_cast<long>(i + len));
      i += len;
    }
    out_.bytes.push_back(0);
  }

  void putU16(std::uint16_t v) {
    out_.bytes.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.bytes.push_back(static_cast<std::uint8_t>(v));
  }
  void putU32(std::uint32_t v) {
    putU16(static_cast<std::uint16_t>(v >> 16));
    putU16(static_cast<std::uint16_t>(v));
  }

  std::map<std::string, std::int16_t> question_names_;
  std::map<std::string, std::int16_t> dictionary_;
  RenderedAnswer out_;
};

std::uint32_t hashName(const std::uint8_t* p, std::size_t len) {
  std::uint32_t h = 2166136261u;  // FNV-1a
  for (std::size_t i = 0; i < len; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}

std::vector<std::string> suffixesOf(const std::string& name, const std::string& origin) {
  std::vector<std::string> out;
  for (std::string s = name; s.size() >= origin.size(); s = parentOf(s)) {
    out.push_back(s);
    if (s.size() == 1) break;
  }
  return out;
}

CompiledView compileView(const zone::Zone& z, const zone::View& v) {
  ViewRecords view;
  view.origin = z.origin;
  for (const auto& rr : v.records) {
    RRset& set = view.names[rr.owner][rr.type];
    // RFC 2181 5.2: one TTL per RRset; the smallest is the safe choice when they differ.
    set.ttl = set.rdatas.empty() ? rr.ttl : std::min(set.ttl, rr.ttl);
    if (std::find(set.rdatas.begin(), set.rdatas.end(), rr.rdata) == set.rdatas.end())
      set.rdatas.push_back(rr.rdata);
  }
  auto apex = view.names.find(z.origin);
  if (apex == view.names.end() || !apex->second.count(type::SOA))
    throw std::runtime_error("view '" + v.name + "' has no SOA at the apex");
  view.soa = &apex->second.at(type::SOA);
  {
    // RFC 2308 5: negative answers live for min(SOA TTL, SOA MINIMUM).
    const std::string& soa = view.soa->rdatas.front();
    std::uint32_t minimum = 0;
    for (std::size_t i = soa.size() - 4; i < soa.size(); ++i)
      minimum = (minimum << 8) | static_cast<std::uint8_t>(soa[i]);
    view.negative_ttl = std::min(view.soa->ttl, minimum);
  }

  // Every owner and every name between it and the apex exists (the latter as empty
  // non-terminals), which is what blocks wildcards and turns NXDOMAIN into NODATA.
  std::set<std::string> existing;
  std::set<std::uint16_t> types_in_view;
  for (const auto& [name, sets] : view.names) {
    for (const auto& [t, set] : sets) types_in_view.insert(t);
    for (std::string s = name; s.size() >= z.origin.size(); s = parentOf(s)) {
      existing.insert(s);
      if (s == z.origin) break;
    }
  }

  CompiledView out;
  out.name = v.name;
  out.record_count = v.records.size();
  for (const auto& name : existing) {
    const auto* node = view.find(name);
    static const std::map<std::uint16_t, RRset> kEmpty;
    if (!node) node = &kEmpty;
    NameNode n;
    n.name = name;
    n.is_wildcard = name.size() > 2 && name[0] == 1 && name[1] == '*';
    // A wildcard's rendering serves many names: only the suffixes they share are known.
    std::vector<std::string> suffixes =
        n.is_wildcard ? suffixesOf(parentOf(name), z.origin) : suffixesOf(name, z.origin);
    suffixes.erase(std::remove(suffixes.begin(), suffixes.end(), name), suffixes.end());
    AnswerRenderer renderer(suffixes);
    auto add = [&](std::uint16_t qtype) {
      out.answers.push_back(renderer.render(
          resolve(view, existing, node, qtype, n.is_wildcard ? std::string() : name)));
      return static_cast<std::uint32_t>(out.answers.size() - 1);
    };
    std::set<std::uint16_t> qtypes;
    for (const auto& [t, set] : *node) qtypes.insert(t);
    if (node->count(type::CNAME)) qtypes = types_in_view;  // the chain's end decides
    qtypes.insert(type::ANY);
    qtypes.insert(type::CNAME);
    for (std::uint16_t t : qtypes) n.typed.push_back({t, add(t)});
    n.default_answer = add(kOtherType);
    out.nodes.push_back(std::move(n));
  }
  {
    Resolution nx;
    nx.rcode = wire::rcode::NXDOMAIN;
    addNegative(view, nx);
    AnswerRenderer renderer(suffixesOf(z.origin, z.origin));
    out.answers.push_back(renderer.render(nx));
    out.nxdomain_answer = static_cast<std::uint32_t>(out.answers.size() - 1);
  }

  std::size_t size = 16;
  while (size < out.nodes.size() * 2) size *= 2;
  out.table.assign(size, 0);
  for (std::size_t i = 0; i < out.nodes.size(); ++i) {
    const auto& name = out.nodes[i].name;
    std::size_t slot =
        hashName(reinterpret_cast<const std::uint8_t*>(name.data()), name.size()) & (size - 1);
    while (out.table[slot] != 0) slot = (slot + 1) & (size - 1);
    out.table[slot] = static_cast<std::uint32_t>(i + 1);
  }
  return out;
}

}  // namespace

const NameNode* CompiledView::find(const std::uint8_t* name, std::size_t len) const {
  const std::size_t mask = table.size() - 1;
  for (std::size_t slot = hashName(name, len) & mask;; slot = (slot + 1) & mask) {
    std::uint32_t entry = table[slot];
    if (entry == 0) return nullptr;
    const NameNode& node = nodes[entry - 1];
    if (node.name.size() == len &&
        std::equal(name, name + len, node.name.begin(),
                   [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); }))
      return &node;
  }
}

const CompiledView* CompiledZone::selectView(const ClientAddress& client) const {
  for (const auto& entry : prefixes)
    if (prefixContains(entry.prefix, client)) return &views[entry.view];
  return nullptr;
}

const CompiledZone* Snapshot::findZone(const std::uint8_t* qname, std::size_t len) const {
  const CompiledZone* best = nullptr;
  for (const auto& z : zones) {
    std::size_t olen = z.origin.size();
    if (olen > len || (best && olen <= best->origin.size())) continue;
    // The origin must match at a label boundary of the question name.
    std::size_t i = 0;
    while (len - i > olen) i += qname[i] + 1u;
    if (len - i == olen &&
        std::equal(qname + i, qname + len, z.origin.begin(),
                   [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); }))
      best = &z;
  }
  return best;
}

const CompiledView* Snapshot::recursionView(const ClientAddress& client) const {
  for (const auto& z : zones) {
    const CompiledView* view = z.selectView(client);
    if (view && view->recursion) return view;
  }
  return nullptr;
}

std::shared_ptr<const Snapshot> compileSnapshot(const std::vector<zone::Zone>& zones,
                                                const Snapshot* previous) {
  auto snapshot = std::make_shared<Snapshot>();
  std::map<std::string, std::uint32_t> policies;  // view name -> cache partition
  std::uint32_t next_policy = 1;
  if (previous != nullptr) {
    // The resolver cache outlives snapshots and is keyed by policy: keep each name's number.
    for (const auto& pz : previous->zones) {
      for (const auto& pv : pz.views) {
        policies.try_emplace(pv.name, pv.policy);
        next_policy = std::max(next_policy, pv.policy + 1);
      }
    }
  }
  for (const auto& z : zones) {
    CompiledZone cz;
    cz.origin = z.origin;
    cz.origin_text = z.origin_text;
    cz.serial = z.serial;
    for (std::size_t i = 0; i < z.views.size(); ++i) {
      cz.views.push_back(compileView(z, z.views[i]));
      cz.views.back().recursion = z.views[i].recursion;
      const auto [policy, added] = policies.try_emplace(z.views[i].name, next_policy);
      if (added) ++next_policy;
      cz.views.back().policy = policy->second;
      for (const auto& p : z.views[i].prefixes)
        cz.prefixes.push_back({p, static_cast<std::uint32_t>(i)});
    }
    // Most specific prefix first; ties keep the file's order.
    std::stable_sort(cz.prefixes.begin(), cz.prefixes.end(), [](const auto& a, const auto& b) {
      return a.prefix.length > b.prefix.length;
    });
    snapshot->zones.push_back(std::move(cz));
  }
  return snapshot;
}

}  // namespace horizon::query
