// The metric contract (tests/data/metric_names.txt) and the names a PromQL expression uses, so
// that tests can hold the Grafana dashboard, the alerting rules and a live scrape to one list.
//
// scanPromql is a scanner, not a parser: it tells metric names from function names, keywords,
// label names, strings, numbers and durations, and reads Grafana's variables ($name, ${name},
// $__rate_interval) as opaque. It does not check syntax: promtool does, in
// observability_assets_test.
//
// Typical use:
//   const MetricContract contract = readMetricContract(HORIZON_TEST_DATA "/metric_names.txt");
//   EXPECT_EQ(contractProblems(contract, scanPromql(expr)), std::vector<std::string>{}) << expr;
//   // a live scrape: every name of contract.namesOf("horizond") is exposed, with its labels
#pragma once

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace horizon::test {

/// One metric of the contract.
struct MetricSpec {
  std::string name;
  std::string type;                // counter, gauge or histogram
  std::set<std::string> labels;    // without job and instance, which Prometheus adds
  std::set<std::string> programs;  // horizond, horizon-sync
};

/// The metrics of tests/data/metric_names.txt, by name.
struct MetricContract {
  std::map<std::string, MetricSpec> metrics;

  /// The metric a series name stands for: the name itself, or for NAME_bucket, NAME_sum and
  /// NAME_count the histogram NAME. Null when the contract has no such metric.
  const MetricSpec* find(std::string_view series) const {
    if (auto it = metrics.find(std::string(series)); it != metrics.end()) return &it->second;
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (!series.ends_with(suffix)) continue;
      auto it = metrics.find(std::string(series.substr(0, series.size() - suffix.size())));
      if (it != metrics.end() && it->second.type == "histogram") return &it->second;
    }
    return nullptr;
  }

  /// The label names a series may carry: its metric's labels, "le" on a histogram's _bucket
  /// series, and job and instance. Empty when the contract has no such metric.
  std::set<std::string> labelsOf(std::string_view series) const {
    const MetricSpec* spec = find(series);
    if (!spec) return {};
    std::set<std::string> labels = spec->labels;
    labels.insert({"job", "instance"});
    if (spec->type == "histogram" && series.ends_with("_bucket")) labels.insert("le");
    return labels;
  }

  /// The names a program exposes (for a histogram, NAME; its series are NAME_bucket...).
  std::set<std::string> namesOf(const std::string& program) const {
    std::set<std::string> names;
    for (const auto& [name, spec] : metrics)
      if (spec.programs.count(program)) names.insert(name);
    return names;
  }
};

/// Reads the contract; throws std::runtime_error naming the line of anything malformed, since a
/// silently skipped line would let a wrong name pass.
inline MetricContract readMetricContract(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  MetricContract contract;
  std::string program;
  std::set<std::pair<std::string, std::string>> seen;  // (program, name)
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const auto where = [&] { return path + ":" + std::to_string(number) + ": "; };
    line = line.substr(0, line.find('#'));
    std::istringstream fields(line);
    std::string name, type, labels, extra;
    if (!(fields >> name)) continue;
    if (name.front() == '[') {
      if (name.back() != ']' || name.size() < 3) throw std::runtime_error(where() + "bad section");
      program = name.substr(1, name.size() - 2);
      continue;
    }
    if (program.empty()) throw std::runtime_error(where() + "a metric before any [program]");
    if (!(fields >> type >> labels) || (fields >> extra))
      throw std::runtime_error(where() + "expected NAME TYPE LABELS");
    if (type != "counter" && type != "gauge" && type != "histogram")
      throw std::runtime_error(where() + "unknown type " + type);
    if (!seen.insert({program, name}).second)
      throw std::runtime_error(where() + name + " twice in [" + program + "]");
    MetricSpec spec{name, type, {}, {}};
    if (labels != "-") {
      std::istringstream list(labels);
      for (std::string label; std::getline(list, label, ',');) {
        if (label.empty() || label == "job" || label == "instance" || label == "le")
          throw std::runtime_error(where() + "bad label list " + labels);
        spec.labels.insert(label);
      }
    }
    auto [it, inserted] = contract.metrics.emplace(name, spec);
    if (!inserted && (it->second.type != type || it->second.labels != spec.labels))
      throw std::runtime_error(where() + name + " differs between programs");
    it->second.programs.insert(program);
  }
  return contract;
}

/// A selector in a PromQL expression: `name{label="value", ...}` or a bare `name`.
struct PromqlSelector {
  std::string metric;               // empty for a selector without a name: {__name__=~"..."}
  std::vector<std::string> labels;  // the label names its matchers test
};

/// The names a PromQL expression uses.
struct PromqlNames {
  std::vector<PromqlSelector> selectors;
  /// Label names of by, without, on, ignoring, group_left and group_right.
  std::vector<std::string> grouping_labels;

  /// The metric (series) names of the selectors, each once.
  std::set<std::string> metrics() const {
    std::set<std::string> names;
    for (const auto& s : selectors)
      if (!s.metric.empty()) names.insert(s.metric);
    return names;
  }
};

namespace promql_detail {

inline bool isIdentifierStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
inline bool isIdentifierChar(char c) {
  return isIdentifierStart(c) || std::isdigit(static_cast<unsigned char>(c));
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Identifiers that are never metric names. PromQL's keywords are case-insensitive. The
// aggregation operators are here because they may be followed by `by (...)` rather than by
// `(`, unlike functions.
inline bool isKeyword(std::string_view word) {
  static const std::set<std::string> kWords = {
      "and",          "or",      "unless",  "bool",     "offset",   "atan2",       "sum",
      "min",          "max",     "avg",     "group",    "stddev",   "stdvar",      "count",
      "count_values", "bottomk", "topk",    "quantile", "limitk",   "limit_ratio", "inf",
      "nan",          "by",      "without", "on",       "ignoring", "group_left",  "group_right"};
  return kWords.count(lower(word)) > 0;
}

inline bool takesLabelList(std::string_view word) {
  static const std::set<std::string> kWords = {"by",       "without",    "on",
                                               "ignoring", "group_left", "group_right"};
  return kWords.count(lower(word)) > 0;
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  PromqlNames run() {
    PromqlNames out;
    for (skipSpace(); i_ < text_.size(); skipSpace()) {
      const char c = text_[i_];
      if (c == '"' || c == '\'' || c == '`') {
        skipString();
      } else if (c == '$') {
        skipVariable();
      } else if (c == '[') {
        skipPast(']');  // a range or subquery: durations and variables only
      } else if (c == '{') {
        out.selectors.push_back({"", readMatchers()});
      } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
        while (i_ < text_.size() && (isIdentifierChar(text_[i_]) || text_[i_] == '.')) ++i_;
      } else if (isIdentifierStart(c)) {
        word(out);
      } else {
        ++i_;  // an operator, a comma or a parenthesis
      }
    }
    return out;
  }

 private:
  void word(PromqlNames& out) {
    const std::string name = readIdentifier();
    skipSpace();
    const bool call = i_ < text_.size() && text_[i_] == '(';
    if (takesLabelList(name)) {
      if (call) {
        ++i_;
        for (const auto& label : readLabelList()) out.grouping_labels.push_back(label);
      }
      return;
    }
    if (isKeyword(name) || call) return;  // an operator or a function's name
    PromqlSelector selector{name, {}};
    if (i_ < text_.size() && text_[i_] == '{') selector.labels = readMatchers();
    out.selectors.push_back(selector);
  }

  std::string readIdentifier() {
    const std::size_t start = i_;
    while (i_ < text_.size() && isIdentifierChar(text_[i_])) ++i_;
    return std::string(text_.substr(start, i_ - start));
  }

  // At '{': the label names of `label op "value"` matchers, up to the closing '}'.
  std::vector<std::string> readMatchers() {
    std::vector<std::string> labels;
    ++i_;
    for (skipSpace(); i_ < text_.size() && text_[i_] != '}'; skipSpace()) {
      const char c = text_[i_];
      if (c == '"' || c == '\'' || c == '`') {
        skipString();
      } else if (c == '$') {
        skipVariable();
      } else if (isIdentifierStart(c)) {
        labels.push_back(readIdentifier());
      } else {
        ++i_;  // =, !=, =~, !~ or a comma
      }
    }
    if (i_ >= text_.size()) throw std::invalid_argument("unclosed '{' in " + std::string(text_));
    ++i_;
    return labels;
  }

  // After '(': the names of a label list, up to the closing ')'.
  std::vector<std::string> readLabelList() {
    std::vector<std::string> labels;
    for (skipSpace(); i_ < text_.size() && text_[i_] != ')'; skipSpace()) {
      if (isIdentifierStart(text_[i_]))
        labels.push_back(readIdentifier());
      else
        ++i_;  // a comma
    }
    if (i_ >= text_.size()) throw std::invalid_argument("unclosed '(' in " + std::string(text_));
    ++i_;
    return labels;
  }

  void skipString() {
    const char quote = text_[i_++];
    while (i_ < text_.size() && text_[i_] != quote) {
      if (text_[i_] == '\\' && quote != '`') ++i_;  // raw strings (`...`) have no escapes
      ++i_;
    }
    if (i_ >= text_.size()) throw std::invalid_argument("unclosed string in " + std::string(text_));
    ++i_;
  }

  // Grafana's $name and ${name} (also ${name:format}); Grafana replaces them before Prometheus
  // sees the query.
  void skipVariable() {
    ++i_;
    if (i_ < text_.size() && text_[i_] == '{')
      skipPast('}');
    else
      while (i_ < text_.size() && isIdentifierChar(text_[i_])) ++i_;
  }

  void skipPast(char close) {
    const std::size_t end = text_.find(close, i_);
    if (end == std::string_view::npos)
      throw std::invalid_argument(std::string("no '") + close + "' in " + std::string(text_));
    i_ = end + 1;
  }

  // Blanks and comments (# to the end of the line).
  void skipSpace() {
    while (i_ < text_.size()) {
      if (std::isspace(static_cast<unsigned char>(text_[i_]))) {
        ++i_;
      } else if (text_[i_] == '#') {
        while (i_ < text_.size() && text_[i_] != '\n') ++i_;
      } else {
        break;
      }
    }
  }

  std::string_view text_;
  std::size_t i_ = 0;
};

}  // namespace promql_detail

/// The metric and label names `expr` uses. Throws std::invalid_argument for an unclosed string,
/// brace, bracket or label list.
inline PromqlNames scanPromql(std::string_view expr) {
  return promql_detail::Scanner(expr).run();
}

/// The names a Grafana query variable of a Prometheus data source uses: `label_values(SELECTOR,
/// LABEL)` (LABEL counts as a grouping label of SELECTOR), `label_values(LABEL)`,
/// `query_result(EXPR)` or a plain expression. Grafana's metrics() and label_names() name no
/// metric and throw std::invalid_argument, as they would escape the check.
inline PromqlNames scanGrafanaVariableQuery(std::string_view query) {
  const auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  query = trim(query);
  // The argument list of `function(...)`, or nothing when the query is not such a call.
  const auto arguments = [&](std::string_view function) -> std::optional<std::string_view> {
    if (!query.starts_with(function)) return std::nullopt;
    std::string_view rest = trim(query.substr(function.size()));
    if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') return std::nullopt;
    return trim(rest.substr(1, rest.size() - 2));
  };
  if (auto args = arguments("label_values")) {
    // The label is after the last comma outside braces and strings.
    std::size_t split = std::string_view::npos;
    int depth = 0;
    char quote = 0;
    for (std::size_t i = 0; i < args->size(); ++i) {
      const char c = (*args)[i];
      if (quote) {
        if (c == '\\')
          ++i;
        else if (c == quote)
          quote = 0;
      } else if (c == '"' || c == '\'' || c == '`') {
        quote = c;
      } else if (c == '{' || c == '(') {
        ++depth;
      } else if (c == '}' || c == ')') {
        --depth;
      } else if (c == ',' && depth == 0) {
        split = i;
      }
    }
    PromqlNames names;
    if (split != std::string_view::npos) names = scanPromql(args->substr(0, split));
    names.grouping_labels.emplace_back(
        trim(split == std::string_view::npos ? *args : args->substr(split + 1)));
    return names;
  }
  if (auto args = arguments("query_result")) return scanPromql(*args);
  if (arguments("metrics") || arguments("label_names"))
    throw std::invalid_argument("a variable query that names no metric: " + std::string(query));
  return scanPromql(query);
}

/// What is wrong with the names of one expression, measured against the contract: a metric it
/// does not list (Prometheus's own `up` is allowed), a selector without a metric name, a matcher
/// on a label the metric does not have, or a grouping label that no selector of the expression
/// has. Empty when nothing is.
inline std::vector<std::string> contractProblems(const MetricContract& contract,
                                                 const PromqlNames& names) {
  std::vector<std::string> problems;
  std::set<std::string> available;  // labels of the expression's series
  for (const PromqlSelector& selector : names.selectors) {
    std::set<std::string> labels = contract.labelsOf(selector.metric);
    if (selector.metric == "up") {
      labels = {"job", "instance"};
    } else if (selector.metric.empty()) {
      problems.push_back("a selector without a metric name");
      continue;
    } else if (labels.empty()) {
      problems.push_back("unknown metric " + selector.metric);
      continue;
    }
    for (const std::string& label : selector.labels)
      if (!labels.count(label)) problems.push_back(selector.metric + " has no label " + label);
    available.insert(labels.begin(), labels.end());
  }
  for (const std::string& label : names.grouping_labels)
    if (!available.count(label)) problems.push_back("no series here has the label " + label);
  return problems;
}

}  // namespace horizon::test
