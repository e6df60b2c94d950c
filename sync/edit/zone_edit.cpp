// Text-level edits of a zone YAML file, located with yaml-cpp's marks of the parsed original.
#include "horizon/edit/zone_edit.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

namespace horizon::edit {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool validLabel(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// True for "192.0.2.1": four decimal octets.
bool parseDottedQuad(const std::string& s) {
  int parts = 0, digits = 0, value = 0;
  for (char c : s) {
    if (c == '.') {
      if (digits == 0) return false;
      ++parts, digits = 0, value = 0;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      value = value * 10 + (c - '0');
      if (++digits > 3 || value > 255) return false;
    } else {
      return false;
    }
  }
  return parts == 3 && digits > 0;
}

// A scalar as YAML text: plain when it reads back as the same string, else double-quoted (names
// such as "null", "yes" or "1e3" would otherwise become other types; IPv6 has colons).
std::string yamlScalar(const std::string& s) {
  static const char* kSpecial[] = {"null", "~",   "true", "false", "yes", "no",
                                   "on",   "off", "y",    "n",     ""};
  if (parseDottedQuad(s)) return s;  // an IPv4 address reads back as a string
  bool plain = !s.empty() && !std::isdigit(static_cast<unsigned char>(s[0])) && s[0] != '-' &&
               s[0] != '*' && s[0] != '.';
  for (const char* word : kSpecial) plain = plain && lower(s) != word;
  for (char c : s)
    plain =
        plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  if (plain) return s;
  // Addresses and names never hold quotes or backslashes; escape anyway to stay valid YAML.
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Offsets where each line starts (a final entry for the end of the text).
std::vector<std::size_t> lineStarts(const std::string& text) {
  std::vector<std::size_t> starts{0};
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n' && i + 1 < text.size()) starts.push_back(i + 1);
  return starts;
}

std::string_view lineAt(const std::string& text, const std::vector<std::size_t>& starts,
                        std::size_t line) {
  std::size_t begin = starts[line];
  std::size_t end = text.find('\n', begin);
  if (end == std::string::npos) end = text.size();
  return std::string_view(text).substr(begin, end - begin);
}

std::size_t lineEndWithNewline(const std::string& text, std::size_t pos) {
  std::size_t end = text.find('\n', pos);
  return end == std::string::npos ? text.size() : end + 1;
}

bool blankOrComment(std::string_view line) {
  auto first = line.find_first_not_of(" \t\r");
  return first == std::string_view::npos || line[first] == '#';
}

int indentOf(std::string_view line) {
  return static_cast<int>(line.find_first_not_of(' '));
}

// The offset just after a quoted scalar starting at `pos` (which holds the quote).
std::size_t skipQuoted(const std::string& text, std::size_t pos) {
  const char quote = text[pos];
  for (std::size_t i = pos + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is an escaped quote in single-quoted scalars
        continue;
      }
      return i + 1;
    }
  }
  return text.size();
}

// The end of a scalar inside a flow collection that starts at `pos`.
std::size_t flowScalarEnd(const std::string& text, std::size_t pos) {
  if (text[pos] == '"' || text[pos] == '\'') return skipQuoted(text, pos);
  std::size_t i = pos;
  while (i < text.size() && text[i] != ',' && text[i] != ']' && text[i] != '}' && text[i] != '\n' &&
         !(text[i] == '#' && i > pos && text[i - 1] == ' '))
    ++i;
  while (i > pos && (text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\r')) --i;
  return i;
}

// The offset of the bracket closing the flow collection opened at `open`.
std::size_t flowEnd(const std::string& text, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"' || c == '\'') {
      i = skipQuoted(text, i) - 1;
    } else if (c == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) {
      i = lineEndWithNewline(text, i) - 1;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth == 0) return i;
    }
  }
  return std::string::npos;
}

// The offset just after the ':' that follows the key at `key_pos`.
std::size_t afterKeyColon(const std::string& text, std::size_t key_pos) {
  std::size_t i = key_pos;
  if (text[i] == '"' || text[i] == '\'') i = skipQuoted(text, i);
  std::size_t colon = text.find(':', i);
  return colon == std::string::npos ? std::string::npos : colon + 1;
}

// Where a new last entry of a block collection goes: the line after its last line of content
// (trailing blank and comment lines stay with whatever follows). `first_line` is the 0-based
// line of its first entry and `indent` that entry's column.
std::size_t blockInsertOffset(const std::string& text, const std::vector<std::size_t>& starts,
                              std::size_t first_line, int indent) {
  std::size_t boundary = starts.size();
  for (std::size_t l = first_line + 1; l < starts.size(); ++l) {
    std::string_view line = lineAt(text, starts, l);
    if (blankOrComment(line)) continue;
    if (indentOf(line) < indent) {
      boundary = l;
      break;
    }
  }
  std::size_t end = boundary;
  while (end > first_line + 1 && blankOrComment(lineAt(text, starts, end - 1))) --end;
  return end < starts.size() ? starts[end] : text.size();
}

// Inserts `line` (without newline) as a whole line at `offset`, a line start or the end.
std::string insertLine(const std::string& text, std::size_t offset, const std::string& line) {
  std::string out = text;
  if (offset == text.size()) {
    if (!text.empty() && text.back() != '\n') out += '\n';
    return out + line + "\n";
  }
  return out.insert(offset, line + "\n");
}

struct Entry {
  YAML::Node key, value;
};

std::optional<Entry> findKey(const YAML::Node& map, const std::string& name) {
  for (auto it = map.begin(); it != map.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == name) return Entry{it->first, it->second};
  return std::nullopt;
}

TextEdit refused(const std::string& text, std::string message) {
  return {TextEdit::Status::kRefused, text, std::move(message)};
}
TextEdit unchanged(const std::string& text, std::string message) {
  return {TextEdit::Status::kUnchanged, text, std::move(message)};
}
TextEdit changed(std::string text) {
  return {TextEdit::Status::kChanged, std::move(text), {}};
}

// The parsed document and its `public` map, or the reason there is none to edit.
struct PublicSection {
  YAML::Node root;
  std::optional<Entry> pub;
  std::string error;
};

PublicSection findPublic(const std::string& text) {
  PublicSection out;
  try {
    out.root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    out.error = std::string("YAML syntax error: ") + e.what();
    return out;
  }
  if (!out.root.IsMap()) {
    out.error = "the file is not a YAML map";
    return out;
  }
  out.pub = findKey(out.root, "public");
  if (!out.pub) {
    out.error =
        "the file has no 'public' section; add one with 'via' (the target that "
        "publishes services) first";
  } else if (!out.pub->value.IsMap()) {
    out.error = "'public' (line " + std::to_string(out.pub->key.Mark().line + 1) +
                ") is not a map; it needs 'via' and 'services'";
    out.pub.reset();
  }
  return out;
}

// A top-level domain, for telling a full name typed without its trailing dot from a relative
// one: every two-letter label (the country-code space, ISO 3166), an IDN TLD, the zone's own
// TLD, the generic TLDs people are likely to type, and the special-use names of RFC 6761 and
// later. A relative name may still end in one of these when it is typed in full.
bool topLevelDomain(std::string_view label, std::string_view zone) {
  static const char* const kGeneric[] = {
      "com",  "net",     "org",     "edu",   "gov",  "mil",   "int",       "arpa",
      "info", "biz",     "app",     "dev",   "page", "cloud", "xyz",       "online",
      "site", "tech",    "shop",    "store", "blog", "local", "localhost", "internal",
      "test", "example", "invalid", "onion", "alt"};
  if (label.size() == 2 && std::isalpha(static_cast<unsigned char>(label[0])) &&
      std::isalpha(static_cast<unsigned char>(label[1])))
    return true;
  if (label.starts_with("xn--")) return true;
  const std::size_t dot = zone.rfind('.');
  if (label == (dot == std::string_view::npos ? zone : zone.substr(dot + 1))) return true;
  return std::any_of(std::begin(kGeneric), std::end(kGeneric),
                     [&](const char* tld) { return label == tld; });
}

// relativeName's work. `typed`: a name someone typed, where a dotted name ending in a top-level
// domain is a full name; otherwise a key written in the file, which the loader reads as relative.
std::optional<std::string> relativeTo(std::string_view name, std::string_view zone_origin,
                                      std::string* error, bool typed) {
  auto fail = [&](const std::string& why) -> std::optional<std::string> {
    if (error) *error = "'" + std::string(name) + "': " + why;
    return std::nullopt;
  };
  std::string zone = lower(zone_origin);
  if (!zone.empty() && zone.back() == '.') zone.pop_back();
  std::string text = lower(name);
  if (text.empty()) return fail("empty name");
  if (text == "@") return fail("the zone apex cannot be a service; give a name below " + zone);
  const bool absolute = text.back() == '.';
  if (absolute) text.pop_back();
  if (text == zone) return fail("the zone apex cannot be a service; give a name below " + zone);
  const std::string suffix = "." + zone;
  std::string outside;  // the top-level domain a typed full name ends in
  if (text.size() > suffix.size() && text.ends_with(suffix)) {
    text.resize(text.size() - suffix.size());
  } else if (absolute) {
    return fail("outside the zone " + zone);
  } else if (const auto dot = text.rfind('.');
             typed && dot != std::string::npos && topLevelDomain(text.substr(dot + 1), zone)) {
    outside = text.substr(dot + 1);
  }
  if (text.size() + suffix.size() + 2 > 255) return fail("longer than 255 octets");
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = text.find('.', start);
    std::string_view label = std::string_view(text).substr(
        start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label == "*") return fail("wildcards cannot be services or hosts");
    if (label.empty()) return fail("empty label");
    if (!validLabel(label))
      return fail("label '" + std::string(label) + "' must be 1 to 63 letters, digits, '-' or '_'");
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (!outside.empty())
    return fail("a full name outside the zone " + zone + " ('" + outside +
                "' is a top-level domain); to mean " + text + "." + zone + ", type it in full");
  return text;
}

}  // namespace

std::optional<std::string> relativeName(std::string_view name, std::string_view zone_origin,
                                        std::string* error) {
  return relativeTo(name, zone_origin, error, /*typed=*/true);
}

TextEdit addPublicService(const std::string& text, const std::string& service) {
  PublicSection section = findPublic(text);
  if (!section.pub) return refused(text, section.error);
  const YAML::Node& pub = section.pub->value;
  const std::string item = yamlScalar(service);
  const auto starts = lineStarts(text);
  std::optional<Entry> services = findKey(pub, "services");

  if (!services) {
    if (pub.Style() == YAML::EmitterStyle::Flow) {
      std::size_t close = flowEnd(text, pub.Mark().pos);
      if (close == std::string::npos) return refused(text, "cannot find the end of 'public'");
      std::size_t at = close;
      while (at > 0 && (text[at - 1] == ' ' || text[at - 1] == '\n')) --at;
      std::string out = text;
      return changed(
          out.insert(at, (text[at - 1] == '{' ? "" : ", ") + ("services: [" + item) + "]"));
    }
    // Block map: a new last key at the indentation of the first.
    const YAML::Mark first = pub.begin()->first.Mark();
    std::size_t at = blockInsertOffset(text, starts, first.line, first.column);
    return changed(
        insertLine(text, at, std::string(first.column, ' ') + "services: [" + item + "]"));
  }

  const YAML::Node& list = services->value;
  if (list.IsNull()) {
    // `services:` with no value, or `~`/`null`: the value becomes a flow list on that line.
    std::string out = text;
    const YAML::Mark value = list.Mark();
    if (value.line == services->key.Mark().line &&
        static_cast<std::size_t>(value.pos) < text.size() && text[value.pos] != '#' &&
        text[value.pos] != '\n') {
      std::size_t end = flowScalarEnd(text, value.pos);
      return changed(out.replace(value.pos, end - value.pos, "[" + item + "]"));
    }
    std::size_t colon = afterKeyColon(text, services->key.Mark().pos);
    if (colon == std::string::npos) return refused(text, "cannot find 'services:'");
    return changed(out.insert(colon, " [" + item + "]"));
  }
  if (!list.IsSequence())
    return refused(
        text, "public.services (line " + std::to_string(list.Mark().line + 1) + ") is not a list");
  for (const auto& existing : list)
    if (existing.IsScalar() && lower(existing.Scalar()) == service)
      return unchanged(text, service + " is already in public.services (line " +
                                 std::to_string(existing.Mark().line + 1) + ")");

  std::string out = text;
  if (list.Style() == YAML::EmitterStyle::Flow) {
    const std::size_t open = list.Mark().pos;
    if (list.size() == 0) {
      std::size_t close = flowEnd(text, open);
      if (close == std::string::npos) return refused(text, "cannot find the end of the list");
      return changed(out.replace(open + 1, close - open - 1, item));
    }
    // After the last item itself, so a comment on a later line of a multi-line list stays put.
    const YAML::Node last = list[list.size() - 1];
    std::size_t end = flowScalarEnd(text, last.Mark().pos);
    return changed(out.insert(end, ", " + item));
  }
  // Block list: a new item line after the last, with the same indentation and dash.
  const YAML::Node last = list[list.size() - 1];
  const YAML::Mark mark = last.Mark();
  std::string prefix(lineAt(text, starts, mark.line).substr(0, mark.column));
  if (prefix.find('-') == std::string::npos) prefix = std::string(mark.column, ' ') + "- ";
  return changed(insertLine(text, lineEndWithNewline(text, mark.pos), prefix + item));
}

TextEdit removePublicService(const std::string& text, const std::string& service) {
  PublicSection section = findPublic(text);
  if (!section.pub) return refused(text, section.error);
  std::optional<Entry> services = findKey(section.pub->value, "services");
  if (!services || !services->value.IsSequence())
    return unchanged(text, service + " is not in public.services");
  const YAML::Node& list = services->value;
  std::optional<YAML::Node> found;
  for (const auto& existing : list)
    if (existing.IsScalar() && lower(existing.Scalar()) == service)
      found.emplace(static_cast<const YAML::Node&>(existing));
  if (!found) return unchanged(text, service + " is not in public.services");

  std::string out = text;
  const std::size_t start = found->Mark().pos;
  if (list.Style() == YAML::EmitterStyle::Flow) {
    const std::size_t end = flowScalarEnd(text, start);
    std::size_t after = end;
    while (after < text.size() && (text[after] == ' ' || text[after] == '\t')) ++after;
    if (after < text.size() && text[after] == ',') {
      ++after;
      while (after < text.size() && (text[after] == ' ' || text[after] == '\t')) ++after;
      return changed(out.erase(start, after - start));
    }
    std::size_t before = start;
    while (before > 0 && (text[before - 1] == ' ' || text[before - 1] == '\t')) --before;
    if (before > 0 && text[before - 1] == ',')
      return changed(out.erase(before - 1, end - before + 1));
    return changed(out.erase(start, end - start));  // the only item: `[]` remains
  }
  // Block list: the item's line goes; the last item leaves `services: []` so the key stays valid.
  const auto starts = lineStarts(text);
  const std::size_t line_begin = starts[found->Mark().line];
  out.erase(line_begin, lineEndWithNewline(text, start) - line_begin);
  if (list.size() == 1) {
    std::size_t colon = afterKeyColon(text, services->key.Mark().pos);
    if (colon != std::string::npos && colon < line_begin) out.insert(colon, " []");
  }
  return changed(out);
}

TextEdit addViewRecord(const std::string& text, const std::string& owner, const std::string& view,
                       const std::string& address) {
  return addViewRecord(text, owner, {{view, address}});
}

TextEdit addViewRecord(const std::string& text, const std::string& owner,
                       const std::vector<std::pair<std::string, std::string>>& view_addresses) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return refused(text, std::string("YAML syntax error: ") + e.what());
  }
  if (!root.IsMap()) return refused(text, "the file is not a YAML map");
  std::string origin;
  if (auto zone = findKey(root, "zone"); zone && zone->value.IsScalar())
    origin = zone->value.Scalar();
  std::string value;
  for (const auto& [view, address] : view_addresses)
    value += (value.empty() ? "{" : ", ") + view + ": " + yamlScalar(address);
  value += "}";
  const std::string key = yamlScalar(owner);
  std::optional<Entry> records = findKey(root, "records");
  if (!records) return changed(insertLine(text, text.size(), "records:\n  " + key + ": " + value));
  const auto starts = lineStarts(text);
  if (records->value.IsNull()) {
    const std::size_t at = lineEndWithNewline(text, records->key.Mark().pos);
    return changed(insertLine(text, at, "  " + key + ": " + value));
  }
  if (!records->value.IsMap() || records->value.Style() == YAML::EmitterStyle::Flow)
    return refused(text, "'records' (line " + std::to_string(records->key.Mark().line + 1) +
                             ") is not a block map; add the record by hand");
  for (auto it = records->value.begin(); it != records->value.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    std::string written = it->first.Scalar();
    auto relative = written == "@" ? std::optional<std::string>("@")
                                   : relativeTo(written, origin, nullptr, false);
    if (relative && *relative == owner)
      return refused(text, owner + " already has an entry in records (line " +
                               std::to_string(it->first.Mark().line + 1) + "); change it by hand");
  }
  // Align the value with the last entry's value when it starts on its key's line, as people
  // usually align these columns.
  YAML::Mark first = records->value.begin()->first.Mark();
  YAML::Node last_key, last_value;
  for (auto it = records->value.begin(); it != records->value.end(); ++it) {
    last_key = it->first;
    last_value = it->second;
  }
  std::string line = std::string(first.column, ' ') + key + ":";
  const YAML::Mark value_mark = last_value.Mark();
  const int width = static_cast<int>(line.size());
  if (value_mark.line == last_key.Mark().line && value_mark.column > width)
    line += std::string(value_mark.column - width, ' ');
  else
    line += ' ';
  line += value;
  return changed(insertLine(text, blockInsertOffset(text, starts, first.line, first.column), line));
}

std::vector<std::string> lineDiff(const std::string& before, const std::string& after) {
  auto split = [](const std::string& s) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < s.size()) {
      std::size_t end = s.find('\n', start);
      if (end == std::string::npos) end = s.size();
      lines.push_back(s.substr(start, end - start));
      start = end + 1;
    }
    return lines;
  };
  const auto a = split(before), b = split(after);
  // Longest common subsequence of lines; zone files are small.
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<std::string> out;
  std::size_t i = 0, j = 0;
  bool in_hunk = false;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      ++i, ++j;
      in_hunk = false;
      continue;
    }
    if (!in_hunk) out.push_back("@@ line " + std::to_string(i + 1) + " @@");
    in_hunk = true;
    if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]))
      out.push_back("+" + b[j++]);
    else
      out.push_back("-" + a[i++]);
  }
  // Within a hunk, show removals before additions, as diff does.
  std::vector<std::string> sorted;
  for (std::size_t k = 0; k < out.size();) {
    if (out[k].starts_with("@@")) {
      sorted.push_back(out[k++]);
      continue;
    }
    std::size_t end = k;
    while (end < out.size() && !out[end].starts_with("@@")) ++end;
    for (std::size_t x = k; x < end; ++x)
      if (out[x][0] == '-') sorted.push_back(out[x]);
    for (std::size_t x = k; x < end; ++x)
      if (out[x][0] == '+') sorted.push_back(out[x]);
    k = end;
  }
  return sorted;
}

}  // namespace horizon::edit
