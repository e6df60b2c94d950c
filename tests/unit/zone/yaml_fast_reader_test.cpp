// The fast YAML reader (server/zone/yaml_fast_reader.cpp), proved against yaml-cpp: wherever it
// accepts a text, its tree must equal the one converted from YAML::Load, node for node and mark
// for mark; it must accept the constructs zone files are written in, and decline the rest, which
// parse() then reads with yaml-cpp (errors included).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "horizon/zone/yaml_tree.hpp"
#include "yaml_tree_diff.hpp"
#include "zone/yaml_readers.hpp"

namespace horizon::zone::yaml {
namespace {

using testing::quoted;
using testing::treeDiff;

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs both readers; returns whether the fast one accepted, and fails the test if it accepted a
// text yaml-cpp rejects or built a different tree.
bool agrees(const std::string& text) {
  Tree fast;
  bool accepted = parseFast(text, &fast);
  Tree reference;
  try {
    reference = parseWithYamlCpp(text);
  } catch (const ParseError& e) {
    EXPECT_FALSE(accepted) << "yaml-cpp rejects (" << e.what() << ") but the fast reader accepted "
                           << quoted(text);
    return accepted;
  }
  if (accepted) {
    EXPECT_EQ(treeDiff(fast, reference), "") << "for " << quoted(text);
  }
  return accepted;
}

// parse() reads `text` as yaml-cpp does: the same tree, or the same error.
void expectSameAsYamlCpp(const std::string& text) {
  std::string ours;
  std::string theirs;
  Tree a;
  Tree b;
  try {
    a = parse(text);
  } catch (const ParseError& e) {
    ours = e.what();
  }
  try {
    b = parseWithYamlCpp(text);
  } catch (const ParseError& e) {
    theirs = e.what();
  }
  EXPECT_EQ(ours, theirs);
  EXPECT_EQ(treeDiff(a, b), "");
}

// A zone in the style of the 100,000-name benchmark zone.
std::string scaleStyleZone(int names) {
  std::string text =
      "zone: scale.bench\nttl: 300\nviews:\n  lan: [192.168.1.0/24, 127.0.0.0/8]\n"
      "  vpn: [100.109.0.0/16]\n  public: [0.0.0.0/0]\nrecursion: []\nrecords:\n";
  for (int i = 0; i < names; ++i) {
    std::string n = std::to_string(i);
    std::string last = std::to_string(i % 256);
    text += "  h" + n + ": {lan: 10.0.0." + last + ", vpn: 100.64.0." + last +
            ", public: 198.18.0." + last + "}\n";
  }
  return text;
}

TEST(YamlTree, RepositoryZoneFilesAgreeWithYamlCpp) {
  int files = 0;
  for (const char* dir : {HORIZON_SOURCE_DIR "/zones", HORIZON_TEST_DATA}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (entry.path().extension() != ".yaml") continue;
      SCOPED_TRACE(entry.path().string());
      agrees(readFile(entry.path()));
      ++files;
    }
  }
  EXPECT_GE(files, 7);
}

TEST(YamlTree, SeedAndTrickyZonesTakeTheFastPath) {
  EXPECT_TRUE(agrees(readFile(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml")));
  // Multi-line flow lists, a multi-line double-quoted scalar with "\" line joins, '' quotes.
  EXPECT_TRUE(agrees(readFile(HORIZON_TEST_DATA "/differential/tricky.example.yaml")));
  EXPECT_TRUE(agrees(scaleStyleZone(2000)));
  EXPECT_TRUE(agrees("  h5: {lan: 10.0.0.5, vpn: 100.64.0.5, public: 198.18.0.5}\n"));
}

struct Case {
  const char* name;
  const char* text;
};

// Each construct of the subset: the fast reader must take it, and agree with yaml-cpp.
TEST(YamlTree, SubsetConstructsTakeTheFastPathAndAgree) {
  const Case cases[] = {
      {"nested block maps", "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n"},
      {"indented root map", "  a: 1\n  b: 2\n"},
      {"flow map in a block map", "v:\n  lan: {match: [192.168.1.0/24], zonefile: lan.zone}\n"},
      {"list of quoted names", "n: [\"a.example\", 'b.example', \"c\", '']\n"},
      {"comments after values", "a: 1   # one\nb: [x]  # two\nc: \"q\" # three\n# end\n"},
      {"quoted star keys", "\"*\": {lan: gateway}\n'*.proxy': bifrost\n\"*.dev\": [a]\n"},
      {"empty values", "a:\nb:\n  c:\nd: 1\n"},
      {"empty values before a dedent", "r:\n  w:\n  x:\ny:\n"},
      {"key at the end of the file", "a: 1\nkey:"},
      {"key at the end after spaces", "r:\n  w:\n "},
      {"key at the end after a comment", "r:\n  w:\n  # done"},
      {"duplicate keys", "d: 1\nd: 2\nd:\n"},
      {"unicode", "u: \"héllo 世界 😀\"\n\"ключ\": значение\n€: ['€']\n"},
      {"escapes", "e: \"a\\tb\\n\\\"q\\\" \\\\ \\x41 \\u00e9 \\U0001F600 \\/ \\0 \\N \\_ \\L\"\n"},
      {"escaped trailing line breaks", "q: \"a\\n\\n\"\nr: \"\\n\"\ns: \"b\\n\n\n\"\n"},
      {"single-quote escape", "s: 'it''s ''quoted'''\n"},
      {"trailing spaces", "t: value   \nu: x  \nv: [a ]  \n"},
      {"windows line endings", "a: 1\r\nb:\r\n  - x\r\n  - \"y\"\r\nc: {d: e}\r\n"},
      {"null and tilde", "a: null\nb: ~\nc: Null\nd: NULL\ne: \"null\"\nf: nULL\n"},
      {"null keys", "~: a\nnull: b\n"},
      {"keys with spaces", "my key: my value\nk2  :  v2\n"},
      {"list at the key's indent", "list:\n- a\n- b\nnext: 1\n"},
      {"indented list", "list:\n  - a\n  -\n  - c\n"},
      {"empty list items", "- \n- # nothing\n-\n"},
      {"maps in a list", "- a: 1\n  b: [x]\n- c:\n    d: e\n- f: g\n"},
      {"lists in a list", "- - a\n  - b\n-   - c\n"},
      {"value on the next line", "big:\n    [1, 2,\n     3]\nk:\n  v\nq:\n  \"x\"\n"},
      {"multi-line flow", "x: {a: 1,\n  b: [2,\n 3], c}\ny: [a,\n  b\n  ]\n"},
      {"flow map keys without values", "{a, b: , c: 1, d:}\n"},
      {"compact maps in a flow list", "[a: b, \"c\": d, e:, f: [g]]\n"},
      {"json style", "{\"a\":1, \"b\":[\"c\",\"d\"], \"e\":{}}\n"},
      {"trailing commas", "x: [a, b,]\ny: {c: d,}\n"},
      {"empty collections", "a: []\nb: {}\nc: [[], {}]\n"},
      {"plain scalars with indicators inside",
       "a: b#c\nd: x:y\ne: -1\nf: a, b [c] {d}\ng: http://x/y\n"},
      {"multi-line double quotes", "q: \"one\n  two\n\n  three\\\n  four\"\n"},
      {"multi-line single quotes", "q: 'one\n\n\n  two  '\n"},
      {"a scalar document", "hello world\n"},
      {"a flow document", "[1, {a: b}]\n"},
      {"only comments", "# nothing\n\n   # here\n"},
      {"empty text", ""},
      {"a tilde document", "~\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(agrees(c.text)) << "the fast reader declined " << quoted(c.text);
  }
}

// Outside the subset: the fast reader declines, and parse() gives yaml-cpp's reading.
TEST(YamlTree, OtherYamlFallsBackToYamlCpp) {
  const Case cases[] = {
      {"anchor and alias", "a: &x [1, 2]\nb: *x\n"},
      {"tag", "a: !!str 1\n"},
      {"literal block scalar", "a: |\n  text\n"},
      {"folded block scalar", "a: >\n  text\n"},
      {"document start", "---\na: 1\n"},
      {"document end", "a: 1\n...\n"},
      {"directive", "%YAML 1.2\n---\na: 1\n"},
      {"complex key", "? a\n: b\n"},
      {"multi-line plain scalar", "a: one\n  two\n"},
      {"tab", "a:\tb\n"},
      {"byte order mark",
       "\xEF\xBB\xBF"
       "a: 1\n"},
      {"lone carriage return", "a: 1\rb: 2\n"},
      {"control byte", "a: \x01\n"},
      {"invalid UTF-8", "a: \xC3\n"},
      {"empty flow entry", "[a, , b]\n"},
      {"comment glued to a quote", "a: \"b\"#c\n"},
      {"content after the root", "  a: 1\nb: 2\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_FALSE(agrees(c.text));
    expectSameAsYamlCpp(c.text);
  }
  // And parse() does use the fast tree when it can: it keeps the text's own bytes.
  Tree fast = parse("a: [b]\n");
  EXPECT_EQ(fast.root().value(0).item(0).scalar(), "b");
}

// yaml-cpp takes "key:" as a key only when the ':' is on the key's line and at most 1024
// characters after its start; beyond that it is an error, which the fast reader leaves to it.
TEST(YamlTree, KeysAreSimpleKeysAsInYamlCpp) {
  const std::string near(1000, 'k');
  const std::string far(1100, 'k');
  EXPECT_TRUE(agrees(near + ": v\n"));
  EXPECT_TRUE(agrees("{" + near + ": v}\n"));
  EXPECT_TRUE(agrees("[" + near + ": v]\n"));
  for (const std::string& text :
       {far + ": v\n", "{" + far + ": v}\n", "[" + far + ": v]\n", "{" + far + "}\n",
        std::string("\"a\n b\": c\n"), std::string("{\"a\n b\": c}\n"),
        std::string("[\"a\n b\": c]\n")}) {
    SCOPED_TRACE(quoted(text));
    EXPECT_FALSE(agrees(text));
    EXPECT_THROW(parse(text), ParseError);
    expectSameAsYamlCpp(text);
  }
}

// yaml-cpp's conventions, written out: the differential tests hold the fast reader to them.
TEST(YamlTree, MarksFollowYamlCpp) {
  Tree t = parse("a:\nb: 1\nc: {d, e: }\nf:\n- x\ng:");
  Node root = t.root();
  ASSERT_TRUE(root.isMap());
  EXPECT_FALSE(root.isFlow());
  EXPECT_EQ(root.size(), 5u);
  // An empty value is marked at the token after it: here the next key.
  EXPECT_TRUE(root.value(0).isNull());
  EXPECT_EQ(root.value(0).mark().line, 1);
  EXPECT_EQ(root.value(0).mark().column, 0);
  // A flow map key without ':' gets a null marked at the ',' after it; an empty value at the '}'.
  Node flow = root.value(2);
  EXPECT_TRUE(flow.isFlow());
  EXPECT_EQ(flow.mark().column, 3);
  EXPECT_EQ(flow.value(0).mark().column, 5);
  EXPECT_EQ(flow.value(1).mark().column, 10);
  // A list at its key's indent is marked at its '-'.
  EXPECT_TRUE(root.value(3).isSequence());
  EXPECT_EQ(root.value(3).mark().line, 4);
  EXPECT_EQ(root.value(3).mark().column, 0);
  // The last empty value, at the end of the text: column 0 of the last line.
  EXPECT_EQ(root.value(4).mark().line, 5);
  EXPECT_EQ(root.value(4).mark().column, 0);
}

// What parse() needs of the fast reader: a text it declines comes back as it was, so yaml-cpp
// reads it without a copy; a text it reads moves into the tree.
TEST(YamlFastReader, ReadFastHandsBackTheTextItDeclines) {
  std::string declined = "a: &x 1\n";
  Tree tree;
  EXPECT_FALSE(readFast(&declined, &tree));
  EXPECT_EQ(declined, "a: &x 1\n");
  EXPECT_FALSE(tree.root().isDefined());
  std::string read = "a: [b, c]\n";
  EXPECT_TRUE(readFast(&read, &tree));
  EXPECT_EQ(tree.root().value(0).item(1).scalar(), "c");
}

}  // namespace
}  // namespace horizon::zone::yaml
