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
    EXPECT_EQ(std::string(e.what()),
              "the document expands to more than 50000000 nodes (through aliases)");
    EXPECT_EQ(e.mark().line, 0);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));

  EXPECT_THROW(parse("&a [x, *a]\n"), ParseError);  // an alias inside its own anchor
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
