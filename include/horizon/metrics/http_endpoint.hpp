// The metrics HTTP endpoint of horizond and `horizon-sync watch`: GET /metrics, /health and
// /ready, and published documents such as Traefik's routes, on a thread of its own, so a slow
// scraper or a hostile client can cost the process one thread and a bounded number of
// descriptors, and never stall the DNS workers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "horizon/metrics/exposition.hpp"
#include "horizon/metrics/http_document.hpp"

namespace horizon::metrics {

/// Where the endpoint listens and what it tolerates from clients.
struct EndpointOptions {
  std::string address = "127.0.0.1";  // an IPv4 or IPv6 literal
  std::uint16_t port = 9153;          // 0: any free port (see HttpEndpoint::port)
  std::size_t max_connections = 32;   // beyond: the new connection gets 503 and is closed
  std::chrono::milliseconds request_timeout{5000};  // to send a request; slower ones are closed
  std::size_t max_header_bytes = 8192;              // beyond: 431
};

/// Serves GET and HEAD of /metrics (text/plain; version=0.0.4, built by `collect` per scrape;
/// 404 when `collect` is empty), /health (200 "ok" while the process serves), /ready (200
/// "ready" while `ready()` is true and shuttingDown() was not called, else 503 "not ready") and
/// the documents given to serve() (ETag, 304 for a matching If-None-Match); other paths 404,
/// other methods 405 with Allow, request bodies refused (413); keep-alive allowed. `collect`
/// and `ready` run on the endpoint's thread; an exception from `collect` becomes a 500.
class HttpEndpoint {
 public:
  /// Nothing is opened until start(); an empty `collect` leaves /metrics out.
  HttpEndpoint(EndpointOptions options, std::function<Families()> collect,
               std::function<bool()> ready);
  /// Stops.
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  /// Binds and listens, then starts the thread. Throws std::runtime_error
  /// "metrics: cannot listen on ADDR:PORT: reason". Called once.
  void start();
  /// Serves the slot's current document at `path` (exact match, query ignored) for GET and HEAD;
  /// called before start(). Throws std::logic_error after start(), std::invalid_argument for a
  /// path without a leading '/' or one the endpoint answers itself, or a null slot.
  void serve(std::string path, std::shared_ptr<DocumentSlot> slot);
  /// Closes the listener and every connection and joins the thread; idempotent. Not to be
  /// called from `collect` or `ready`.
  void stop();
  /// The bound port (the chosen one when the options said 0); 0 before start().
  std::uint16_t port() const;
  /// From now on /ready answers 503, so load balancers drain before the process stops.
  void shuttingDown();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

/// Parses --metrics: "ADDR:PORT", "[IPV6]:PORT", or a bare "PORT" (on 127.0.0.1, private by
/// default). Returns the default options with address and port set; nullopt and *error set when
/// the text is none of these.
std::optional<EndpointOptions> parseMetricsAddress(const std::string& text, std::string* error);

}  // namespace horizon::metrics
