// A compact, read-only YAML document tree for zone files. yaml-cpp builds a node graph of
// shared pointers and takes seconds on a 100,000-name zone; this tree is a flat array of nodes
// over the file's own text. A fast reader covers the subset zone files are written in (block and
// flow maps and lists, plain and quoted scalars, comments); anything else (anchors, tags, block
// scalars, several documents, ...) is read by yaml-cpp and converted, so every YAML file gives the
// same tree, the same marks and the same syntax errors as yaml-cpp would.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace horizon::zone::yaml {

/// What a node holds. kNull is an empty value, or a plain `~`, `null`, `Null` or `NULL`.
enum class NodeKind : std::uint8_t { kNull, kScalar, kSequence, kMap };

/// Where a node starts, 0-based, with yaml-cpp's conventions (add 1 for editors).
struct Mark {
  int line = 0;
  int column = 0;
};

/// A syntax error: where, and yaml-cpp's message for it.
class ParseError : public std::runtime_error {
 public:
  ParseError(Mark mark, const std::string& message) : std::runtime_error(message), mark_(mark) {}
  /// The position yaml-cpp reports for the error.
  Mark mark() const { return mark_; }

 private:
  Mark mark_;
};

class Tree;

/// A handle to one node of a Tree: cheap to copy, valid while its Tree lives. A
/// default-constructed Node is undefined (isDefined() is false) and behaves as an empty null.
class Node {
 public:
  Node() = default;

  /// False only for a default-constructed handle.
  bool isDefined() const { return tree_ != nullptr; }
  /// The node's kind; kNull for an undefined handle.
  NodeKind kind() const;
  bool isNull() const { return kind() == NodeKind::kNull; }
  bool isScalar() const { return kind() == NodeKind::kScalar; }
  bool isSequence() const { return kind() == NodeKind::kSequence; }
  bool isMap() const { return kind() == NodeKind::kMap; }
  /// True for a sequence or map written in flow style ([...] or {...}).
  bool isFlow() const;
  /// The scalar's text after unquoting and unescaping; empty for non-scalars.
  std::string_view scalar() const;
  /// Where the node starts (for a scalar: its first character or opening quote).
  Mark mark() const;
  /// Items of a sequence, pairs of a map, 0 otherwise.
  std::size_t size() const;
  /// The i-th item of a sequence (i < size()).
  Node item(std::size_t i) const;
  /// The i-th key of a map, in file order; duplicate keys are kept (i < size()).
  Node key(std::size_t i) const;
  /// The value of the i-th pair of a map (i < size()).
  Node value(std::size_t i) const;
  /// The scalar's text as a string (a copy; for messages and small values).
  std::string text() const { return std::string(scalar()); }

  /// Iterates the items of a sequence (nothing for other kinds).
  class ItemIterator {
   public:
    ItemIterator(const Node* parent, std::size_t i) : parent_(parent), i_(i) {}
    Node operator*() const { return parent_->item(i_); }
    ItemIterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const ItemIterator& other) const { return i_ != other.i_; }

   private:
    const Node* parent_;
    std::size_t i_;
  };
  ItemIterator begin() const { return ItemIterator(this, 0); }
  ItemIterator end() const { return ItemIterator(this, isSequence() ? size() : 0); }

 private:
  friend class Tree;
  Node(const Tree* tree, std::uint32_t index) : tree_(tree), index_(index) {}
  const Tree* tree_ = nullptr;
  std::uint32_t index_ = 0;
};

/// A parsed YAML document (a text holding a second one is an error). Movable, not
/// copyable: Nodes point into it.
class Tree {
 public:
  /// One node: kind, style, mark, and either its text or its children.
  struct Entry {
    NodeKind kind = NodeKind::kNull;
    bool flow = false;
    bool decoded = false;      // the scalar's text is in decoded_ (it had quotes or escapes)
    std::uint32_t line = 0;    // 0-based
    std::uint32_t column = 0;  // 0-based
    // Scalars: offset and length in the text (or index into decoded_, length unused).
    // Sequences and maps: first index into children_ and the number of children (maps hold
    // key, value, key, value, ...).
    std::uint32_t first = 0;
    std::uint32_t count = 0;
  };

  Tree() = default;
  Tree(Tree&&) noexcept = default;
  Tree& operator=(Tree&&) noexcept = default;
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;

  /// The document's root; undefined when the text holds no document (empty or only comments).
  Node root() const;
  /// Number of nodes (for tests and size checks).
  std::size_t nodeCount() const { return nodes_.size(); }

 private:
  friend class Node;
  friend class FastReader;
  friend class TreeBuilder;
  std::string text_;
  std::vector<Entry> nodes_;
  std::vector<std::uint32_t> children_;
  std::vector<std::string> decoded_;
  bool has_root_ = false;
  std::uint32_t root_ = 0;
};

/// Parses `text` (the first document). Uses the fast reader when the text stays in its subset,
/// else yaml-cpp. Throws ParseError on a syntax error, on a second non-empty document (yaml-cpp
/// would silently drop it), when the document has more than `max_nodes` nodes, and, at the
/// alias, when aliases expand it beyond 10 nodes per node written plus 100,000 or add more than
/// 1,000,000 nodes (a "billion laughs" file must not exhaust memory).
Tree parse(std::string text, std::size_t max_nodes = 50'000'000);

/// The fast reader alone: true and `*out` filled when the text is in its subset and well formed;
/// false when it is not (the caller then falls back to yaml-cpp, which also words the errors).
bool parseFast(std::string text, Tree* out);

/// yaml-cpp alone, converted to a Tree (the reference the fast reader is tested against).
/// Throws ParseError as parse() does.
Tree parseWithYamlCpp(std::string text, std::size_t max_nodes = 50'000'000);

/// yaml-cpp's reading of a scalar as a boolean (y/yes/true/on and n/no/false/off, in lower,
/// UPPER or Capitalised case). Returns false and leaves *value alone when it is not one.
bool decodeBool(std::string_view text, bool* value);

}  // namespace horizon::zone::yaml
