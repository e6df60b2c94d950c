// Recursion glue between the transports and the resolver: the io thread owns the Resolver, so
// prefetches and misses are dispatched to it (run inline when already on it).
#include "recursive_answerer.hpp"

#include <boost/asio/dispatch.hpp>
#include <cstring>
#include <string>

#include "horizon/wire/constants.hpp"

namespace horizon::net {

RecursiveAnswerer::RecursiveAnswerer(boost::asio::io_context& io,
                                     std::shared_ptr<const resolver::ResolverConfig> config,
                                     std::shared_ptr<resolver::ResolverCache> cache,
                                     std::shared_ptr<resolver::ServerSelection> selection)
    : io_(io),
      cache_(cache),
      resolver_(io, std::move(config), cache, std::move(selection)),
      io_front_(*cache),
      resolved_response_(new std::uint8_t[query::kMaxResponseSize]) {}

RecursiveAnswerer::~RecursiveAnswerer() = default;

std::uint32_t RecursiveAnswerer::elapsedSeconds(const resolver::CacheEntry& entry,
                                                resolver::Clock::time_point now) {
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - entry.stored).count();
  return age > 0 ? static_cast<std::uint32_t>(age) : 0;
}

void RecursiveAnswerer::refreshLater(std::uint32_t policy, std::string_view qname,
                                     std::uint16_t qtype) {
  boost::asio::dispatch(io_, [this, policy, name = std::string(qname), qtype] {
    // A refresh is optional: never one past the cap that client questions are held to.
    if (resolver_.inFlight() >= max_waiting_) return;
    resolver_.refresh(policy, name, qtype);
  });
}

// Holds one question's place in the worker's and its client's count while the resolver keeps
// its callback; gives it back when the callback is destroyed (answered or dropped).
class RecursiveAnswerer::WaitingSlot {
 public:
  WaitingSlot(RecursiveAnswerer& owner, ClientKey client) : owner_(owner), client_(client) {
    ++owner_.waiting_;
    ++owner_.waiting_by_client_[client_];
  }
  ~WaitingSlot() {
    --owner_.waiting_;
    auto it = owner_.waiting_by_client_.find(client_);
    if (it != owner_.waiting_by_client_.end() && --it->second == 0)
      owner_.waiting_by_client_.erase(it);
  }
  WaitingSlot(const WaitingSlot&) = delete;
  WaitingSlot& operator=(const WaitingSlot&) = delete;

 private:
  RecursiveAnswerer& owner_;
  ClientKey client_;
};

RecursiveAnswerer::ClientKey RecursiveAnswerer::clientKey(const ip::ClientAddress& client) {
  ClientKey key;
  key.v6 = client.is_v6;
  std::memcpy(&key.prefix, client.bytes.data(), client.is_v6 ? 8 : 4);
  return key;
}

void RecursiveAnswerer::resolveLater(const query::RecursionRequest& request, ClientKey client,
                                     Deliver deliver) {
  boost::asio::dispatch(io_, [this, request, client, deliver = std::move(deliver)]() mutable {
    resolveHere(request, client, std::move(deliver));
  });
}

void RecursiveAnswerer::answerServfail(const query::RecursionRequest& request,
                                       const Deliver& deliver) {
  static const resolver::CacheEntry servfail = [] {
    resolver::CacheEntry e;
    e.rcode = wire::rcode::SERVFAIL;
    return e;
  }();
  const std::size_t size =
      resolver::renderFromCache(servfail, request.query, 0, false, 0,
                                std::span(resolved_response_.get(), query::kMaxResponseSize),
                                request.limit, request.options.view());
  if (size > 0)
    deliver(std::span<const std::uint8_t>(resolved_response_.get(), size), stats::Source::kError,
            request.query);
}

void RecursiveAnswerer::resolveHere(const query::RecursionRequest& request, ClientKey client,
                                    Deliver deliver) {
  if (waiting_ >= max_waiting_) {
    refused_worker_.add();
    return answerServfail(request, deliver);
  }
  if (const auto it = waiting_by_client_.find(client);
      it != waiting_by_client_.end() && it->second >= max_waiting_per_client_) {
    refused_client_.add();
    return answerServfail(request, deliver);
  }
  const std::string qname(reinterpret_cast<const char*>(request.query.qname_lower),
                          request.query.qname_len);
  auto query = std::make_shared<wire::ParsedQuery>(request.query);
  auto slot = std::make_shared<WaitingSlot>(*this, client);
  resolver_.resolve(
      request.policy, qname, request.query.qtype,
      [this, query, slot, limit = request.limit, options = request.options,
       deliver = std::move(deliver)](std::shared_ptr<const resolver::CacheEntry> entry,
                                     resolver::Resolver::Origin origin) {
        const bool stale = origin == resolver::Resolver::Origin::kStale;
        const std::size_t size = resolver::renderFromCache(
            *entry, *query, stale ? 0 : elapsedSeconds(*entry, resolver::Clock::now()), stale,
            cache_->limits().stale_answer_ttl,
            std::span(resolved_response_.get(), query::kMaxResponseSize), limit, options.view());
        const stats::Source source = stale ? stats::Source::kStale
                                     : origin == resolver::Resolver::Origin::kCache
                                         ? stats::Source::kCache
                                         : stats::Source::kRecursion;
        if (size > 0)
          deliver(std::span<const std::uint8_t>(resolved_response_.get(), size), source, *query);
      });
}

}  // namespace horizon::net
