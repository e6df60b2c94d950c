// The other reader of the YAML tree: yaml-cpp's YAML::Load, converted node by node into a Tree.
// It reads every text the fast reader declines (anchors, tags, block scalars, ...) and words the
// syntax errors; it also caps what aliases expand to and refuses a second document.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "horizon/zone/yaml_tree.hpp"
#include "yaml_readers.hpp"

namespace horizon::zone::yaml {

namespace {

// Where the `n`-th alias (1-based) of the text's first document is. yaml-cpp's nodes carry the
// anchored node's mark, not the alias's, so the events are read again, only when an error needs it.
class NthAliasMark : public YAML::EventHandler {
 public:
  explicit NthAliasMark(std::size_t n) : n_(n) {}
  std::optional<Mark> mark;

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& at, YAML::anchor_t) override {
    if (++seen_ == n_) mark = Mark{at.line, at.column};
  }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  std::size_t n_;
  std::size_t seen_ = 0;
};

std::optional<Mark> nthAliasMark(const std::string& text, std::size_t n) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  NthAliasMark handler(n);
  try {
    parser.HandleNextDocument(handler);
  } catch (const YAML::Exception&) {
    // Load read this text already; if the events disagree, the caller's fallback mark serves.
  }
  return handler.mark;
}

}  // namespace

class TreeBuilder {
 public:
  static Tree run(const YAML::Node& root, const std::string& text, std::size_t max_nodes) {
    Tree tree;
    const YAML::Mark mark = root.Mark();
    if (mark.is_null()) return tree;  // no document: only comments, or nothing
    TreeBuilder builder(&tree, text, max_nodes, Mark{mark.line, mark.column});
    tree.root_ = builder.convert(root).index;
    tree.has_root_ = true;
    return tree;
  }

 private:
  TreeBuilder(Tree* tree, const std::string& text, std::size_t max_nodes, Mark error_mark)
      : tree_(tree), text_(text), max_nodes_(max_nodes), error_mark_(error_mark) {}

  // An alias repeats what its anchor holds without costing the writer anything, so the nodes
  // they add are bounded by what the file itself spells out: a file of a few hundred kilobytes
  // must not become millions of records (or gigabytes) in the loader.
  static constexpr std::uint64_t kAliasFactor = 10;         // nodes walked per node written
  static constexpr std::uint64_t kAliasSlack = 100'000;     // so small files may alias freely
  static constexpr std::uint64_t kAliasBudget = 1'000'000;  // nodes aliases add, whatever the file

  // The alias that was just met (the alias_uses_-th), for the error; else the document's start.
  Mark aliasMark() const { return nthAliasMark(text_, alias_uses_).value_or(error_mark_); }

  // Called after each alias: the nodes walked so far against what has been written so far. A
  // prefix of the file that passes leaves the rest nothing to make up for, so the first alias
  // over the limit is the one reported.
  void checkAliasBudget() const {
    const std::uint64_t written = tree_->nodes_.size();
    const std::uint64_t added = walked_ - written;
    if (walked_ <= written * kAliasFactor + kAliasSlack && added <= kAliasBudget) return;
    throw ParseError(aliasMark(), "aliases expand the document too far: up to this alias the " +
                                      std::to_string(written) + " nodes written make " +
                                      std::to_string(walked_) + " (at most " +
                                      std::to_string(kAliasFactor) + " per node written plus " +
                                      std::to_string(kAliasSlack) + ", and " +
                                      std::to_string(kAliasBudget) + " added by aliases)");
  }

  struct Converted {
    std::uint32_t index = 0;
    std::uint64_t expanded = 0;  // nodes once aliases are expanded
    bool in_progress = false;
  };

  [[noreturn]] void tooLarge() const { throw ParseError(error_mark_, tooLargeMessage(max_nodes_)); }

  // yaml-cpp shares an aliased node between all its uses. A node's identity is the address of
  // its scalar string: Scalar() returns the node data's own string for every kind of node in
  // yaml-cpp 0.7, and that data is what aliases share; the public API shows no other identity (if
  // a later yaml-cpp broke this, every document with two collections would fail the tests). A
  // node met again is converted once and referenced again, so an alias costs nothing here, while
  // its expanded size, what the loader would walk, is capped. An anchor comes before its aliases
  // in this walk (document order), so recursion never goes deeper than yaml-cpp's own nesting
  // limit (500); an alias inside its own anchor is a cycle, and rejected.
  Converted convert(const YAML::Node& node) {
    const void* id = &node.Scalar();
    auto [it, inserted] = seen_.try_emplace(id);
    if (!inserted) {
      ++alias_uses_;
      if (it->second.in_progress)
        throw ParseError(aliasMark(), "this alias is inside its own anchor: it expands forever");
      walked_ += it->second.expanded;
      checkAliasBudget();
      return it->second;
    }
    it->second.in_progress = true;
    ++walked_;

    const YAML::Mark mark = node.Mark();
    Tree::Entry entry;
    entry.line = static_cast<std::uint32_t>(mark.line < 0 ? 0 : mark.line);
    entry.column = static_cast<std::uint32_t>(mark.column < 0 ? 0 : mark.column);
    auto index = static_cast<std::uint32_t>(tree_->nodes_.size());
    tree_->nodes_.push_back(entry);
    std::uint64_t expanded = 1;
    std::vector<std::uint32_t> children;
    auto add = [&](const YAML::Node& child) {
      Converted c = convert(child);
      children.push_back(c.index);
      expanded += c.expanded;
      if (expanded > max_nodes_) tooLarge();
    };

    switch (node.Type()) {
      case YAML::NodeType::Scalar: {
        entry.kind = NodeKind::kScalar;
        const std::string& s = node.Scalar();
        if (tree_->text_.size() + s.size() < std::numeric_limits<std::uint32_t>::max()) {
          entry.first = static_cast<std::uint32_t>(tree_->text_.size());
          entry.count = static_cast<std::uint32_t>(s.size());
          tree_->text_.append(s);
        } else {
          entry.decoded = true;
          entry.first = static_cast<std::uint32_t>(tree_->decoded_.size());
          tree_->decoded_.push_back(s);
        }
        break;
      }
      case YAML::NodeType::Sequence:
        entry.kind = NodeKind::kSequence;
        entry.flow = node.Style() == YAML::EmitterStyle::Flow;
        for (const YAML::Node& item : node) add(item);
        break;
      case YAML::NodeType::Map:
        entry.kind = NodeKind::kMap;
        entry.flow = node.Style() == YAML::EmitterStyle::Flow;
        for (auto pair = node.begin(); pair != node.end(); ++pair) {
          add(pair->first);
          add(pair->second);
        }
        break;
      default:  // Null (Undefined does not occur in a parsed document)
        entry.kind = NodeKind::kNull;
        break;
    }
    if (!children.empty()) {
      entry.first = static_cast<std::uint32_t>(tree_->children_.size());
      entry.count = static_cast<std::uint32_t>(children.size());
      tree_->children_.insert(tree_->children_.end(), children.begin(), children.end());
    }
    tree_->nodes_[index] = entry;
    Converted done{index, expanded, false};
    seen_[id] = done;  // `it` may have been invalidated by the children's insertions
    return done;
  }

  Tree* tree_;
  const std::string& text_;
  std::size_t max_nodes_;
  Mark error_mark_;
  std::unordered_map<const void*, Converted> seen_;
  std::uint64_t walked_ = 0;    // nodes of the document so far, aliases expanded
  std::size_t alias_uses_ = 0;  // aliases met so far, in document order
};

namespace {

// Where the first node of the text's second document is, if that document holds anything (an
// empty one, such as after a trailing "---", loses nothing). Only two documents are read:
// yaml-cpp's LoadAll can loop without end, allocating, on some malformed texts.
class FirstNodeMark : public YAML::EventHandler {
 public:
  std::optional<Mark> mark;

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& at, YAML::anchor_t) override { note(at); }
  void OnScalar(const YAML::Mark& at, const std::string&, YAML::anchor_t,
                const std::string&) override {
    note(at);
  }
  void OnSequenceStart(const YAML::Mark& at, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    note(at);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& at, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    note(at);
  }
  void OnMapEnd() override {}

 private:
  void note(const YAML::Mark& at) {
    if (!mark) mark = Mark{at.line, at.column};
  }
};

std::optional<Mark> secondDocumentContent(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  FirstNodeMark first, second;
  if (!parser.HandleNextDocument(first)) return std::nullopt;
  if (!parser.HandleNextDocument(second)) return std::nullopt;
  return second.mark;
}

}  // namespace

Tree parseWithYamlCpp(std::string text, std::size_t max_nodes) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
    // yaml-cpp's Load reads the first document and drops the rest without a word: after "---",
    // or after a root map indented deeper than the keys that follow it (" zone: x" then
    // "records:"). A zone file losing its records that way must be an error, not a smaller zone.
    if (const std::optional<Mark> second = secondDocumentContent(text))
      throw ParseError(*second,
                       "a second YAML document starts here; a zone file is one document (check "
                       "for '---' or for keys indented less than the first one)");
  } catch (const YAML::ParserException& e) {
    throw ParseError(Mark{e.mark.line, e.mark.column}, e.msg);
  }
  return TreeBuilder::run(root, text, max_nodes);
}

}  // namespace horizon::zone::yaml
