// The network front end: binds every listen address for every worker, starts and stops them.
// The transports are files of their own: udp_listener (a thread per socket, recvmmsg batches),
// tcp_listener and tcp_connection (on the worker's io thread, RFC 7766); worker.hpp says what a
// worker owns, and recursive_answerer how every transport hands a question to recursion.
//
// Each worker has its own SO_REUSEPORT socket per listen address, so the kernel spreads datagrams
// over the workers and no state is shared between them. When there are as many workers as CPUs
// this process may use (the default), each worker's UDP threads are pinned to one CPU and a BPF
// program hands each datagram to the worker on the CPU that received it (cpu_steering.hpp): the
// thread woken for a query is already on that CPU, which saves a wake-up across CPUs per query on
// the way in and on the way out, most of what a lightly loaded server spends.
#include "horizon/net/server.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "cpu_steering.hpp"
#include "horizon/dnssec/clock_check.hpp"
#include "horizon/edns/edns_responder.hpp"
#include "horizon/resolver/resolver.hpp"
#include "horizon/version.hpp"
#include "horizon/wire/presentation.hpp"
#include "port_probe.hpp"
#include "tcp_connection.hpp"
#include "tcp_listener.hpp"
#include "tls_credentials.hpp"
#include "udp_listener.hpp"
#include "udp_socket.hpp"
#include "upstream_dnstap.hpp"
#include "worker.hpp"

namespace horizon::net {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using Udp = asio::ip::udp;
using Tcp = asio::ip::tcp;

constexpr int kPortAttempts = 16;  // port 0: tries to find a port free for UDP and TCP
// How often the certificate files are checked for a rotation.
constexpr auto kCertificateCheckInterval = std::chrono::seconds(2);

std::string endpointText(const asio::ip::address& address, std::uint16_t port) {
  if (address.is_v6()) return "[" + address.to_string() + "]:" + std::to_string(port);
  return address.to_string() + ":" + std::to_string(port);
}

}  // namespace

struct Server::Impl {
  config::ServerConfig config;
  std::shared_ptr<resolver::ResolverCache> cache;
  std::shared_ptr<resolver::ServerSelection> selection;
  std::shared_ptr<const resolver::ResolverConfig> resolver_config;
  std::shared_ptr<query::SnapshotHolder> snapshots;
  std::unique_ptr<dnstap::Writer> dnstap;                 // outlives the workers that write to it
  std::unique_ptr<edns::EdnsResponder> edns;              // outlives the workers that read it
  std::unique_ptr<tsig::Keyring> tsig_keys;               // likewise
  std::unique_ptr<asio::steady_timer> cookie_rotation;    // on the first worker's io thread
  std::shared_ptr<TlsCredentials> dot_credentials;        // null without --listen-tls
  std::shared_ptr<TlsCredentials> https_credentials;      // null without --listen-https
  std::unique_ptr<asio::steady_timer> certificate_check;  // on the first worker's io thread
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::uint16_t> ports;
  std::vector<int> claims;  // one per listen address with a port: see claimListenAddress
  DescriptorBudget budget;
  std::vector<int> cpus;  // the CPUs this process may use
  bool steering = false;  // datagrams go to the worker on the CPU that received them
  bool bound = false;
  bool started = false;
  bool stopped = false;
  // Held while `workers` is read by statistics() or emptied by stop(): a scrape runs on another
  // thread and must not read a worker that is being destroyed.
  mutable std::mutex workers_mutex;

  // One worker per CPU this process may use (its affinity mask, which a container's cpuset
  // narrows), unless configured.
  unsigned workerCount() const {
    if (config.workers != 0) return config.workers;
    if (!cpus.empty()) return static_cast<unsigned>(cpus.size());
    return std::max(1u, std::thread::hardware_concurrency());
  }

  // Binds `listen` for TCP on every worker as a TLS listener with `credentials`.
  void bindEncrypted(const config::ListenAddress& listen, StreamService service,
                     const std::shared_ptr<TlsCredentials>& credentials, const char* what);

  // Checks the certificate files now and then; a rotation reaches new connections only.
  void checkCertificatesLater();

  void stopSteering(const char* why) {
    spdlog::warn("not keeping datagrams on the CPU that received them: {}", why);
    steering = false;
    // Any socket of a group stands for the group: the first worker's, one per listen address.
    for (auto& listener : workers.front()->udp) detachSteering(listener->fd());
    for (auto& w : workers) w->cpu = -1;
  }
};

// A random cookie secret is replaced every hour, the time a server cookie stays valid (RFC 9018
// 4.3), and the one before kept: a cookie made just before a rotation stays good until it expires.
static void rotateCookieSecretLater(asio::steady_timer& timer, edns::EdnsResponder& edns) {
  timer.expires_after(std::chrono::hours(1));
  timer.async_wait([&timer, &edns](const error_code& ec) {
    if (ec) return;
    edns.rotateCookieSecret();
    rotateCookieSecretLater(timer, edns);
  });
}

void Server::Impl::bindEncrypted(const config::ListenAddress& listen, StreamService service,
                                 const std::shared_ptr<TlsCredentials>& credentials,
                                 const char* what) {
  error_code ec;
  const auto address = asio::ip::make_address(listen.host, ec);
  if (ec) throw std::runtime_error("listen address '" + listen.host + "' is not an IP address");
  if (listen.port == 0)
    throw std::runtime_error(std::string(what) + " listen address " + endpointText(address, 0) +
                             ": give a port");
  std::string why;
  const int claim = claimListenAddress(address, listen.port, &why);
  if (claim == -1)
    throw std::runtime_error("cannot listen on " + endpointText(address, listen.port) + ": " + why +
                             "; horizond does not share a port");
  if (claim >= 0) claims.push_back(claim);
  for (auto& w : workers) {
    auto acceptor = openTcpAcceptor(w->io, Tcp::endpoint(address, listen.port), ec);
    if (!acceptor)
      throw std::runtime_error(std::string("cannot listen on ") + what + " " +
                               endpointText(address, listen.port) + ": " + ec.message());
    w->tcp.push_back(std::make_unique<TcpListener>(*w, std::move(*acceptor), service, credentials));
  }
  spdlog::info("{} on {}", what, endpointText(address, listen.port));
}

void Server::Impl::checkCertificatesLater() {
  certificate_check->expires_after(kCertificateCheckInterval);
  certificate_check->async_wait([this](const error_code& ec) {
    if (ec) return;
    for (const auto& credentials : {dot_credentials, https_credentials}) {
      if (!credentials) continue;
      std::string error;
      if (credentials->reloadIfChanged(&error)) {
        spdlog::info("TLS certificate {} reloaded; new connections use it",
                     credentials->certFile());
      } else if (!error.empty()) {
        spdlog::error("TLS certificate not reloaded, the previous one stays in use: {}", error);
      }
    }
    checkCertificatesLater();
  });
}

Server::Server(config::ServerConfig config, std::shared_ptr<query::SnapshotHolder> snapshots)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->snapshots = std::move(snapshots);
}

Server::~Server() {
  stop();
  for (const int claim : impl_->claims) ::close(claim);
}

void Server::bind() {
  Impl& s = *impl_;
  if (s.bound) throw std::logic_error("Server::bind called twice");
  s.cpus = allowedCpus();
  const unsigned count = s.workerCount();
  // Steering needs one worker per CPU; with fewer or more, the kernel's hash spreads datagrams.
  s.steering = s.config.cpu_affinity && count > 1 && s.cpus.size() == count;
  // One dnstap queue per thread that answers: each worker's io thread and its UDP threads.
  const unsigned queues_per_worker = 1 + static_cast<unsigned>(s.config.listen.size());
  if (!s.config.dnstap.empty()) {
    std::string error;
    char host[256] = "horizond";
    ::gethostname(host, sizeof host - 1);
    s.dnstap = dnstap::Writer::open(s.config.dnstap, count * queues_per_worker, host,
                                    kVersionString, &error);
    if (!s.dnstap) throw std::runtime_error("dnstap: " + error);
  }
  s.budget = planDescriptors(
      currentDescriptorLimit(), count,
      s.config.listen.size() + s.config.listen_tls.size() + s.config.listen_https.size(),
      s.config.max_tcp_connections);
  // Split the connection cap over the workers, at least one each.
  const std::size_t tcp_cap = s.budget.tcp_connections;
  for (unsigned i = 0; i < count; ++i) {
    std::size_t share = tcp_cap / count + (i < tcp_cap % count ? 1 : 0);
    s.workers.push_back(std::make_unique<Worker>(
        i, s.config, *s.snapshots, std::max<std::size_t>(1, share), s.steering ? s.cpus[i] : -1,
        s.dnstap.get(), i * queues_per_worker));
  }
  std::string why;
  auto resolver_config = config::buildResolverConfig(s.config, &why);
  if (!resolver_config) throw std::runtime_error(why);
  s.resolver_config = std::make_shared<const resolver::ResolverConfig>(std::move(*resolver_config));
  if (const auto& anchors = s.resolver_config->trust_anchors) {
    std::string zones;
    for (const auto& a : anchors->anchors())
      zones += (zones.empty() ? "" : ", ") + wire::nameToText(a.zone);
    spdlog::info("DNSSEC validation on: trust anchors for {}{}", zones,
                 anchors->negatives().empty()
                     ? std::string()
                     : ", " + std::to_string(anchors->negatives().size()) + " insecure domain(s)");
    if (const std::string why = dnssec::implausibleClock(std::time(nullptr)); !why.empty())
      spdlog::warn("{}", why);
  } else {
    spdlog::info("DNSSEC validation off (--no-dnssec)");
  }
  resolver::CacheLimits limits;
  limits.max_entries = s.config.cache_max_entries;
  limits.max_bytes = s.config.cache_max_bytes;
  s.cache = std::make_shared<resolver::ResolverCache>(limits);
  s.selection = std::make_shared<resolver::ServerSelection>();
  s.edns = std::make_unique<edns::EdnsResponder>(config::buildEdnsSettings(s.config));
  s.tsig_keys = std::make_unique<tsig::Keyring>(config::buildTsigKeys(s.config));
  std::vector<ip::Prefix> trusted_proxies;
  for (const auto& text : s.config.trusted_proxies) {
    std::string why;
    const auto prefix = ip::parsePrefix(text, &why);
    if (!prefix) throw std::runtime_error("trusted proxy '" + text + "': " + why);
    trusted_proxies.push_back(*prefix);
  }
  for (auto& w : s.workers) {
    w->trusted_proxies = trusted_proxies;
    w->protocol = {s.edns.get(), s.tsig_keys.get()};
    w->recursion =
        std::make_unique<RecursiveAnswerer>(w->io, s.resolver_config, s.cache, s.selection);
    w->recursion->setInFlightLimits(
        std::max<std::size_t>(1,
                              s.budget.in_flight / count + (w->index < s.budget.in_flight % count)),
        s.budget.in_flight_per_client);
    if (s.dnstap) {
      w->upstream_tap = std::make_unique<UpstreamDnstap>(*s.dnstap, w->dnstap_queue);
      w->recursion->setUpstreamTap(w->upstream_tap.get());
    }
  }

  // Every address is probed before any is bound, so that our own sockets (two listen addresses
  // may overlap, such as 0.0.0.0 and 127.0.0.1) are never mistaken for another process's.
  for (const auto& listen : s.config.listen) {
    error_code ec;
    const auto address = asio::ip::make_address(listen.host, ec);
    if (ec) throw std::runtime_error("listen address '" + listen.host + "' is not an IP address");
    std::string protocol, why;
    // Claimed first, so of two horizonds starting together the second stops here.
    const int claim = claimListenAddress(address, listen.port, &why);
    if (claim == -1)
      throw std::runtime_error("cannot listen on " + endpointText(address, listen.port) + ": " +
                               why + "; horizond does not share a port");
    if (claim >= 0) s.claims.push_back(claim);
    if (why = probeListenAddress(address, listen.port, &protocol); !why.empty())
      throw std::runtime_error("cannot listen on " + protocol + " " +
                               endpointText(address, listen.port) +
                               ": another process already serves this address and port (" + why +
                               "); is another horizond running? horizond does not share a port");
  }
  for (const auto& listen : s.config.listen) {
    error_code ec;
    const auto address = asio::ip::make_address(listen.host, ec);
    if (ec) throw std::runtime_error("listen address '" + listen.host + "' is not an IP address");
    const bool wildcard = address.is_unspecified();
    auto fail = [&](const char* proto, std::uint16_t port, const error_code& why) {
      return std::runtime_error(std::string("cannot listen on ") + proto + " " +
                                endpointText(address, port) + ": " + why.message());
    };

    std::uint16_t port = listen.port;
    Worker& first = *s.workers.front();
    UdpSocket udp(-1);
    std::optional<Tcp::acceptor> tcp;
    if (port == 0) {
      // Let the kernel pick a free UDP port, then claim the same port for TCP; another process
      // may hold it for TCP, so try again with a new port a few times.
      for (int attempt = 0; attempt < kPortAttempts && !tcp; ++attempt) {
        udp = openUdpSocket(Udp::endpoint(address, 0), wildcard, ec);
        if (udp.fd() < 0) throw fail("UDP", 0, ec);
        port = boundPort(udp, ec);
        if (ec) throw fail("UDP", 0, ec);
        tcp = openTcpAcceptor(first.io, Tcp::endpoint(address, port), ec);
        if (!tcp) udp = UdpSocket(-1);
      }
      if (!tcp) throw fail("TCP", port, ec);
    } else {
      udp = openUdpSocket(Udp::endpoint(address, port), wildcard, ec);
      if (udp.fd() < 0) throw fail("UDP", port, ec);
      tcp = openTcpAcceptor(first.io, Tcp::endpoint(address, port), ec);
      if (!tcp) throw fail("TCP", port, ec);
    }
    first.udp.push_back(std::make_unique<UdpListener>(first, std::move(udp), wildcard));
    first.tcp.push_back(std::make_unique<TcpListener>(first, std::move(*tcp), StreamService::kDns));

    for (std::size_t i = 1; i < s.workers.size(); ++i) {
      Worker& w = *s.workers[i];
      auto more_udp = openUdpSocket(Udp::endpoint(address, port), wildcard, ec);
      if (more_udp.fd() < 0) throw fail("UDP", port, ec);
      auto more_tcp = openTcpAcceptor(w.io, Tcp::endpoint(address, port), ec);
      if (!more_tcp) throw fail("TCP", port, ec);
      w.udp.push_back(std::make_unique<UdpListener>(w, std::move(more_udp), wildcard));
      w.tcp.push_back(std::make_unique<TcpListener>(w, std::move(*more_tcp), StreamService::kDns));
    }
    // The group numbers its sockets in bind order: worker i's socket is number i.
    if (s.steering && !attachSteering(first.udp.back()->fd(), s.cpus)) {
      s.stopSteering(std::strerror(errno));
    }
    s.ports.push_back(port);
  }
  if (!s.config.listen_tls.empty()) {
    s.dot_credentials =
        std::make_shared<TlsCredentials>(s.config.tls_cert, s.config.tls_key, TlsService::kDot);
    for (const auto& listen : s.config.listen_tls)
      s.bindEncrypted(listen, StreamService::kDot, s.dot_credentials, "DNS over TLS");
  }
  if (!s.config.listen_https.empty()) {
    s.https_credentials =
        std::make_shared<TlsCredentials>(s.config.tls_cert, s.config.tls_key, TlsService::kHttps);
    for (const auto& listen : s.config.listen_https)
      s.bindEncrypted(listen, StreamService::kDoh, s.https_credentials, "DNS over HTTPS");
  }
  if (s.steering) {
    spdlog::debug("{} workers, UDP threads pinned to CPUs {}..{}; datagrams stay on their CPU",
                  count, s.cpus.front(), s.cpus.back());
  }
  s.bound = true;
}

void Server::start() {
  Impl& s = *impl_;
  if (!s.bound) throw std::logic_error("Server::start called before bind");
  if (s.started) return;
  s.started = true;
  for (auto& worker : s.workers) {
    Worker* w = worker.get();
    // The first operations are started on the worker's own thread, like every later one, so
    // each Asio socket is only ever touched by one thread (see the io_context's concurrency hint).
    asio::post(w->io, [w] {
      for (auto& listener : w->tcp) listener->start();
    });
    w->thread = std::thread([w] { w->run(); });
    for (auto& listener : w->udp) listener->start();
  }
  s.cookie_rotation = std::make_unique<asio::steady_timer>(s.workers.front()->io);
  rotateCookieSecretLater(*s.cookie_rotation, *s.edns);
  if (s.dot_credentials || s.https_credentials) {
    s.certificate_check = std::make_unique<asio::steady_timer>(s.workers.front()->io);
    asio::post(s.workers.front()->io, [&s] { s.checkCertificatesLater(); });
  }
}

void Server::stop() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  for (auto& worker : s.workers) {
    for (auto& listener : worker->udp) listener->requestStop();
    worker->io.stop();
  }
  for (auto& worker : s.workers) {
    for (auto& listener : worker->udp) listener->join();
    if (worker->thread.joinable()) worker->thread.join();
  }
  s.cookie_rotation.reset();  // before the io_context it was made on
  s.certificate_check.reset();
  // Closing the sockets now (rather than at destruction) frees the ports as stop() promises.
  const std::lock_guard lock(s.workers_mutex);
  s.workers.clear();
  s.dnstap.reset();  // flushes what the workers queued
}

std::vector<std::uint16_t> Server::boundPorts() const {
  return impl_->ports;
}

unsigned Server::workerCount() const {
  return static_cast<unsigned>(impl_->workers.size());
}

DescriptorBudget Server::descriptorBudget() const {
  return impl_->budget;
}

void Server::statistics(ServerStatistics& out) const {
  const Impl& s = *impl_;
  const std::lock_guard lock(s.workers_mutex);
  if (s.cache) {
    out.cache_entries = s.cache->entryCount();
    out.cache_bytes = s.cache->byteCount();
    out.cache_max_bytes = s.cache->limits().max_bytes;
    out.cache_evictions = s.cache->evictionCount();
  }
  for (const auto& credentials : {s.dot_credentials, s.https_credentials})
    if (credentials) out.tls_certificate_expiry = credentials->expiry();
  // Upstreams are merged by address over the workers; past the cap they join "other".
  UpstreamTotals other;
  other.label = "other";
  const auto accumulate = [](UpstreamTotals& t, const resolver::UpstreamCounters& c) {
    t.queries += c.queries.get();
    t.timeouts += c.timeouts.get();
    t.network_errors += c.network_errors.get();
    t.malformed += c.malformed.get();
    t.rtt.add(c.rtt);
  };
  const auto addUpstream = [&](const std::string& label, const resolver::UpstreamCounters& c) {
    for (auto& u : out.upstreams)
      if (u.label == label) return accumulate(u, c);
    if (out.upstreams.size() < resolver::UpstreamTable::kMaxUpstreams) {
      out.upstreams.emplace_back().label = label;
      return accumulate(out.upstreams.back(), c);
    }
    accumulate(other, c);
  };
  for (const auto& w : s.workers) {
    if (const auto* c = w->observer.counters()) out.queries.add(*c);
    for (const auto& listener : w->udp)
      if (const auto* c = listener->counters()) out.queries.add(*c);
    out.tcp_open += w->tcp_open.load(std::memory_order_relaxed);
    out.tcp_accepted += w->tcp_accepted.get();
    out.tcp_evicted += w->tcp_evicted.get();
    out.tls_handshakes += w->tls_handshakes.get();
    out.tls_handshake_failures += w->tls_handshake_failures.get();
    if (!w->recursion) continue;
    const resolver::ResolverStats& r = w->recursion->resolverStats();
    out.prefetches += r.prefetches.get();
    out.stale_answers += r.stale_answers.get();
    for (std::size_t i = 0; i < out.validations.size(); ++i)
      out.validations[i] += r.validations[i].get();
    out.signature_checks += r.signature_checks.get();
    out.signature_limit_hits += r.signature_limit_hits.get();
    out.nsec3_limit_hits += r.nsec3_limit_hits.get();
    out.resolutions_refused_worker += w->recursion->refusedForWorker();
    out.resolutions_refused_client += w->recursion->refusedForClient();
    out.resolutions_in_flight += r.in_flight.load(std::memory_order_relaxed);
    const std::size_t used = r.upstreams.size();
    for (std::size_t i = 0; i < used; ++i)
      addUpstream(r.upstreams.label(i), r.upstreams.counters(i));
    accumulate(other, r.upstreams.other());
  }
  if (s.dnstap) {
    out.dnstap_written = s.dnstap->written();
    out.dnstap_dropped = s.dnstap->dropped();
  }
  // "other" is listed only when something was folded into it.
  if (other.queries > 0) out.upstreams.push_back(std::move(other));
}

}  // namespace horizon::net
