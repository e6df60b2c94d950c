// The compact YAML tree (server/zone/yaml_tree.cpp): node handles, parse() and its errors, which
// are yaml-cpp's, nesting limits and yaml-cpp's booleans. The fast reader's agreement with
// yaml-cpp is proved in yaml_fast_reader_test.cpp, aliases in yaml_tree_builder_test.cpp.
#include "horizon/zone/yaml_tree.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

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
