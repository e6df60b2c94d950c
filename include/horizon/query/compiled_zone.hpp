// A Snapshot is the immutable, query-ready form of the loaded zones: per view a hash table of
// names whose answers were rendered to wire format at load time. Built on the control plane;
// read without locks on the data plane.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "horizon/query/address.hpp"
#include "horizon/zone/zone.hpp"

namespace horizon::query {

/// A pre-rendered answer: the sections after the question, with compression pointers that are
/// relocated at answer time because they depend on the length of the client's question name.
struct RenderedAnswer {
  std::uint8_t rcode = 0;
  bool authoritative = true;
  std::uint16_t ancount = 0, nscount = 0, arcount = 0;
  std::vector<std::uint8_t> bytes;  // records, as they follow the question
  /// Compression pointers in `bytes`: position of the pointer and its target expressed as a
  /// distance from the end of the question name (negative: inside the question name).
  struct Reloc {
    std::uint16_t position;
    std::int16_t delta;
  };
  std::vector<Reloc> relocs;
};

/// Answers of one owner name: one per query type that has its own answer, plus a default.
struct NameNode {
  std::string name;  // lowercase wire
  struct TypedAnswer {
    std::uint16_t qtype;
    std::uint32_t answer;  // index into CompiledView::answers
  };
  std::vector<TypedAnswer> typed;  // sorted by qtype
  std::uint32_t default_answer = 0;
  bool is_wildcard = false;
};

/// One view of one zone, ready for lookup.
struct CompiledView {
  std::string name;
  std::vector<NameNode> nodes;
  std::vector<RenderedAnswer> answers;
  std::uint32_t nxdomain_answer = 0;
  std::vector<std::uint32_t> table;  // open-addressing hash table of node index + 1; 0 = empty
  std::size_t record_count = 0;
  bool recursion = false;    // its clients may resolve names outside our zones
  std::uint32_t policy = 0;  // resolver cache partition: one per distinct view name

  /// Finds a node by lowercase wire name; nullptr when absent. Allocation-free.
  const NameNode* find(const std::uint8_t* name, std::size_t len) const;
};

/// One zone: its views and the prefix table that picks a view for a client.
struct CompiledZone {
  std::string origin;  // lowercase wire
  std::string origin_text;
  std::uint32_t serial = 0;
  std::vector<CompiledView> views;
  struct PrefixEntry {
    zone::Prefix prefix;
    std::uint32_t view;
  };
  std::vector<PrefixEntry> prefixes;  // most specific first

  /// The view for a client, or nullptr when no prefix matches.
  const CompiledView* selectView(const ClientAddress& client) const;
};

/// Everything the data plane answers from; immutable once built.
struct Snapshot {
  std::vector<CompiledZone> zones;

  /// The zone whose origin is the longest suffix of `qname_lower`, or nullptr.
  const CompiledZone* findZone(const std::uint8_t* qname_lower, std::size_t len) const;
  /// For a name outside every zone: the first zone (in load order) that puts the client in a
  /// view allowed to recurse gives that view; nullptr when none does.
  const CompiledView* recursionView(const ClientAddress& client) const;
};

/// Compiles loaded zones into a snapshot: builds the name trees and renders every answer.
/// Throws std::runtime_error when an answer cannot be represented (e.g. an RRset over 64 KiB).
/// When `previous` is given, views keep the resolver cache partition (policy) that their name had
/// there, so a reload never hands one view's cached answers to another.
std::shared_ptr<const Snapshot> compileSnapshot(const std::vector<zone::Zone>& zones,
                                                const Snapshot* previous = nullptr);

}  // namespace horizon::query
