// What every step of a load shares (server/zone/load_context.cpp): locations, reading YAML maps,
// lists and numbers with their problems reported, the names of a zone file, and adding records.
#include "zone/load_context.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"
#include "horizon/zone/yaml_tree.hpp"

namespace horizon::zone {
namespace {

using ::testing::ElementsAre;
namespace type = wire::type;

std::vector<std::string> reports(LoadContext& context) {
  std::vector<std::string> out;
  for (const Diagnostic& d : context.diagnostics()) out.push_back(d.toString());
  return out;
}

// A context for t.yaml whose zone is madhan.app with the views lan and public.
void prepare(LoadContext& context) {
  Zone& zone = context.zone();
  zone.origin = *wire::nameFromText("madhan.app.", "");
  zone.origin_text = "madhan.app.";
  zone.views.resize(2);
  zone.views[0].name = "lan";
  zone.views[1].name = "public";
}

TEST(LoadContext, LocationsAreOneBased) {
  LoadContext context("t.yaml", ".");
  yaml::Tree tree = yaml::parse("a:\n  b: c\n");
  const yaml::Node c = tree.root().value(0).value(0);
  const SourceLocation at = context.at(c);
  EXPECT_EQ(at.file, "t.yaml");
  EXPECT_EQ(at.line, 2);
  EXPECT_EQ(at.column, 6);
  // Records leave the file out; diagnostics put it back, and keep another file's name.
  const SourceLocation record = LoadContext::recordAt(c);
  EXPECT_EQ(record.file, "");
  EXPECT_EQ(record.line, 2);
  EXPECT_EQ(context.located(record).file, "t.yaml");
  EXPECT_EQ(context.located(SourceLocation{"lan.zone", 4, 0}).file, "lan.zone");
  EXPECT_EQ(context.zone().source_file, "t.yaml");
}

TEST(LoadContext, EntriesReportDuplicateAndNonScalarKeys) {
  LoadContext context("t.yaml", ".");
  yaml::Tree tree = yaml::parse("a: 1\nB: 2\n[x]: 3\na: 4\nb: 5\n");
  const std::vector<Entry> plain = context.entries(tree.root(), "the map");
  ASSERT_EQ(plain.size(), 3u);
  EXPECT_EQ(plain[0].name, "a");
  EXPECT_EQ(plain[0].value.scalar(), "1");
  EXPECT_EQ(plain[2].name, "b");
  const std::vector<Entry> folded = context.entries(tree.root(), "the map", /*fold=*/true);
  EXPECT_EQ(folded.size(), 2u);
  EXPECT_THAT(reports(context),
              ElementsAre("t.yaml:3:1: error: a key in the map must be a plain word",
                          "t.yaml:4:1: error: duplicate key 'a' in the map (first at line 1)",
                          "t.yaml:3:1: error: a key in the map must be a plain word",
                          "t.yaml:4:1: error: duplicate key 'a' in the map (first at line 1)",
                          "t.yaml:5:1: error: duplicate key 'b' in the map (first at line 2)"));
}

TEST(LoadContext, EntriesOfBigMapsFindDuplicatesToo) {
  LoadContext context("t.yaml", ".");
  std::string text;
  for (int i = 0; i < 40; ++i) text += "k" + std::to_string(i) + ": x\n";
  text += "K7: y\n";
  yaml::Tree tree = yaml::parse(text);
  int described = 0;
  const std::vector<Entry> entries = context.entriesLazy(
      tree.root(),
      [&] {
        ++described;
        return std::string("records");
      },
      /*fold=*/true);
  EXPECT_EQ(entries.size(), 40u);
  EXPECT_THAT(reports(context),
              ElementsAre("t.yaml:41:1: error: duplicate key 'K7' in records (first at line 8)"));
  EXPECT_EQ(described, 1);  // only for the message
}

TEST(LoadContext, PresentNumberAndScalarList) {
  LoadContext context("t.yaml", ".");
  yaml::Tree tree =
      yaml::parse("empty:\nttl: 99999999999\nneg: -1\nok: 42\nlist: [a, [b], c]\nnot: x\n");
  const std::vector<Entry> e = context.entries(tree.root(), "the file");
  ASSERT_EQ(e.size(), 6u);
  EXPECT_FALSE(context.present(e[0], "a value"));
  EXPECT_TRUE(context.present(e[3], "a value"));
  EXPECT_FALSE(context.number(e[1].value, "ttl", 100).has_value());
  EXPECT_FALSE(context.number(e[2].value, "neg", 100).has_value());
  EXPECT_EQ(context.number(e[3].value, "ok", 100), 42u);
  EXPECT_FALSE(context.number(e[4].value, "list", 100).has_value());
  const std::vector<yaml::Node> items = context.scalarList(e[4].value, "list");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].scalar(), "c");
  EXPECT_TRUE(context.scalarList(e[5].value, "not").empty());
  EXPECT_THAT(reports(context),
              ElementsAre("t.yaml:1:1: error: 'empty' needs a value (a value)",
                          "t.yaml:2:6: error: ttl must be an integer from 0 to 100, not "
                          "'99999999999'",
                          "t.yaml:3:6: error: neg must be an integer from 0 to 100, not '-1'",
                          "t.yaml:5:7: error: list must be an integer from 0 to 100",
                          "t.yaml:5:11: error: list must hold plain values, not lists or maps",
                          "t.yaml:6:6: error: not must be a list"));
}

TEST(LoadContext, HostNamesLieInTheZone) {
  LoadContext context("t.yaml", ".");
  prepare(context);
  yaml::Tree tree = yaml::parse("x\n");
  const yaml::Node node = tree.root();
  auto text = [&](std::string_view name, bool wildcard = false) {
    auto wire_name = context.hostName(node, name, wildcard);
    return wire_name ? wire::nameToText(*wire_name) : std::string("-");
  };
  EXPECT_EQ(text("@"), "madhan.app.");
  EXPECT_EQ(text("Grafana"), "grafana.madhan.app.");
  EXPECT_EQ(text("a.B"), "a.b.madhan.app.");
  EXPECT_EQ(text("Web.Madhan.App."), "web.madhan.app.");
  EXPECT_EQ(text("_sip._tcp"), "_sip._tcp.madhan.app.");
  EXPECT_EQ(text("*", true), "*.madhan.app.");
  EXPECT_EQ(text("*"), "-");
  EXPECT_EQ(text("a.*", true), "-");
  EXPECT_EQ(text("a b"), "-");
  EXPECT_EQ(text("grafana.example.org."), "-");
  EXPECT_THAT(reports(context),
              ElementsAre("t.yaml:1:1: error: bad name '*': a wildcard is not allowed here",
                          "t.yaml:1:1: error: bad name 'a.*': '*' is only allowed as the whole "
                          "leftmost label",
                          "t.yaml:1:1: error: bad name 'a b': labels hold only letters, digits, "
                          "'-' and '_'",
                          "t.yaml:1:1: error: 'grafana.example.org.' is outside the zone "
                          "madhan.app."));
}

TEST(LoadContext, OtherNamesMayLieOutsideTheZone) {
  LoadContext context("t.yaml", ".");
  prepare(context);
  yaml::Tree tree = yaml::parse("[dns1, ns.example.net., \"@\", a..b]\n");
  const yaml::Node list = tree.root();
  EXPECT_EQ(wire::nameToText(*context.anyName(list.item(0), "ns")), "dns1.madhan.app.");
  EXPECT_EQ(wire::nameToText(*context.anyName(list.item(1), "ns")), "ns.example.net.");
  EXPECT_EQ(wire::nameToText(*context.anyName(list.item(2), "ns")), "madhan.app.");
  EXPECT_FALSE(context.anyName(list.item(3), "ns").has_value());
  ASSERT_EQ(context.diagnostics().size(), 1u);
  EXPECT_THAT(context.diagnostics()[0].message, ::testing::HasSubstr("bad name 'a..b' for ns"));
}

TEST(LoadContext, MessagesNameLinesViewsAndTargets) {
  LoadContext context("t.yaml", ".");
  EXPECT_EQ(context.viewNames(), "none");
  EXPECT_EQ(context.targetNames(), "none defined");
  prepare(context);
  context.targets()["gw"];
  context.targets()["bifrost"];
  EXPECT_EQ(context.viewNames(), "lan, public");
  EXPECT_EQ(context.targetNames(), "bifrost, gw");
  EXPECT_EQ(context.lineText(SourceLocation{"", 8, 3}), "line 8");
  EXPECT_EQ(context.lineText(SourceLocation{"t.yaml", 8, 3}), "line 8");
  EXPECT_EQ(context.lineText(SourceLocation{"office.zone", 8, 0}), "office.zone:8");
}

TEST(LoadContext, AddPutsARecordInEachViewOfItsContext) {
  LoadContext context("t.yaml", ".");
  prepare(context);
  const std::string owner = *wire::nameFromText("nas.madhan.app.", "");
  const int both[] = {0, 1};
  RecordContext record{owner, "nas", both, 60, true};
  context.add(record, type::A, std::string("\xc0\xa8\x01\x0a", 4), SourceLocation{"", 5, 8});
  const int public_only[] = {1};
  record.views = public_only;
  record.allow_private = false;
  context.add(record, type::TXT, "\3abc", SourceLocation{"", 6, 8});
  const auto& lan = context.zone().views[0].records;
  const auto& pub = context.zone().views[1].records;
  ASSERT_EQ(lan.size(), 1u);
  ASSERT_EQ(pub.size(), 2u);
  EXPECT_EQ(lan[0].owner, owner);
  EXPECT_EQ(lan[0].type, type::A);
  EXPECT_EQ(lan[0].ttl, 60u);
  EXPECT_TRUE(lan[0].allow_private);
  EXPECT_EQ(lan[0].where.file, "");
  EXPECT_EQ(lan[0].where.line, 5);
  EXPECT_EQ(lan[0].where.column, 8);
  EXPECT_EQ(pub[1].type, type::TXT);
  EXPECT_EQ(pub[1].rdata, "\3abc");
  EXPECT_FALSE(pub[1].allow_private);
}

TEST(LoadContext, NamesOfViewsTargetsAndWildcards) {
  EXPECT_TRUE(isIdentifier("lan"));
  EXPECT_TRUE(isIdentifier("0-a_b"));
  EXPECT_FALSE(isIdentifier("Lan"));
  EXPECT_FALSE(isIdentifier("-a"));
  EXPECT_FALSE(isIdentifier(""));
  EXPECT_TRUE(isWildcard(*wire::nameFromText("*.madhan.app.", "")));
  EXPECT_FALSE(isWildcard(*wire::nameFromText("a.*.madhan.app.", "")));
  EXPECT_FALSE(isWildcard(""));
  EXPECT_EQ(upper("mx"), "MX");
  EXPECT_EQ(lower("Grafana"), "grafana");
  EXPECT_EQ(join({"a", "b", "c"}), "a, b, c");
  EXPECT_EQ(join({"a", "b"}, " and "), "a and b");
  EXPECT_EQ(join({}), "");
}

}  // namespace
}  // namespace horizon::zone
