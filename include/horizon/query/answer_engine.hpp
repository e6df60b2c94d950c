// The data-plane entry point: one query packet in, one response packet out. No locks, no
// allocation, no exceptions (server/README.md, "A query").
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "horizon/edns/edns_responder.hpp"
#include "horizon/ip/prefix.hpp"
#include "horizon/query/compiled_zone.hpp"
#include "horizon/stats/query_counters.hpp"
#include "horizon/tsig/tsig.hpp"
#include "horizon/wire/message.hpp"

namespace horizon::query {

enum class Transport : std::uint8_t { kUdp, kTcp };

/// Set by answerQuery when the answer must come from recursion: the name is outside our zones
/// and the client's view may recurse. The caller then answers from the resolver.
struct RecursionRequest {
  bool needed = false;
  std::uint32_t policy = 0;  // the resolution policy (view) whose cache entries apply
  std::size_t limit = 0;     // the most bytes the client accepts in the response
  wire::ParsedQuery query;
  edns::ResponseOptions options;  // the EDNS options the answer carries (NSID, cookie)
};

/// What answerQuery decided, for the statistics and the query log. For a question handed to
/// recursion, `source` is kRecursion and the caller finds out later where the answer came from.
struct AnswerSummary {
  bool answered = false;  // false: not a query, nothing written, nothing to count but a drop
  std::uint16_t view = stats::kNoView;  // the view's label id (its recursion view for recursion)
  stats::Source source = stats::Source::kError;
  std::uint16_t qtype = 0;
  std::uint16_t rcode = 0;    // the (extended) rcode written
  bool cookie_valid = false;  // the query carried a valid server cookie: its address is proven
  const CompiledView* answering_view =
      nullptr;  // the view that answered or recurses; nullptr: none did
};

/// Server-wide answering settings beyond the zones.
struct ProtocolOptions {
  const edns::EdnsResponder* edns = nullptr;  // NSID, cookies, CH identity; nullptr: none
  const tsig::Keyring* tsig_keys = nullptr;   // nullptr: no keys, so signed queries get BADKEY
};

/// Writes the response to `query` from `client` into `out` and returns its size; 0 means send
/// nothing (not a query, or too short to answer) or, when `recursion` is given and its `needed`
/// is set, that the resolver must answer. `summary`, when given, says what was decided. `out` must
/// hold at least 65535 bytes for TCP and at least the largest UDP payload the server accepts (we
/// clamp to 65535 anyway). `protocol`, when given, adds NSID and cookies, answers the CH TXT
/// identity questions and knows TSIG keys; without it responses carry a bare OPT record and
/// signed queries get BADKEY. A validly signed query is answered from our zones only (no
/// recursion) and its answer signed.
std::size_t answerQuery(const Snapshot& snapshot, const ip::ClientAddress& client,
                        std::span<const std::uint8_t> query, std::span<std::uint8_t> out,
                        Transport transport, RecursionRequest* recursion = nullptr,
                        AnswerSummary* summary = nullptr,
                        const ProtocolOptions* protocol = nullptr);

/// Writes REFUSED to a question recursion would have answered but whose query did not ask for
/// recursion (RD=0) and which the cache could not answer, and returns its size.
std::size_t refuseWithoutRecursion(const RecursionRequest& request, std::span<std::uint8_t> out);

/// Size of the response buffer a worker should own.
constexpr std::size_t kMaxResponseSize = 65535;

}  // namespace horizon::query
