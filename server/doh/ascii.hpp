// The ASCII-only text helpers HTTP needs: field names and tokens compare without case, and
// optional whitespace (RFC 9110 5.6.3) is spaces and tabs.
#pragma once

#include <cstddef>
#include <string_view>

namespace horizon::doh {

/// ASCII case-insensitive equality.
inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  const auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  for (std::size_t i = 0; i < a.size(); ++i)
    if (fold(a[i]) != fold(b[i])) return false;
  return true;
}

/// `s` without leading and trailing spaces and tabs.
inline std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace horizon::doh
