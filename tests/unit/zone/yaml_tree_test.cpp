// The compact YAML tree (server/zone/yaml_tree.cpp): node handles, parse() and its errors, which
// are yaml-cpp's, the cap on what aliases expand to, nesting limits and yaml-cpp's booleans. The
// fast reader's agreement with yaml-cpp is proved in yaml_fast_reader_test.cpp.
#include "horizon/zone/yaml_tree.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <string>

#include "yaml_tree_diff.hpp"

namespace horizon::zone::yaml {
namespace {

using testing::quoted;
using testing::treeDiff;

TEST(YamlTree, NodeHandles) {
  Node undefined;
  EXPECT_FALSE(undefined.isDefined());
  EXPECT_TRUE(undefined.isNull());
  EXPECT_EQ(undefined.size(), 0u);
  EXPECT_EQ(undefined.scalar(), "");
  EXPECT_FALSE(undefined.item(0).isDefined());

  EXPECT_FALSE(parse("").root().isDefined());
  EXPECT_FALSE(parse("# only a comment\n").root().isDefined());
  EXPECT_TRUE(parse("~").root().isDefined());
  EXPECT_TRUE(parse("~").root().isNull());

  Tree t = parse("k: [a, 'b c', \"d\\te\"]\n");
  Node list = t.root().value(0);
  EXPECT_EQ(t.root().key(0).scalar(), "k");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list.item(1).scalar(), "b c");
  EXPECT_EQ(list.item(2).scalar(), "d\te");
  EXPECT_EQ(list.scalar(), "");                 // not a scalar
  EXPECT_FALSE(list.item(3).isDefined());       // out of range
  EXPECT_FALSE(list.key(0).isDefined());        // not a map
  EXPECT_FALSE(t.root().value(1).isDefined());  // out of range
  EXPECT_EQ(t.nodeCount(), 6u);
}

TEST(YamlTree, SyntaxErrorsAreYamlCppsErrors) {
  const char* texts[] = {
      "a: b: c\n",
      "a: - b\n",
      "[a, b\n",
      "{a: b\n",
      "a: [b}\n",
      "a: 1\n- b\n",
      "a:\n    b: 1\n  c: 2\n",
      "k: \"a\"b\n",
      "a: 'unterminated",
      "a: \"\\q\"\n",
      "a: \"\\uD800\"\n",
      "]\n",
      "a: &\n",
      "*unknown\n",
      "a: *.proxy\n",
  };
  for (const char* text : texts) {
    SCOPED_TRACE(quoted(text));
    Tree fast;
    EXPECT_FALSE(parseFast(text, &fast));
    YAML::Mark mark;
    std::string message;
    try {
      YAML::Load(text);
      ADD_FAILURE() << "yaml-cpp accepts it";
    } catch (const YAML::ParserException& e) {
      mark = e.mark;
      message = e.msg;
    }
    try {
      parse(text);
      ADD_FAILURE() << "parse() accepts it";
    } catch (const ParseError& e) {
      EXPECT_EQ(e.what(), message);
      EXPECT_EQ(e.mark().line, mark.line);
      EXPECT_EQ(e.mark().column, mark.column);
    }
  }
}

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

TEST(YamlTree, DeepNestingIsAnErrorNotACrash) {
  for (const std::string& open :
       {std::string("["), std::string("{a: "), std::string("- "), std::string("[a: ")}) {
    std::string text;
    for (int i = 0; i < 100000; ++i) text += open;
    SCOPED_TRACE(open);
    EXPECT_THROW(parse(text), ParseError);
  }
  // Deeper than the fast reader goes but within yaml-cpp's limit: read by yaml-cpp.
  std::string deep = std::string(150, '[') + std::string(150, ']');
  Tree fast;
  EXPECT_FALSE(parseFast(deep, &fast));
  EXPECT_EQ(treeDiff(parse(deep), parseWithYamlCpp(deep)), "");
  Tree tree = parse(deep);
  Node n = tree.root();
  int depth = 0;
  for (; n.isSequence() && n.size() == 1; n = n.item(0)) ++depth;
  EXPECT_EQ(depth, 149);
}

TEST(YamlTree, DecodeBoolAgreesWithYamlCpp) {
  const char* words[] = {"y",    "Y",    "yes",  "Yes",   "YES",   "yEs",       "on",    "ON",
                         "On",   "oN",   "Off",  "OFF",   "off",   "oFF",       "true",  "True",
                         "TRUE", "tRue", "TRue", "false", "False", "FALSE",     "fAlse", "1",
                         "0",    "",     "n",    "N",     "no",    "No",        "NO",    "nO",
                         "yes ", " yes", "t",    "f",     "truee", "Y\xC3\xA9", "ye"};
  for (const char* word : words) {
    SCOPED_TRACE(quoted(word));
    bool ours = false;
    bool theirs = false;
    bool ours_ok = decodeBool(word, &ours);
    bool theirs_ok = YAML::convert<bool>::decode(YAML::Node(std::string(word)), theirs);
    EXPECT_EQ(ours_ok, theirs_ok);
    if (ours_ok && theirs_ok) {
      EXPECT_EQ(ours, theirs);
    }
  }
  bool value = true;
  EXPECT_FALSE(decodeBool("maybe", &value));
  EXPECT_TRUE(value);  // left alone
  EXPECT_TRUE(decodeBool("Off", &value));
  EXPECT_FALSE(value);
}

}  // namespace
}  // namespace horizon::zone::yaml
