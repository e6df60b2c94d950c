// The Grafana dashboard (deploy/grafana/horizon.json) and the Prometheus files
// (deploy/prometheus): promtool checks the rules, the scrape example and the syntax of every
// dashboard query, and runs the rules' unit tests; every query of the dashboard and of the rules
// names only metrics and labels of the contract (tests/data/metric_names.txt), since a misspelt
// name shows an empty panel or an alert that never fires, and nothing else would notice. The
// dashboard's structure is checked as Grafana needs it to import cleanly: unique panel ids, every
// panel on the ${datasource} variable, panels inside the grid.
//
// promtool comes from Debian's prometheus package (deploy/install-deps.sh test); $PROMTOOL names
// another. Without it the promtool tests skip; the contract and structure tests still run.
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <map>
#include <set>

#include "metric_contract.hpp"
#include "sync_support.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

const std::string kRules = HORIZON_SOURCE_DIR "/deploy/prometheus/horizon-rules.yaml";
const std::string kRuleTests = HORIZON_SOURCE_DIR "/deploy/prometheus/horizon-rules.test.yaml";
const std::string kScrapeExample = HORIZON_SOURCE_DIR "/deploy/prometheus/prometheus-scrape.yaml";
const std::string kDashboard = HORIZON_SOURCE_DIR "/deploy/grafana/horizon.json";
const std::string kContract = HORIZON_TEST_DATA "/metric_names.txt";
const std::string kDataSource = "${datasource}";

// $PROMTOOL, else promtool on PATH; empty when there is none.
std::string findPromtool() {
  if (const char* env = std::getenv("PROMTOOL"); env && *env) return env;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/promtool";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

constexpr const char* kNoPromtool =
    "promtool not found (Debian package prometheus, `deploy/install-deps.sh test`; or set "
    "PROMTOOL): this check of the Prometheus files is skipped";

CommandResult promtool(const std::string& binary, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv, {});
}

// "expr" of every rule, with "alert NAME" or "record NAME" to say where.
std::vector<std::pair<std::string, std::string>> ruleExpressions(const YAML::Node& rules) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& group : rules["groups"])
    for (const auto& rule : group["rules"])
      out.emplace_back(rule["alert"] ? "alert " + rule["alert"].as<std::string>()
                                     : "record " + rule["record"].as<std::string>(),
                       rule["expr"].as<std::string>());
  return out;
}

// Every panel, the panels of collapsed rows included.
void collectPanels(const Json& list, std::vector<Json>& out) {
  for (const Json& panel : list) {
    out.push_back(panel);
    if (panel.contains("panels")) collectPanels(panel["panels"], out);
  }
}

// `expr` with Grafana's variables replaced as Grafana would, by plausible values: $__interval,
// $__rate_interval and $__range (used in ranges) by 5m, and $name or ${name...} (used in regular
// expressions) by .+
std::string withoutVariables(const std::string& expr) {
  std::string out;
  for (std::size_t i = 0; i < expr.size();) {
    if (expr[i] != '$') {
      out += expr[i++];
      continue;
    }
    std::size_t end = i + 1;
    if (end < expr.size() && expr[end] == '{') {
      end = expr.find('}', end);
      end = end == std::string::npos ? expr.size() : end + 1;
    } else {
      while (end < expr.size() &&
             (std::isalnum(static_cast<unsigned char>(expr[end])) || expr[end] == '_'))
        ++end;
    }
    out += expr.compare(i, 3, "$__") == 0 ? "5m" : ".+";
    i = end;
  }
  return out;
}

class GrafanaDashboard : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_THROW(dashboard_ = Json::parse(slurp(kDashboard))) << kDashboard;
    ASSERT_TRUE(dashboard_.contains("panels")) << "no panels";
    collectPanels(dashboard_["panels"], panels_);
  }

  // The query of a templating variable: a string, or an object with "query" (Grafana 10).
  static std::string variableQuery(const Json& variable) {
    const Json& query = variable["query"];
    return query.is_string() ? query.get<std::string>() : query.value("query", "");
  }

  // Every PromQL expression of the panels' targets, with "panel ID refId R" to say where.
  std::vector<std::pair<std::string, std::string>> targetExpressions() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const Json& panel : panels_)
      for (const Json& target : panel.value("targets", Json::array()))
        out.emplace_back("panel " + std::to_string(panel.value("id", -1)) + " (" +
                             panel.value("title", "") + ") refId " + target.value("refId", ""),
                         target.value("expr", ""));
    return out;
  }

  Json dashboard_;
  std::vector<Json> panels_;
};

TEST_F(GrafanaDashboard, HasTheTemplateVariables) {
  EXPECT_GE(dashboard_.value("schemaVersion", 0), 36) << "datasource references need 36 or later";
  EXPECT_FALSE(dashboard_.value("uid", "").empty());
  std::map<std::string, Json> variables;
  for (const Json& variable : dashboard_["templating"]["list"])
    variables[variable.value("name", "")] = variable;
  ASSERT_TRUE(variables.count("datasource"));
  EXPECT_EQ(variables["datasource"]["type"], "datasource");
  EXPECT_EQ(variables["datasource"]["query"], "prometheus");
  for (const char* name : {"instance", "view"}) {
    ASSERT_TRUE(variables.count(name)) << name;
    EXPECT_EQ(variables[name]["type"], "query") << name;
    EXPECT_TRUE(variableQuery(variables[name]).starts_with("label_values(")) << name;
  }
  for (const auto& [name, variable] : variables) {
    if (variable["type"] != "query") continue;
    EXPECT_EQ(variable["datasource"]["uid"], kDataSource) << "variable " << name;
  }
}

TEST_F(GrafanaDashboard, PanelIdsAreUnique) {
  std::map<int, std::string> seen;
  for (const Json& panel : panels_) {
    ASSERT_TRUE(panel.contains("id") && panel["id"].is_number_integer()) << panel.dump();
    const auto [it, inserted] = seen.emplace(panel["id"].get<int>(), panel.value("title", ""));
    EXPECT_TRUE(inserted) << "id " << it->first << " of \"" << panel.value("title", "")
                          << "\" is also \"" << it->second << "\"";
  }
}

TEST_F(GrafanaDashboard, EveryPanelQueriesTheDataSourceVariable) {
  for (const Json& panel : panels_) {
    const std::string where = "panel \"" + panel.value("title", "") + "\"";
    if (panel["type"] == "row") continue;  // a row only groups panels; it has no query
    ASSERT_TRUE(panel.contains("datasource")) << where;
    EXPECT_EQ(panel["datasource"].value("uid", ""), kDataSource) << where;
    EXPECT_EQ(panel["datasource"].value("type", ""), "prometheus") << where;
    ASSERT_FALSE(panel.value("targets", Json::array()).empty()) << where << " has no query";
    std::set<std::string> ref_ids;
    for (const Json& target : panel["targets"]) {
      EXPECT_FALSE(target.value("expr", "").empty()) << where;
      EXPECT_TRUE(ref_ids.insert(target.value("refId", "")).second) << where << ": refId twice";
      if (target.contains("datasource")) {
        EXPECT_EQ(target["datasource"].value("uid", ""), kDataSource) << where;
      }
    }
  }
}

TEST_F(GrafanaDashboard, PanelsFitTheGridWithoutOverlapping) {
  struct Box {
    int x, y, w, h;
    std::string title;
  };
  std::vector<Box> boxes;
  for (const Json& panel : dashboard_["panels"]) {  // the top level: what is laid out at once
    const Json& g = panel["gridPos"];
    Box box{g.value("x", -1), g.value("y", -1), g.value("w", 0), g.value("h", 0),
            panel.value("title", "")};
    EXPECT_TRUE(box.x >= 0 && box.y >= 0 && box.w > 0 && box.h > 0 && box.x + box.w <= 24)
        << box.title << ": " << g.dump();
    for (const Box& other : boxes)
      EXPECT_FALSE(box.x < other.x + other.w && other.x < box.x + box.w &&
                   box.y < other.y + other.h && other.y < box.y + box.h)
          << "\"" << box.title << "\" overlaps \"" << other.title << "\"";
    boxes.push_back(box);
  }
}

TEST_F(GrafanaDashboard, QueriesNameOnlyMetricsOfTheContract) {
  const MetricContract contract = readMetricContract(kContract);
  std::set<std::string> used;
  auto check = [&](const std::string& where, const PromqlNames& names) {
    EXPECT_FALSE(names.selectors.empty()) << where << " names no metric";
    for (const std::string& problem : contractProblems(contract, names))
      ADD_FAILURE() << where << ": " << problem;
    for (const std::string& metric : names.metrics())
      if (const MetricSpec* spec = contract.find(metric)) used.insert(spec->name);
  };
  const auto expressions = targetExpressions();
  ASSERT_FALSE(expressions.empty());
  for (const auto& [where, expr] : expressions) check(where + ": " + expr, scanPromql(expr));
  for (const Json& variable : dashboard_["templating"]["list"]) {
    if (variable["type"] != "query") continue;
    const std::string query = variableQuery(variable);
    check("variable " + variable.value("name", "") + ": " + query, scanGrafanaVariableQuery(query));
  }
  for (const Json& annotation : dashboard_["annotations"]["list"])
    if (annotation.contains("expr"))
      check("annotation " + annotation.value("name", ""),
            scanPromql(annotation["expr"].get<std::string>()));
  // Every metric has a panel, so that one added to the contract is not forgotten here.
  for (const auto& [name, spec] : contract.metrics)
    EXPECT_TRUE(used.count(name)) << name << " is on no panel";
}

// Each query, its Grafana variables replaced by plausible values, must parse as PromQL: promtool
// checks them as recording rules, the only way it takes a bare expression.
TEST_F(GrafanaDashboard, QueriesAreValidPromql) {
  const std::string binary = findPromtool();
  if (binary.empty()) GTEST_SKIP() << kNoPromtool;
  YAML::Node group;
  group["name"] = "dashboard";
  int n = 0;
  const auto add = [&](std::string expr) {
    YAML::Node rule;
    rule["record"] = "dashboard:query_" + std::to_string(++n);
    rule["expr"] = withoutVariables(expr);
    group["rules"].push_back(rule);
  };
  for (const auto& [where, expr] : targetExpressions()) add(expr);
  for (const Json& variable : dashboard_["templating"]["list"]) {
    if (variable["type"] != "query") continue;
    // label_values(SELECTOR, LABEL): the selector is PromQL, the call is Grafana's.
    const std::string query = variableQuery(variable);
    const std::size_t open = query.find('('), comma = query.rfind(',');
    add(query.starts_with("label_values(") && comma != std::string::npos
            ? query.substr(open + 1, comma - open - 1)
            : query);
  }
  YAML::Node rules;
  rules["groups"].push_back(group);
  TempDir dir;
  YAML::Emitter out;
  out << rules;
  const std::string file = dir.write("dashboard-queries.yaml", out.c_str());
  CommandResult r = promtool(binary, {"check", "rules", file});
  EXPECT_EQ(r.exit_code, 0) << r.all() << slurp(file);
}

class PrometheusRules : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_THROW(rules_ = YAML::LoadFile(kRules)) << kRules; }
  YAML::Node rules_;
};

TEST_F(PrometheusRules, PromtoolChecksTheRules) {
  const std::string binary = findPromtool();
  if (binary.empty()) GTEST_SKIP() << kNoPromtool;
  CommandResult r = promtool(binary, {"check", "rules", kRules});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(r.all().find("duplicate"), std::string::npos) << r.all();
}

TEST_F(PrometheusRules, PromtoolUnitTestsPass) {
  const std::string binary = findPromtool();
  if (binary.empty()) GTEST_SKIP() << kNoPromtool;
  CommandResult r = promtool(binary, {"test", "rules", kRuleTests});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.all().find("SUCCESS"), std::string::npos) << r.all();
}

TEST_F(PrometheusRules, PromtoolChecksTheScrapeExample) {
  const std::string binary = findPromtool();
  if (binary.empty()) GTEST_SKIP() << kNoPromtool;
  // check config also loads the rule file the example names, beside it.
  CommandResult r = promtool(binary, {"check", "config", kScrapeExample});
  EXPECT_EQ(r.exit_code, 0) << r.all();
}

// The unit tests must have teeth: without the guard against low traffic (the second operand of
// `and`), the idle-server and rare-upstream cases have to fail.
TEST_F(PrometheusRules, UnitTestsCatchAMissingIdleGuard) {
  const std::string binary = findPromtool();
  if (binary.empty()) GTEST_SKIP() << kNoPromtool;
  for (const std::string alert : {"HorizonServfailRatioHigh", "HorizonUpstreamTimeouts"}) {
    SCOPED_TRACE(alert);
    YAML::Node rules = YAML::Clone(rules_);
    bool found = false;
    for (auto group : rules["groups"])
      for (auto rule : group["rules"]) {
        if (!rule["alert"] || rule["alert"].as<std::string>() != alert) continue;
        const std::string expr = rule["expr"].as<std::string>();
        const std::size_t guard = expr.rfind("\nand\n");
        ASSERT_NE(guard, std::string::npos) << expr;
        rule["expr"] = expr.substr(0, guard);
        found = true;
      }
    ASSERT_TRUE(found);
    TempDir dir;
    YAML::Emitter out;
    out << rules;
    dir.write("horizon-rules.yaml", out.c_str());
    const std::string tests = dir.write("horizon-rules.test.yaml", slurp(kRuleTests));
    CommandResult r = promtool(binary, {"test", "rules", tests});
    EXPECT_NE(r.exit_code, 0) << r.all();
    EXPECT_NE(r.all().find("alertname: " + alert), std::string::npos) << r.all();
  }
}

TEST_F(PrometheusRules, EveryAlertHasLabelsAnnotationsAndTests) {
  std::set<std::string> alerts;
  for (const auto& group : rules_["groups"])
    for (const auto& rule : group["rules"]) {
      if (!rule["alert"]) continue;
      const std::string name = rule["alert"].as<std::string>();
      alerts.insert(name);
      const std::string severity = rule["labels"]["severity"].as<std::string>("");
      EXPECT_TRUE(severity == "critical" || severity == "warning" || severity == "info")
          << name << ": severity '" << severity << "'";
      for (const char* annotation : {"summary", "description"})
        EXPECT_FALSE(rule["annotations"][annotation].as<std::string>("").empty())
            << name << " has no " << annotation;
    }
  ASSERT_FALSE(alerts.empty());
  // Each alert is tested firing (some exp_alerts) and quiet (an empty exp_alerts).
  std::set<std::string> firing, quiet;
  const YAML::Node tests = YAML::LoadFile(kRuleTests);
  for (const auto& test : tests["tests"])
    for (const auto& check : test["alert_rule_test"]) {
      const std::string name = check["alertname"].as<std::string>();
      (check["exp_alerts"] && check["exp_alerts"].size() > 0 ? firing : quiet).insert(name);
    }
  EXPECT_EQ(firing, alerts) << "alerts never tested firing, or tests of unknown alerts";
  EXPECT_EQ(quiet, alerts) << "alerts never tested quiet, or tests of unknown alerts";
}

TEST_F(PrometheusRules, ExpressionsNameOnlyMetricsOfTheContract) {
  const MetricContract contract = readMetricContract(kContract);
  const auto expressions = ruleExpressions(rules_);
  ASSERT_FALSE(expressions.empty());
  for (const auto& [where, expr] : expressions) {
    const PromqlNames names = scanPromql(expr);
    EXPECT_FALSE(names.selectors.empty()) << where << " names no metric";
    for (const std::string& problem : contractProblems(contract, names))
      ADD_FAILURE() << where << ": " << problem << "\n" << expr;
  }
}

}  // namespace
}  // namespace horizon::test
