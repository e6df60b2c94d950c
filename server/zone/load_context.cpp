// The state and helpers every step of a load shares (load_context.hpp): locations, diagnostics,
// reading YAML maps, lists and numbers, and the names of the zone file.
#include "load_context.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::zone {

bool isWildcard(std::string_view owner) {
  return owner.size() >= 2 && owner[0] == 1 && owner[1] == '*';
}

// RFC 1035 names as used in this file: letters, digits, '-' and '_' per label.
bool isHostLabelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool isIdentifier(std::string_view s) {
  if (s.empty()) return false;
  auto first = s[0];
  if (!((first >= 'a' && first <= 'z') || (first >= '0' && first <= '9'))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

LoadContext::LoadContext(std::string file, std::string base_dir)
    : file_(std::move(file)), base_dir_(std::move(base_dir)) {
  zone_.source_file = file_;
}

// ---- diagnostics --------------------------------------------------------------------------

SourceLocation LoadContext::at(const yaml::Node& node) const {
  const yaml::Mark mark = node.mark();
  return SourceLocation{file_, mark.line + 1, mark.column + 1};
}

// The file is left empty (it is the zone's own source_file): copying the path into each of
// 100,000s of records would cost an allocation each.
SourceLocation LoadContext::recordAt(const yaml::Node& node) {
  const yaml::Mark mark = node.mark();
  return SourceLocation{std::string(), mark.line + 1, mark.column + 1};
}

SourceLocation LoadContext::located(const SourceLocation& where) const {
  if (!where.file.empty()) return where;
  return SourceLocation{file_, where.line, where.column};
}

void LoadContext::error(SourceLocation where, std::string message) {
  diagnostics_.push_back(
      Diagnostic{Diagnostic::Severity::kError, std::move(where), std::move(message)});
}

void LoadContext::warning(SourceLocation where, std::string message) {
  diagnostics_.push_back(
      Diagnostic{Diagnostic::Severity::kWarning, std::move(where), std::move(message)});
}

// ---- YAML ---------------------------------------------------------------------------------

// The tree keeps duplicate keys, as yaml-cpp does, instead of rejecting them: they are reported
// here, for every map of the file.
std::vector<Entry> LoadContext::entries(const yaml::Node& map, const std::string& what, bool fold) {
  return entriesLazy(
      map, [&] { return what; }, fold);
}

bool LoadContext::present(const Entry& entry, const std::string& what) {
  if (entry.value.isNull() || !entry.value.isDefined()) {
    error(at(entry.key), "'" + entry.name + "' needs a value (" + what + ")");
    return false;
  }
  return true;
}

std::optional<std::uint64_t> LoadContext::number(const yaml::Node& node, const std::string& what,
                                                 std::uint64_t max) {
  if (node.isScalar()) {
    const std::string& s = node.text();
    if (!s.empty() && s.size() <= 10 &&
        std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      std::uint64_t v = std::stoull(s);
      if (v <= max) return v;
    }
  }
  error(at(node), what + " must be an integer from 0 to " + std::to_string(max) +
                      (node.isScalar() ? ", not '" + node.text() + "'" : ""));
  return std::nullopt;
}

std::vector<yaml::Node> LoadContext::scalarList(const yaml::Node& node, const std::string& what) {
  std::vector<yaml::Node> out;
  if (!node.isSequence()) {
    error(at(node), what + " must be a list");
    return out;
  }
  for (const yaml::Node& item : node) {
    if (item.isScalar())
      out.push_back(item);
    else
      error(at(item), what + " must hold plain values, not lists or maps");
  }
  return out;
}

// ---- messages -----------------------------------------------------------------------------

std::string LoadContext::lineText(const SourceLocation& where) const {
  if (where.file.empty() || where.file == file_) return "line " + std::to_string(where.line);
  return where.file + ":" + std::to_string(where.line);
}

std::string LoadContext::viewNames() const {
  std::vector<std::string> names;
  for (const auto& view : zone_.views) names.push_back(view.name);
  return names.empty() ? "none" : join(names);
}

std::string LoadContext::targetNames() const {
  std::vector<std::string> names;
  for (const auto& [name, target] : targets_) names.push_back(name);
  return names.empty() ? "none defined" : join(names);
}

// ---- names --------------------------------------------------------------------------------

std::optional<std::string> LoadContext::hostName(const yaml::Node& node, std::string_view text,
                                                 bool allow_wildcard) {
  if (text == "@") return zone_.origin;
  std::string why;
  std::string_view body = text;
  bool absolute = !body.empty() && body.back() == '.';
  if (absolute) body.remove_suffix(1);
  std::size_t label_start = 0;
  for (std::size_t i = 0; i <= body.size() && why.empty(); ++i) {
    if (i < body.size() && body[i] != '.') continue;
    std::string_view label = body.substr(label_start, i - label_start);
    if (label == "*") {
      if (!allow_wildcard) why = "a wildcard is not allowed here";
      if (label_start != 0) why = "'*' is only allowed as the whole leftmost label";
    } else if (!std::all_of(label.begin(), label.end(), isHostLabelChar)) {
      why = label.find('*') != std::string_view::npos
                ? "'*' is only allowed as the whole leftmost label"
                : "labels hold only letters, digits, '-' and '_'";
    }
    label_start = i + 1;
  }
  if (why.empty() && !absolute && !body.empty() && body.size() <= 63 &&
      body.find('.') == std::string_view::npos && body.size() + 1 + zone_.origin.size() <= 255) {
    // The common case, one relative label ("grafana", "h123"): built directly, one allocation.
    std::string lowered;
    lowered.reserve(1 + body.size() + zone_.origin.size());
    lowered.push_back(static_cast<char>(body.size()));
    for (char c : body) lowered.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
    lowered += zone_.origin;
    return lowered;
  }
  std::optional<std::string> name;
  if (why.empty()) name = wire::nameFromText(text, absolute ? "" : zone_.origin, &why);
  if (!name) {
    error(at(node), "bad name '" + std::string(text) + "': " + why);
    return std::nullopt;
  }
  std::string lowered = wire::lowercaseName(*name);
  if (!wire::isSubdomainOf(lowered, zone_.origin)) {
    error(at(node), "'" + std::string(text) + "' is outside the zone " + zone_.origin_text);
    return std::nullopt;
  }
  return lowered;
}

std::optional<std::string> LoadContext::anyName(const yaml::Node& node, const std::string& what) {
  std::string why;
  const std::string& text = node.text();
  auto name = text == "@" ? std::optional<std::string>(zone_.origin)
                          : wire::nameFromText(text, zone_.origin, &why);
  if (!name) error(at(node), "bad name '" + text + "' for " + what + ": " + why);
  return name;
}

// ---- records ------------------------------------------------------------------------------

void LoadContext::add(const RecordContext& context, std::uint16_t type, std::string_view rdata,
                      const SourceLocation& where) {
  for (int v : context.views) {
    ResourceRecord& record = zone_.views[static_cast<std::size_t>(v)].records.emplace_back();
    record.owner = context.owner;
    record.type = type;
    record.ttl = context.ttl;
    record.rdata = rdata;
    record.allow_private = context.allow_private;
    record.where.line = where.line;
    record.where.column = where.column;
  }
}

}  // namespace horizon::zone
