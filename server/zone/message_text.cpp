// The escaping and shortening of include/horizon/zone/message_text.hpp.
#include "horizon/zone/message_text.hpp"

namespace horizon::zone {
namespace {

void appendEscaped(std::string& out, unsigned char c) {
  if (c >= 0x20 && c < 0x7f) {
    out.push_back(static_cast<char>(c));
    return;
  }
  out.push_back('\\');
  out.push_back(static_cast<char>('0' + c / 100));
  out.push_back(static_cast<char>('0' + c / 10 % 10));
  out.push_back(static_cast<char>('0' + c % 10));
}

// The first `max` characters of `text` once escaped; never splits an escape.
std::string escapedPrefix(std::string_view text, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < text.size() && out.size() < max; ++i)
    appendEscaped(out, static_cast<unsigned char>(text[i]));
  return out;
}

std::string lengthNote(std::size_t length) {
  return " (" + std::to_string(length) + " characters)";
}

}  // namespace

std::string escapeForLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) appendEscaped(out, static_cast<unsigned char>(c));
  return out;
}

std::string shortValue(std::string_view value, std::size_t max) {
  if (std::string escaped = escapeForLine(value); escaped.size() <= max) return escaped;
  return escapedPrefix(value, max) + "..." + lengthNote(value.size());
}

std::string boundedMessage(std::string_view message) {
  // A quote opens after a non-letter and closes before one: the apostrophe of "zone's" is neither.
  auto isWordChar = [&](std::size_t at) {
    if (at >= message.size()) return false;
    const char c = message[at];
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  auto findOpen = [&](std::size_t from) {
    for (std::size_t at = message.find('\'', from); at != std::string_view::npos;
         at = message.find('\'', at + 1))
      if (at == 0 || !isWordChar(at - 1)) return at;
    return std::string_view::npos;
  };
  auto findClose = [&](std::size_t from) {
    for (std::size_t at = message.find('\'', from); at != std::string_view::npos;
         at = message.find('\'', at + 1))
      if (!isWordChar(at + 1)) return at;
    return std::string_view::npos;
  };
  std::string out;
  std::size_t i = 0;
  while (i < message.size()) {
    const std::size_t open = findOpen(i);
    const std::size_t close =
        open == std::string_view::npos ? std::string_view::npos : findClose(open + 1);
    if (close == std::string_view::npos) {
      out += escapeForLine(message.substr(i));
      break;
    }
    out += escapeForLine(message.substr(i, open + 1 - i));
    const std::string_view quoted = message.substr(open + 1, close - open - 1);
    if (quoted.size() > kMaxQuotedValue) {
      // The closing quote goes before the note, so the shortened value still reads as one.
      out += escapedPrefix(quoted, kMaxQuotedValue) + "...'" + lengthNote(quoted.size());
    } else {
      out += escapeForLine(quoted) + "'";
    }
    i = close + 1;
  }
  if (out.size() > kMaxMessage) {
    const std::size_t length = out.size();
    out.resize(kMaxMessage);
    // Do not leave half an escape at the cut.
    const std::size_t backslash = out.rfind('\\');
    if (backslash != std::string::npos && backslash + 4 > out.size()) out.resize(backslash);
    out += "... (message cut, " + std::to_string(length) + " characters)";
  }
  return out;
}

}  // namespace horizon::zone
