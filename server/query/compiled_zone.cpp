// Compilation of loaded zones into query-ready snapshots.
//
// Every answer a view can give is computed here, once, by a plain RFC 1034 4.3.2 / RFC 4592
// resolution over the view's records, and rendered to wire format. The data plane then only
// finds the node (exact name, else the closest encloser's wildcard, else NXDOMAIN), copies the
// bytes and relocates a handful of compression pointers. Owner names equal to the question name
// are written as a pointer to offset 12, so the client's spelling of the name is echoed and one
// rendering serves every name a wildcard matches.
//
// Zones of 100k names must compile in a fraction of a second and stay small, so:
//  - a view is a few flat arrays (see compiled_zone.hpp) and identical renderings are stored once
//    (hash-consed): the NODATA answer shared by most names, names with the same address;
//  - a rendering depends only on the resolution and on the question suffixes it may point into,
//    which are those of the name's parent: a negative answer is rendered once per parent name, a
//    positive one once per name (ANY mostly resolves like the one type a name holds);
//  - names are looked up in the view's own hash table while it is built, records are grouped by
//    a counting sort, and the compression dictionary is a short list: no tree containers and no
//    allocation per name.
#include "horizon/query/compiled_zone.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "horizon/stats/view_labels.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/message.hpp"
#include "horizon/wire/name.hpp"
#include "name_table.hpp"

namespace horizon::query {
namespace {

namespace type = wire::type;
using detail::findSlot;
using detail::hashName;

constexpr int kMaxCnameChain = 8;  // in-zone CNAME hops followed before answering what we have
// A query type no zone can hold (private-use range); used to render "any other type" answers.
constexpr std::uint16_t kOtherType = 0xFF00;
// Pointers hold 14 bits; the blob starts after a question of at most 255 + 4 octets.
constexpr std::size_t kMaxPointerBlobOffset = 0x3FFF - wire::kHeaderSize - 255 - 4;
// The largest blob that still fits a message after the longest question and an OPT record.
constexpr std::size_t kMaxAnswerSize = 65535 - wire::kHeaderSize - 255 - 4 - wire::kEdnsOptSize;
constexpr std::uint32_t kNone = 0xFFFFFFFF;

// A hash for the compile-time tables, 8 octets per step: their keys are whole renderings.
std::uint64_t hashBytes(const void* data, std::size_t len, std::uint64_t h = 0) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  h ^= 0x9E3779B97F4A7C15ull * (len + 1);
  for (; len >= 8; p += 8, len -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  std::uint64_t w = 0;
  if (len > 0) std::memcpy(&w, p, len);  // `data` may be null when empty
  h = (h ^ w) * 0x94D049BB133111EBull;
  return h ^ (h >> 29);
}

// The parent of a non-root wire name at `p`: its length, which is 0 past the root.
std::size_t parentLength(const std::uint8_t* p, std::size_t len) {
  return len - std::min<std::size_t>(len, p[0] + 1u);
}

bool isWildcardName(const std::uint8_t* p, std::size_t len) {
  return len > 2 && p[0] == 1 && p[1] == '*';
}

// An open-addressing set of 32-bit values whose keys live elsewhere (arenas): the caller hashes
// the key and says whether a stored value has the same key.
class InternTable {
 public:
  // Returns the value stored under an equal key, else stores and returns make().
  template <class Equals, class Make>
  std::uint32_t findOrInsert(std::uint64_t hash, Equals&& equals, Make&& make) {
    if ((count_ + 1) * 2 > slots_.size()) grow();
    const auto tag = static_cast<std::uint32_t>(hash ^ (hash >> 32));
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = tag & mask;; i = (i + 1) & mask) {
      if (slots_[i].value == kNone) {
        const std::uint32_t value = make();  // may throw: the slot is claimed only afterwards
        slots_[i] = {tag, value};
        ++count_;
        return value;
      }
      if (slots_[i].tag == tag && equals(slots_[i].value)) return slots_[i].value;
    }
  }

  // Makes room for `count` values without growing.
  void reserve(std::size_t count) {
    while (slots_.size() < count * 2) grow();
  }

 private:
  struct Slot {
    std::uint32_t tag = 0;
    std::uint32_t value = kNone;
  };

  void grow() {
    std::vector<Slot> old(std::max<std::size_t>(64, slots_.size() * 2));
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.value == kNone) continue;
      std::size_t i = s.tag & mask;
      while (slots_[i].value != kNone) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  std::size_t count_ = 0;
};

// Adds names to the view's node table, which is complete before any answer is rendered.
class NameTableBuilder {
 public:
  explicit NameTableBuilder(CompiledView& view) : view_(view) { view_.table.assign(16, 0); }

  // The index of the node named `name`, added (with every missing ancestor down to the origin,
  // as empty non-terminals) when new.
  std::uint32_t ensure(const std::uint8_t* name, std::size_t len, std::string_view origin) {
    std::uint32_t hash = hashName(name, len);
    std::size_t slot = findSlot(view_, name, len, hash);
    if (view_.table[slot] != 0) return view_.table[slot] - 1;
    const std::uint32_t added = insert(name, len, hash, slot);
    // Ancestors of an existing node exist already, so the walk stops at the first one found.
    auto isOrigin = [&](const std::uint8_t* n, std::size_t l) {
      return l == origin.size() && std::memcmp(n, origin.data(), l) == 0;
    };
    if (isOrigin(name, len)) return added;
    for (std::size_t plen = parentLength(name, len); plen >= origin.size();) {
      const std::uint8_t* parent = name + (len - plen);
      hash = hashName(parent, plen);
      slot = findSlot(view_, parent, plen, hash);
      if (view_.table[slot] != 0) break;
      insert(parent, plen, hash, slot);
      if (isOrigin(parent, plen) || plen == 0) break;
      plen = parentLength(parent, plen);
    }
    return added;
  }

 private:
  // Adds a node; `slot` is the free slot findSlot gave for its name.
  std::uint32_t insert(const std::uint8_t* name, std::size_t len, std::uint32_t hash,
                       std::size_t slot) {
    if (len > wire::kMaxNameLength) throw std::runtime_error("an owner name is too long");
    if (view_.nodes.size() >= kNone - 2) throw std::runtime_error("a view has too many names");
    NameNode node;
    node.name_offset = static_cast<std::uint32_t>(view_.names.size());
    node.name_size = static_cast<std::uint8_t>(len);
    node.is_wildcard = isWildcardName(name, len);
    view_.names.insert(view_.names.end(), name, name + len);
    view_.nodes.push_back(node);
    const auto index = static_cast<std::uint32_t>(view_.nodes.size() - 1);
    hashes_.push_back(hash);
    // At most half full, so probes stay short.
    if (view_.nodes.size() * 2 > view_.table.size()) {
      rehash(view_.table.size() * 2);
    } else {
      view_.table[slot] = index + 1;
    }
    return index;
  }

  void rehash(std::size_t size) {
    view_.table.assign(size, 0);
    const std::size_t mask = size - 1;
    for (std::size_t i = 0; i < view_.nodes.size(); ++i) {
      std::size_t slot = hashes_[i] & mask;
      while (view_.table[slot] != 0) slot = (slot + 1) & mask;
      view_.table[slot] = static_cast<std::uint32_t>(i + 1);
    }
  }

  CompiledView& view_;
  std::vector<std::uint32_t> hashes_;  // of each node's name, for rehashing
};

struct RRset {
  std::uint16_t type;
  std::uint32_t ttl;
  std::uint32_t first_rdata;  // into ViewRecords::rdatas
  std::uint32_t rdata_count;
};

// One view's records grouped by node and type: the input of the resolver.
struct ViewRecords {
  std::string_view origin;
  const CompiledView* view = nullptr;    // its nodes and table: every name that exists
  std::vector<std::uint32_t> rrsets_of;  // node i has rrsets[rrsets_of[i] .. rrsets_of[i + 1])
  std::vector<RRset> rrsets;             // per node sorted by type: ANY answers the first
  std::vector<const std::string*> rdatas;
  std::uint32_t soa = kNone;  // index into rrsets
  std::uint32_t negative_ttl = 0;

  const RRset* begin(std::uint32_t node) const { return rrsets.data() + rrsets_of[node]; }
  const RRset* end(std::uint32_t node) const { return rrsets.data() + rrsets_of[node + 1]; }
  const RRset* findType(std::uint32_t node, std::uint16_t t) const {
    for (const RRset* s = begin(node); s != end(node); ++s)
      if (s->type == t) return s;
    return nullptr;
  }
  std::uint32_t indexOf(const RRset* s) const {
    return static_cast<std::uint32_t>(s - rrsets.data());
  }
  std::uint32_t findNode(const std::uint8_t* name, std::size_t len) const {
    const std::uint32_t entry = view->table[findSlot(*view, name, len, hashName(name, len))];
    return entry == 0 ? kNone : entry - 1;
  }
};

// Groups the view's records by owner (a counting sort over node indexes) and type; every owner
// and its ancestors become nodes of `out`.
ViewRecords groupRecords(const zone::Zone& z, const zone::View& v, CompiledView& out) {
  ViewRecords view;
  view.origin = z.origin;
  view.view = &out;
  NameTableBuilder names(out);
  std::vector<std::uint32_t> node_of(v.records.size());
  const std::string* last_owner = nullptr;
  for (std::size_t i = 0; i < v.records.size(); ++i) {
    const std::string& owner = v.records[i].owner;
    if (last_owner && *last_owner == owner) {  // records of one owner usually come together
      node_of[i] = node_of[i - 1];
      continue;
    }
    // A name shorter than the origin is outside the zone and can never be asked for.
    node_of[i] = owner.size() < z.origin.size()
                     ? kNone
                     : names.ensure(reinterpret_cast<const std::uint8_t*>(owner.data()),
                                    owner.size(), z.origin);
    last_owner = &owner;
  }
  const std::size_t node_count = out.nodes.size();
  std::vector<std::uint32_t> first(node_count + 1, 0);
  for (std::uint32_t n : node_of)
    if (n != kNone) ++first[n + 1];
  for (std::size_t n = 0; n < node_count; ++n) first[n + 1] += first[n];
  std::vector<std::uint32_t> order(first[node_count]);
  {
    std::vector<std::uint32_t> next(first.begin(), first.end() - 1);
    for (std::size_t i = 0; i < v.records.size(); ++i)
      if (node_of[i] != kNone) order[next[node_of[i]]++] = static_cast<std::uint32_t>(i);
  }

  view.rrsets_of.reserve(node_count + 1);
  view.rdatas.reserve(v.records.size());
  auto byType = [&](std::uint32_t a, std::uint32_t b) {
    return v.records[a].type < v.records[b].type;
  };
  for (std::size_t n = 0; n < node_count; ++n) {
    view.rrsets_of.push_back(static_cast<std::uint32_t>(view.rrsets.size()));
    auto from = order.begin() + first[n], to = order.begin() + first[n + 1];
    // File order within a type is the RRset's order, so the sort is stable. Most names hold a
    // record or two: an insertion sort, which needs no buffer, serves them.
    if (to - from > 16) {
      std::stable_sort(from, to, byType);
    } else if (from != to) {
      for (auto it = from + 1; it != to; ++it)
        for (auto back = it; back != from && byType(*back, *(back - 1)); --back)
          std::iter_swap(back, back - 1);
    }
    for (auto it = from; it != to; ++it) {
      const zone::ResourceRecord& rr = v.records[*it];
      if (view.rrsets.size() == view.rrsets_of.back() || view.rrsets.back().type != rr.type) {
        view.rrsets.push_back({rr.type, rr.ttl, static_cast<std::uint32_t>(view.rdatas.size()), 0});
      }
      RRset& set = view.rrsets.back();
      // RFC 2181 5.2: one TTL per RRset; the smallest is the safe choice when they differ.
      set.ttl = std::min(set.ttl, rr.ttl);
      auto rdatas = view.rdatas.begin() + set.first_rdata;
      if (std::none_of(rdatas, rdatas + set.rdata_count,
                       [&](const std::string* seen) { return *seen == rr.rdata; })) {
        view.rdatas.push_back(&rr.rdata);
        ++set.rdata_count;
      }
    }
  }
  view.rrsets_of.push_back(static_cast<std::uint32_t>(view.rrsets.size()));
  return view;
}

// The owner of a section entry: the question name itself, or a fixed lowercase name.
struct SectionEntry {
  bool owner_is_qname;
  const std::uint8_t* owner;  // when !owner_is_qname
  std::size_t owner_size;
  std::uint16_t type;
  std::uint32_t rrset;  // index into ViewRecords::rrsets
  std::uint32_t ttl;
};

struct Resolution {
  std::uint8_t rcode = wire::rcode::NOERROR;
  std::vector<SectionEntry> answer;
  std::vector<SectionEntry> authority;
};

// RFC 1034 4.3.2 step 3 for a name the question reached, following in-zone CNAMEs. Reuses its
// buffers across calls: a view resolves several names per node.
class Resolver {
 public:
  explicit Resolver(const ViewRecords& view)
      : view_(view), targets_(new std::uint8_t[kMaxCnameChain * (wire::kMaxNameLength + 1)]) {}

  // `node` is what the question reached; `fixed_start` when it is the question name itself
  // (an exact node), false for a wildcard, which stands for many names.
  void resolve(std::uint32_t node, std::uint16_t qtype, bool fixed_start, Resolution& r) {
    r.rcode = wire::rcode::NOERROR;
    r.answer.clear();
    r.authority.clear();
    seen_.clear();
    std::size_t targets_used = 0;
    // Names already answered for, so a CNAME loop ends before it repeats a record.
    if (fixed_start) seen_.push_back(nameOf(node));
    SectionEntry owner{true, nullptr, 0, 0, 0, 0};
    for (int hop = 0;; ++hop) {
      if (qtype == type::ANY) {
        // RFC 8482: answer one RRset rather than everything the name holds.
        if (view_.begin(node) == view_.end(node)) {
          addNegative(r);
        } else {
          add(r.answer, owner, *view_.begin(node));
        }
        return;
      }
      if (const RRset* exact = view_.findType(node, qtype)) {
        add(r.answer, owner, *exact);
        return;
      }
      const RRset* cname = view_.findType(node, type::CNAME);
      if (!cname) {
        addNegative(r);
        return;
      }
      add(r.answer, owner, *cname);
      const std::string& rdata = *view_.rdatas[cname->first_rdata];
      std::uint8_t* target = targets_.get() + targets_used;
      const std::size_t target_size = std::min(rdata.size(), wire::kMaxNameLength + 1);
      lowercaseInto(rdata.data(), target_size, target);
      targets_used += target_size;
      const std::string_view target_view(reinterpret_cast<const char*>(target), target_size);
      if (!wire::isSubdomainOf(target_view, view_.origin) || hop + 1 >= kMaxCnameChain ||
          std::find(seen_.begin(), seen_.end(), target_view) != seen_.end())
        return;  // the client (or its resolver) follows it from here
      seen_.push_back(target_view);
      node = match(target, target_size);
      if (node == kNone) {
        r.rcode = wire::rcode::NXDOMAIN;  // RFC 6604: the rcode describes the last name
        addNegative(r);
        return;
      }
      owner = SectionEntry{false, target, target_size, 0, 0, 0};
    }
  }

  // The SOA of a negative answer, in the authority section (RFC 2308 3).
  void addNegative(Resolution& r) const {
    r.authority.push_back({false, reinterpret_cast<const std::uint8_t*>(view_.origin.data()),
                           view_.origin.size(), type::SOA, view_.soa, view_.negative_ttl});
  }

 private:
  std::string_view nameOf(std::uint32_t node) const {
    return view_.view->nameOf(view_.view->nodes[node]);
  }

  void add(std::vector<SectionEntry>& section, const SectionEntry& owner, const RRset& set) {
    SectionEntry e = owner;
    e.type = set.type;
    e.rrset = view_.indexOf(&set);
    e.ttl = set.ttl;
    section.push_back(e);
  }

  // As wire::lowercaseName: label octets are folded, length octets left alone.
  static void lowercaseInto(const char* in, std::size_t size, std::uint8_t* out) {
    std::memcpy(out, in, size);
    for (std::size_t i = 0; i < size;) {
      const std::size_t len = out[i];
      for (std::size_t j = 1; j <= len && i + j < size; ++j)
        out[i + j] = wire::foldCase(out[i + j]);
      i += len + 1;
      if (len == 0) break;
    }
  }

  // The node that answers `name`: the exact node, or the wildcard at its closest encloser when
  // that wildcard holds records. kNone for NXDOMAIN.
  std::uint32_t match(const std::uint8_t* name, std::size_t len) {
    const std::uint32_t exact = view_.findNode(name, len);
    if (exact != kNone) return exact;  // possibly an empty non-terminal: it exists, holds nothing
    for (std::size_t elen = parentLength(name, len); elen >= view_.origin.size();) {
      const std::uint8_t* encloser = name + (len - elen);
      if (view_.findNode(encloser, elen) != kNone) {
        wildcard_[0] = 1;
        wildcard_[1] = '*';
        std::memcpy(wildcard_ + 2, encloser, elen);
        const std::uint32_t wildcard = view_.findNode(wildcard_, elen + 2);
        if (wildcard == kNone || view_.begin(wildcard) == view_.end(wildcard)) return kNone;
        return wildcard;
      }
      if (elen == 0) break;
      elen = parentLength(encloser, elen);
    }
    return kNone;
  }

  const ViewRecords& view_;
  std::unique_ptr<std::uint8_t[]> targets_;  // CNAME targets of one resolution, back to back
  std::vector<std::string_view> seen_;
  std::uint8_t wildcard_[wire::kMaxNameLength + 2];
};

// Renders sections into a relocatable blob, compressing names against the question name's
// suffixes (known for every name the rendering may serve) and against earlier names in the blob.
class AnswerRenderer {
 public:
  explicit AnswerRenderer(const ViewRecords& view) : view_(view) {}

  // `context` is the longest question suffix shared by every name the rendering serves (empty
  // when none is); it and its ancestors down to the origin are what names may point into.
  void render(const Resolution& r, std::string_view context) {
    bytes_.clear();
    relocations_.clear();
    dictionary_.clear();
    lower_.assign(context.begin(), context.end());
    for (std::size_t i = 0; i < context.size() && context.size() - i >= view_.origin.size();) {
      const std::size_t len = context.size() - i;
      remember(i, len, static_cast<std::int16_t>(-static_cast<int>(len)));
      if (len == 1) break;
      i += static_cast<std::uint8_t>(context[i]) + 1u;
    }
    rcode_ = r.rcode;
    ancount_ = nscount_ = 0;
    for (const auto& e : r.answer) ancount_ += writeRRset(e);
    for (const auto& e : r.authority) nscount_ += writeRRset(e);
    if (bytes_.size() > kMaxAnswerSize)
      throw std::runtime_error("an answer is larger than a DNS message can carry");
  }

  // Stores the last rendering in the view, or finds the identical one stored before.
  std::uint32_t intern(CompiledView& out, InternTable& table) const {
    std::uint64_t hash = hashBytes(bytes_.data(), bytes_.size());
    hash = hashBytes(relocations_.data(), relocations_.size() * sizeof(Relocation), hash);
    const std::uint64_t header =
        rcode_ | (std::uint64_t{ancount_} << 8) | (std::uint64_t{nscount_} << 24);
    hash = hashBytes(&header, sizeof header, hash);
    auto same = [&](std::uint32_t index) {
      const RenderedAnswer& a = out.answers[index];
      if (a.rcode != rcode_ || a.ancount != ancount_ || a.nscount != nscount_ ||
          a.bytes_size != bytes_.size() || a.relocations_count != relocations_.size())
        return false;
      return std::equal(bytes_.begin(), bytes_.end(), out.bytesOf(a).begin()) &&
             std::equal(relocations_.begin(), relocations_.end(), out.relocationsOf(a).begin());
    };
    auto store = [&] {
      if (out.answer_bytes.size() + bytes_.size() > kNone ||
          out.relocations.size() + relocations_.size() > kNone || out.answers.size() >= kNone)
        throw std::runtime_error("a view's answers do not fit in 4 GiB");
      RenderedAnswer a;
      a.bytes_offset = static_cast<std::uint32_t>(out.answer_bytes.size());
      a.relocations_offset = static_cast<std::uint32_t>(out.relocations.size());
      a.bytes_size = static_cast<std::uint16_t>(bytes_.size());
      a.relocations_count = static_cast<std::uint16_t>(relocations_.size());
      a.ancount = ancount_;
      a.nscount = nscount_;
      a.rcode = rcode_;
      out.answer_bytes.insert(out.answer_bytes.end(), bytes_.begin(), bytes_.end());
      out.relocations.insert(out.relocations.end(), relocations_.begin(), relocations_.end());
      out.answers.push_back(a);
      return static_cast<std::uint32_t>(out.answers.size() - 1);
    };
    return table.findOrInsert(hash, same, store);
  }

 private:
  // A name the blob may point to: a suffix of a name in lower_, and where it is.
  struct DictionaryEntry {
    std::uint32_t hash;
    std::uint32_t at;  // in lower_
    std::uint16_t size;
    std::int16_t delta;  // pointer target, from the end of the question name
  };

  void remember(std::size_t at, std::size_t size, std::int16_t delta) {
    dictionary_.push_back({static_cast<std::uint32_t>(hashBytes(lower_.data() + at, size)),
                           static_cast<std::uint32_t>(at), static_cast<std::uint16_t>(size),
                           delta});
  }

  const DictionaryEntry* lookup(std::size_t at, std::size_t size, std::uint32_t hash) const {
    for (const auto& e : dictionary_)
      if (e.hash == hash && e.size == size &&
          std::memcmp(lower_.data() + e.at, lower_.data() + at, size) == 0)
        return &e;
    return nullptr;
  }

  std::uint16_t writeRRset(const SectionEntry& e) {
    const RRset& set = view_.rrsets[e.rrset];
    for (std::uint32_t i = 0; i < set.rdata_count; ++i) {
      if (e.owner_is_qname) {
        putU16(0xC000 | wire::kHeaderSize);
      } else {
        writeName(e.owner, e.owner_size);
      }
      putU16(e.type);
      putU16(wire::kClassIN);
      putU32(e.ttl);
      const std::size_t rdlen_at = bytes_.size();
      putU16(0);
      writeRdata(e.type, *view_.rdatas[set.first_rdata + i]);
      const std::size_t rdlen = bytes_.size() - rdlen_at - 2;
      wire::writeU16(&bytes_[rdlen_at], static_cast<std::uint16_t>(rdlen));
    }
    return static_cast<std::uint16_t>(set.rdata_count);
  }

  // RFC 3597 4: only the RFC 1035 types may have their rdata names compressed.
  void writeRdata(std::uint16_t t, const std::string& rdata) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(rdata.data());
    switch (t) {
      case type::CNAME:
      case type::NS:
      case type::PTR:
        writeName(p, rdata.size());
        return;
      case type::MX:
        bytes_.insert(bytes_.end(), p, p + 2);
        writeName(p + 2, rdata.size() - 2);
        return;
      case type::SOA: {
        const std::size_t m = nameLength(rdata, 0), r = nameLength(rdata, m);
        writeName(p, m);
        writeName(p + m, r);
        bytes_.insert(bytes_.end(), p + m + r, p + rdata.size());
        return;
      }
      default:
        bytes_.insert(bytes_.end(), p, p + rdata.size());
    }
  }

  static std::size_t nameLength(const std::string& wire, std::size_t at) {
    std::size_t i = at;
    while (i < wire.size() && wire[i] != 0) i += static_cast<std::uint8_t>(wire[i]) + 1;
    return i + 1 - at;
  }

  // Writes `name` (original case) using the longest suffix already in the dictionary.
  void writeName(const std::uint8_t* name, std::size_t size) {
    const std::size_t base = lower_.size();
    lower_.insert(lower_.end(), name, name + size);
    for (std::size_t i = base; i < lower_.size();) {
      const std::size_t len = lower_[i];
      for (std::size_t j = 1; j <= len && i + j < lower_.size(); ++j)
        lower_[i + j] = wire::foldCase(lower_[i + j]);
      i += len + 1;
      if (len == 0) break;
    }
    std::size_t i = 0;
    while (i < size && name[i] != 0) {
      const std::size_t suffix = size - i;
      const auto hash = static_cast<std::uint32_t>(hashBytes(lower_.data() + base + i, suffix));
      if (const DictionaryEntry* e = lookup(base + i, suffix, hash)) {
        relocations_.push_back({static_cast<std::uint16_t>(bytes_.size()), e->delta});
        putU16(0xC000);  // patched with the real offset at answer time
        return;
      }
      const std::size_t at = bytes_.size();
      if (at <= kMaxPointerBlobOffset)
        dictionary_.push_back({hash, static_cast<std::uint32_t>(base + i),
                               static_cast<std::uint16_t>(suffix),
                               static_cast<std::int16_t>(4 + at)});
      const std::size_t len = std::min<std::size_t>(name[i] + 1u, suffix);
      bytes_.insert(bytes_.end(), name + i, name + i + len);
      i += len;
    }
    bytes_.push_back(0);
  }

  void putU16(std::uint16_t v) {
    bytes_.push_back(static_cast<std::uint8_t>(v >> 8));
    bytes_.push_back(static_cast<std::uint8_t>(v));
  }
  void putU32(std::uint32_t v) {
    putU16(static_cast<std::uint16_t>(v >> 16));
    putU16(static_cast<std::uint16_t>(v));
  }

  const ViewRecords& view_;
  std::vector<std::uint8_t> bytes_;
  std::vector<Relocation> relocations_;
  std::uint8_t rcode_ = 0;
  std::uint16_t ancount_ = 0, nscount_ = 0;
  std::vector<DictionaryEntry> dictionary_;
  std::vector<std::uint8_t> lower_;  // the context, then every name written, lowercased
};

// Turns resolutions into answer indexes, rendering a resolution only when no equal rendering is
// known. A rendering is a function of the resolution and of the question suffixes it may point
// into (the context, shared by all children of a name). A resolution with an answer section
// starts with an RRset of the node itself, so it can only recur at that node (ANY answered like
// the type a name holds): those are memoized per node. A purely negative resolution is the same
// SOA for every name, so it is memoized per context: siblings share one NODATA rendering.
// Renderings that are still equal (two names with the same address) are stored once by intern.
class AnswerCompiler {
 public:
  AnswerCompiler(const ViewRecords& view, CompiledView& out, std::size_t expected_answers)
      : out_(out), renderer_(view) {
    answers_.reserve(expected_answers);
  }

  // Starts the answers of one node. `context` is the longest question suffix shared by every
  // name the node's answers serve; `context_key` names it (the index of its node, kNoContext
  // when it is empty, kNone when it is no node).
  void startNode(std::string_view context, std::uint32_t context_key) {
    context_ = context;
    context_key_ = context_key;
    node_memo_.clear();
    node_keys_.clear();
  }

  // The index of the answer for `r` at the current node.
  std::uint32_t answer(const Resolution& r) {
    if (r.answer.empty() && r.authority.size() == 1 && context_key_ != kNone) {
      const std::uint64_t key = (std::uint64_t{context_key_} << 8) | r.rcode;
      auto [it, added] = negative_.try_emplace(key, kNone);
      if (added) it->second = render(r);
      return it->second;
    }
    const std::size_t key_at = node_keys_.size();
    const std::uint32_t counts[] = {r.rcode, static_cast<std::uint32_t>(r.answer.size()),
                                    static_cast<std::uint32_t>(r.authority.size())};
    putKey(counts, sizeof counts);
    for (const auto* section : {&r.answer, &r.authority}) {
      for (const auto& e : *section) {
        const std::uint32_t fields[] = {e.owner_is_qname ? 0xFFFFu : std::uint32_t(e.owner_size),
                                        e.type, e.rrset, e.ttl};
        putKey(fields, sizeof fields);
        if (!e.owner_is_qname) putKey(e.owner, e.owner_size);
      }
    }
    const std::size_t key_size = node_keys_.size() - key_at;
    for (const auto& m : node_memo_) {
      if (m.key_size == key_size &&
          std::memcmp(node_keys_.data() + m.key_at, node_keys_.data() + key_at, key_size) == 0) {
        node_keys_.resize(key_at);
        return m.answer;
      }
    }
    const std::uint32_t answer = render(r);
    node_memo_.push_back({key_at, key_size, answer});
    return answer;
  }

  static constexpr std::uint32_t kNoContext = kNone - 1;  // no question suffix to point to

 private:
  struct Memo {
    std::size_t key_at, key_size;  // in node_keys_
    std::uint32_t answer;
  };

  std::uint32_t render(const Resolution& r) {
    renderer_.render(r, context_);
    return renderer_.intern(out_, answers_);
  }

  void putKey(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    node_keys_.insert(node_keys_.end(), b, b + n);
  }

  CompiledView& out_;
  AnswerRenderer renderer_;
  InternTable answers_;  // renderings stored in out_, by content
  std::unordered_map<std::uint64_t, std::uint32_t> negative_;  // (context, rcode) -> answer
  std::string_view context_;
  std::uint32_t context_key_ = kNone;
  std::vector<Memo> node_memo_;
  std::vector<std::uint8_t> node_keys_;  // the resolutions of node_memo_, serialized
};

CompiledView compileView(const zone::Zone& z, const zone::View& v) {
  CompiledView out;
  out.name = v.name;
  out.label = stats::viewLabelId(v.name);
  out.record_count = v.records.size();
  ViewRecords view = groupRecords(z, v, out);
  const std::uint32_t apex =
      view.findNode(reinterpret_cast<const std::uint8_t*>(z.origin.data()), z.origin.size());
  const RRset* soa = apex == kNone ? nullptr : view.findType(apex, type::SOA);
  if (!soa) throw std::runtime_error("view '" + v.name + "' has no SOA at the apex");
  view.soa = view.indexOf(soa);
  {
    // RFC 2308 5: negative answers live for min(SOA TTL, SOA MINIMUM).
    const std::string& rdata = *view.rdatas[soa->first_rdata];
    std::uint32_t minimum = 0;
    for (std::size_t i = rdata.size() - 4; i < rdata.size(); ++i)
      minimum = (minimum << 8) | static_cast<std::uint8_t>(rdata[i]);
    view.negative_ttl = std::min(soa->ttl, minimum);
  }
  std::vector<std::uint16_t> types_in_view;  // sorted
  {
    // A bitmap of the 65536 types, read a word at a time: a small zone must not pay per type.
    std::array<std::uint64_t, 65536 / 64> present{};
    for (const auto& rr : v.records) present[rr.type / 64] |= std::uint64_t{1} << (rr.type % 64);
    for (std::size_t word = 0; word < present.size(); ++word)
      for (std::uint64_t bits = present[word]; bits != 0; bits &= bits - 1)
        types_in_view.push_back(static_cast<std::uint16_t>(word * 64 + std::countr_zero(bits)));
  }

  Resolver resolver(view);
  const std::size_t node_count = out.nodes.size();
  AnswerCompiler answers(view, out, node_count + 16);  // typically one answer of its own per name
  Resolution resolution;
  std::vector<std::uint16_t> qtypes;
  for (std::uint32_t n = 0; n < node_count; ++n) {
    NameNode& node = out.nodes[n];
    const std::uint8_t* name = out.names.data() + node.name_offset;
    // A wildcard's rendering serves many names: only the suffixes they share are known. Those
    // are the parent's suffixes, as they are for an exact name (whose own name is written as a
    // pointer to the question, never through the dictionary).
    std::string_view context;
    std::uint32_t context_key = AnswerCompiler::kNoContext;
    const std::size_t plen = parentLength(name, node.name_size);
    if (plen >= z.origin.size()) {
      const std::uint8_t* parent = name + (node.name_size - plen);
      context = {reinterpret_cast<const char*>(parent), plen};
      context_key = view.findNode(parent, plen);  // kNone outside the zone
    }
    answers.startNode(context, context_key);
    auto answerFor = [&](std::uint16_t qtype) {
      resolver.resolve(n, qtype, !node.is_wildcard, resolution);
      return answers.answer(resolution);
    };

    qtypes.clear();
    if (view.findType(n, type::CNAME)) {
      qtypes = types_in_view;  // the chain's end decides
    } else {
      for (const RRset* s = view.begin(n); s != view.end(n); ++s) qtypes.push_back(s->type);
    }
    for (std::uint16_t t : {type::CNAME, type::ANY})
      if (!std::binary_search(qtypes.begin(), qtypes.end(), t))
        qtypes.insert(std::upper_bound(qtypes.begin(), qtypes.end(), t), t);

    const std::uint32_t fallback = answerFor(kOtherType);
    const std::size_t typed_offset = out.typed.size();
    for (std::uint16_t t : qtypes) {
      const std::uint32_t a = answerFor(t);
      if (a != fallback) out.typed.push_back({t, a});  // the default answers the others
    }
    if (out.typed.size() - typed_offset > 0xFFFF || out.typed.size() > kNone)
      throw std::runtime_error("a name has too many distinct answers");
    node.default_answer = fallback;
    node.typed_offset = static_cast<std::uint32_t>(typed_offset);
    node.typed_count = static_cast<std::uint16_t>(out.typed.size() - typed_offset);
  }
  {
    Resolution nx;
    nx.rcode = wire::rcode::NXDOMAIN;
    resolver.addNegative(nx);
    // It serves names below the apex, which is the question suffix they share.
    answers.startNode(z.origin, apex);
    out.nxdomain_answer = answers.answer(nx);
  }
  // The arenas grew by doubling; a snapshot lives long, so give the slack back.
  out.nodes.shrink_to_fit();
  out.names.shrink_to_fit();
  out.typed.shrink_to_fit();
  out.answers.shrink_to_fit();
  out.answer_bytes.shrink_to_fit();
  out.relocations.shrink_to_fit();
  return out;
}

template <class T>
std::size_t heapBytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

std::size_t heapBytes(const std::string& s) {
  // Short strings live inside the object; longer ones own capacity + 1 octets.
  return s.capacity() > std::string().capacity() ? s.capacity() + 1 : 0;
}

}  // namespace

std::size_t CompiledView::memoryBytes() const {
  return sizeof(*this) + heapBytes(name) + heapBytes(nodes) + heapBytes(names) + heapBytes(typed) +
         heapBytes(answers) + heapBytes(answer_bytes) + heapBytes(relocations) + heapBytes(table);
}

std::size_t Snapshot::memoryBytes() const {
  std::size_t total = sizeof(*this) + heapBytes(zones);
  for (const auto& z : zones) {
    // The views count their own objects; of their array only the unused slots remain.
    total += heapBytes(z.origin) + heapBytes(z.origin_text) + heapBytes(z.prefixes) +
             z.view_of.memoryBytes() + (z.views.capacity() - z.views.size()) * sizeof(CompiledView);
    for (const auto& v : z.views) total += v.memoryBytes();
  }
  return total;
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
  // A view name that any file's `recursion:` list leaves out never recurses, in any file: a
  // second file cannot widen what the first one said (zones/FORMAT.md).
  std::set<std::string> refused;
  for (const auto& z : zones)
    for (const auto& v : z.views)
      if (v.recursion_explicit && !v.recursion) refused.insert(v.name);
  for (const auto& z : zones) {
    CompiledZone cz;
    cz.origin = z.origin;
    cz.origin_text = z.origin_text;
    cz.serial = z.serial;
    for (std::size_t i = 0; i < z.views.size(); ++i) {
      cz.views.push_back(compileView(z, z.views[i]));
      const bool is_refused = refused.count(z.views[i].name) != 0;
      cz.views.back().recursion = z.views[i].recursion && !is_refused;
      cz.views.back().recursion_refused = is_refused;
      cz.views.back().rate_limit =
          z.views[i].rate_limit.value_or(zone::defaultRateLimit(z.views[i]));
      cz.views.back().rate_limit_scope = std::hash<std::string>{}(z.origin + z.views[i].name);
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
    std::vector<std::pair<ip::Prefix, std::uint32_t>> entries;
    entries.reserve(cz.prefixes.size());
    for (const auto& entry : cz.prefixes) entries.emplace_back(entry.prefix, entry.view);
    cz.view_of = PrefixTable(entries);
    snapshot->zones.push_back(std::move(cz));
  }
  return snapshot;
}

}  // namespace horizon::query
