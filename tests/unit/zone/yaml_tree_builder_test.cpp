// The conversion of yaml-cpp's tree (server/zone/yaml_tree_builder.cpp), which reads what the
// fast reader declines: aliases expand within a cap and never in a cycle, and a second document
// is an error rather than records silently dropped.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "horizon/zone/yaml_tree.hpp"
#include "yaml_tree_diff.hpp"

namespace horizon::zone::yaml {
namespace {

TEST(YamlTree, AliasBombsAndCyclesAreRejectedQuickly) {
  // Ten levels of ten aliases each: 10^10 nodes once expanded.
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) bomb += (k ? ", " : "") + prev;
    bomb += "]\n";
  }
  auto start = std::chrono::steady_clock::now();
  try {
    parse(bomb);
    ADD_FAILURE() << "the alias bomb was accepted";
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("aliases expand the document too far"), std::string::npos)
        << e.what();
    // Level 4's aliases hold 11,111 nodes each: its eighth is the first over the budget.
    EXPECT_EQ(e.mark().line, 4);
    EXPECT_EQ(e.mark().column, 44);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));

  try {
    parse("a: 1\nb: &a [x, *a]\n");  // an alias inside its own anchor
    ADD_FAILURE() << "the cycle was accepted";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.mark().line, 1);
    EXPECT_EQ(e.mark().column, 10);
  }
  EXPECT_THROW(parse("a: &a {b: *a}\n"), ParseError);

  // Aliases within the cap are expanded: each use reads as the anchored node, mark included
  // (yaml-cpp marks an anchored node at its '&').
  Tree t = parse("a: &x [1, 2]\nb: *x\nc: *x\n");
  for (std::size_t i = 0; i < 3; ++i) {
    Node list = t.root().value(i);
    ASSERT_TRUE(list.isSequence());
    EXPECT_EQ(list.size(), 2u);
    EXPECT_EQ(list.item(1).scalar(), "2");
    EXPECT_EQ(list.mark().line, 0);
    EXPECT_EQ(list.mark().column, 3);
  }
  // The cap counts expanded nodes, on both paths.
  EXPECT_THROW(parse("a: &x [1, 2]\nb: *x\n", 8), ParseError);
  EXPECT_NO_THROW(parse("a: &x [1, 2]\nb: *x\n", 9));
  EXPECT_THROW(parse("a: [1, 2]\nb: [1, 2]\n", 8), ParseError);
  EXPECT_NO_THROW(parse("a: [1, 2]\nb: [1, 2]\n", 9));
}

TEST(YamlTree, OneLevelOfAliasesIsBoundedByWhatTheFileWrites) {
  // One anchor of 1,000 items used 2,000 times: a 10 kB file that would read as 2 million nodes.
  std::string text = "anchor: &x [";
  for (int i = 0; i < 1000; ++i) text += (i ? ",x" : "x");
  text += "]\nuses:\n";
  for (int i = 0; i < 2000; ++i) text += "  - *x\n";
  try {
    parse(text);
    ADD_FAILURE() << "the expansion was accepted";
  } catch (const ParseError& e) {
    // 1,005 nodes written allow 110,050; each alias adds 1,001, so the 109th is over, on line
    // 110 (0-based), after "  - ".
    EXPECT_NE(std::string(e.what()).find("aliases expand the document too far"), std::string::npos)
        << e.what();
    EXPECT_EQ(e.mark().line, 110);
    EXPECT_EQ(e.mark().column, 4);
  }
  // The same file with a few uses loads, aliases expanded.
  std::string small = "anchor: &x [";
  for (int i = 0; i < 1000; ++i) small += (i ? ",x" : "x");
  small += "]\nuses:\n";
  for (int i = 0; i < 50; ++i) small += "  - *x\n";
  Tree tree = parse(small);
  EXPECT_EQ(tree.root().value(1).size(), 50u);
  EXPECT_EQ(tree.root().value(1).item(49).size(), 1000u);
}

TEST(YamlTreeBuilder, ReadsWhatTheFastReaderDeclines) {
  const std::string text = "a: !!str 1\nb: |\n  two\n  lines\nc: &x {d: e}\nf: *x\n";
  Tree fast;
  EXPECT_FALSE(parseFast(text, &fast));
  Tree tree = parseWithYamlCpp(text);
  const Node root = tree.root();
  ASSERT_TRUE(root.isMap());
  ASSERT_EQ(root.size(), 4u);
  EXPECT_EQ(root.value(0).scalar(), "1");
  EXPECT_EQ(root.value(1).scalar(), "two\nlines\n");
  EXPECT_TRUE(root.value(2).isFlow());
  EXPECT_EQ(root.value(3).value(0).scalar(), "e");
  EXPECT_EQ(root.value(3).mark().line, 4);  // where the anchored node is
  EXPECT_EQ(root.key(3).mark().line, 5);
  // parse() gives the same tree.
  EXPECT_EQ(testing::treeDiff(parse(text), tree), "");
}

TEST(YamlTreeBuilder, ASecondDocumentIsAnError) {
  try {
    parseWithYamlCpp("a: 1\n---\nb: 2\n");
    ADD_FAILURE() << "the second document was accepted";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.mark().line, 2);
    EXPECT_EQ(e.mark().column, 0);
    EXPECT_EQ(std::string(e.what()).rfind("a second YAML document starts here", 0), 0u);
  }
  // An empty one loses nothing.
  EXPECT_EQ(parseWithYamlCpp("a: 1\n---\n").root().size(), 1u);
}

TEST(YamlTreeBuilder, NoDocumentGivesNoRoot) {
  EXPECT_FALSE(parseWithYamlCpp("").root().isDefined());
  EXPECT_FALSE(parseWithYamlCpp("# only a comment\n").root().isDefined());
  EXPECT_TRUE(parseWithYamlCpp("~\n").root().isNull());
  EXPECT_TRUE(parseWithYamlCpp("~\n").root().isDefined());
}

}  // namespace
}  // namespace horizon::zone::yaml
