// Weak comparison because If-None-Match asks "do you still have what I cached", where a weak
// tag of the same opaque value is as good as a strong one (RFC 9110 section 13.1.2). Parsing
// stops at the first fault instead of guessing: a missed match costs one full body, a false
// match would keep a stale document in the poller.
#include "entity_tag.hpp"

namespace horizon::metrics {
namespace {

std::string_view withoutWeakPrefix(std::string_view tag) {
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

bool isListSpace(char c) {
  return c == ' ' || c == '\t' || c == ',';
}

}  // namespace

bool noneMatchNames(std::string_view field_value, std::string_view etag) {
  const std::string_view wanted = withoutWeakPrefix(etag);
  std::string_view rest = field_value;
  while (!rest.empty() && isListSpace(rest.front())) rest.remove_prefix(1);
  while (!rest.empty() && isListSpace(rest.back())) rest.remove_suffix(1);
  if (rest == "*") return true;  // any current document; "*" in a list is a fault
  while (!rest.empty()) {
    rest = withoutWeakPrefix(rest);
    // An opaque tag is a quoted string without escapes; a comma inside it belongs to the tag.
    if (!rest.starts_with('"')) return false;
    const auto close = rest.find('"', 1);
    if (close == std::string_view::npos) return false;
    const std::string_view tag = rest.substr(0, close + 1);
    rest.remove_prefix(close + 1);
    if (!rest.empty() && !isListSpace(rest.front())) return false;
    if (tag == wanted) return true;
    while (!rest.empty() && isListSpace(rest.front())) rest.remove_prefix(1);
  }
  return false;
}

}  // namespace horizon::metrics
