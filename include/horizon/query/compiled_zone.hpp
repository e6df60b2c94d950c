// A Snapshot is the immutable, query-ready form of the loaded zones: per view a hash table of
// names whose answers were rendered to wire format at load time. Built on the control plane;
// read without locks on the data plane.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "horizon/ip/prefix.hpp"
#include "horizon/query/prefix_table.hpp"
#include "horizon/zone/zone.hpp"

namespace horizon::query {

/// A compression pointer inside a rendered answer. Its target depends on the length of the
/// client's question name, so it is written at answer time.
struct Relocation {
  std::uint16_t position;  // offset of the pointer in the answer's bytes
  std::int16_t delta;      // target, from the end of the question name (negative: inside it)

  /// Field by field.
  friend bool operator==(const Relocation&, const Relocation&) = default;
};

/// A pre-rendered answer: the sections after the question. Its bytes and relocations live in the
/// arenas of its CompiledView, so the record itself is small and holds no heap memory.
struct RenderedAnswer {
  std::uint32_t bytes_offset = 0;        // first octet in CompiledView::answer_bytes
  std::uint32_t relocations_offset = 0;  // first entry in CompiledView::relocations
  std::uint16_t bytes_size = 0;
  std::uint16_t relocations_count = 0;
  std::uint16_t ancount = 0, nscount = 0;
  std::uint8_t rcode = 0;
};

/// The answer a name gives to one query type, when it is not the name's default answer.
struct TypedAnswer {
  std::uint16_t qtype;
  std::uint32_t answer;  // index into CompiledView::answers
};

/// One owner name or empty non-terminal of a view. Its name and typed answers live in the arenas
/// of its CompiledView.
struct NameNode {
  std::uint32_t name_offset = 0;     // lowercase wire name in CompiledView::names
  std::uint32_t typed_offset = 0;    // first entry in CompiledView::typed; sorted by qtype
  std::uint32_t default_answer = 0;  // for every query type without a typed answer
  std::uint16_t typed_count = 0;
  std::uint8_t name_size = 0;
  bool is_wildcard = false;
};

/// One view of one zone, ready for lookup. Everything is in a few flat arrays ("arenas") that
/// the small records above index into; identical answers are stored once.
struct CompiledView {
  std::string name;
  std::vector<NameNode> nodes;
  std::vector<std::uint8_t> names;  // every node's lowercase wire name, back to back
  std::vector<TypedAnswer> typed;
  std::vector<RenderedAnswer> answers;
  std::vector<std::uint8_t> answer_bytes;
  std::vector<Relocation> relocations;
  std::uint32_t nxdomain_answer = 0;
  std::vector<std::uint32_t> table;  // open-addressing hash table of node index + 1; 0 = empty
  std::size_t record_count = 0;
  bool recursion = false;  // its clients may resolve names outside our zones
  // A file's `recursion:` list leaves this view's name out: its clients never recurse, whatever
  // another zone's view of them allows.
  bool recursion_refused = false;
  std::uint32_t policy = 0;  // resolver cache partition: one per distinct view name
  std::uint16_t label = 0;   // its metric label id (stats/view_labels.hpp), stable by name
  zone::RateLimitSettings rate_limit;  // what its UDP answers are limited to (resolved defaults)
  std::uint64_t rate_limit_scope = 0;  // tells this zone's view apart in the limiter's keys

  /// Finds a node by lowercase wire name; nullptr when absent. Allocation-free.
  const NameNode* find(const std::uint8_t* name, std::size_t len) const;
  /// The answer `node` gives to `qtype`. Allocation-free.
  const RenderedAnswer& answerFor(const NameNode& node, std::uint16_t qtype) const;
  /// The node's lowercase wire name.
  std::string_view nameOf(const NameNode& node) const {
    return {reinterpret_cast<const char*>(names.data()) + node.name_offset, node.name_size};
  }
  /// The node's typed answers, sorted by qtype.
  std::span<const TypedAnswer> typedOf(const NameNode& node) const {
    return {typed.data() + node.typed_offset, node.typed_count};
  }
  /// The records of an answer, as they follow the question.
  std::span<const std::uint8_t> bytesOf(const RenderedAnswer& answer) const {
    return {answer_bytes.data() + answer.bytes_offset, answer.bytes_size};
  }
  /// The compression pointers of an answer that depend on the question name.
  std::span<const Relocation> relocationsOf(const RenderedAnswer& answer) const {
    return {relocations.data() + answer.relocations_offset, answer.relocations_count};
  }
  /// Heap and inline bytes this view holds (capacities, not sizes).
  std::size_t memoryBytes() const;
};

/// One zone: its views and the prefix table that picks a view for a client.
struct CompiledZone {
  std::string origin;  // lowercase wire
  std::string origin_text;
  std::uint32_t serial = 0;
  std::vector<CompiledView> views;
  struct PrefixEntry {
    ip::Prefix prefix;
    std::uint32_t view;
  };
  std::vector<PrefixEntry> prefixes;  // most specific first
  PrefixTable view_of;                // the same prefixes, for selectView

  /// The view for a client (longest matching prefix), or nullptr when no prefix matches. Its cost
  /// does not grow with the number of views. Allocation-free.
  const CompiledView* selectView(const ip::ClientAddress& client) const;
};

/// Everything the data plane answers from; immutable once built.
struct Snapshot {
  std::vector<CompiledZone> zones;

  /// The zone whose origin is the longest suffix of `qname_lower`, or nullptr.
  const CompiledZone* findZone(const std::uint8_t* qname_lower, std::size_t len) const;
  /// For a name outside every zone: the first zone (in load order) that puts the client in a
  /// view allowed to recurse gives that view; nullptr when none does, or when any zone puts the
  /// client in a view whose recursion a file refused explicitly. Allocation-free.
  const CompiledView* recursionView(const ip::ClientAddress& client) const;
  /// For an answer no view gave (an error, a name outside every zone): the client's recursion
  /// view when it has one, else its view in the first zone (in load order) that has one for it;
  /// nullptr when no zone does.
  const CompiledView* anyViewOf(const ip::ClientAddress& client) const;
  /// Heap and inline bytes of the whole snapshot (capacities, not sizes).
  std::size_t memoryBytes() const;
};

/// Compiles loaded zones into a snapshot: builds the name tables and renders every answer.
/// Throws std::runtime_error when an answer cannot be represented (e.g. an RRset over 64 KiB).
/// When `previous` is given, views keep the resolver cache partition (policy) that their name had
/// there, so a reload never hands one view's cached answers to another.
std::shared_ptr<const Snapshot> compileSnapshot(const std::vector<zone::Zone>& zones,
                                                const Snapshot* previous = nullptr);

}  // namespace horizon::query
