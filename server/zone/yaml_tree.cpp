// The compact YAML tree of include/horizon/zone/yaml_tree.hpp: its node handles, and parse(),
// which picks one of its two readers. The fast reader (yaml_fast_reader.cpp) covers the subset
// zone files are written in; yaml-cpp, converted (yaml_tree_builder.cpp), reads the rest.
#include "horizon/zone/yaml_tree.hpp"

#include <string>
#include <utility>

#include "yaml_readers.hpp"

namespace horizon::zone::yaml {

NodeKind Node::kind() const {
  return tree_ ? tree_->nodes_[index_].kind : NodeKind::kNull;
}

bool Node::isFlow() const {
  return tree_ && tree_->nodes_[index_].flow;
}

std::string_view Node::scalar() const {
  if (!tree_) return {};
  const Tree::Entry& e = tree_->nodes_[index_];
  if (e.kind != NodeKind::kScalar) return {};
  if (e.decoded) return tree_->decoded_[e.first];
  return std::string_view(tree_->text_).substr(e.first, e.count);
}

Mark Node::mark() const {
  if (!tree_) return {};
  const Tree::Entry& e = tree_->nodes_[index_];
  return {static_cast<int>(e.line), static_cast<int>(e.column)};
}

std::size_t Node::size() const {
  if (!tree_) return 0;
  const Tree::Entry& e = tree_->nodes_[index_];
  if (e.kind == NodeKind::kSequence) return e.count;
  if (e.kind == NodeKind::kMap) return e.count / 2;
  return 0;
}

// Out-of-range indexes give an undefined Node rather than reading past the children.
Node Node::item(std::size_t i) const {
  if (!isSequence() || i >= size()) return {};
  return Node(tree_, tree_->children_[tree_->nodes_[index_].first + i]);
}

Node Node::key(std::size_t i) const {
  if (!isMap() || i >= size()) return {};
  return Node(tree_, tree_->children_[tree_->nodes_[index_].first + 2 * i]);
}

Node Node::value(std::size_t i) const {
  if (!isMap() || i >= size()) return {};
  return Node(tree_, tree_->children_[tree_->nodes_[index_].first + 2 * i + 1]);
}

Node Tree::root() const {
  return has_root_ ? Node(this, root_) : Node();
}

std::string tooLargeMessage(std::size_t max_nodes) {
  return "the document expands to more than " + std::to_string(max_nodes) +
         " nodes (through aliases)";
}

Tree parse(std::string text, std::size_t max_nodes) {
  Tree tree;
  if (readFast(&text, &tree)) {
    // Without aliases every node is walked once; the cap still holds, as for yaml-cpp's trees.
    if (tree.nodeCount() > max_nodes) {
      throw ParseError(tree.root().mark(), tooLargeMessage(max_nodes));
    }
    return tree;
  }
  return parseWithYamlCpp(std::move(text), max_nodes);
}

bool decodeBool(std::string_view text, bool* value) {
  // yaml-cpp's convert<bool>: the whole word in lower case, UPPER case or Capitalised.
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto all = [](std::string_view s, auto pred) {
    for (char c : s)
      if (!pred(c)) return false;
    return true;
  };
  if (!text.empty() && !all(text, lower)) {
    std::string_view rest = text.substr(1);
    if (!upper(text[0]) || !(all(rest, lower) || all(rest, upper))) return false;
  }
  std::string folded(text);
  for (char& c : folded)
    if (upper(c)) c = static_cast<char>(c - 'A' + 'a');
  static constexpr std::string_view kTrue[] = {"y", "yes", "true", "on"};
  static constexpr std::string_view kFalse[] = {"n", "no", "false", "off"};
  for (std::size_t i = 0; i < 4; ++i) {
    if (folded == kTrue[i]) {
      *value = true;
      return true;
    }
    if (folded == kFalse[i]) {
      *value = false;
      return true;
    }
  }
  return false;
}

}  // namespace horizon::zone::yaml
