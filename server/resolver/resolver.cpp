// Recursive resolution (RFC 1034 5.3.3) for names outside our zones.
//
// A client question becomes a Task. A Task either forwards (to a conditional forward zone's
// servers or the global forwarders, RD set) or iterates: starting at the deepest delegation it
// knows (else the root hints) it asks one server of the current zone cut at a time, follows
// referrals downwards, resolves glueless name servers as sub-tasks, and restarts at the target
// of a CNAME (or of the CNAME a DNAME implies, kept after the DNAME in the answer) that leaves
// the zone. A DS question stops at the parent of its name: the DS is the parent's data (RFC 4035
// 3.1.4.1). Every exchange is charged to the question's Budget (queries,
// nesting depth, deadline), so a hostile zone cannot make it loop or amplify. Only records that
// lie inside the cut being asked (its bailiwick) are ever used, and glue only for name servers
// inside the delegated zone.
#include "horizon/resolver/resolver.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "horizon/ip/address.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"
#include "validator.hpp"

namespace horizon::resolver {
namespace {

namespace type = wire::type;
namespace rcode = wire::rcode;
using boost::asio::ip::address;

std::string parentOf(const std::string& name) {
  if (name.size() <= 1) return name;
  return name.substr(static_cast<std::uint8_t>(name[0]) + 1u);
}

bool below(const std::string& name, const std::string& zone) {
  return wire::isSubdomainOf(name, zone);
}

// The name a record's rdata points at (CNAME target, NS host), lowercased.
std::string rdataName(const Record& r) {
  return wire::lowercaseName(r.rdata);
}

// The suffix of `name` with `labels` labels (0: the root).
std::string suffixWithLabels(const std::string& name, std::size_t labels) {
  std::size_t total = wire::labelCount(name);
  std::string s = name;
  for (std::size_t i = labels; i < total; ++i) s = parentOf(s);
  return s;
}

std::optional<Endpoint> endpointFromRecord(const Record& r) {
  if (r.type == type::A && r.rdata.size() == 4) {
    boost::asio::ip::address_v4::bytes_type b;
    std::copy(r.rdata.begin(), r.rdata.end(), b.begin());
    return Endpoint{boost::asio::ip::address_v4(b), 53};
  }
  if (r.type == type::AAAA && r.rdata.size() == 16) {
    boost::asio::ip::address_v6::bytes_type b;
    std::copy(r.rdata.begin(), r.rdata.end(), b.begin());
    return Endpoint{boost::asio::ip::address_v6(b), 53};
  }
  return std::nullopt;
}

// Lowercases the names inside rdata. Upstream servers echo our 0x20-randomised spelling into
// compressed rdata names; clients should not see that noise.
void lowercaseRdataNames(Record& r) {
  auto lowerFrom = [&](std::size_t at, int names) {
    for (int n = 0; n < names && at < r.rdata.size(); ++n) {
      while (at < r.rdata.size() && r.rdata[at] != 0) {
        const std::size_t len = static_cast<std::uint8_t>(r.rdata[at]);
        for (std::size_t i = at + 1; i <= at + len && i < r.rdata.size(); ++i)
          r.rdata[i] = static_cast<char>(wire::foldCase(static_cast<std::uint8_t>(r.rdata[i])));
        at += len + 1;
      }
      ++at;  // the root label
    }
  };
  switch (r.type) {
    case type::CNAME:
    case type::NS:
    case type::PTR:
    case type::DNAME:
      return lowerFrom(0, 1);
    case type::MX:
      return lowerFrom(2, 1);
    case type::SRV:
      return lowerFrom(6, 1);
    case type::SOA:
      return lowerFrom(0, 2);
    default:
      return;
  }
}

// What a resolution produced: an answer, a negative answer, or a failure (SERVFAIL).
struct Outcome {
  bool failed = false;
  std::uint8_t rcode = rcode::NOERROR;
  std::vector<Record> answer;     // with the RRSIGs over it when validating
  std::vector<Record> authority;  // SOA; when validating, NSEC/NSEC3 proofs and RRSIGs too
};

// Appends to `out`, from `section`, the RRSIGs covering the records of `out` from `first` on
// (same owner, covered type) that `usable` accepts, once each.
template <typename Usable>
void appendSignatures(const std::vector<Record>& section, std::vector<Record>& out,
                      std::size_t first, Usable usable) {
  const std::size_t end = out.size();
  for (const Record& sig : section) {
    if (sig.type != type::RRSIG || sig.rdata.size() < 2 || !usable(sig)) continue;
    const auto covered = static_cast<std::uint16_t>((static_cast<std::uint8_t>(sig.rdata[0]) << 8) |
                                                    static_cast<std::uint8_t>(sig.rdata[1]));
    bool covers = false;
    for (std::size_t i = first; i < end && !covers; ++i)
      covers = out[i].owner == sig.owner && out[i].type == covered;
    if (covers && std::find(out.begin(), out.end(), sig) == out.end()) out.push_back(sig);
  }
}

// Appends the denial proofs of `authority` (NSEC, NSEC3) that `usable` accepts, and the RRSIGs
// over them and over the SOA records already in `out`.
template <typename Usable>
void appendProofs(const std::vector<Record>& authority, std::vector<Record>& out, Usable usable) {
  const std::size_t first = 0;
  for (const Record& r : authority)
    if ((r.type == type::NSEC || r.type == type::NSEC3) && usable(r) &&
        std::find(out.begin(), out.end(), r) == out.end())
      out.push_back(r);
  appendSignatures(authority, out, first, usable);
}

// Shared by a client question and all its sub-resolutions.
struct Budget {
  int queries_left;
  Clock::time_point deadline;
};

}  // namespace

bool isRebindingAddress(const std::string& bytes) {
  if (bytes.size() != 4 && bytes.size() != 16) return false;
  return ip::isPrivateAddress(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                              bytes.size() == 16);
}

struct Resolver::Impl : std::enable_shared_from_this<Resolver::Impl> {
  Impl(boost::asio::io_context& io_, std::shared_ptr<const ResolverConfig> config_,
       std::shared_ptr<ResolverCache> cache_, std::shared_ptr<ServerSelection> selection_)
      : io(io_),
        config(std::move(config_)),
        cache(std::move(cache_)),
        selection(std::move(selection_)),
        upstream(io_, &stats.upstreams, config->tls) {}

  struct Delegation {
    std::vector<Endpoint> servers;
    Clock::time_point expires;
  };

  class Task;
  class PolicyHost;
  using Key = std::tuple<std::uint32_t, std::string, std::uint16_t>;

  boost::asio::io_context& io;
  std::shared_ptr<const ResolverConfig> config;
  std::shared_ptr<ResolverCache> cache;
  std::shared_ptr<ServerSelection> selection;
  ResolverStats stats;  // before `upstream`, which counts into it
  UpstreamClient upstream;
  std::map<Key, std::vector<Callback>> in_flight;  // coalesced identical questions
  std::map<std::string, Delegation> delegations;   // zone cuts learnt from referrals
  // Zones proven unsigned, per policy: names below them need no DS walk (validation only).
  std::map<std::pair<std::uint32_t, std::string>, Clock::time_point> insecure_zones;
  std::set<Key> under_validation;  // resolutions whose outcome is being validated

  bool validating() const { return config->trust_anchors != nullptr; }
  void resolve(std::uint32_t policy, const std::string& qname, std::uint16_t qtype, Callback done);
  void refresh(std::uint32_t policy, const std::string& qname, std::uint16_t qtype);
  void start(const Key& key);
  void store(const Key& key, Outcome outcome, const ValidationResult* validation);
  void rememberDelegation(const std::string& zone, std::vector<Endpoint> servers,
                          std::uint32_t ttl);
  void finish(const Key& key, Outcome outcome);
  std::vector<Record> stripRebinding(const std::string& qname, std::vector<Record> records) const;
};

namespace {

// True when `name` already owns a CNAME of `chain`: following it again would loop.
bool onChain(const std::vector<Record>& chain, const std::string& name) {
  for (const Record& rec : chain)
    if (rec.type == type::CNAME && rec.owner == name) return true;
  return false;
}

// The DNAME of `records` that rewrites `name`: its owner a proper ancestor of `name` (RFC 6672
// 2.3 leaves the owner itself alone), the deepest when several qualify; null when none does.
template <typename Usable>
const Record* dnameCovering(const std::vector<Record>& records, const std::string& name,
                            Usable usable) {
  const Record* best = nullptr;
  for (const Record& rec : records) {
    if (rec.type != type::DNAME || rec.owner == name || !below(name, rec.owner) || !usable(rec))
      continue;
    if (!best || rec.owner.size() > best->owner.size()) best = &rec;
  }
  return best;
}

// The CNAME that `dname` implies for `name` (RFC 6672 2.2: the owner's suffix of `name` replaced
// by the target), with the DNAME's TTL as the server synthesizing it would give; nullopt when the
// result would exceed a name's 255 octets (the server's YXDOMAIN case).
std::optional<Record> synthesizeCname(const Record& dname, const std::string& name) {
  const std::size_t prefix = name.size() - dname.owner.size();
  if (prefix + dname.rdata.size() > wire::kMaxNameLength) return std::nullopt;
  Record cname;
  cname.owner = name;
  cname.type = type::CNAME;
  cname.rclass = dname.rclass;
  cname.ttl = dname.ttl;
  cname.rdata = name.substr(0, prefix) + dname.rdata;
  return cname;
}

// Appends to `chain` the step that leads away from `name` in `records`, and returns the name it
// leads to: through a DNAME, the DNAME itself (once) and the CNAME it implies, which the client
// sees in that order (RFC 6672 3.4), else a CNAME owned by `name`. "" when no usable record leads
// on; nullopt when a DNAME would lead to an over-long name (the DNAME is still appended: with
// YXDOMAIN it is the answer, RFC 6672 2.2).
template <typename Usable>
std::optional<std::string> followAlias(const std::vector<Record>& records, const std::string& name,
                                       Usable usable, std::vector<Record>& chain) {
  if (const Record* dname = dnameCovering(records, name, usable)) {
    // The synthesized CNAME, not whatever CNAME came along: only the DNAME is authoritative data.
    std::optional<Record> cname = synthesizeCname(*dname, name);
    if (std::find(chain.begin(), chain.end(), *dname) == chain.end()) chain.push_back(*dname);
    if (!cname) return std::nullopt;
    chain.push_back(*cname);
    return rdataName(*cname);
  }
  const Record* cname = nullptr;
  for (const auto& rec : records)
    if (usable(rec) && rec.owner == name && rec.type == type::CNAME) cname = &rec;
  if (!cname) return std::string();
  chain.push_back(*cname);
  return rdataName(*cname);
}

}  // namespace

// One resolution of (name, type): forward or iterate, following CNAMEs.
class Resolver::Impl::Task : public std::enable_shared_from_this<Task> {
 public:
  Task(std::shared_ptr<Impl> impl, std::string qname, std::uint16_t qtype, int depth,
       std::shared_ptr<Budget> budget, std::function<void(Outcome)> done)
      : impl_(std::move(impl)),
        name_(std::move(qname)),
        qtype_(qtype),
        depth_(depth),
        budget_(std::move(budget)),
        done_(std::move(done)) {}

  void run() {
    if (depth_ > impl_->config->max_depth) return fail("resolution nested too deeply");
    const ResolverConfig& c = *impl_->config;
    // Conditional forwarding first (longest domain wins), then global forwarders, else iterate.
    const ForwardZone* best = nullptr;
    for (const auto& fz : c.forward_zones)
      if (below(name_, fz.domain) && (!best || fz.domain.size() > best->domain.size())) best = &fz;
    if (best) return forward(best->servers);
    if (!c.forwarders.empty()) return forward(c.forwarders);
    startIteration();
  }

 private:
  // ---- forwarding ---------------------------------------------------------------------------

  void forward(const std::vector<Endpoint>& servers) {
    forwarders_ = servers;
    forwardNext();
  }

  // Failover: the healthiest forwarder not yet tried (ServerSelection ranks by smoothed RTT and
  // pushes servers that time out to the back), so a dead first forwarder costs one timeout
  // once, not one per question.
  void forwardNext() {
    std::vector<Endpoint> untried;
    for (const auto& s : forwarders_)
      if (std::find(tried_.begin(), tried_.end(), s) == tried_.end()) untried.push_back(s);
    if (untried.empty()) return fail("no forwarder answered");
    if (!charge()) return;
    const Endpoint server = untried[impl_->selection->pick(untried, tried_)];
    tried_.push_back(server);
    ExchangeOptions options;
    options.recursion_desired = true;
    options.dnssec_ok = impl_->validating();
    options.timeout = timeoutFor(server, untried.size());
    auto self = shared_from_this();
    impl_->upstream.exchange(server, name_, qtype_, options, [self, server](ExchangeResult r) {
      self->onForwarded(server, std::move(r));
    });
  }

  // The server's own timeout, but never more than a fair share of the time left, so that the
  // remaining candidates still get asked before the question's deadline.
  std::chrono::milliseconds timeoutFor(const Endpoint& server, std::size_t candidates) const {
    using std::chrono::milliseconds;
    const auto left = std::chrono::duration_cast<milliseconds>(budget_->deadline - Clock::now());
    const auto share = left / static_cast<long>(std::max<std::size_t>(1, candidates));
    return std::clamp(std::min(impl_->selection->timeoutFor(server), share), milliseconds(50),
                      std::max(milliseconds(50), left));
  }

  void onForwarded(const Endpoint& server, ExchangeResult r) {
    if (r.status != ExchangeResult::Status::kOk) {
      impl_->selection->recordTimeout(server);
      return forwardNext();  // failover
    }
    impl_->selection->recordRtt(server, r.rtt);
    const Message& m = *r.response;
    if (m.rcode != rcode::NOERROR && m.rcode != rcode::NXDOMAIN && m.rcode != rcode::YXDOMAIN)
      return forwardNext();
    // A forwarder resolves the whole chain; keep only the records on the chain from our name.
    Outcome out;
    out.rcode = static_cast<std::uint8_t>(m.rcode);
    std::string name = name_;
    for (int hops = 0;; ++hops) {
      bool found = false;
      for (const auto& rec : m.answer)
        if (rec.owner == name && (rec.type == qtype_ || qtype_ == type::ANY)) {
          out.answer.push_back(rec);
          found = true;
        }
      if (found) break;
      std::vector<Record> link;
      const auto anyRecord = [](const Record&) { return true; };
      const auto next = followAlias(m.answer, name, anyRecord, link);
      if (!next) {
        out.rcode = rcode::YXDOMAIN;
        out.answer.insert(out.answer.end(), link.begin(), link.end());
        break;
      }
      if (next->empty()) break;
      // A chain that comes back to a name on it, or never ends, is an answer no client can use:
      // SERVFAIL, and nothing of it cached (a failure is not).
      if (hops >= impl_->config->max_cname_chain) return fail("CNAME chain too long");
      out.answer.insert(out.answer.end(), link.begin(), link.end());
      name = *next;
      if (onChain(out.answer, name)) return fail("CNAME loop");
    }
    if (out.answer.empty() || out.answer.back().type == type::CNAME) {
      for (const auto& rec : m.authority)
        if (rec.type == type::SOA && below(name, rec.owner)) out.authority.push_back(rec);
    }
    if (impl_->validating()) {
      const auto anyRecord = [](const Record&) { return true; };
      appendSignatures(m.answer, out.answer, 0, anyRecord);
      appendProofs(m.authority, out.authority, anyRecord);
    }
    complete(std::move(out));
  }

  // ---- iteration ----------------------------------------------------------------------------

  void startIteration() {
    // Begin at the deepest delegation we know that has not expired, else at the root.
    cut_ = std::string(1, '\0');
    servers_ = impl_->config->root_hints;
    auto now = Clock::now();
    // A DS RRset lives on the parent side of its zone cut (RFC 4035 3.1.4.1): a known delegation
    // of the name itself leads to the child's servers, which cannot have it.
    const std::string deepest = qtype_ == type::DS ? parentOf(name_) : name_;
    for (std::string z = deepest;; z = parentOf(z)) {
      auto it = impl_->delegations.find(z);
      if (it != impl_->delegations.end() && it->second.expires > now &&
          !it->second.servers.empty()) {
        cut_ = z;
        servers_ = it->second.servers;
        break;
      }
      if (z.size() <= 1) break;
    }
    if (servers_.empty()) return fail("no root hints");
    tried_.clear();
    glueless_.clear();
    minimise_ = impl_->config->qname_minimisation;
    minimised_labels_ = wire::labelCount(cut_) + 1;
    step();
  }

  void step() {
    if (!charge()) return;
    // Pick an untried server of the cut; when all failed, resolve a glueless name server.
    std::vector<Endpoint> untried;
    for (const auto& s : servers_)
      if (std::find(tried_.begin(), tried_.end(), s) == tried_.end()) untried.push_back(s);
    if (untried.empty()) {
      ++budget_->queries_left;  // nothing was sent
      return resolveGlueless();
    }
    std::size_t pick = impl_->selection->pick(untried, tried_);
    Endpoint server = untried[pick];
    std::string send_name = name_;
    std::uint16_t send_type = qtype_;
    std::size_t full = wire::labelCount(name_);
    if (minimise_ && minimised_labels_ < full) {
      // RFC 9156: reveal one label more than the cut; A rather than NS, as its section 3 advises.
      send_name = suffixWithLabels(name_, minimised_labels_);
      send_type = type::A;
    }
    sent_minimised_ = send_name != name_;
    ExchangeOptions options;
    options.dnssec_ok = impl_->validating();
    options.timeout = timeoutFor(server, untried.size());
    auto self = shared_from_this();
    impl_->upstream.exchange(
        server, send_name, send_type, options,
        [self, server](ExchangeResult r) { self->onReply(server, std::move(r)); });
  }

  void onReply(const Endpoint& server, ExchangeResult r) {
    if (r.status != ExchangeResult::Status::kOk) {
      impl_->selection->recordTimeout(server);
      tried_.push_back(server);
      return step();
    }
    impl_->selection->recordRtt(server, r.rtt);
    const Message& m = *r.response;
    if (m.rcode != rcode::NOERROR && m.rcode != rcode::NXDOMAIN && m.rcode != rcode::YXDOMAIN) {
      if (sent_minimised_)
        minimise_ = false;  // relaxed: retry with the full name
      else
        tried_.push_back(server);  // lame or broken for this zone
      return step();
    }
    const std::string asked = sent_minimised_ ? suffixWithLabels(name_, minimised_labels_) : name_;
    if (followReferral(m, asked)) return step();
    if (sent_minimised_) {
      if (m.rcode == rcode::NOERROR) {
        ++minimised_labels_;  // the name exists without a cut here: reveal one more label
      } else {
        minimise_ = false;  // relaxed mode: some servers answer NXDOMAIN for empty non-terminals
      }
      return step();
    }
    handleAnswer(server, m);
  }

  // A referral to a zone strictly below the cut and at or above the name asked. Returns true
  // when the cut moved (or glueless name servers must be found first).
  bool followReferral(const Message& m, const std::string& asked) {
    if (!m.answer.empty() && m.rcode == rcode::NOERROR) {
      for (const auto& rec : m.answer)
        if (rec.owner == asked) return false;
      // A DNAME rewriting the name answers it, even from a server that sent no CNAME with it.
      if (dnameCovering(m.answer, asked, [&](const Record& r) { return below(r.owner, cut_); }))
        return false;
    }
    for (const auto& rec : m.authority)
      if (rec.type == type::SOA) return false;  // a negative answer, not a delegation
    std::string zone;
    std::vector<std::string> hosts;
    std::uint32_t ttl = 86400;
    for (const auto& rec : m.authority) {
      if (rec.type != type::NS) continue;
      if (!below(asked, rec.owner) || !below(rec.owner, cut_) || rec.owner == cut_) continue;
      if (isDsReferralToName(rec)) continue;  // a DS question stays with the parent
      if (!zone.empty() && rec.owner != zone) continue;
      zone = rec.owner;
      hosts.push_back(rdataName(rec));
      ttl = std::min(ttl, rec.ttl);
    }
    if (zone.empty()) return false;
    if (++referrals_ > impl_->config->max_referrals) {
      fail("too many referrals");
      return false;
    }
    // Glue only for name servers inside the delegated zone: anything else could poison the
    // addresses of names the responding server has no authority over.
    std::vector<Endpoint> servers;
    std::vector<std::string> glueless;
    for (const auto& host : hosts) {
      bool glued = false;
      if (below(host, zone)) {
        for (const auto& rec : m.additional) {
          if (rec.owner != host) continue;
          if (auto ep = endpointFromRecord(rec)) {
            if (std::find(servers.begin(), servers.end(), *ep) == servers.end())
              servers.push_back(*ep);
            glued = true;
          }
        }
      }
      if (!glued) glueless.push_back(host);
    }
    cut_ = zone;
    servers_ = servers;
    glueless_ = glueless;
    tried_.clear();
    minimised_labels_ = wire::labelCount(cut_) + 1;
    if (!servers.empty()) impl_->rememberDelegation(zone, servers, ttl);
    return true;
  }

  // True for an NS record delegating the name of a DS question itself: the DS is the parent's
  // data, so the parent's servers must answer, not the child's (RFC 4035 3.1.4.1).
  bool isDsReferralToName(const Record& ns) const {
    return qtype_ == type::DS && ns.type == type::NS && ns.owner == name_;
  }

  void resolveGlueless() {
    if (glueless_.empty() || fanout_used_ >= impl_->config->max_ns_fanout)
      return fail("no usable name server for " + wire::nameToText(cut_));
    std::string host = glueless_.front();
    glueless_.erase(glueless_.begin());
    ++fanout_used_;
    // A name server inside the zone it serves cannot be found without glue: asking for it would
    // lead back to this very cut.
    if (below(host, cut_)) return resolveGlueless();
    auto self = shared_from_this();
    auto sub = std::make_shared<Task>(impl_, host, type::A, depth_ + 1, budget_,
                                      [self](Outcome o) { self->onGlueless(std::move(o)); });
    sub->run();
  }

  void onGlueless(Outcome o) {
    if (finished_) return;
    for (const auto& rec : o.answer)
      if (auto ep = endpointFromRecord(rec)) servers_.push_back(*ep);
    if (!servers_.empty() && cut_.size() > 1) impl_->rememberDelegation(cut_, servers_, 3600);
    step();
  }

  void handleAnswer(const Endpoint& server, const Message& m) {
    // Records are usable only inside the cut we asked (bailiwick).
    auto inBailiwick = [&](const Record& rec) { return below(rec.owner, cut_); };
    const std::size_t hop_start = answer_.size();
    // What validation needs from this response: the signatures over what it added to the chain,
    // and the denial proofs (wildcard answers carry them too).
    auto keepSignatures = [&] {
      if (!impl_->validating()) return;
      appendSignatures(m.answer, answer_, hop_start, inBailiwick);
      appendProofs(m.authority, proofs_, inBailiwick);
    };
    auto answered = [&] {
      keepSignatures();
      Outcome out;
      out.answer = answer_;
      out.authority = proofs_;
      complete(std::move(out));
    };
    std::string name = name_;
    bool chained = false;
    for (int hops = 0;; ++hops) {
      std::vector<Record> rrset;
      for (const auto& rec : m.answer)
        if (inBailiwick(rec) && rec.owner == name &&
            (rec.type == qtype_ || (qtype_ == type::ANY && rec.type != type::CNAME)))
          rrset.push_back(rec);
      if (!rrset.empty()) {
        answer_.insert(answer_.end(), rrset.begin(), rrset.end());
        return answered();
      }
      const auto next = followAlias(m.answer, name, inBailiwick, answer_);
      if (!next) {
        // The name the DNAME makes would exceed 255 octets: YXDOMAIN, the DNAME its answer.
        keepSignatures();
        Outcome out;
        out.rcode = rcode::YXDOMAIN;
        out.answer = answer_;
        out.authority = proofs_;
        return complete(std::move(out));
      }
      if (next->empty()) break;
      chained = true;
      if (++cnames_ > impl_->config->max_cname_chain) return fail("CNAME chain too long");
      name = *next;
      if (onChain(answer_, name)) return fail("CNAME loop");
      if (qtype_ == type::CNAME) return answered();
    }
    if (chained) {
      // The chain leaves what this response covers: resolve the target from the top.
      keepSignatures();
      name_ = name;
      return startIteration();
    }
    Outcome out;
    out.rcode = static_cast<std::uint8_t>(m.rcode);
    out.answer = answer_;
    for (const auto& rec : m.authority)
      if (rec.type == type::SOA && inBailiwick(rec) && below(name_, rec.owner))
        out.authority.push_back(rec);
    if (out.authority.empty() && !m.authoritative()) {
      // A parent server unaware of DNSSEC refers a DS question to the child; it knows no DS for
      // the cut, and the child's apex has none either: no data (cached briefly, no SOA).
      if (std::any_of(m.authority.begin(), m.authority.end(),
                      [&](const Record& r) { return isDsReferralToName(r); }))
        return complete(std::move(out));
      tried_.push_back(server);  // neither data nor a referral nor a negative proof: lame
      return step();
    }
    keepSignatures();
    out.answer = answer_;
    if (impl_->validating()) {
      for (const Record& r : proofs_) out.authority.push_back(r);
      appendSignatures(m.authority, out.authority, 0, inBailiwick);
    }
    complete(std::move(out));
  }

  // ---- bookkeeping --------------------------------------------------------------------------

  bool charge() {
    if (finished_) return false;
    if (budget_->queries_left <= 0) {
      fail("query budget exhausted");
      return false;
    }
    if (Clock::now() >= budget_->deadline) {
      fail("deadline passed");
      return false;
    }
    --budget_->queries_left;
    return true;
  }

  void fail(const std::string& why) {
    spdlog::debug("resolution of {} {} failed: {}", wire::nameToText(name_), qtype_, why);
    Outcome out;
    out.failed = true;
    out.rcode = rcode::SERVFAIL;
    complete(std::move(out));
  }

  void complete(Outcome out) {
    if (finished_) return;
    finished_ = true;
    auto done = std::move(done_);
    done(std::move(out));
  }

  std::shared_ptr<Impl> impl_;
  std::string name_;
  std::uint16_t qtype_;
  int depth_;
  std::shared_ptr<Budget> budget_;
  std::function<void(Outcome)> done_;
  bool finished_ = false;

  std::vector<Endpoint> forwarders_;
  std::string cut_;
  std::vector<Endpoint> servers_;
  std::vector<Endpoint> tried_;
  std::vector<std::string> glueless_;
  int fanout_used_ = 0;
  int referrals_ = 0;
  int cnames_ = 0;
  bool minimise_ = true;
  bool sent_minimised_ = false;
  std::size_t minimised_labels_ = 1;
  std::vector<Record> answer_;  // CNAMEs collected so far
  std::vector<Record> proofs_;  // validation: NSEC/NSEC3 records and RRSIGs of every hop
};

void Resolver::Impl::start(const Key& key) {
  auto budget = std::make_shared<Budget>(
      Budget{config->max_queries, Clock::now() + config->resolution_timeout});
  auto self = shared_from_this();
  auto task = std::make_shared<Task>(self, std::get<1>(key), std::get<2>(key), 0, budget,
                                     [self, key](Outcome o) { self->finish(key, std::move(o)); });
  // The deadline also bounds a resolution whose upstreams keep it waiting.
  auto timer = std::make_shared<boost::asio::steady_timer>(io, config->resolution_timeout);
  std::weak_ptr<Impl> weak = self;
  timer->async_wait([weak, key, timer](const boost::system::error_code& ec) {
    auto impl = weak.lock();
    if (ec || !impl || !impl->in_flight.count(key)) return;
    Outcome o;
    o.failed = true;
    o.rcode = rcode::SERVFAIL;
    impl->finish(key, std::move(o));
  });
  task->run();
}

void Resolver::Impl::rememberDelegation(const std::string& zone, std::vector<Endpoint> servers,
                                        std::uint32_t ttl) {
  // Bounded like the cache: at the limit, forget expired cuts, and if that is not enough, all
  // of them (they are relearnt from the root at the cost of a few queries).
  constexpr std::size_t kMaxDelegations = 10000;
  const auto now = Clock::now();
  if (delegations.size() >= kMaxDelegations) {
    std::erase_if(delegations, [&](const auto& d) { return d.second.expires <= now; });
    if (delegations.size() >= kMaxDelegations) delegations.clear();
  }
  delegations[zone] = {std::move(servers), now + std::chrono::seconds(std::min(ttl, 86400u))};
}

std::vector<Record> Resolver::Impl::stripRebinding(const std::string& qname,
                                                   std::vector<Record> records) const {
  for (const auto& domain : config->rebinding_allow)
    if (below(qname, domain)) return records;
  std::erase_if(records, [&](const Record& r) {
    if (r.type != type::A && r.type != type::AAAA) return false;
    if (!isRebindingAddress(r.rdata)) return false;
    spdlog::warn("rebinding protection: dropped {} {} for {}", wire::nameToText(r.owner),
                 r.type == type::A ? "A" : "AAAA", wire::nameToText(qname));
    return true;
  });
  return records;
}

// Validation's view of one policy of a resolver: fetches go through its cache and coalescing.
class Resolver::Impl::PolicyHost : public ValidationHost {
 public:
  PolicyHost(std::shared_ptr<Resolver::Impl> impl, std::uint32_t policy)
      : impl_(std::move(impl)), policy_(policy) {}
  void fetch(const std::string& name, std::uint16_t qtype,
             std::function<void(std::shared_ptr<const CacheEntry>)> done) override;
  bool knownInsecure(const std::string& name) const override;
  void rememberInsecure(const std::string& zone, std::uint32_t ttl) override;

 private:
  std::shared_ptr<Resolver::Impl> impl_;
  std::uint32_t policy_;
};

void Resolver::Impl::PolicyHost::fetch(
    const std::string& name, std::uint16_t qtype,
    std::function<void(std::shared_ptr<const CacheEntry>)> done) {
  impl_->resolve(policy_, name, qtype,
                 [done = std::move(done)](std::shared_ptr<const CacheEntry> entry,
                                          Resolver::Origin) { done(std::move(entry)); });
}

bool Resolver::Impl::PolicyHost::knownInsecure(const std::string& name) const {
  const auto now = Clock::now();
  for (std::string z = name;; z = parentOf(z)) {
    auto it = impl_->insecure_zones.find({policy_, z});
    if (it != impl_->insecure_zones.end() && it->second > now) return true;
    if (z.size() <= 1) return false;
  }
}

void Resolver::Impl::PolicyHost::rememberInsecure(const std::string& zone, std::uint32_t ttl) {
  constexpr std::size_t kMaxInsecureZones = 10000;  // bounded like the delegations
  const auto now = Clock::now();
  auto& zones = impl_->insecure_zones;
  if (zones.size() >= kMaxInsecureZones) {
    std::erase_if(zones, [&](const auto& z) { return z.second <= now; });
    if (zones.size() >= kMaxInsecureZones) zones.clear();
  }
  zones[{policy_, zone}] = now + std::chrono::seconds(std::min(ttl, 86400u));
}

void Resolver::Impl::finish(const Key& key, Outcome outcome) {
  if (!in_flight.count(key)) return;  // already answered (deadline or the task)
  if (outcome.failed || !validating()) return store(key, std::move(outcome), nullptr);
  // Validated before it is cached or answered, so a cache hit never repeats the work.
  const auto& [policy, qname, qtype] = key;
  ValidationInput input;
  input.qname = qname;
  input.qtype = qtype;
  input.rcode = outcome.rcode;
  input.answer = outcome.answer;
  input.authority = outcome.authority;
  ValidationSettings settings;
  settings.anchors = config->trust_anchors;
  settings.clock_skew = config->clock_skew;
  settings.signature_checks = config->max_signature_checks;
  settings.denial.max_nsec3_iterations = config->max_nsec3_iterations;
  auto self = shared_from_this();
  auto shared_outcome = std::make_shared<Outcome>(std::move(outcome));
  under_validation.insert(key);
  validateOutcome(std::make_shared<PolicyHost>(self, policy), settings, std::move(input),
                  [self, key, shared_outcome](ValidationResult result) {
                    self->under_validation.erase(key);
                    self->store(key, std::move(*shared_outcome), &result);
                  });
}

void Resolver::Impl::store(const Key& key, Outcome outcome, const ValidationResult* validation) {
  auto it = in_flight.find(key);
  std::vector<Callback> callbacks;
  if (it != in_flight.end()) {
    callbacks = std::move(it->second);
    in_flight.erase(it);
  } else if (!validation) {
    return;  // already answered, and nothing validated worth keeping
  }
  stats.in_flight.store(in_flight.size(), std::memory_order_relaxed);
  const auto& [policy, qname, qtype] = key;
  const auto now = Clock::now();
  if (outcome.failed && config->serve_stale) {
    CacheLookup stale = cache->lookup(policy, qname, qtype, now, true);
    if (stale.state != CacheLookup::State::kMiss) {
      const bool expired = stale.state == CacheLookup::State::kStale;
      if (expired) stats.stale_answers.add(callbacks.size());
      for (auto& cb : callbacks) cb(stale.entry, expired ? Origin::kStale : Origin::kCache);
      return;
    }
  }
  for (auto* section : {&outcome.answer, &outcome.authority})
    for (auto& record : *section) lowercaseRdataNames(record);
  auto entry = std::make_shared<CacheEntry>();
  entry->rcode = outcome.rcode;
  if (validation) {
    const dnssec::Verdict& v = validation->verdict;
    entry->security = v.security;
    entry->ede = v.ede;
    entry->why = v.why;
    entry->insecure_delegation = validation->insecure_delegation;
    // RFC 4035 5.3.3: no longer than the signatures allow; bogus data only briefly, so a broken
    // zone is not asked again for every query but a repaired one is seen soon.
    const std::uint32_t cap = v.security == dnssec::Security::kBogus    ? config->bogus_ttl
                              : v.security == dnssec::Security::kSecure ? validation->ttl_cap
                                                                        : UINT32_MAX;
    for (auto* section : {&outcome.answer, &outcome.authority})
      for (auto& record : *section) record.ttl = std::min(record.ttl, cap);
    if (v.security != dnssec::Security::kUnchecked)
      stats.validations[static_cast<std::size_t>(v.security) - 1].add();
    stats.signature_checks.add(static_cast<std::uint64_t>(validation->signature_checks));
    if (validation->signature_limit) stats.signature_limit_hits.add();
    if (validation->nsec3_iteration_limit) stats.nsec3_limit_hits.add();
    if (v.security == dnssec::Security::kBogus)
      spdlog::warn("DNSSEC validation failed for {} type {}: {} (EDE {})", wire::nameToText(qname),
                   qtype, v.why, v.ede);
  }
  entry->answer = stripRebinding(qname, std::move(outcome.answer));
  entry->authority = std::move(outcome.authority);
  entry->stored = now;
  cache->insert(policy, qname, qtype, *entry, now);
  for (auto& cb : callbacks) cb(entry, Origin::kResolved);
}

Resolver::Resolver(boost::asio::io_context& io, std::shared_ptr<const ResolverConfig> config,
                   std::shared_ptr<ResolverCache> cache, std::shared_ptr<ServerSelection> selection)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(cache), std::move(selection))) {
}

Resolver::~Resolver() {
  // Tasks still in flight keep the Impl alive until their handlers are destroyed; dropping the
  // waiters means none of them can call back into an owner that is gone.
  impl_->in_flight.clear();
}

void Resolver::resolve(std::uint32_t policy, const std::string& qname_lower, std::uint16_t qtype,
                       Callback done) {
  impl_->resolve(policy, qname_lower, qtype, std::move(done));
}

void Resolver::Impl::resolve(std::uint32_t policy, const std::string& qname_lower,
                             std::uint16_t qtype, Callback done) {
  const auto now = Clock::now();
  CacheLookup hit = cache->lookup(policy, qname_lower, qtype, now, false);
  if (hit.state == CacheLookup::State::kFresh) {
    if (hit.prefetch && config->prefetch) refresh(policy, qname_lower, qtype);
    return done(hit.entry, Origin::kCache);
  }
  Key key{policy, qname_lower, qtype};
  auto [it, inserted] = in_flight.try_emplace(key);
  it->second.push_back(std::move(done));
  if (inserted) {
    stats.in_flight.store(in_flight.size(), std::memory_order_relaxed);
    start(key);
  }
}

void Resolver::refresh(std::uint32_t policy, const std::string& qname_lower, std::uint16_t qtype) {
  impl_->refresh(policy, qname_lower, qtype);
}

void Resolver::Impl::refresh(std::uint32_t policy, const std::string& qname_lower,
                             std::uint16_t qtype) {
  Key key{policy, qname_lower, qtype};
  if (in_flight.try_emplace(key).second) {  // no waiters: the result only refreshes the cache
    stats.prefetches.add();
    stats.in_flight.store(in_flight.size(), std::memory_order_relaxed);
    start(key);
  }
}

std::size_t Resolver::inFlight() const {
  return impl_->in_flight.size();
}

void Resolver::setUpstreamTap(UpstreamTap* tap) {
  impl_->upstream.setTap(tap);
}

const ResolverStats& Resolver::stats() const {
  return impl_->stats;
}

}  // namespace horizon::resolver
