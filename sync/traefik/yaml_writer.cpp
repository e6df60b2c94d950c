// YAML for documents built as JSON. Traefik's file provider takes YAML and TOML and its HTTP
// provider JSON; building the document once and writing it twice keeps the two identical.
#include "yaml_writer.hpp"

#include <cctype>
#include <set>
#include <string_view>

namespace horizon::sync {
namespace {

using Json = nlohmann::ordered_json;

// Plain scalars are kept to a conservative set so that no YAML 1.1 or 1.2 parser reads them as
// anything but the same string (no booleans, nulls, numbers, indicators or comments).
bool isPlainSafe(std::string_view s) {
  if (s.empty()) return false;
  auto first = static_cast<unsigned char>(s.front());
  if (!std::isalpha(first) && first != '_') return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '_' && c != '-' && c != '.' && c != '/') return false;
  }
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  static const std::set<std::string> kReserved = {"y",     "n",  "yes", "no",  "true",
                                                  "false", "on", "off", "null"};
  return kReserved.count(lower) == 0;
}

// A double-quoted YAML scalar: backslash, quote and control characters escaped, other bytes
// (UTF-8 included) kept as they are.
std::string doubleQuoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string scalarText(const Json& value) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    return isPlainSafe(s) ? s : doubleQuoted(s);
  }
  if (value.is_null()) return "null";
  return value.dump();  // booleans and numbers read back the same in YAML
}

bool isEmptyCollection(const Json& value) {
  return (value.is_object() || value.is_array()) && value.empty();
}

void writeMap(std::string& out, const Json& map, std::size_t indent);
void writeList(std::string& out, const Json& list, std::size_t indent);

// What follows "key:" or "-": the scalar on the same line, or the collection below it.
void writeAfterIndicator(std::string& out, const Json& value, std::size_t indent) {
  if (isEmptyCollection(value)) {
    out += value.is_object() ? " {}\n" : " []\n";
  } else if (value.is_object()) {
    out += "\n";
    writeMap(out, value, indent + 2);
  } else if (value.is_array()) {
    out += "\n";
    writeList(out, value, indent + 2);
  } else {
    out += " " + scalarText(value) + "\n";
  }
}

void writeMap(std::string& out, const Json& map, std::size_t indent) {
  for (const auto& [key, value] : map.items()) {
    out += std::string(indent, ' ') + scalarText(Json(key)) + ":";
    writeAfterIndicator(out, value, indent);
  }
}

void writeList(std::string& out, const Json& list, std::size_t indent) {
  for (const Json& item : list) {
    if (item.is_object() && !item.empty()) {
      // The map's first key goes on the dash's line; the rest align with it.
      std::string body;
      writeMap(body, item, indent + 2);
      out += std::string(indent, ' ') + "- " + body.substr(indent + 2);
    } else {
      out += std::string(indent, ' ') + "-";
      writeAfterIndicator(out, item, indent);
    }
  }
}

}  // namespace

std::string writeYaml(const nlohmann::ordered_json& document) {
  std::string out;
  writeMap(out, document, 0);
  return out;
}

}  // namespace horizon::sync
