// Recursion glue between the transports and the resolver: the io thread owns the Resolver, so
// prefetches and misses are dispatched to it (run inline when already on it).
#include "recursive_answerer.hpp"

#include <boost/asio/dispatch.hpp>
#include <string>

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
    resolver_.refresh(policy, name, qtype);
  });
}

void RecursiveAnswerer::resolveLater(const query::RecursionRequest& request, Deliver deliver) {
  boost::asio::dispatch(io_, [this, request, deliver = std::move(deliver)]() mutable {
    resolveHere(request, std::move(deliver));
  });
}

void RecursiveAnswerer::resolveHere(const query::RecursionRequest& request, Deliver deliver) {
  const std::string qname(reinterpret_cast<const char*>(request.query.qname_lower),
                          request.query.qname_len);
  auto query = std::make_shared<wire::ParsedQuery>(request.query);
  resolver_.resolve(
      request.policy, qname, request.query.qtype,
      [this, query, limit = request.limit, options = request.options, deliver = std::move(deliver)](
          std::shared_ptr<const resolver::CacheEntry> entry, resolver::Resolver::Origin origin) {
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
