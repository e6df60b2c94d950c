// Tree equality for the yaml_tree tests and fuzz target: the first difference between two trees,
// with the path to it, or an empty string when they are identical (shape, kinds, flow style,
// scalar texts and the mark of every node).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "horizon/zone/yaml_tree.hpp"

namespace horizon::zone::yaml::testing {

inline const char* kindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::kNull:
      return "null";
    case NodeKind::kScalar:
      return "scalar";
    case NodeKind::kSequence:
      return "sequence";
    case NodeKind::kMap:
      return "map";
  }
  return "?";
}

// Scalars are shown with control and non-ASCII bytes escaped, so a diff prints on one line.
inline std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

inline std::string describe(const Node& n) {
  if (!n.isDefined()) return "undefined";
  std::string s = kindName(n.kind());
  if (n.isFlow()) s += " (flow)";
  if (n.isScalar()) s += " " + quoted(n.scalar());
  if (n.isSequence() || n.isMap()) s += " of " + std::to_string(n.size());
  s += " at " + std::to_string(n.mark().line) + ":" + std::to_string(n.mark().column);
  return s;
}

// "" when equal; else "<path>: <a> vs <b>". Iterative: yaml-cpp trees may nest 500 deep.
inline std::string treeDiff(const Tree& a, const Tree& b) {
  std::vector<std::pair<std::pair<Node, Node>, std::string>> todo;
  todo.push_back({{a.root(), b.root()}, "root"});
  while (!todo.empty()) {
    auto [nodes, path] = std::move(todo.back());
    todo.pop_back();
    const Node& x = nodes.first;
    const Node& y = nodes.second;
    bool same = x.isDefined() == y.isDefined() && x.kind() == y.kind() &&
                x.isFlow() == y.isFlow() && x.scalar() == y.scalar() && x.size() == y.size() &&
                x.mark().line == y.mark().line && x.mark().column == y.mark().column;
    if (!same) return path + ": " + describe(x) + " vs " + describe(y);
    // Pushed in reverse so the first difference in file order is reported.
    for (std::size_t i = x.size(); i-- > 0;) {
      if (x.isSequence()) {
        todo.push_back({{x.item(i), y.item(i)}, path + "[" + std::to_string(i) + "]"});
      } else {
        std::string at = path + "{" + std::to_string(i) + "}";
        todo.push_back({{x.value(i), y.value(i)}, at + ".value"});
        todo.push_back({{x.key(i), y.key(i)}, at + ".key"});
      }
    }
  }
  return "";
}

}  // namespace horizon::zone::yaml::testing
