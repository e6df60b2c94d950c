// Name conversions for the control plane. Presentation parsing follows RFC 1035 5.1: "\DDD" and
// "\X" escapes, labels of at most 63 octets, names of at most 255 octets.
#include "horizon/wire/name.hpp"

#include <cctype>

#include "presentation.hpp"

namespace horizon::wire {
namespace {

bool fail(std::string* error, const char* message) {
  if (error) *error = message;
  return false;
}

// Appends the labels of `text` (no trailing dot handling) to `out`.
bool appendLabels(std::string_view text, std::string& out, std::string* error) {
  std::string label;
  auto flush = [&]() {
    if (label.empty()) return fail(error, "empty label (two dots in a row, or a leading dot)");
    if (label.size() > kMaxLabelLength) return fail(error, "label longer than 63 octets");
    out.push_back(static_cast<char>(label.size()));
    out += label;
    label.clear();
    return true;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (!flush()) return false;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) return fail(error, "name ends in a lone backslash");
      if (i + 3 < text.size() && isdigit(static_cast<unsigned char>(text[i + 1])) &&
          isdigit(static_cast<unsigned char>(text[i + 2])) &&
          isdigit(static_cast<unsigned char>(text[i + 3]))) {
        int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (v > 255) return fail(error, "escape \\DDD above 255");
        label.push_back(static_cast<char>(v));
        i += 3;
      } else {
        label.push_back(text[++i]);
      }
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0') {
      return fail(error, "whitespace or NUL inside a name");
    } else {
      label.push_back(c);
    }
  }
  return flush();
}

}  // namespace

std::optional<std::string> nameFromText(std::string_view text, std::string_view origin,
                                        std::string* error) {
  std::string out;
  if (text.empty()) {
    fail(error, "empty name");
    return std::nullopt;
  }
  if (text == ".") return std::string(1, '\0');
  bool absolute = text.back() == '.' && !(text.size() >= 2 && text[text.size() - 2] == '\\');
  if (absolute) text.remove_suffix(1);
  if (!appendLabels(text, out, error)) return std::nullopt;
  if (absolute || origin.empty()) {
    if (!absolute && origin.empty()) {
      fail(error, "relative name without an origin");
      return std::nullopt;
    }
    out.push_back('\0');
  } else {
    out.append(origin);
  }
  if (out.size() > kMaxNameLength) {
    fail(error, "name longer than 255 octets");
    return std::nullopt;
  }
  return out;
}

std::string nameToText(std::string_view wire) {
  std::string out;
  std::size_t i = 0;
  while (i < wire.size()) {
    auto len = static_cast<std::uint8_t>(wire[i]);
    if (len == 0) break;
    for (std::size_t j = 1; j <= len && i + j < wire.size(); ++j) {
      appendPresentationOctet(out, static_cast<unsigned char>(wire[i + j]), ".\\\";()@$", true);
    }
    out.push_back('.');
    i += len + 1;
  }
  if (out.empty()) out = ".";
  return out;
}

std::string lowercaseName(std::string_view wire) {
  std::string out(wire);
  std::size_t i = 0;
  while (i < out.size()) {
    auto len = static_cast<std::uint8_t>(out[i]);
    for (std::size_t j = 1; j <= len && i + j < out.size(); ++j)
      out[i + j] = static_cast<char>(foldCase(static_cast<std::uint8_t>(out[i + j])));
    i += len + 1;
    if (len == 0) break;
  }
  return out;
}

bool isSubdomainOf(std::string_view name, std::string_view zone) {
  if (zone.size() > name.size()) return false;
  // Walk labels of `name` until the remainder has the zone's length; it must be a label boundary.
  std::size_t i = 0;
  while (name.size() - i > zone.size()) {
    auto len = static_cast<std::uint8_t>(name[i]);
    if (len == 0) return false;
    i += len + 1;
  }
  return name.size() - i == zone.size() && name.substr(i) == zone;
}

std::size_t labelCount(std::string_view wire) {
  std::size_t n = 0, i = 0;
  while (i < wire.size() && wire[i] != 0) {
    i += static_cast<std::uint8_t>(wire[i]) + 1;
    ++n;
  }
  return n;
}

}  // namespace horizon::wire
